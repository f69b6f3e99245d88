"""The first extractive answer from a reloaded index: how many texts it embeds and how long it picks sentences.

    python -m benchmarks.reload_warmup --kb /tmp/kb-copy --page returns/how-to-return.md \\
        --after "Guests can start a return" --question "How do I send an item back?" --times 5

In one process, with the settings of the environment (``ASSISTANT_INDEX_DIR``: an index built from ``--kb``, a
copy: it is changed; extractive answers): the models and the index are warmed up as ``assistant serve`` does,
then each round puts a new paragraph into ``--page`` (instead of the one before: after the line that holds
``--after``, so that it lands in a passage the question is answered from), ingests, reloads the index
(``Retriever.reload``, as a server's background reload does) and answers ``--question`` once. Per round:
``embedded`` (texts the first answer sent to the model: the question, and every passage sentence the
warm-up did not cover), ``extraction_ms`` (the answer's sentence picking, as the turn timed it) and
``turn_ms``. Conversations are kept in memory. Prints a line per round and the medians as JSON.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from assistant.app import Assistant
from assistant.config import load_settings
from dialog.store import InMemoryStore
from retrieval.ingest import ingest


class Counting:
    """Wraps an embedder, counting the texts it embeds."""

    def __init__(self, inner: Any) -> None:
        self.inner, self.texts = inner, 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def embed(self, texts: Sequence[str], show_progress: bool = False) -> np.ndarray:
        self.texts += len(texts)
        return self.inner.embed(texts, show_progress)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--kb", type=Path, required=True)
    parser.add_argument("--page", required=True, help="the Markdown file of --kb to change, one its question cites")
    parser.add_argument("--after", default="", help="the new paragraph goes after the first line holding this (default: the last)")
    parser.add_argument("--question", required=True)
    parser.add_argument("--times", type=int, default=3)
    args = parser.parse_args()

    app = Assistant(load_settings(answer_mode="extractive"))
    app.embedder = counting = Counting(app.embedder)
    app.warm_up()
    manager = app.build_manager(InMemoryStore())
    manager.handle(None, args.question)  # what the warm-up left out
    rows = []
    page = args.kb / args.page
    original = page.read_text()
    for round_no in range(1, args.times + 1):  # the page as it was, with a new paragraph at the end each time
        stamp = time.time_ns()
        paragraph = " ".join(
            f"Returns note {stamp}-{n}: a parcel sent back in week {n} of this season is checked within {n + 2} days." for n in range(8)
        )
        lines = original.splitlines()
        at = next((i + 1 for i, line in enumerate(lines) if args.after and args.after in line), len(lines))
        page.write_text("\n".join(lines[:at] + ["", paragraph, ""] + lines[at:]) + "\n")
        ingest([args.kb], app.embedder, app.settings.index_dir)
        app.retriever.reload()
        counting.texts = 0
        started = time.perf_counter()
        result = manager.handle(None, args.question)
        rows.append({
            "round": round_no, "embedded": counting.texts, "extraction_ms": result.timings_ms.get("extraction_ms"),
            "turn_ms": round((time.perf_counter() - started) * 1000, 1),
            "cites_page": any(s["doc_id"] == args.page.removesuffix(".md") for s in result.sources),
        })
        print(json.dumps(rows[-1]), flush=True)
    print(json.dumps({key: statistics.median(row[key] for row in rows) for key in ("embedded", "extraction_ms", "turn_ms")}))


if __name__ == "__main__":
    main()
