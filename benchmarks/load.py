"""Load test of the real web server: concurrent customers talking to the HTTP API.

    .venv/bin/python benchmarks/load.py                              # 100 users x 20 turns, no pause between turns
    .venv/bin/python benchmarks/load.py --users 20 --turns 5 --think 3

The server is the whole web app (``Assistant(settings).web_app()``: API, Gradio chat page, review pages)
under uvicorn, in its own process on a free port, with the packaged MiniLM embedder, extractive answers,
the demo knowledge base indexed into a temporary data folder, and a temporary SQLite database. An API
key is configured and sent (so the key check runs) and both rate limits are set far above the load
(so the limiter runs but never refuses). The index is kept in ``data/bench/load-index`` (a re-run
embeds only changed documents); the database is new for every run. Each simulated customer starts a conversation with
``POST /api/sessions`` and sends ``--turns`` messages with ``POST /api/sessions/{id}/messages``,
reading each server-sent-event stream to its ``done`` event before sending the next: a greeting,
questions drawn from ``demo/questions.jsonl``, one request for a person and a thank-you. ``--think``
adds a pause before each message (uniform between half and one and a half times the value).

Turn latency is from sending the message to the ``done`` event. Afterwards the database is checked:
every conversation must hold exactly ``--turns`` turn records. Prints a table and writes JSON
(default ``benchmarks/results/load.json``). Goal: 0 errors, p95 at most 1 s.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import platform
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

API_KEY = "sa-load-benchmark-key-0123456789"
SMALL_TALK_FIRST = ["Hi", "Hello", "Good morning", "hey there"]
HANDOFF = ["I want to talk to a person", "Can I speak to a human agent please?", "let me talk to someone real"]
SMALL_TALK_LAST = ["Thanks!", "thank you, that helps", "Cheers", "great thanks"]


# -- the server (a child process) -----------------------------------------------------------------------------


def serve(port: int, kb: Path) -> None:
    """Index the knowledge base, load the model, serve the web app; settings come from the environment."""
    import uvicorn

    from assistant.app import Assistant
    from assistant.config import load_settings
    from retrieval.ingest import ingest

    settings = load_settings()
    assistant = Assistant(settings)
    started = time.perf_counter()
    report = ingest([kb], assistant.embedder, settings.index_dir)
    print(f"server: indexed {report.total_documents} documents, {report.total_chunks} chunks in "
          f"{time.perf_counter() - started:.1f} s", flush=True)
    assistant.warm_up()
    web = assistant.web_app()
    uvicorn.run(web, host="127.0.0.1", port=port, log_level="warning")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_server(scratch: Path, args: argparse.Namespace) -> tuple[subprocess.Popen, str, str]:
    """The server process, its base URL and its database URL, once ``/healthz`` answers."""
    port, database_url = free_port(), f"sqlite:///{scratch / 'load.db'}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_")}
    env.update(
        ASSISTANT_DATA_DIR=str(scratch / "data"),
        ASSISTANT_DATABASE_URL=database_url,
        ASSISTANT_INDEX_DIR=str(args.index_dir.resolve()),
        ASSISTANT_ANSWER_MODE="extractive",
        ASSISTANT_EMBEDDER=args.embedder,
        ASSISTANT_API_KEYS=API_KEY,
        ASSISTANT_RATE_LIMIT_PER_IP="1000000/minute",  # on, but far above the load: it must not distort it
        ASSISTANT_RATE_LIMIT_PER_SESSION="1000000/minute",
        HF_HUB_OFFLINE="1",
        GRADIO_ANALYTICS_ENABLED="False",
    )
    if args.model_cache_dir:
        env["ASSISTANT_MODEL_CACHE_DIR"] = str(args.model_cache_dir.resolve())
    if args.intent_model and args.intent_model.is_dir():
        env["ASSISTANT_INTENT_MODEL"] = str(args.intent_model.resolve())
    else:
        print(f"no intent model at {args.intent_model}: the server runs on keyword rules (`make intents` trains one)", flush=True)
    command = [sys.executable, str(Path(__file__).resolve()), "--serve", str(port), "--kb", str(args.kb.resolve())]
    process = subprocess.Popen(command, env=env, cwd=scratch)  # cwd: no assistant.toml of the repository is read
    base = f"http://127.0.0.1:{port}"
    import httpx

    deadline = time.monotonic() + args.start_timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the server exited with {process.returncode} before answering")
        try:
            if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                return process, base, database_url
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    process.terminate()
    raise SystemExit(f"the server did not answer within {args.start_timeout} s")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (Linux)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return math.nan


def peak_memory_mb(pid: int) -> float:
    """The most resident memory the process has held (VmHWM, Linux), in MB."""
    try:
        line = next(line for line in Path(f"/proc/{pid}/status").read_text().splitlines() if line.startswith("VmHWM:"))
        return round(int(line.split()[1]) / 1024, 1)
    except (OSError, StopIteration, ValueError):
        return math.nan


# -- the customers ----------------------------------------------------------------------------------------------


def conversation(rng: random.Random, questions: list[str], turns: int) -> list[str]:
    """A greeting, questions, one request for a person (past the middle) and a thank-you.

    Each question carries a made-up order number, so no two messages are the same text: a cache of
    question embeddings gains nothing across customers, as with real traffic."""
    texts = [f"{rng.choice(questions)} My order number is A{rng.randrange(10**6, 10**7)}." for _ in range(turns)]
    if turns >= 4:
        texts[0] = rng.choice(SMALL_TALK_FIRST)
        texts[rng.randrange(turns // 2, turns - 1)] = rng.choice(HANDOFF)
        texts[-1] = rng.choice(SMALL_TALK_LAST)
    return texts


@dataclass
class Results:
    latencies: list[float] = field(default_factory=list)  # seconds, message sent -> done event
    first_event: list[float] = field(default_factory=list)  # seconds, message sent -> first event
    server_ms: list[float] = field(default_factory=list)  # the turn's own total_ms, as the server timed it
    actions: dict[str, int] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    sessions: list[str] = field(default_factory=list)
    sent_at: list[float] = field(default_factory=list)  # perf_counter when each measured turn was sent

    def windows(self, seconds: float = 10.0) -> list[dict[str, float]]:
        """Turn latency by when the turns were sent, per ``seconds``: shows a queue building up or draining."""
        if not self.sent_at:
            return []
        start, buckets = min(self.sent_at), {}
        for sent, latency in zip(self.sent_at, self.latencies):
            buckets.setdefault(int((sent - start) // seconds), []).append(latency)
        return [{"from_s": n * seconds, "turns": len(b), **{k: v for k, v in summary_ms(b).items() if k in ("p50_ms", "p95_ms", "max_ms")}}
                for n, b in sorted(buckets.items())]


async def read_turn(response: Any, sent: float, results: Results) -> dict[str, Any] | None:
    """Read a message's event stream to its ``done`` event."""
    event, first = None, True
    async for line in response.aiter_lines():
        if first:
            results.first_event.append(time.perf_counter() - sent)
            first = False
        if line.startswith("event: "):
            event = line.removeprefix("event: ")
        elif line.startswith("data: ") and event == "done":
            return json.loads(line.removeprefix("data: "))
    return None


async def customer(client: Any, n: int, texts: list[str], think: float, rng: random.Random, results: Results) -> None:
    response = await client.post("/api/sessions")
    if response.status_code != 201:
        results.errors.append(f"user {n}: POST /api/sessions {response.status_code} {response.text[:200]}")
        return
    session_id = response.json()["session_id"]
    results.sessions.append(session_id)
    for turn, text in enumerate(texts, start=1):
        if think:
            await asyncio.sleep(rng.uniform(0.5 * think, 1.5 * think))
        sent = time.perf_counter()
        try:
            async with client.stream("POST", f"/api/sessions/{session_id}/messages", json={"text": text}) as response:
                if response.status_code != 200:
                    body = (await response.aread()).decode(errors="replace")[:200]
                    results.errors.append(f"user {n} turn {turn}: {response.status_code} {body}")
                    continue
                done = await read_turn(response, sent, results)
        except Exception as error:  # noqa: BLE001 (any failure of a turn is counted and reported)
            results.errors.append(f"user {n} turn {turn}: {type(error).__name__}: {error}")
            continue
        if done is None:
            results.errors.append(f"user {n} turn {turn}: the stream ended without a done event")
            continue
        results.latencies.append(time.perf_counter() - sent)
        results.sent_at.append(sent)
        results.server_ms.append(done["timings_ms"].get("total_ms", math.nan))
        results.actions[done["action"]] = results.actions.get(done["action"], 0) + 1


async def run_customers(base: str, args: argparse.Namespace, questions: list[str]) -> tuple[Results, float]:
    import httpx

    results, rng = Results(), random.Random(args.seed)
    scripts = [conversation(rng, questions, args.turns) for _ in range(args.users)]
    # Idle connections are dropped after 2 s, before uvicorn's keep-alive timeout (5 s) closes them:
    # otherwise a message sent on a connection the server is closing at that moment fails (ReadError).
    limits = httpx.Limits(max_connections=args.users + 10, max_keepalive_connections=args.users + 10, keepalive_expiry=2.0)
    headers = {"Authorization": f"Bearer {API_KEY}"}
    async with httpx.AsyncClient(base_url=base, headers=headers, limits=limits, timeout=args.request_timeout) as client:
        warm = (await client.post("/api/sessions")).json()["session_id"]  # one turn first: lazy loading is not measured
        async with client.stream("POST", f"/api/sessions/{warm}/messages", json={"text": questions[0]}) as response:
            await response.aread()
        started = time.perf_counter()
        await asyncio.gather(
            *(customer(client, n, script, args.think, random.Random(args.seed * 1000 + n), results) for n, script in enumerate(scripts))
        )
        return results, time.perf_counter() - started


# -- the check and the report ---------------------------------------------------------------------------------


def turns_per_session(database_url: str, sessions: list[str]) -> dict[str, int]:
    from sqlalchemy import create_engine, func, select

    from assistant.store.tables import TurnRow

    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                select(TurnRow.session_id, func.count()).where(TurnRow.session_id.in_(sessions)).group_by(TurnRow.session_id)
            ).all()
    finally:
        engine.dispose()
    counts = {session: 0 for session in sessions}
    counts.update({session: count for session, count in rows})
    return counts


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)] if ordered else math.nan


def summary_ms(seconds: list[float]) -> dict[str, float]:
    ms = [s * 1000 for s in seconds]
    return {"p50_ms": round(percentile(ms, 0.5), 1), "p95_ms": round(percentile(ms, 0.95), 1),
            "p99_ms": round(percentile(ms, 0.99), 1), "max_ms": round(max(ms, default=math.nan), 1),
            "mean_ms": round(statistics.fmean(ms), 1) if ms else math.nan, "n": len(ms)}


def print_table(rows: list[list[Any]]) -> None:
    cells = [[str(c) for c in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(cells[0]))]
    for n, row in enumerate(cells):
        print("  ".join(c.rjust(w) if i else c.ljust(w) for i, (c, w) in enumerate(zip(row, widths))))
        if n == 0:
            print("  ".join("-" * w for w in widths))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=100, help="concurrent simulated customers")
    parser.add_argument("--turns", type=int, default=20, help="messages per customer")
    parser.add_argument("--think", type=float, default=0.0, help="mean pause before each message, seconds (0: none)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--embedder", default="all-minilm-l6-v2")
    parser.add_argument("--kb", type=Path, default=ROOT / "demo" / "knowledge_base")
    parser.add_argument("--questions", type=Path, default=ROOT / "demo" / "questions.jsonl")
    parser.add_argument("--index-dir", type=Path, default=ROOT / "data" / "bench" / "load-index",
                        help="kept between runs: a re-run embeds only changed documents")
    parser.add_argument("--intent-model", type=Path, default=Path("data/models/intents"),
                        help="trained intent classifier folder, as `make demo` builds it (default: data/models/intents)")
    parser.add_argument("--model-cache-dir", type=Path, default=None, help="prepared models (default: in the temp data folder)")
    parser.add_argument("--request-timeout", type=float, default=120.0)
    parser.add_argument("--start-timeout", type=float, default=300.0)
    parser.add_argument("--json", type=Path, default=ROOT / "benchmarks" / "results" / "load.json")
    parser.add_argument("--serve", type=int, default=None, help=argparse.SUPPRESS)  # internal: run as the server
    args = parser.parse_args()
    if args.serve is not None:
        serve(args.serve, args.kb)
        return

    questions = [json.loads(line)["question"] for line in args.questions.read_text().splitlines() if line.strip()]
    with tempfile.TemporaryDirectory() as scratch_name:
        scratch = Path(scratch_name)
        process, base, database_url = start_server(scratch, args)
        try:
            cpu_before, load_before = cpu_seconds(process.pid), os.getloadavg()
            print(f"{args.users} users x {args.turns} turns against {base} (think {args.think:g} s)…", flush=True)
            client_cpu = time.process_time()
            results, wall = asyncio.run(run_customers(base, args, questions))
            client_cpu = time.process_time() - client_cpu
            server_cpu, load_after = cpu_seconds(process.pid) - cpu_before, os.getloadavg()
            server_memory = peak_memory_mb(process.pid)
            counts = turns_per_session(database_url, results.sessions)
        finally:
            process.terminate()
            process.wait(timeout=30)

    incomplete = {s: c for s, c in counts.items() if c != args.turns}
    latency, first, server = summary_ms(results.latencies), summary_ms(results.first_event), summary_ms([ms / 1000 for ms in results.server_ms])
    throughput = len(results.latencies) / wall if wall else math.nan
    result = {
        "settings": {"users": args.users, "turns": args.turns, "think_s": args.think, "seed": args.seed, "embedder": args.embedder,
                     "answer_mode": "extractive", "database": "sqlite", "knowledge_base": str(args.kb.relative_to(ROOT)) if args.kb.is_relative_to(ROOT) else str(args.kb)},
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform(), "python": platform.python_version(),
                    "load_average_1m_before_after": [round(load_before[0], 2), round(load_after[0], 2)]},
        "turn_latency": latency,
        "first_event": first,
        "server_turn": server,
        "throughput_turns_per_s": round(throughput, 2),
        "turn_latency_by_10_s_sent": results.windows(),
        "wall_s": round(wall, 1),
        "server_cpu_ms_per_turn": round(server_cpu / max(len(results.latencies), 1) * 1000, 1),
        "client_cpu_ms_per_turn": round(client_cpu / max(len(results.latencies), 1) * 1000, 1),
        "server_peak_memory_mb": server_memory,
        "actions": results.actions,
        "errors": len(results.errors),
        "error_samples": results.errors[:20],
        "database_check": {"sessions": len(counts), "with_all_turns": len(counts) - len(incomplete),
                           "incomplete": dict(list(incomplete.items())[:20])},
        "goal": {"errors": 0, "p95_ms": 1000},
    }
    result["goal_met"] = result["errors"] == 0 and not incomplete and len(counts) == args.users and latency["p95_ms"] <= 1000

    print()
    print_table([
        ["measure", "p50 ms", "p95 ms", "p99 ms", "max ms", "n"],
        ["turn (sent -> done)", *(latency[k] for k in ("p50_ms", "p95_ms", "p99_ms", "max_ms", "n"))],
        ["first event", *(first[k] for k in ("p50_ms", "p95_ms", "p99_ms", "max_ms", "n"))],
        ["server's own total_ms", *(server[k] for k in ("p50_ms", "p95_ms", "p99_ms", "max_ms", "n"))],
    ])
    print(f"\nthroughput {throughput:.1f} turns/s over {wall:.1f} s; server CPU {result['server_cpu_ms_per_turn']} ms per turn "
          f"(client {result['client_cpu_ms_per_turn']}); server peak memory {server_memory:.0f} MB; "
          f"errors {len(results.errors)}; actions {results.actions}")
    print(f"machine load average (1 min) before/after: {load_before[0]:.1f} / {load_after[0]:.1f} on {os.cpu_count()} CPUs")
    print(f"database: {len(counts) - len(incomplete)}/{len(counts)} conversations hold all {args.turns} turns")
    for line in results.errors[:5]:
        print(f"  error: {line}")
    print(f"goal (0 errors, every turn stored, p95 <= 1000 ms): {'met' if result['goal_met'] else 'MISSED'}")
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(result, indent=1))
    print(f"wrote {args.json}")


if __name__ == "__main__":
    main()
