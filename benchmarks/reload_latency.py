"""How long customers wait while a running server swaps in a re-ingested index.

    python benchmarks/reload_latency.py --url http://127.0.0.1:7912 --kb /tmp/kb-copy --times 3

Start the server yourself (``assistant serve``) on an index built from ``--kb`` (a copy of the knowledge base:
one of its Markdown files gets a line added before each ingest), with this script's environment
(``ASSISTANT_INDEX_DIR``, the embedder), so that ``assistant ingest KB`` here writes the index the server searches.
Each round: change the file, ingest, then ask questions through the API, one after another, until ``/healthz``
names the new index (a question first: it is what makes a server look at the folder), and one more. Per round:

- ``first_ms``: the first question after the ingest (before background reloads: it loaded the index and built
  the keyword index and spelling words);
- ``slowest_ms``: the slowest question until the new index answered;
- ``swap_s``: seconds from the end of the ingest until ``/healthz`` named the new index;
- ``after_ms``: the first question once it did.

Prints a line per round and the medians as JSON.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", default="http://127.0.0.1:7860")
    parser.add_argument("--kb", type=Path, required=True, help="the folder the server's index was built from (a copy: it is changed)")
    parser.add_argument("--times", type=int, default=3)
    parser.add_argument("--wait", type=float, default=120, help="seconds to wait for the server to swap in a new index")
    args = parser.parse_args()

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
