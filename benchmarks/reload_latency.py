"""How long customers wait while a running server swaps in a re-ingested index.

    python benchmarks/reload_latency.py --url http://127.0.0.1:7912 --kb /tmp/kb-copy --times 3

Start the server yourself (``assistant serve``) on an index built from ``--kb`` (a copy of the knowledge base:
one of its Markdown files gets a line added before each ingest), with this script's environment
(``ASSISTANT_INDEX_DIR``, the embedder), so that ``assistant ingest KB`` here writes the index the server searches.
Each round: change the file, ingest, then ask questions through the API, one after another, until ``/healthz``
names the new index (a question first: before 05dbbd3 it was what made a server look at the folder), and one
more. Per round:

- ``first_ms``: the first question after the ingest (before background reloads: it loaded the index and built
  the keyword index and spelling words);
- ``slowest_ms``: the slowest question until the new index answered;
- ``swap_s``: seconds from the end of the ingest until ``/healthz`` named the new index;
- ``after_ms``: the first question once it did.

Prints a line per round and the medians as JSON.

With ``--idle SECONDS`` a round asks nothing at all for that long after the ingest (a quiet server), then one
question, then ``/healthz`` until it names the new index, then one more question:

    python benchmarks/reload_latency.py --url http://127.0.0.1:7884 --kb /tmp/kb-copy --times 5 --idle 15 \\
        --log /tmp/server.log --db /tmp/x.db --page returns/how-to-return.md --question "How do I send an item back?"

- ``swap_s``: seconds from the ingest's save (the new manifest's modification time) until the server's log
  (``assistant -v serve 2> LOG``) said *reloaded the index*, while nothing was asked (None: not within
  ``--idle`` seconds after the ingest command ended); ``ingest_exit_s``: how much later the command ended;
- ``first_ms`` and ``first_from``: the first question after the quiet spell, and the index it was answered from
  (``new`` or ``old``: its turn's ``index_version`` in the database ``--db``, a SQLite file);
- ``first_new_ms``: the first question answered from the new index (the one above, or the one asked once
  ``/healthz`` named it); its passages' sentences are new to the server when the page changed is one it cites;
  ``first_new_extraction_ms``: that turn's sentence picking, as the server timed it (its ``timings_ms``).

``--healthz-every SECONDS`` instead asks only ``/healthz``, at that interval from the end of the ingest (an
operator watching a rollout), and records ``healthz_s``: seconds until it named the new index.

``--during SECONDS --log LOG`` instead asks one question after another for SECONDS while the server reloads its index
over and over (``manifest.json`` touched again once each reload is logged), then as many with no reload, and gives
the milliseconds of the questions that overlapped a reload (the log's *reloading the index* to *reloaded the index*)
against those of the quiet ones:

    python benchmarks/reload_latency.py --url http://127.0.0.1:7884 --during 60 --log /tmp/server.log

``--cpu-idle SECONDS --pid PID`` instead measures the CPU seconds the server's process spends while nothing is
asked (``/proc/PID/stat``), e.g. over 300 s.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import httpx

from assistant.config import load_settings

ROOT = Path(__file__).resolve().parents[1]
QUESTION = "How do I retrn an item?"  # a typo: the spelling words are read too


def ask(http: httpx.Client, text: str = QUESTION) -> float:
    """Milliseconds one question took (a new conversation each time)."""
    session_id = http.post("/api/sessions").raise_for_status().json()["session_id"]
    started = time.perf_counter()
    http.post(f"/api/sessions/{session_id}/messages", json={"text": text}).raise_for_status()
    return (time.perf_counter() - started) * 1000


def index_version(http: httpx.Client) -> str | None:
    return http.get("/healthz").json().get("index_version")


def one_reload(http: httpx.Client, kb: Path, round_no: int, wait_s: float) -> dict[str, Any]:
    page = sorted(kb.rglob("*.md"))[0]
    page.write_text(page.read_text() + f"\n\nReload check {round_no}.\n")
    before = index_version(http)
    subprocess.run([sys.executable, "-m", "assistant.cli", "ingest", str(kb)], check=True, cwd=ROOT, capture_output=True)
    ingested = time.perf_counter()
    times = [ask(http)]
    while index_version(http) == before and time.perf_counter() - ingested < wait_s:
        times.append(ask(http))
    swap = time.perf_counter() - ingested
    return {
        "round": round_no, "first_ms": round(times[0]), "slowest_ms": round(max(times)), "questions": len(times),
        "swap_s": round(swap, 2), "after_ms": round(ask(http)), "swapped": index_version(http) != before,
    }


class LogWatch:
    """Notes the wall-clock time at which ``text`` first appears in ``log`` after ``start`` (looked for every 20 ms)."""

    def __init__(self, log: Path | None, text: str) -> None:
        self.log, self.text, self.seen_at = log, text.encode(), None
        self.offset = log.stat().st_size if log else 0
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)

    def start(self) -> LogWatch:
        if self.log:
            self.thread.start()
        return self

    def run(self) -> None:
        while self.seen_at is None and not self.stopped.wait(0.02):
            with self.log.open("rb") as handle:
                handle.seek(self.offset)
                if self.text in handle.read():
                    self.seen_at = time.time()

    def stop(self) -> float | None:
        self.stopped.set()
        return self.seen_at


def last_turn(db: Path | None) -> tuple[str | None, float | None]:
    """The ``index_version`` of the last turn stored in the SQLite file ``db``, and the milliseconds its
    extractive answer took to pick sentences (the server's own timing, steadier than the round trip)."""
    import sqlite3

    if db is None:
        return None, None
    with sqlite3.connect(db) as connection:
        row = connection.execute("SELECT index_version, timings_ms FROM turns ORDER BY id DESC LIMIT 1").fetchone()
    return (row[0], json.loads(row[1]).get("extraction_ms")) if row else (None, None)


def idle_reload(http: httpx.Client, args: argparse.Namespace, round_no: int) -> dict[str, Any]:
    """Change the page, ingest, ask nothing for ``args.idle`` seconds (watching the log), then ask."""
    manifest = load_settings().index_dir / "manifest.json"
    page = args.kb / args.page if args.page else sorted(args.kb.rglob("*.md"))[0]
    page.write_text(page.read_text() + f"\n\nReload check {round_no}: items sent back this week are refunded within {round_no + 3} days.\n")
    old = json.loads(manifest.read_text())["updated_at"]
    watch = LogWatch(args.log, "reloaded the index").start()
    subprocess.run([sys.executable, "-m", "assistant.cli", "ingest", str(args.kb)], check=True, cwd=ROOT, capture_output=True)
    ingested, ended = time.perf_counter(), time.time()
    written = manifest.stat().st_mtime  # the save's last step: the command itself exits a little later
    new = json.loads(manifest.read_text())["updated_at"]
    time.sleep(args.idle)
    seen = watch.stop()
    swap = None if seen is None else round(seen - written, 2)
    first = ask(http, args.question)
    version, first_pick = last_turn(args.db)
    first_from = "new" if version == new else "old" if version == old else version
    while index_version(http) != new and time.perf_counter() - ingested < args.wait:
        time.sleep(0.05)
    then = ask(http, args.question)
    then_pick = last_turn(args.db)[1]
    return {
        "round": round_no, "swap_s": swap, "first_ms": round(first), "first_from": first_from,
        "first_new_ms": round(first if first_from == "new" else then),
        "first_new_extraction_ms": first_pick if first_from == "new" else then_pick, "new_version_differs": new != old,
        "ingest_exit_s": round(ended - written, 2),
    }


def healthz_reload(http: httpx.Client, args: argparse.Namespace, round_no: int) -> dict[str, Any]:
    """Change the page, ingest, then only ``/healthz`` every ``args.healthz_every`` seconds until it names the new index."""
    manifest = load_settings().index_dir / "manifest.json"
    page = args.kb / args.page if args.page else sorted(args.kb.rglob("*.md"))[0]
    page.write_text(page.read_text() + f"\n\nHealth check {round_no}.\n")
    subprocess.run([sys.executable, "-m", "assistant.cli", "ingest", str(args.kb)], check=True, cwd=ROOT, capture_output=True)
    ingested = time.perf_counter()
    new, looks = json.loads(manifest.read_text())["updated_at"], 0
    while time.perf_counter() - ingested < args.wait:
        looks += 1
        if index_version(http) == new:
            break
        time.sleep(args.healthz_every)
    return {"round": round_no, "healthz_s": round(time.perf_counter() - ingested, 2), "looks": looks}


class ReloadSpans:
    """The wall-clock spans of the server's reloads, from its log's *reloading the index* / *reloaded the index* lines
    (looked for every 10 ms)."""

    def __init__(self, log: Path) -> None:
        self.log, self.offset = log, log.stat().st_size
        self.spans: list[tuple[float, float | None]] = []
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)

    def run(self) -> None:
        pending = b""
        while not self.stopped.wait(0.01):
            with self.log.open("rb") as handle:
                handle.seek(self.offset)
                pending += handle.read()
                self.offset = handle.tell()
            *lines, pending = pending.split(b"\n")
            for line in lines:
                if b"reloading the index" in line:
                    self.spans.append((time.time(), None))
                elif b"reloaded the index" in line and self.spans and self.spans[-1][1] is None:
                    self.spans[-1] = (self.spans[-1][0], time.time())

    def overlaps(self, start: float, end: float) -> bool:
        return any(begun <= end and (ended is None or ended >= start) for begun, ended in self.spans)


def during_reloads(http: httpx.Client, args: argparse.Namespace) -> dict[str, Any]:
    """Ask ``args.question`` back to back for ``args.during`` seconds while the server reloads its index over and over
    (the manifest touched again once each reload is logged: the server loads the same files and builds everything for
    them again); then as long again with no reloads. Milliseconds of the questions that overlapped a reload against
    those asked with none."""
    manifest = load_settings().index_dir / "manifest.json"
    spans = ReloadSpans(args.log)
    spans.thread.start()
    asked: list[tuple[float, float, float]] = []  # (start, end, ms)
    until = time.time() + args.during
    touched = 0
    while time.time() < until:
        if len(spans.spans) == touched and (not spans.spans or spans.spans[-1][1] is not None):
            os.utime(manifest)  # a new modification time: the server's poll reloads the index
            touched += 1
        begun = time.time()
        ms = ask(http, args.question)
        asked.append((begun, time.time(), ms))
    while spans.spans and spans.spans[-1][1] is None and time.time() < until + args.wait:
        time.sleep(0.05)
    quiet = [ask(http, args.question) for _ in range(len(asked))]
    spans.stopped.set()
    during = [ms for begun, ended, ms in asked if spans.overlaps(begun, ended)]
    reload_s = [ended - begun for begun, ended in spans.spans if ended is not None]

    def figures(values: list[float]) -> dict[str, Any]:
        ordered = sorted(values)
        return {"n": len(ordered), "median_ms": round(statistics.median(ordered)) if ordered else None,
                "p90_ms": round(ordered[int(0.9 * (len(ordered) - 1))]) if ordered else None, "max_ms": round(max(ordered)) if ordered else None}

    return {"reloads": len(reload_s), "reload_s_median": round(statistics.median(reload_s), 2) if reload_s else None,
            "during": figures(during), "no_reload": figures(quiet)}


def process_cpu_s(pid: int) -> float:
    """User + system CPU seconds the process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def idle_cpu(pid: int, seconds: float) -> dict[str, Any]:
    """CPU seconds the process spends over ``seconds`` in which this script asks it nothing."""
    start = process_cpu_s(pid)
    time.sleep(seconds)
    return {"idle_s": seconds, "cpu_s": round(process_cpu_s(pid) - start, 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", default="http://127.0.0.1:7860")
    parser.add_argument("--kb", type=Path, help="the folder the server's index was built from (a copy: it is changed)")
    parser.add_argument("--times", type=int, default=3)
    parser.add_argument("--wait", type=float, default=120, help="seconds to wait for the server to swap in a new index")
    parser.add_argument("--idle", type=float, default=0, help="ask nothing for this many seconds after each ingest (see above)")
    parser.add_argument("--log", type=Path, help="the server's log (assistant -v serve), for --idle's swap_s")
    parser.add_argument("--db", type=Path, help="the server's SQLite database, for --idle's first_from")
    parser.add_argument("--page", help="the Markdown file of --kb to change (default: the first)")
    parser.add_argument("--question", default=QUESTION)
    parser.add_argument("--healthz-every", type=float, default=0, help="only ask /healthz, every this many seconds (see above)")
    parser.add_argument("--cpu-idle", type=float, default=0, help="only measure the server's CPU seconds over this many idle seconds")
    parser.add_argument("--pid", type=int, help="the server's process id, for --cpu-idle")
    parser.add_argument("--during", type=float, default=0, help="only ask while the server reloads over and over, for this many seconds (needs --log)")
    args = parser.parse_args()

    if args.during:
        if args.log is None:
            parser.error("--during needs --log (the server's log, assistant -v serve 2> LOG)")
        with httpx.Client(base_url=args.url.rstrip("/"), timeout=120) as http:
            ask(http, args.question)
            print(json.dumps(during_reloads(http, args)))
        return

    if args.cpu_idle:
        print(json.dumps(idle_cpu(args.pid, args.cpu_idle)))
        return
    if args.kb is None:
        parser.error("--kb is needed (all but --cpu-idle)")
    if args.healthz_every:
        with httpx.Client(base_url=args.url.rstrip("/"), timeout=120) as http:
            rows = [healthz_reload(http, args, round_no) for round_no in range(1, args.times + 1)]
        for row in rows:
            print(json.dumps(row), flush=True)
        print(json.dumps({"healthz_s": statistics.median(row["healthz_s"] for row in rows), "rounds": len(rows)}))
        return
    if args.idle:
        with httpx.Client(base_url=args.url.rstrip("/"), timeout=120) as http:
            ask(http, args.question)  # what the warm-up left out, built before the first round
            rows = [idle_reload(http, args, round_no) for round_no in range(1, args.times + 1)]
        for row in rows:
            print(json.dumps(row), flush=True)
        keys = ("first_ms", "first_new_ms", "first_new_extraction_ms")
        print(json.dumps({key: statistics.median(row[key] for row in rows if row[key] is not None) for key in keys}
                         | {"swapped_idle": sum(row["swap_s"] is not None for row in rows), "rounds": len(rows)}))
        return

    with httpx.Client(base_url=args.url.rstrip("/"), timeout=120) as http:
        steady = [ask(http) for _ in range(5)][1:]  # the first builds what the warm-up left out
        rows = [one_reload(http, args.kb, round_no, args.wait) for round_no in range(1, args.times + 1)]
    for row in rows:
        print(json.dumps(row), flush=True)
    summary = {"steady_ms": round(statistics.median(steady))}
    summary |= {key: statistics.median(row[key] for row in rows) for key in ("first_ms", "slowest_ms", "swap_s", "after_ms")}
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
