"""Memory of the turn embedder's cache (``CachedEmbedder``) after many distinct questions: entries bound only
(50,000, as before ``embedding_cache_mb``) against the byte bound (default 32 MiB), in one run.

    .venv/bin/python benchmarks/embedding_cache.py                     # 60,000 questions, 384 dimensions
    .venv/bin/python benchmarks/embedding_cache.py --questions 20000 --mb 16

Each question ("where is my order 123? (n)", about 40 characters) is embedded once through the cache, as a
served turn embeds its question; the vectors come from a fake of the packaged MiniLM embedder's dimension
(random unit vectors, seeded by the text), so the run measures the cache, not the model. Memory is what
``tracemalloc`` traces in the process after the questions (the cache's vectors, keys and dictionary), beside
what the cache counts (``memory_bytes``). Writes JSON (default ``benchmarks/results/embedding_cache.json``).
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
import tracemalloc
import zlib
from collections.abc import Sequence
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from retrieval.embedders import CACHE_BYTES, CachedEmbedder  # noqa: E402


class UnitVectors:
    """A stand-in embedder: a random unit vector per text (seeded by it), at the packaged model's dimension."""

    name = "unit-vectors"
    fingerprint = "unit-vectors"

    def __init__(self, dimension: int) -> None:
        self.dimension = dimension

    def embed(self, texts: Sequence[str], show_progress: bool = False) -> np.ndarray:
        rows = [np.random.default_rng(zlib.crc32(text.encode())).standard_normal(self.dimension) for text in texts]
        vectors = np.asarray(rows, dtype=np.float32).reshape(len(texts), self.dimension)
        return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)

    def count_tokens(self, text: str) -> int:
        return len(text.split())


def fill(cache: CachedEmbedder, count: int) -> dict:
    """Ask ``count`` distinct questions through ``cache``, one a call; what it then holds."""
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        started = time.perf_counter()
        for n in range(count):
            cache.embed_queries([f"where is my order {n * 7919 % 100_000}? ({n})"])
        seconds = time.perf_counter() - started
        traced = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    return {
        "entries": len(cache._vectors),
        "counted_mb": round(cache.memory_bytes / 2**20, 1),
        "traced_mb": round(traced / 2**20, 1),
        "traced_bytes_per_entry": round(traced / max(1, len(cache._vectors))),
        "seconds": round(seconds, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--questions", type=int, default=60_000)
    parser.add_argument("--dimension", type=int, default=384)
    parser.add_argument("--mb", type=float, default=CACHE_BYTES / 2**20, help="the byte bound (embedding_cache_mb)")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "embedding_cache.json")
    args = parser.parse_args()

    inner = UnitVectors(args.dimension)
    runs = {
        "entries only (50,000)": fill(CachedEmbedder(inner, max_entries=50_000, max_bytes=2**62), args.questions),
        f"{args.mb:g} MiB": fill(CachedEmbedder(inner, max_bytes=int(args.mb * 2**20)), args.questions),
    }
    print(f"{args.questions:,} distinct questions, {args.dimension} dimensions")
    print(f"{'bound':<24}{'entries':>9}{'counted MB':>12}{'traced MB':>11}{'B/entry':>9}{'s':>7}")
    for name, run in runs.items():
        print(f"{name:<24}{run['entries']:>9,}{run['counted_mb']:>12}{run['traced_mb']:>11}{run['traced_bytes_per_entry']:>9}{run['seconds']:>7}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({
        "questions": args.questions, "dimension": args.dimension, "runs": runs,
        "python": platform.python_version(), "machine": platform.machine(), "date": time.strftime("%Y-%m-%d"),
    }, indent=2) + "\n")


if __name__ == "__main__":
    main()
