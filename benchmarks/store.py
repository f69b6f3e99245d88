"""Time the conversation store: the logging overhead per turn, and the review list query at scale.

    .venv/bin/python benchmarks/store.py                          # SQLite and PostgreSQL, 1,000,000 turns
    .venv/bin/python benchmarks/store.py --turns 100000 --only sqlite
    .venv/bin/python benchmarks/store.py --postgres-url postgresql+psycopg://user:pw@host:5432/db

1. Logging overhead: ``SqlStore.append`` of realistic turns (user message, intent, retrieval with three
   passages, answer with citations, and the turn's decision record) on a migrated database: SQLite in a
   temporary file (WAL, as the app opens it) and PostgreSQL, there twice: with the server's default (each
   COMMIT waits for its WAL flush) and with ``synchronous_commit=off`` (SQLite's WAL + synchronous=NORMAL
   guarantee: a crash may lose the last moments, never corrupts). "bare commit" is a one-row UPDATE and
   COMMIT, the floor that the disk sets. Goal: p50 at most 2 ms.
2. The review list (``list_sessions``, 50 a page) for a fixed set of filters over generated turns
   (default one million in about 200,000 sessions over 180 days), each timed 20 times after a warm-up,
   plus 20 pages deep through ``next_cursor``. Goal: overall p95 at most 200 ms.
   The sessions (with their summary columns), turns and feedback are bulk-inserted straight into the
   tables; events are not generated, as the list query never reads them. The SQLite database is kept in
   ``data/bench/`` keyed by turns, seed and schema, so a re-run skips generation (``--regenerate`` forces
   it). PostgreSQL gets its own schema (``bench_store``), dropped at the end; after loading it is
   ``VACUUM ANALYZE``d, as autovacuum would do. SQLite is not ``ANALYZE``d: the app does not do it either.

Prints tables and writes JSON (default ``benchmarks/results/store.json``). PostgreSQL is skipped with a
message when it cannot be reached.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import math
import os
import platform
import random
import re
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, func, insert, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool
from tqdm import tqdm

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from assistant.store import SqlStore, make_engine  # noqa: E402
from assistant.store.db import BATCH_TIMEOUTS  # noqa: E402
from assistant.store.review import LogFilter, list_sessions  # noqa: E402
from assistant.store.search import create_full_text_search, drop_full_text_search  # noqa: E402
from assistant.store.tables import FeedbackRow, SessionRow, TurnRow  # noqa: E402
from dialog.events import BotAnswer, IntentPredicted, RetrievalDone, UserMessage  # noqa: E402
from dialog.store import TurnRecord  # noqa: E402

POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql+psycopg://postgres:postgres@127.0.0.1:5432/test")
SCHEMA = "bench_store"
CACHE_DIR = ROOT / "data" / "bench"
GENERATOR_VERSION = 1  # bump when the generated data changes, so cached databases are made again
END = datetime(2026, 11, 1, 12, 0, tzinfo=timezone.utc)  # the newest generated activity ("now")
DAYS = 180

# -- realistic turns --------------------------------------------------------------------------------------------

# intent: (customer texts, answer), most frequent first; {slots} are filled from the vocabularies below
INTENTS: dict[str, tuple[list[str], str]] = {
    "order_status": (["where is my order {order}", "my {product} has not arrived yet, I ordered it {days} days ago",
                      "can you check the status of order {order}", "tracking says my {product} was delivered but it is not here"],
                     "You can follow order {order} on the Orders page; parcels usually arrive within 3 to 5 working days [1]."),
    "refund_request": (["I want a refund for my {product}", "how long does a refund to my {card} take",
                        "still waiting for the refund for order {order}"],
                       "Refunds go back to your {card} within 5 to 10 working days after we receive the item [1]."),
    "return_policy": (["can I return a {product} I bought {days} days ago", "how do I send back my {product}",
                       "what is your return policy for {product} items"],
                      "You can return most items within 30 days; print the free label from the Orders page [1][2]."),
    "shipping_time": (["how long does shipping to {city} take", "do you deliver to {city}", "when will my {product} ship"],
                      "Standard delivery to {city} takes 2 to 4 working days; express is next day [1]."),
    "cancel_order": (["please cancel order {order}", "I ordered the wrong {product}, can I cancel",
                      "how do I cancel my order"],
                     "Orders can be cancelled from the Orders page until they are packed [1]."),
    "change_address": (["I need to change the delivery address for order {order}", "I moved to {city}, update my address"],
                       "You can change the address until the order ships: Account, Addresses [1]."),
    "payment_failed": (["my {card} payment failed", "why was my {card} declined", "I was charged twice for order {order}"],
                       "A declined {card} payment is usually a bank check; try again or use another method [1]."),
    "account_login": (["I cannot log in to my account", "the login page keeps saying wrong password"],
                      "Try resetting your password from the login page; the link is valid for one hour [1]."),
    "password_reset": (["the password reset email never arrived", "how do I reset my password"],
                       "Check your spam folder; reset emails come from no-reply within a few minutes [1]."),
    "product_availability": (["is the {product} back in stock", "when will you have the {product} again",
                              "do you sell a {product} in {color}"],
                             "The {product} is expected back in stock within two weeks; you can ask for an alert [1]."),
    "delivery_damaged": (["my {product} arrived damaged", "the box was crushed and the {product} is broken"],
                         "Sorry about that! Send us a photo from the Orders page and we send a replacement [1]."),
    "promo_code": (["my promo code does not work", "is there a discount code for the {product}"],
                   "Promo codes apply to full-price items only and cannot be combined [1]."),
    "invoice_request": (["I need an invoice for order {order}", "can I get a VAT invoice for my {product}"],
                        "Invoices can be downloaded as PDF from the Orders page [1]."),
    "warranty_claim": (["my {product} stopped working after {days} days", "is my {product} still under warranty"],
                       "All products have a two-year warranty; start a claim from the Orders page [1][2]."),
    "update_email": (["how do I change my email address", "I want to use a new email for my account"],
                     "Change your email under Account, Profile; we send a confirmation link [1]."),
    "subscription_cancel": (["cancel my subscription", "how do I stop the monthly {product} box"],
                            "You can cancel the subscription any time under Account, Subscriptions [1]."),
    "gift_card": (["my gift card balance is wrong", "can I pay order {order} with a gift card"],
                  "Gift cards can be used at checkout and are valid for three years [1]."),
    "loyalty_points": (["where are my loyalty points for order {order}", "how do loyalty points work"],
                       "Points are added 14 days after delivery, once the return window has closed [1]."),
    "store_hours": (["is your store in {city} open on Sunday", "what are the opening hours in {city}"],
                    "Our {city} store is open Monday to Saturday, 9 to 19 [1]."),
    "data_deletion": (["please delete all my personal data", "I want my account and data removed under GDPR"],
                      "We can delete your account and data; please confirm the request from your email [1]."),
}
PRODUCTS = ["phone case", "charger", "headphones", "backpack", "kettle", "sneakers", "jacket", "laptop stand", "desk lamp",
            "yoga mat", "coffee grinder", "blender", "umbrella", "water bottle", "keyboard", "mouse", "monitor", "tent",
            "sleeping bag", "bike helmet", "scarf", "watch", "sunglasses", "toaster", "frying pan", "duvet", "pillow",
            "towel set", "raincoat", "suitcase", "drone", "camera", "tripod", "speaker", "router", "printer", "vacuum",
            "air fryer", "teapot", "candle", "doormat", "bookshelf", "armchair", "rug", "mirror", "hammock", "kayak",
            "snowboard", "accordion", "telescope"]
CITIES = ["London", "Paris", "Berlin", "Madrid", "Rome", "Amsterdam", "Vienna", "Dublin", "Lisbon", "Prague", "Oslo",
          "Warsaw", "Zurich", "Brussels", "Helsinki", "Reykjavik"]
CARDS = ["Visa", "Mastercard", "PayPal", "Amex", "Klarna"]
COLORS = ["black", "white", "red", "blue", "green", "grey"]
OPENINGS = ["", "", "", "hi, ", "hello, ", "hey there. ", "good morning, ", "quick question: "]
CLOSINGS = ["", "", "", "?", " thanks", " please help", " asap please", "?? this is the second time I ask"]
HANDOFF_TEXTS = ["I want to talk to a person", "let me speak to a human agent", "this is useless, get me a real person"]
ABSTAIN_ANSWER = "Sorry, I could not find that in our help pages. Would you like to talk to a person?"
HANDOFF_ANSWER = "I am connecting you with a colleague; it usually takes less than two minutes."
MODELS = [("qwen2.5-0.5b-instruct", 0.6), ("smollm2-360m-instruct", 0.25), ("extractive", 0.15)]
CHANNELS = [("web", 0.8), ("widget", 0.15), ("api", 0.05)]
TURNS_PER_SESSION = [18, 14, 12, 11, 10, 9, 8, 7, 6, 5]  # weights of 1…10 turns: mean about 4.5


def _zipf(count: int, power: float = 1.1) -> list[float]:
    return [1 / rank**power for rank in range(1, count + 1)]


INTENT_WEIGHTS = _zipf(len(INTENTS))
PRODUCT_WEIGHTS = _zipf(len(PRODUCTS), 1.2)


class TurnMaker:
    """Deterministic realistic customer texts, answers and turn facts from one seeded random generator."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def slots(self) -> dict[str, Any]:
        r = self.rng
        return {"order": f"A{r.randrange(10**6, 10**7)}", "product": r.choices(PRODUCTS, PRODUCT_WEIGHTS)[0],
                "days": r.randint(2, 40), "city": r.choice(CITIES), "card": r.choice(CARDS), "color": r.choice(COLORS)}

    def turn(self, handoff: bool, model: str | None) -> dict[str, Any]:
        """One turn's record fields (without session, time and number)."""
        r = self.rng
        slots = self.slots()
        if handoff:
            intent, user_text, answer = "human_agent", r.choice(HANDOFF_TEXTS), HANDOFF_ANSWER
        else:
            intent = r.choices(list(INTENTS), INTENT_WEIGHTS)[0]
            texts, answer = INTENTS[intent]
            user_text = (r.choice(OPENINGS) + r.choice(texts) + r.choice(CLOSINGS)).format(**slots)
            user_text = user_text[0].upper() + user_text[1:]
            answer = answer.format(**slots)
        abstained = not handoff and r.random() < 0.10
        confidence = round(r.uniform(0.25, 0.99), 3)
        retrieved, sources = [], []
        if not handoff:
            top = r.uniform(0.1, 0.4) if abstained else min(0.95, max(0.1, r.betavariate(5, 2.2)))
            scores = [top, top * r.uniform(0.7, 0.98), top * r.uniform(0.5, 0.9)]
            docs = [f"{intent.replace('_', '-')}/{r.choice(['faq', 'policy', 'howto', 'guide'])}-{r.randint(1, 40)}" for _ in scores]
            retrieved = [{"chunk_id": r.randrange(1, 50_000), "doc_id": d, "score": round(s, 4)} for d, s in zip(docs, scores)]
            if not abstained:
                sources = [{"n": n, "doc_id": d, "title": d.split("/")[0].replace("-", " ").title(), "heading": "Overview",
                            "score": round(s, 4), "cited": n <= 2} for n, (d, s) in enumerate(zip(docs, scores), start=1)]
        if abstained:
            answer = ABSTAIN_ANSWER
        action = "handoff" if handoff else ("clarify" if confidence < 0.3 else "answer")
        understand, retrieve = r.uniform(3, 15), (0 if handoff else r.uniform(8, 40))
        generate = 0 if handoff or model == "extractive" else r.uniform(300, 2500)
        return {
            "user_text": user_text, "intent": intent, "intent_confidence": confidence, "action": action,
            "reason": "customer asked for a person" if handoff else f"kb: top score {retrieved[0]['score']:.2f}",
            "query": None if handoff else user_text.lower(), "retrieved": retrieved, "answer": answer, "sources": sources,
            "abstained": abstained, "handoff": handoff, "model": None if handoff else model,
            "timings_ms": {"understand_ms": round(understand, 1), "retrieve_ms": round(retrieve, 1),
                           "generate_ms": round(generate, 1), "total_ms": round(understand + retrieve + generate + 2, 1)},
            "error": None, "index_version": "kb-2026-10-01",
            "top_score": retrieved[0]["score"] if retrieved else None,
            "latency_ms": round(understand + retrieve + generate + 2, 1),
        }

    def session_id(self) -> str:
        return base64.urlsafe_b64encode(self.rng.randbytes(16)).rstrip(b"=").decode()  # like new_session_id()


def turn_events(fields: dict[str, Any]) -> list:
    """The events of one turn, as the dialog manager appends them."""
    return [
        UserMessage(text=fields["user_text"]),
        IntentPredicted(intent=fields["intent"], confidence=fields["intent_confidence"]),
        RetrievalDone(query=fields["query"] or "", passages=tuple(fields["retrieved"])),
        BotAnswer(text=fields["answer"], action=fields["action"], abstained=fields["abstained"],
                  citations=tuple({k: s[k] for k in ("n", "doc_id", "title", "heading")} for s in fields["sources"])),
    ]


def turn_record(session_id: str, turn_no: int, fields: dict[str, Any]) -> TurnRecord:
    names = set(TurnRecord.__dataclass_fields__)
    return TurnRecord(session_id=session_id, turn_no=turn_no, **{k: v for k, v in fields.items() if k in names})


# -- statistics and output --------------------------------------------------------------------------------------


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


def summary(ms: list[float]) -> dict[str, float]:
    return {"p50_ms": round(percentile(ms, 0.5), 3), "p95_ms": round(percentile(ms, 0.95), 3),
            "mean_ms": round(statistics.fmean(ms), 3), "max_ms": round(max(ms), 3), "n": len(ms)}


def print_table(title: str, header: list[str], rows: list[list[Any]]) -> None:
    cells = [header] + [[f"{c:.2f}" if isinstance(c, float) else str(c) for c in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    print(f"\n{title}")
    for n, row in enumerate(cells):
        print("  " + "  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths))))
        if n == 0:
            print("  " + "  ".join("-" * w for w in widths))


# -- 1. logging overhead ----------------------------------------------------------------------------------------


def commit_floor(engine: Engine, session_id: str, repeats: int = 300) -> dict[str, float]:
    """The cheapest write transaction (one row updated, then COMMIT): what the disk's flush costs."""
    statement = text("UPDATE sessions SET channel = channel WHERE id = :id")
    ms = []
    with engine.connect() as connection:
        for _ in range(repeats):
            started = time.perf_counter()
            connection.execute(statement, {"id": session_id})
            connection.commit()
            ms.append((time.perf_counter() - started) * 1000)
    return summary(ms[20:])


def bench_append(engine: Engine, turns: int = 2000, sessions: int = 200, warmup: int = 200, seed: int = 0) -> dict[str, Any]:
    """Time ``SqlStore.append`` of one whole turn (four events and its record), round robin over sessions."""
    store = SqlStore(engine)
    maker = TurnMaker(random.Random(seed))
    ids = [store.create_session("web") for _ in range(sessions)]
    numbers = dict.fromkeys(ids, 0)
    work = []
    for n in range(warmup + turns):
        sid = ids[n % sessions]
        numbers[sid] += 1
        fields = maker.turn(handoff=False, model="qwen2.5-0.5b-instruct")
        work.append((sid, turn_events(fields), turn_record(sid, numbers[sid], fields)))
    ms = []
    for n, (sid, events, record) in enumerate(work):
        started = time.perf_counter()
        store.append(sid, events, record)
        if n >= warmup:
            ms.append((time.perf_counter() - started) * 1000)
    return summary(ms) | {"turns": turns, "sessions": sessions, "warmup": warmup, "commit_floor": commit_floor(engine, ids[0])}


# -- 2. generated logs ------------------------------------------------------------------------------------------


@dataclass
class Chunk:
    sessions: list[dict[str, Any]] = field(default_factory=list)
    turns: list[dict[str, Any]] = field(default_factory=list)
    feedback: list[dict[str, Any]] = field(default_factory=list)


def generate(turns: int, seed: int, chunk_sessions: int = 2000) -> Iterator[Chunk]:
    """``turns`` turns in sessions of 1–10 turns over ``DAYS`` days ending at ``END``, oldest first (as a live
    database fills); sessions carry the summary ``SqlStore.append`` would have kept."""
    rng = random.Random(seed)
    maker = TurnMaker(rng)
    lengths, total = [], 0
    while total < turns:
        lengths.append(rng.choices(range(1, 11), TURNS_PER_SESSION)[0])
        total += lengths[-1]
    lengths[-1] -= total - turns
    span = DAYS * 86400.0 - 3600
    starts = sorted(rng.uniform(0, span) for _ in lengths)
    begin = END - timedelta(days=DAYS)
    models, model_weights = zip(*MODELS)
    channels, channel_weights = zip(*CHANNELS)
    chunk = Chunk()
    for length, start in zip(lengths, starts):
        sid = maker.session_id()
        model = rng.choices(models, model_weights)[0]
        handoff_at = length if rng.random() < 0.08 else 0
        at = begin + timedelta(seconds=start)
        created = at
        rows = []
        for turn_no in range(1, length + 1):
            at += timedelta(seconds=rng.uniform(5, 120))
            rows.append(maker.turn(handoff=turn_no == handoff_at, model=model) | {"session_id": sid, "turn_no": turn_no, "created_at": at})
        up = down = 0
        if rng.random() < 0.05:
            rated = rng.choice(rows)
            bad = rated["abstained"] or rated["handoff"]
            rating = -1 if rng.random() < (0.7 if bad else 0.3) else 1
            up, down = int(rating == 1), int(rating == -1)
            chunk.feedback.append({"session_id": sid, "turn_no": rated["turn_no"], "rating": rating, "source": "customer",
                                   "comment": "not helpful" if rating < 0 and rng.random() < 0.3 else None, "author": None,
                                   "created_at": at + timedelta(seconds=5)})
        scores = [t["top_score"] for t in rows if t["top_score"] is not None]
        last_model = [t["model"] for t in rows if t["model"]]
        chunk.sessions.append({
            "id": sid, "channel": rng.choices(channels, channel_weights)[0], "created_at": created,
            "updated_at": at + timedelta(seconds=(6 if up or down else 0.05)), "title": rows[0]["user_text"][:120],
            "turn_count": length, "any_handoff": any(t["handoff"] for t in rows), "any_abstained": any(t["abstained"] for t in rows),
            "min_top_score": min(scores) if scores else None, "last_model": last_model[-1] if last_model else None,
            "thumbs_up": up, "thumbs_down": down,
        })
        chunk.turns.extend(rows)
        if len(chunk.sessions) >= chunk_sessions:
            yield chunk
            chunk = Chunk()
    if chunk.sessions:
        yield chunk


def load_sqlite(engine: Engine, turns: int, seed: int) -> None:
    """Bulk Core inserts, a transaction per chunk; the full-text index is built once at the end (the same
    ``create_full_text_search`` the migration runs: triggers, then a rebuild from ``turns``)."""
    with engine.begin() as connection:
        drop_full_text_search(connection)
    with tqdm(total=turns, unit="turn", desc="sqlite: insert", unit_scale=True) as bar:
        for chunk in generate(turns, seed):
            with engine.begin() as connection:
                connection.exec_driver_sql("PRAGMA cache_size = -262144")  # 256 MiB while loading: random session ids
                connection.execute(insert(SessionRow), chunk.sessions)
                connection.execute(insert(TurnRow), chunk.turns)
                if chunk.feedback:
                    connection.execute(insert(FeedbackRow), chunk.feedback)
            bar.update(len(chunk.turns))
    started = time.perf_counter()
    with engine.begin() as connection:
        create_full_text_search(connection)
    print(f"sqlite: full-text index built in {time.perf_counter() - started:.0f} s", flush=True)


def _copy(cursor: Any, table: Any, rows: list[dict[str, Any]]) -> None:
    columns = [c.name for c in table.columns if c.name in rows[0]]
    as_json = {c.name for c in table.columns if c.type.__class__.__name__ == "JSON"}
    with cursor.copy(f"COPY {table.name} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row([json.dumps(row[c]) if c in as_json else row[c] for c in columns])


def load_postgres(engine: Engine, turns: int, seed: int) -> None:
    """COPY, a transaction per chunk; the GIN full-text index is made after loading, then VACUUM ANALYZE."""
    with engine.begin() as connection:
        drop_full_text_search(connection)
    raw = engine.raw_connection()
    try:
        pg = raw.driver_connection
        with tqdm(total=turns, unit="turn", desc="postgresql: COPY", unit_scale=True) as bar:
            for chunk in generate(turns, seed):
                with pg.cursor() as cursor:
                    _copy(cursor, SessionRow.__table__, chunk.sessions)
                    _copy(cursor, TurnRow.__table__, chunk.turns)
                    if chunk.feedback:
                        _copy(cursor, FeedbackRow.__table__, chunk.feedback)
                pg.commit()
                bar.update(len(chunk.turns))
    finally:
        raw.close()
    started = time.perf_counter()
    with engine.begin() as connection:
        connection.execute(text("SET maintenance_work_mem = '512MB'"))
        create_full_text_search(connection)
    print(f"postgresql: full-text index built in {time.perf_counter() - started:.0f} s", flush=True)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("VACUUM ANALYZE"))


def _schema_key() -> str:
    """Changes when the migrations (tables, indexes) change: a cached database made with others is stale."""
    digest = hashlib.sha256(str(GENERATOR_VERSION).encode())
    for path in sorted((ROOT / "assistant" / "store" / "migrations" / "versions").glob("*.py")):
        digest.update(path.read_bytes())
    digest.update((ROOT / "assistant" / "store" / "search.py").read_bytes())
    return digest.hexdigest()[:10]


def cached_sqlite(turns: int, seed: int, regenerate: bool) -> tuple[Path, float | None]:
    """The generated SQLite database (made when missing); the generation seconds, None when cached."""
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    path = CACHE_DIR / f"store-{turns}-seed{seed}-{_schema_key()}.db"
    if path.exists() and not regenerate:
        print(f"sqlite: using the cached {path.relative_to(ROOT)} (--regenerate to make it again)")
        return path, None
    for stale in CACHE_DIR.glob(f"store-{turns}-seed{seed}-*"):
        stale.unlink()
    partial = path.with_suffix(".partial")
    for leftover in CACHE_DIR.glob(partial.name + "*"):
        leftover.unlink()
    started = time.perf_counter()
    engine = make_engine(f"sqlite:///{partial}")
    try:
        load_sqlite(engine, turns, seed)
        with engine.connect() as connection:
            connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        engine.dispose()
    partial.rename(path)
    return path, time.perf_counter() - started


# -- the list query ---------------------------------------------------------------------------------------------


def sample_order_number(engine: Engine) -> str:
    """An order number that one generated turn mentions (a reviewer pasting it into the search box)."""
    with engine.connect() as connection:
        row = connection.execute(
            select(TurnRow.user_text).where(TurnRow.id >= 1 + connection.scalar(select(func.max(TurnRow.id))) // 2)
            .where(TurnRow.user_text.like("%order A%")).order_by(TurnRow.id).limit(1)
        ).scalar_one()
    return re.search(r"\bA\d{7}\b", row).group()  # type: ignore[union-attr] (the LIKE found one)


def list_filters(order_number: str) -> list[tuple[str, LogFilter]]:
    day = timedelta(days=1)
    return [
        ("none", LogFilter()),
        ("last 7 days", LogFilter(since=END - 7 * day)),
        ("one week, 3 months ago", LogFilter(since=END - 97 * day, until=END - 90 * day)),
        ("handoff", LogFilter(handoff=True)),
        ("abstained", LogFilter(abstained=True)),
        ("feedback down", LogFilter(feedback="down")),
        ("top score < 0.3", LogFilter(max_top_score=0.3)),
        ("intent order_status (common)", LogFilter(intent="order_status")),
        ("intent data_deletion (rare)", LogFilter(intent="data_deletion")),
        ("model extractive", LogFilter(model="extractive")),
        ("text 'order' (common)", LogFilter(text="order")),
        ("text 'hammock' (rare)", LogFilter(text="hammock")),
        ("text an order number", LogFilter(text=order_number)),
        ("text 'refund visa'", LogFilter(text="refund visa")),
        ("text 'zeppelin' (no match)", LogFilter(text="zeppelin")),
        ("handoff + last 30 days", LogFilter(handoff=True, since=END - 30 * day)),
        ("intent refund_request + text 'paypal'", LogFilter(intent="refund_request", text="paypal")),
        ("intent data_deletion + text 'order'", LogFilter(intent="data_deletion", text="order")),
        ("abstained + model + last 30 days", LogFilter(abstained=True, model="smollm2-360m-instruct", since=END - 30 * day)),
        ("feedback down + top score < 0.3", LogFilter(feedback="down", max_top_score=0.3)),
    ]


DEEP_FILTERS = ("none", "handoff", "feedback down", "intent order_status (common)", "text 'order' (common)")


def _timed(call: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    result = call()
    return (time.perf_counter() - started) * 1000, result


def bench_list(engine: Engine, repeats: int = 20, warmup: int = 3, pages: int = 20, walks: int = 3) -> dict[str, Any]:
    """Per filter: the first page ``repeats`` times after ``warmup``; for DEEP_FILTERS also ``walks`` walks
    ``pages`` pages deep through ``next_cursor`` (after one untimed walk)."""
    filters = list_filters(sample_order_number(engine))
    rows, every = [], []
    for name, log_filter in tqdm(filters, desc=f"{engine.dialect.name}: list", leave=False):
        for _ in range(warmup):
            page = list_sessions(engine, log_filter, page_size=50)
        ms = [_timed(lambda: list_sessions(engine, log_filter, page_size=50))[0] for _ in range(repeats)]
        every += ms
        rows.append({"filter": name, "first_page": len(page.sessions)} | summary(ms))
    deep = []
    for name, log_filter in filters:
        if name not in DEEP_FILTERS:
            continue
        ms, last = [], []
        for walk in range(walks + 1):
            cursor, walk_ms = None, []
            for _ in range(pages):
                took, page = _timed(lambda: list_sessions(engine, log_filter, page_size=50, after=cursor))
                walk_ms.append(took)
                cursor = page.next_cursor
                if cursor is None:
                    break
            if walk:  # the first walk warms up
                ms += walk_ms
                last.append(walk_ms[-1])
        every += ms
        deep.append({"filter": f"{name}, pages 1-{pages}", "pages_reached": len(walk_ms), "last_page_ms": round(statistics.median(last), 3)} | summary(ms))
    worst = max(rows + deep, key=lambda r: r["p95_ms"])
    return {"filters": rows, "deep_pages": deep, "overall": summary(every), "worst_filter": worst["filter"]}


# -- databases --------------------------------------------------------------------------------------------------


def postgres_unreachable(url: str) -> str | None:
    engine = create_engine(url, poolclass=NullPool, connect_args={"connect_timeout": 3})
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as error:  # noqa: BLE001 (any reason: report it and go on without PostgreSQL)
        return " ".join(str(error).split())[:300]
    finally:
        engine.dispose()
    return None


def _admin(url: str, statement: str) -> None:
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.begin() as connection:
            connection.execute(text(statement))
    finally:
        engine.dispose()


def postgres_schema_url(url: str) -> str:
    """``url`` with connections in a fresh SCHEMA (dropped first if a previous run left it)."""
    _admin(url, f'DROP SCHEMA IF EXISTS "{SCHEMA}" CASCADE; CREATE SCHEMA "{SCHEMA}"')
    return make_url(url).update_query_dict({"options": f"-csearch_path={SCHEMA}"}).render_as_string(hide_password=False)


def load_average() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def run_sqlite(args: argparse.Namespace) -> dict[str, Any]:
    result: dict[str, Any] = {"version": sqlite3.sqlite_version, "load_average_before": load_average()}
    with tempfile.TemporaryDirectory() as scratch:
        engine = make_engine(f"sqlite:///{scratch}/append.db")
        try:
            result["append"] = bench_append(engine, seed=args.seed)
        finally:
            engine.dispose()
    print(f"sqlite: append p50 {result['append']['p50_ms']:.2f} ms, p95 {result['append']['p95_ms']:.2f} ms", flush=True)
    path, seconds = cached_sqlite(args.turns, args.seed, args.regenerate)
    result["database"] = {"path": str(path.relative_to(ROOT)), "bytes": path.stat().st_size,
                          "generation_s": None if seconds is None else round(seconds, 1)}
    engine = make_engine(f"sqlite:///{path}")
    try:
        result["list"] = bench_list(engine)
        result["database"] |= counts(engine)
    finally:
        engine.dispose()
    result["load_average_after"] = load_average()
    return result


def run_postgres(args: argparse.Namespace) -> dict[str, Any] | None:
    reason = postgres_unreachable(args.postgres_url)
    if reason is not None:
        print(f"postgresql: skipped, cannot connect to {make_url(args.postgres_url).render_as_string(hide_password=True)}: {reason}")
        return None
    result: dict[str, Any] = {"load_average_before": load_average()}
    try:
        url = postgres_schema_url(args.postgres_url)
        # the server's default (every COMMIT waits for its WAL flush), then synchronous_commit=off: what the
        # app's SQLite (WAL, synchronous=NORMAL) does, a crash may lose the last moments but never corrupts
        for name, variant in (("append", url), ("append_synchronous_commit_off", _with_option(url, "-csynchronous_commit=off"))):
            engine = make_engine(variant)
            try:
                with engine.connect() as connection:
                    result["version"] = connection.scalar(text("SHOW server_version"))
                result[name] = bench_append(engine, seed=args.seed)
            finally:
                engine.dispose()
            print(f"postgresql: {name} p50 {result[name]['p50_ms']:.2f} ms, p95 {result[name]['p95_ms']:.2f} ms", flush=True)
        if args.append_only:
            return result
        engine = make_engine(postgres_schema_url(args.postgres_url), timeouts=BATCH_TIMEOUTS)  # bulk generation: no statement timeout
        try:
            started = time.perf_counter()
            load_postgres(engine, args.turns, args.seed)
            result["database"] = {"generation_s": round(time.perf_counter() - started, 1)}
            result["list"] = bench_list(engine)
            result["database"] |= counts(engine)
            with engine.connect() as connection:
                result["database"]["bytes"] = int(connection.scalar(text("SELECT sum(pg_total_relation_size(c.oid)) FROM pg_class c "
                                                                     "JOIN pg_namespace n ON n.oid = c.relnamespace "
                                                                     f"WHERE n.nspname = '{SCHEMA}' AND c.relkind = 'r'")))
                result["settings"] = {name: connection.scalar(text(f"SHOW {name}")) for name in
                                      ("shared_buffers", "work_mem", "synchronous_commit", "max_parallel_workers_per_gather")}
        finally:
            engine.dispose()
    finally:
        _admin(args.postgres_url, f'DROP SCHEMA IF EXISTS "{SCHEMA}" CASCADE')
    result["load_average_after"] = load_average()
    return result


def _with_option(url: str, option: str) -> str:
    parsed = make_url(url)
    options = " ".join(filter(None, [parsed.query.get("options", ""), option]))
    return parsed.update_query_dict({"options": options}).render_as_string(hide_password=False)


def counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as connection:
        return {name: connection.scalar(select(func.count()).select_from(table)) for name, table in
                (("sessions", SessionRow), ("turns", TurnRow), ("feedback", FeedbackRow))}


def report(results: dict[str, Any]) -> None:
    databases = [name for name in ("sqlite", "postgresql") if results.get(name)]
    rows = []
    for db in databases:
        for key, label in (("append", db), ("append_synchronous_commit_off", f"{db}, synchronous_commit=off")):
            if key in results[db]:
                a = results[db][key]
                rows.append([label, a["p50_ms"], a["p95_ms"], a["mean_ms"], a["max_ms"], a["commit_floor"]["p50_ms"], a["n"]])
    print_table("SqlStore.append, one turn (4 events + its record), ms (goal: p50 <= 2)",
                ["database", "p50", "p95", "mean", "max", "bare commit p50", "turns"], rows)
    for db in (name for name in databases if "list" in results[name]):
        data, listing = results[db]["database"], results[db]["list"]
        made = "cached" if data.get("generation_s") is None else f"generated in {data['generation_s']:.0f} s"
        print(f"\n{db}: {data['turns']:,} turns in {data['sessions']:,} sessions, {data['feedback']:,} feedback rows "
              f"({made}; {data['bytes'] / 2**20:,.0f} MiB; no events: the list query never reads them); "
              f"load average {results[db]['load_average_before']} before, {results[db]['load_average_after']} after")
        print_table(f"{db}: list_sessions, 50 a page, ms (goal: overall p95 <= 200)",
                    ["filter", "page 1 rows", "p50", "p95", "max"],
                    [[r["filter"], r["first_page"], r["p50_ms"], r["p95_ms"], r["max_ms"]] for r in listing["filters"]]
                    + [[r["filter"], f"{r['pages_reached']} pages", r["p50_ms"], r["p95_ms"], r["max_ms"]] for r in listing["deep_pages"]]
                    + [["overall", "", listing["overall"]["p50_ms"], listing["overall"]["p95_ms"], listing["overall"]["max_ms"]]])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--turns", type=int, default=1_000_000, help="generated turns for the list query")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--only", choices=["sqlite", "postgresql"], help="run one database only")
    parser.add_argument("--postgres-url", default=POSTGRES_URL, help=f"the server; the benchmark uses its own schema {SCHEMA}")
    parser.add_argument("--json", type=Path, default=ROOT / "benchmarks" / "results" / "store.json")
    parser.add_argument("--regenerate", action="store_true", help="make the cached SQLite database again")
    parser.add_argument("--append-only", action="store_true", help="PostgreSQL: measure logging only, not the list query")
    args = parser.parse_args()
    results: dict[str, Any] = {
        "settings": {"turns": args.turns, "seed": args.seed, "days": DAYS, "page_size": 50},
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform(), "python": platform.python_version()},
    }
    if args.only in (None, "sqlite"):
        results["sqlite"] = run_sqlite(args)
    if args.only in (None, "postgresql"):
        results["postgresql"] = run_postgres(args)
    report(results)
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(results, indent=1, default=str))
    print(f"\nwrote {args.json}")


if __name__ == "__main__":
    main()
