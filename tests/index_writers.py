"""Index writers run in separate processes by test_index_lock.py (a small module, quick to import)."""

from __future__ import annotations

from multiprocessing.queues import Queue
from pathlib import Path

from retrieval.embedders import HashEmbedder
from retrieval.index import VectorIndex
from retrieval.index_lock import IndexBusy
from retrieval.ingest import ingest, remove_documents


def ingest_folder(folder: str, index_dir: str) -> None:
    ingest([Path(folder)], HashEmbedder(), Path(index_dir), sentence_vectors=False)


def ingest_and_remove(folder: str, index_dir: str, rounds: int) -> None:
    """Ingest the folder and remove one of its documents, ``rounds`` times."""
    for _ in range(rounds):
        ingest([Path(folder)], HashEmbedder(), Path(index_dir), sentence_vectors=False)
        documents = VectorIndex.load(Path(index_dir), "hash", "hash-256").documents
        remove_documents(Path(index_dir), HashEmbedder(), [next(d for d in sorted(documents) if d.startswith(Path(folder).name))])


def ingest_with_short_wait(folder: str, index_dir: str, outcome: Queue) -> None:
    """Put ("done" or "busy", messages) on ``outcome``."""
    messages: list[str] = []
    try:
        ingest([Path(folder)], HashEmbedder(), Path(index_dir), lock_timeout=0.2, on_wait=messages.append)
        outcome.put(("done", messages))
    except IndexBusy as error:
        outcome.put(("busy", [*messages, str(error)]))
