"""Soak test of a running server: steady mixed traffic for a long time, sampling the server process.

    .venv/bin/python benchmarks/soak.py --url http://127.0.0.1:7860 --pid PID --minutes 45 \\
        --staff-key KEY --staff-login NAME:PASSWORD --db data/assistant.db

Start the server yourself (``assistant serve``, the settings a deployment uses) and give its process id:
the script drives it, it does not start it. A few workers each play one customer after another, every
one a new conversation: multi-turn API conversations (``/api/sessions``, with thumbs and transcript reads),
handoffs answered and handed back through the staff API or taken back by the customer, OpenAI-compatible
chat completions (streamed and not), customers of the chat page itself (a Gradio client per customer,
as a browser tab), and staff loading ``/review`` (a login, the page and its Inbox). ``--pause`` keeps the
rate modest (the mean pause between two steps of one worker).

Every ``--sample-every`` seconds it records the server's resident memory (VmRSS), open file descriptors,
threads, the SQLite file and its ``-wal`` (``--db``), the connections to PostgreSQL (``--pg-url``: rows of
``pg_stat_activity`` for the database) and the turn latencies of the interval (p50/p95). Samples are
printed and appended to ``--out`` as JSON lines; a summary compares the first and the last tenth of the run
and the two halves, so growth that does not level off stands out. Errors (any non-2xx, a stream without its
``done`` event) are counted by kind and listed at the end, and so are the API and chat-completion turns the
customers got a reply to that the database does not hold (with ``--db`` or ``--pg-url``; the chat page keeps
its conversation id encrypted, so its turns are not checked): a sound server loses none, also when it is
stopped (SIGTERM) during the run: the samples after its exit say ``"server": "exited"``.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
GREETINGS = ["Hi", "Hello", "Good morning", "hey there"]
HANDOFF = ["I want to talk to a person", "Can I speak to a human agent please?"]
THANKS = ["Thanks!", "thank you, that helps", "Cheers"]


class Recorder:
    """Turn latencies, counts and errors, shared by the workers and read by the sampler."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.latencies: list[float] = []
        self.counts: Counter[str] = Counter()
        self.errors: Counter[str] = Counter()
        self.examples: dict[str, str] = {}
        self.answered: Counter[str] = Counter()  # turns each conversation got a complete reply to

    def turn(self, kind: str, seconds: float, session_id: str | None) -> None:
        with self.lock:
            self.latencies.append(seconds)
            self.counts[kind] += 1
            if session_id:
                self.answered[session_id] += 1

    def count(self, kind: str) -> None:
        with self.lock:
            self.counts[kind] += 1

    def error(self, kind: str, detail: str) -> None:
        with self.lock:
            self.errors[kind] += 1
            self.examples.setdefault(kind, detail[:300])

    def take_latencies(self) -> list[float]:
        with self.lock:
            taken, self.latencies = self.latencies, []
        return taken


SCENARIOS = {"api": 40, "handoff": 12, "completion": 20, "page": 20, "staff": 8}  # name: weight


class Customer:
    """One worker's scenarios against the server at ``url``, drawn by weight from ``mix`` (``SCENARIOS``' names)."""

    def __init__(self, url: str, questions: list[str], recorder: Recorder, staff_key: str, staff_login: tuple[str, str] | None,
                 pause: float, rng: random.Random, mix: dict[str, float] | None = None) -> None:
        self.mix = mix or SCENARIOS
        self.url, self.questions, self.rec = url.rstrip("/"), questions, recorder
        self.staff_key, self.staff_login, self.pause, self.rng = staff_key, staff_login, pause, rng
        self.http = httpx.Client(base_url=self.url, timeout=60)

    def wait(self) -> None:
        time.sleep(self.rng.uniform(0.5, 1.5) * self.pause)

    def check(self, response: httpx.Response, kind: str) -> bool:
        if response.is_success:
            return True
        self.rec.error(f"{kind} {response.status_code}", response.text)
        return False

    def send(self, session_id: str, text: str) -> dict[str, Any] | None:
        """One customer message through the API, read to its ``done`` event."""
        started = time.perf_counter()
        done, event = None, ""
        with self.http.stream("POST", f"/api/sessions/{session_id}/messages", json={"text": text}) as response:
            if not self.check(response, "message"):
                response.read()
                return None
            for line in response.iter_lines():
                if line.startswith("event: "):
                    event = line[7:]
                elif line.startswith("data: ") and event == "done":
                    done = json.loads(line[6:])
        if done is None:
            self.rec.error("message without done", session_id)
            return None
        self.rec.turn("api turn", time.perf_counter() - started, session_id)
        return done

    def new_session(self) -> str | None:
        response = self.http.post("/api/sessions")
        return response.json()["session_id"] if self.check(response, "new session") else None

    def api_conversation(self) -> None:
        session_id = self.new_session()
        if session_id is None:
            return
        turns = [self.rng.choice(GREETINGS), *self.rng.sample(self.questions, self.rng.randint(1, 4))]
        for text in turns:
            done = self.send(session_id, text)
            self.wait()
            if done and done.get("action") == "answer" and self.rng.random() < 0.3:
                body = {"turn_no": done["turn_no"], "rating": self.rng.choice([1, -1])}
                if self.rng.random() < 0.3:
                    body["comment"] = "soak: " + self.rng.choice(["wrong article", "helpful", "too long"])
                self.check(self.http.post(f"/api/sessions/{session_id}/feedback", json=body), "feedback")
        if self.rng.random() < 0.3:
            self.check(self.http.get(f"/api/sessions/{session_id}"), "transcript")
        self.rec.count("api conversation")

    def handoff(self) -> None:
        session_id = self.new_session()
        if session_id is None:
            return
        self.send(session_id, self.rng.choice(self.questions))
        self.wait()
        if self.rng.random() < 0.5:
            self.send(session_id, self.rng.choice(HANDOFF))
        else:
            self.check(self.http.post(f"/api/sessions/{session_id}/handoff"), "handoff")
        self.wait()
        self.send(session_id, "Are you there?")  # the assistant does not answer while a person has it
        staff = {"Authorization": f"Bearer {self.staff_key}"}
        if self.staff_key:
            self.check(self.http.post(f"/api/staff/sessions/{session_id}/replies", headers=staff,
                                      json={"text": "Hi, soak staff here.", "author": "Soak"}), "staff reply")
        self.wait()
        if self.staff_key and self.rng.random() < 0.6:
            self.check(self.http.post(f"/api/staff/sessions/{session_id}/hand-back", headers=staff, json={"author": "Soak"}), "hand-back")
        else:
            self.check(self.http.delete(f"/api/sessions/{session_id}/handoff"), "customer hand-back")
        self.send(session_id, self.rng.choice(THANKS))
        self.rec.count("handoff conversation")

    def completion(self) -> None:
        messages: list[dict[str, str]] = []
        for text in self.rng.sample(self.questions, self.rng.randint(1, 3)):
            messages.append({"role": "user", "content": text})
            body = {"model": "support-assistant", "messages": messages, "stream": self.rng.random() < 0.5}
            started = time.perf_counter()
            response = self.http.post("/v1/chat/completions", json=body)
            if not self.check(response, "completion"):
                return
            if body["stream"]:
                if "[DONE]" not in response.text:
                    self.rec.error("completion stream without [DONE]", response.text)
                    return
                chunks = [json.loads(line[6:]) for line in response.text.splitlines() if line.startswith("data: {")]
                reply = "".join(chunk["choices"][0]["delta"].get("content") or "" for chunk in chunks if chunk["choices"])
                session_id = next((chunk["session_id"] for chunk in chunks if "session_id" in chunk), None)
            else:
                reply, session_id = response.json()["choices"][0]["message"]["content"], response.json()["session_id"]
            self.rec.turn("completion turn", time.perf_counter() - started, session_id)
            messages.append({"role": "assistant", "content": reply})
            self.wait()
        self.rec.count("completion conversation")

    def chat_page(self) -> None:
        """A customer of the chat page: a Gradio client is one browser tab (its own Gradio session)."""
        from gradio_client import Client

        client = Client(self.url + "/", verbose=False)
        try:
            history: list[Any] = []
            saved = None
            for text in [self.rng.choice(GREETINGS), *self.rng.sample(self.questions, self.rng.randint(1, 3))]:
                started = time.perf_counter()
                history, _, saved = client.predict(text, history, saved, api_name="/respond_and_remember")
                self.rec.turn("page turn", time.perf_counter() - started, saved.get("session_id") if isinstance(saved, dict) else None)
                self.wait()
            self.rec.count("page conversation")
        except Exception as error:  # noqa: BLE001 - every failure of the page is one error to report
            self.rec.error(f"chat page {type(error).__name__}", str(error))
        finally:
            client.close()

    def staff_page(self) -> None:
        """A member of staff opens /review: logs in, loads the page and its config, reads the Inbox."""
        if self.staff_login is None:
            return
        with httpx.Client(base_url=self.url, timeout=60) as browser:
            user, password = self.staff_login
            self.check(browser.post("/review/login", data={"username": user, "password": password}), "staff login")
            self.check(browser.get("/review/"), "review page")
            self.check(browser.get("/review/config"), "review config")
        if self.staff_key:
            self.check(self.http.get("/api/staff/inbox", headers={"Authorization": f"Bearer {self.staff_key}"}), "inbox")
        self.rec.count("staff page")

    def run(self, until: float) -> None:
        play = {"api": self.api_conversation, "handoff": self.handoff, "completion": self.completion, "page": self.chat_page,
                "staff": self.staff_page}
        scenarios = [(play[name], weight) for name, weight in self.mix.items()]
        while time.time() < until:
            scenario = self.rng.choices([s for s, _ in scenarios], [w for _, w in scenarios])[0]
            try:
                scenario()
            except Exception as error:  # noqa: BLE001 - a failed request is counted, the worker goes on
                self.rec.error(f"{scenario.__name__} {type(error).__name__}", str(error))
                time.sleep(1)
            self.wait()


def process_figures(pid: int) -> dict[str, Any]:
    """Resident memory (MB), its peak, open file descriptors and threads of process ``pid``."""
    status = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines() if ":" in line)
    return {
        "rss_mb": round(int(status["VmRSS"].split()[0]) / 1024, 1),
        "peak_rss_mb": round(int(status["VmHWM"].split()[0]) / 1024, 1),
        "fds": len(os.listdir(f"/proc/{pid}/fd")),
        "threads": int(status["Threads"]),
    }


def file_mb(path: Path) -> float:
    return round(path.stat().st_size / 1e6, 2) if path.exists() else 0.0


def pg_connections(url: str) -> int | None:
    """Rows of pg_stat_activity for the database of ``url`` (a SQLAlchemy URL), not counting this query's own."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url, poolclass=__import__("sqlalchemy.pool", fromlist=["NullPool"]).NullPool)
    try:
        with engine.connect() as connection:
            return int(connection.execute(text(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )).scalar_one())
    except Exception:  # noqa: BLE001 - a sample without the figure, not a stopped soak
        return None
    finally:
        engine.dispose()


def sample(args: argparse.Namespace, rec: Recorder, started: float) -> dict[str, Any]:
    try:
        figures = process_figures(args.pid)
    except FileNotFoundError:  # the server has exited (stopped during the run, to check what a stop loses)
        figures = {"server": "exited"}
    row: dict[str, Any] = {"t_s": round(time.time() - started), **figures}
    if args.db:
        row["db_mb"], row["wal_mb"] = file_mb(Path(args.db)), file_mb(Path(args.db + "-wal"))
    if args.pg_url:
        row["pg_connections"] = pg_connections(args.pg_url)
    latencies = sorted(rec.take_latencies())
    row["turns"] = len(latencies)
    if latencies:
        row["p50_ms"] = round(statistics.median(latencies) * 1000)
        row["p95_ms"] = round(latencies[min(len(latencies) - 1, int(0.95 * len(latencies)))] * 1000)
    with rec.lock:
        row["errors"] = sum(rec.errors.values())
    return row


def unstored_turns(database_url: str, answered: Counter[str]) -> dict[str, int]:
    """Conversations with fewer turn records in the database than replies the customers received, and how many fewer."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.pool import NullPool

    engine = create_engine(database_url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            stored = dict(connection.execute(text("SELECT session_id, count(*) FROM turns GROUP BY session_id")).all())
    finally:
        engine.dispose()
    return {session: count - stored.get(session, 0) for session, count in answered.items() if stored.get(session, 0) < count}


def summary(samples: list[dict[str, Any]]) -> dict[str, Any]:
    """First and last tenth of the run, and the change over each half, for each figure."""
    out: dict[str, Any] = {}
    for key in ("rss_mb", "fds", "threads", "db_mb", "wal_mb", "pg_connections", "p50_ms", "p95_ms"):
        values = [s[key] for s in samples if s.get(key) is not None]
        if len(values) < 2:
            continue
        tenth, half = max(1, len(values) // 10), len(values) // 2
        first, last = statistics.mean(values[:tenth]), statistics.mean(values[-tenth:])
        out[key] = {"first": round(first, 1), "last": round(last, 1), "min": min(values), "max": max(values),
                    "first_half_change": round(values[half - 1] - values[0], 1) if half else 0,
                    "second_half_change": round(values[-1] - values[half], 1)}
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", default="http://127.0.0.1:7860")
    parser.add_argument("--pid", type=int, required=True, help="process id of the server (the one `assistant serve` runs in)")
    parser.add_argument("--minutes", type=float, default=45)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--pause", type=float, default=0.7, help="mean pause between two steps of one worker, seconds")
    parser.add_argument("--sample-every", type=float, default=30)
    parser.add_argument("--staff-key", default="", help="a key of staff_api_keys (handoffs are answered through the staff API)")
    parser.add_argument("--staff-login", default="", help="NAME:PASSWORD of a staff login (assistant users add) for /review loads")
    parser.add_argument("--db", default="", help="the SQLite database file, to sample its size and its -wal")
    parser.add_argument("--pg-url", default="", help="SQLAlchemy URL of the PostgreSQL database, to count its connections")
    parser.add_argument("--questions", type=Path, default=ROOT / "demo/questions.jsonl")
    parser.add_argument("--mix", default=",".join(f"{name}={weight}" for name, weight in SCENARIOS.items()),
                        help="scenarios and their weights, e.g. page=1 for chat-page customers only")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks/results/soak.jsonl")
    args = parser.parse_args()

    questions = [json.loads(line)["question"] for line in args.questions.read_text().splitlines() if line.strip()]
    login = tuple(args.staff_login.split(":", 1)) if args.staff_login else None
    mix = {name: float(weight) for name, weight in (part.split("=") for part in args.mix.split(","))}
    if unknown := set(mix) - set(SCENARIOS):
        parser.error(f"--mix: no scenario {', '.join(sorted(unknown))}; there are {', '.join(SCENARIOS)}")
    rec = Recorder()
    started = time.time()
    until = started + args.minutes * 60
    workers = [
        threading.Thread(target=Customer(args.url, questions, rec, args.staff_key, login, args.pause,  # type: ignore[arg-type]
                                         random.Random(args.seed + n), mix).run, args=(until,), daemon=True)
        for n in range(args.workers)
    ]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    samples = [sample(args, rec, started)]
    for worker in workers:
        worker.start()
    with args.out.open("a") as out:
        out.write(json.dumps({"start": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(started)), "args": vars(args) | {"questions": str(args.questions), "out": str(args.out)}}) + "\n")
        print(json.dumps(samples[0]), flush=True)
        while time.time() < until:
            time.sleep(min(args.sample_every, max(0.0, until - time.time())))
            if time.time() >= until:  # the last sample once every worker has finished its customer
                for worker in workers:
                    worker.join()
            samples.append(sample(args, rec, started))
            out.write(json.dumps(samples[-1]) + "\n")
            out.flush()
            print(json.dumps(samples[-1]), flush=True)
        database = args.pg_url or (f"sqlite:///{Path(args.db).resolve()}" if args.db else "")
        missing = unstored_turns(database, rec.answered) if database else {}
        result = {"minutes": round((time.time() - started) / 60, 1), "conversations": len(rec.answered),
                  "turns_answered": sum(rec.answered.values()), "turns_not_stored": sum(missing.values()),
                  "conversations_missing_turns": list(missing)[:20], "counts": dict(rec.counts), "errors": dict(rec.errors),
                  "error_examples": rec.examples, "summary": summary(samples)}
        out.write(json.dumps(result) + "\n")
    print(json.dumps(result, indent=1))
    sys.exit(1 if rec.errors or missing else 0)


if __name__ == "__main__":
    main()
