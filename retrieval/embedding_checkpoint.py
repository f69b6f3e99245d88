"""Vectors of an ingest that has not finished, kept on disk so that running it again embeds only the rest.

A large knowledge base takes many minutes to embed on a CPU. ``embed_resumably`` embeds the texts in parts
and writes each part's vectors (one embedder batch) to a small SQLite file beside the index folder (``.NAME.embedded.sqlite``),
keyed by the sha256 of the text and tied to the embedder's fingerprint. When an ingest is stopped (Ctrl-C,
a crash, a reboot), the next ingest of the same index reads those vectors back instead of embedding the
texts again. The file is removed once the index is saved.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Sequence
from contextlib import closing
from pathlib import Path

import numpy as np

from retrieval.embedders import Embedder
from retrieval.errors import IndexWriteError

PART_SIZE = 64  # texts embedded between two writes: one batch of the embedders, 1-10 s of chunks on two busy cores


def checkpoint_path(index_dir: Path) -> Path:
    """Where the unfinished vectors of ``index_dir``'s ingest are kept (beside it, so an index swap keeps it)."""
    index_dir = Path(index_dir)
    return index_dir.parent / f".{index_dir.name}.embedded.sqlite"


def kept_vectors(index_dir: Path) -> int:
    """How many vectors an unfinished ingest of ``index_dir`` kept (0 when none, or the file cannot be read)."""
    path = checkpoint_path(index_dir)
    if not path.exists():
        return 0
    try:
        with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as db:
            return int(db.execute("SELECT count(*) FROM vectors").fetchone()[0])
    except sqlite3.Error:
        return 0


def text_key(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


class EmbeddingCheckpoint:
    """The vectors embedded so far, by text key, for one embedder (a different fingerprint starts afresh)."""

    def __init__(self, path: Path, fingerprint: str, dimension: int) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(self.path)
        self._db.execute("CREATE TABLE IF NOT EXISTS about (fingerprint TEXT NOT NULL, dimension INTEGER NOT NULL)")
        self._db.execute("CREATE TABLE IF NOT EXISTS vectors (key TEXT PRIMARY KEY, vector BLOB NOT NULL)")
        if self._db.execute("SELECT fingerprint, dimension FROM about").fetchall() != [(fingerprint, dimension)]:
            self._db.execute("DELETE FROM vectors")
            self._db.execute("DELETE FROM about")
            self._db.execute("INSERT INTO about VALUES (?, ?)", (fingerprint, dimension))
        self._db.commit()
        self.dimension = dimension

    def known(self, keys: Sequence[str]) -> dict[str, np.ndarray]:
        """The stored vectors among ``keys``."""
        found: dict[str, np.ndarray] = {}
        for start in range(0, len(keys), 500):  # SQLite's limit on bound parameters
            part = list(keys[start : start + 500])
            marks = ",".join("?" * len(part))
            for key, blob in self._db.execute(f"SELECT key, vector FROM vectors WHERE key IN ({marks})", part):
                found[key] = np.frombuffer(blob, dtype=np.float32)
        return found

    def add(self, keys: Sequence[str], vectors: np.ndarray) -> None:
        """Store and commit one part's vectors."""
        rows = [(key, np.asarray(vector, dtype=np.float32).tobytes()) for key, vector in zip(keys, vectors)]
        self._db.executemany("INSERT OR REPLACE INTO vectors VALUES (?, ?)", rows)
        self._db.commit()

    def close(self) -> None:
        self._db.close()


def embed_resumably(
    embedder: Embedder, texts: Sequence[str], checkpoint: Path, show_progress: bool = False, part_size: int | None = None
) -> np.ndarray:
    """``embedder.embed(texts)``, in parts of ``part_size`` distinct texts, each part kept in ``checkpoint``
    as soon as it is embedded; texts already there (from an ingest that was stopped) are not embedded again.
    A bar shows the progress over all parts."""
    part_size = part_size or PART_SIZE
    unique = list(dict.fromkeys(texts))
    keys = [text_key(text) for text in unique]
    try:
        kept = EmbeddingCheckpoint(checkpoint, embedder.fingerprint, embedder.dimension)
    except (sqlite3.Error, OSError) as error:  # a read-only or full file system
        raise IndexWriteError(checkpoint, error) from None
    with closing(kept):
        vectors = kept.known(keys)
        todo = [(key, text) for key, text in zip(keys, unique) if key not in vectors]
        bar = _bar(len(unique), len(unique) - len(todo), show_progress)
        try:
            for start in range(0, len(todo), part_size):
                part = todo[start : start + part_size]
                embedded = np.asarray(embedder.embed([text for _, text in part]), dtype=np.float32)
                try:
                    kept.add([key for key, _ in part], embedded)
                except (sqlite3.Error, OSError) as error:
                    raise IndexWriteError(checkpoint, error) from None
                vectors.update(zip((key for key, _ in part), embedded))
                bar.update(len(part))
        finally:
            bar.close()
    by_text = dict(zip(unique, keys))
    if not texts:
        return np.zeros((0, embedder.dimension), dtype=np.float32)
    return np.stack([vectors[by_text[text]] for text in texts]).astype(np.float32, copy=False)


def _bar(total: int, done: int, show: bool):
    from tqdm.auto import tqdm

    return tqdm(total=total, initial=done, desc="Embedding", unit="text", disable=not show, dynamic_ncols=True)


def discard(checkpoint: Path) -> None:
    """Remove the kept vectors (the index holds them now), with SQLite's side files."""
    for path in (checkpoint, checkpoint.with_name(checkpoint.name + "-journal")):
        path.unlink(missing_ok=True)
