"""Memory of a running server across index reloads: re-ingest, let the server swap the new index in, sample.

    .venv/bin/python benchmarks/reloads.py --url http://127.0.0.1:7860 --pid PID --kb data/kb-copy --times 15

Start the server yourself (``assistant serve``) on an index built from ``--kb`` (a copy of the knowledge base:
one of its Markdown files gets a line added before each ingest), with the same environment as this script
(``ASSISTANT_INDEX_DIR``, the embedder), so that ``assistant ingest KB`` here writes the index the server searches.
Each round: change the file, run the ingest, ask questions through the API until ``/healthz`` names the new
index, ask a few more, and record the server's resident memory (VmRSS). The server freezes what it loaded at
start-up out of the garbage collector (``gc.freeze()``): an index replaced later must still be freed, so the
memory after the first few reloads should stay flat. Each round also records the CPU seconds of the ingest command
and of the server until the new index answered. With ``--server-ingests`` no ingest command runs: the server, started
with ``kb_watch_s`` > 0, ingests the change itself with the embedder it holds. Prints a line per round and a summary;
``--out`` gets them as JSON lines.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
QUESTIONS = ["How do I return an item?", "retrn policy for shoes", "Do you ship abroad?", "How much is gift wrapping?"]


def rss_mb(pid: int) -> float:
    status = Path(f"/proc/{pid}/status").read_text()
    return round(int(status.split("VmRSS:")[1].split()[0]) / 1024, 1)


def ask(http: httpx.Client, text: str) -> None:
    session_id = http.post("/api/sessions").raise_for_status().json()["session_id"]
    http.post(f"/api/sessions/{session_id}/messages", json={"text": text}).raise_for_status()


def index_version(http: httpx.Client) -> str | None:
    return http.get("/healthz").json().get("index_version")


def cpu_s(pid: int) -> float:
    """User + system CPU seconds the process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def children_cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def one_reload(http: httpx.Client, kb: Path, round_no: int, wait_s: float, pid: int, server_ingests: bool = False) -> dict[str, Any]:
    """Change a document, ingest (``server_ingests``: leave it to the server's own watch, ``kb_watch_s``), and ask
    until the server answers from the new index; seconds taken, and the CPU seconds of the ingest command and of the
    server meanwhile."""
    page = sorted(kb.rglob("*.md"))[0]
    page.write_text(page.read_text() + f"\n\nReload check {round_no}.\n")
    before = index_version(http)
    started, server_before, ingest_before = time.perf_counter(), cpu_s(pid), children_cpu_s()
    if not server_ingests:
        subprocess.run([sys.executable, "-m", "assistant.cli", "ingest", str(kb)], check=True, cwd=ROOT, capture_output=True)
    deadline = time.time() + wait_s
    while index_version(http) == before and time.time() < deadline:  # (before index_poll_s, a question made the server look)
        ask(http, QUESTIONS[0])
        time.sleep(1)
    swapped = index_version(http) != before
    seconds, server_cpu = time.perf_counter() - started, cpu_s(pid) - server_before
    for text in QUESTIONS:
        ask(http, text)
    return {"round": round_no, "swapped": swapped, "seconds": round(seconds, 1), "ingest_cpu_s": round(children_cpu_s() - ingest_before, 2),
            "server_cpu_s": round(server_cpu, 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", default="http://127.0.0.1:7860")
    parser.add_argument("--pid", type=int, required=True, help="process id of the server")
    parser.add_argument("--kb", type=Path, required=True, help="the knowledge-base folder the server's index was built from (a copy: it is changed)")
    parser.add_argument("--times", type=int, default=15)
    parser.add_argument("--wait", type=float, default=120, help="seconds to wait for the server to load a new index")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks/results/reloads.jsonl")
    parser.add_argument("--server-ingests", action="store_true", help="run no ingest: the server watches --kb itself (kb_watch_s > 0)")
    args = parser.parse_args()

    rows: list[dict[str, Any]] = []
    with httpx.Client(base_url=args.url.rstrip("/"), timeout=60) as http, args.out.open("a") as out:
        for text in QUESTIONS:  # everything a question builds is built before the first figure
            ask(http, text)
        rows.append({"round": 0, "rss_mb": rss_mb(args.pid)})
        for round_no in range(1, args.times + 1):
            rows.append(one_reload(http, args.kb, round_no, args.wait, args.pid, args.server_ingests) | {"rss_mb": rss_mb(args.pid)})
        for row in rows:
            print(json.dumps(row), flush=True)
            out.write(json.dumps(row) + "\n")
        rss = [row["rss_mb"] for row in rows]
        later = rss[min(3, len(rss) - 1):]
        result = {"reloads": args.times, "not_swapped": sum(not row.get("swapped", True) for row in rows),
                  "rss_mb_start": rss[0], "rss_mb_end": rss[-1], "rss_mb_max": max(rss),
                  "per_reload_after_round_3_mb": round((later[-1] - later[0]) / max(1, len(later) - 1), 2),
                  "seconds_median": statistics.median(row["seconds"] for row in rows[1:]),
                  "ingest_cpu_s_median": statistics.median(row["ingest_cpu_s"] for row in rows[1:]),
                  "server_cpu_s_median": statistics.median(row["server_cpu_s"] for row in rows[1:])}
        out.write(json.dumps(result) + "\n")
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
