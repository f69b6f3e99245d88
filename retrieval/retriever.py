"""Search: a query in, scored passages out."""

from __future__ import annotations

import threading
from pathlib import Path

from retrieval.documents import Passage
from retrieval.embedders import Embedder
from retrieval.index import VectorIndex


class Retriever:
    """Dense search over a saved index. The index loads on first use and reloads when it changes on disk."""

    def __init__(self, embedder: Embedder, index_dir: Path) -> None:
        self.embedder = embedder
        self.index_dir = Path(index_dir)
        self._index: VectorIndex | None = None
        self._loaded_stamp: float | None = None
        self._lock = threading.Lock()

    @property
    def index(self) -> VectorIndex:
        """The current index; raises IndexLoadError (with the fix) when there is none or it is broken."""
        manifest = self.index_dir / "manifest.json"
        stamp = manifest.stat().st_mtime if manifest.exists() else None
        with self._lock:
            if self._index is None or stamp != self._loaded_stamp:
                self._index = VectorIndex.load(self.index_dir, self.embedder.name, self.embedder.fingerprint)
                self._loaded_stamp = stamp
            return self._index

    def search(self, query: str, k: int = 3) -> list[Passage]:
        """The ``k`` best passages for ``query``, best first."""
        index = self.index
        vector = self.embedder.embed([query])[0]
        return [Passage(chunk, score) for chunk, score in index.search(vector, k)]
