"""How long a question's query embedding takes while this process builds a reloaded index in another thread.

    .venv/bin/python -m benchmarks.reload_contention --times 30 --rounds 2

In one process with the server's settings (``ASSISTANT_INDEX_DIR``, the embedder): a thread reloads the index over
and over (``manifest.json`` touched, then ``Retriever.reload``: the load and everything built from it, the answer
sentences included, as a server's background reload does), while the main thread embeds ``--times`` questions not
seen before, one after another; then as many with no reload. Prints the median and 90th percentile milliseconds of
each, per round, as JSON lines. Needs a real embedder (the hash one runs no model).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import threading
import time

from assistant.app import Assistant
from assistant.config import load_settings


def timed(embed, times: int) -> dict[str, float]:
    spent = []
    for number in range(times):
        started = time.perf_counter()
        embed([f"How do I return item number {number}? ({time.time()})"])
        spent.append((time.perf_counter() - started) * 1000)
    spent.sort()
    return {"median_ms": round(statistics.median(spent), 1), "p90_ms": round(spent[int(0.9 * (times - 1))], 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--times", type=int, default=30, help="questions embedded in each condition")
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()

    app = Assistant(load_settings())
    app.warm_up()
    retriever, embed = app.retriever, app.embedder.embed
    manifest = app.settings.index_dir / "manifest.json"
    stop = threading.Event()
    reloads = [0]

    def reload_over_and_over() -> None:
        while not stop.is_set():
            os.utime(manifest)
            retriever.reload()
            reloads[0] += 1

    for round_no in range(1, args.rounds + 1):
        quiet = timed(embed, args.times)
        stop.clear()
        builder = threading.Thread(target=reload_over_and_over, daemon=True)
        builder.start()
        time.sleep(0.3)
        busy = timed(embed, args.times)
        stop.set()
        builder.join()
        print(json.dumps({"round": round_no, "quiet": quiet, "during_reloads": busy, "reloads": reloads[0]}), flush=True)


if __name__ == "__main__":
    main()
