"""Search: a query in, scored passages out (dense, keyword, or both fused)."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Literal

import numpy as np

from retrieval.documents import Passage
from retrieval.embedders import Embedder
from retrieval.fusion import reciprocal_rank_fusion
from retrieval.index import VectorIndex
from retrieval.keyword import KeywordIndex

Method = Literal["dense", "bm25", "hybrid"]
METHODS: tuple[str, ...] = ("dense", "bm25", "hybrid")
CANDIDATES = 50  # results taken from each search before fusion


class Retriever:
    """Search over a saved index. The index loads on first use and reloads when it changes on disk.

    Every returned passage is scored with the dense cosine similarity of query and chunk, whatever
    the method that ranked it, so one threshold ("is anything close enough?") serves all methods.
    """

    def __init__(self, embedder: Embedder, index_dir: Path, method: Method = "dense") -> None:
        if method not in METHODS:
            raise ValueError(f"unknown retrieval method {method!r}; choose one of: {', '.join(METHODS)}")
        self.embedder = embedder
        self.index_dir = Path(index_dir)
        self.method = method
        self._index: VectorIndex | None = None
        self._keyword: KeywordIndex | None = None
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
                self._keyword = None
                self._loaded_stamp = stamp
            return self._index

    @property
    def index_version(self) -> str | None:
        """When the current index was last written (its manifest's ``updated_at``)."""
        return self.index.updated_at

    def keyword_index(self) -> KeywordIndex:
        index = self.index
        with self._lock:
            if self._keyword is None:
                ids = list(index.chunks)
                self._keyword = KeywordIndex(ids, [index.chunks[i].embedding_text for i in ids])
            return self._keyword

    def search(self, query: str, k: int = 3) -> list[Passage]:
        """The ``k`` best passages for ``query``, best first."""
        index = self.index
        vector = self.embedder.embed([query])[0]
        if self.method == "dense":
            ranked = [(chunk.chunk_id, score) for chunk, score in index.search(vector, k)]
        else:
            keyword = self.keyword_index().search(query, CANDIDATES)
            if self.method == "bm25":
                ranked = keyword[:k]
            else:
                dense = [(chunk.chunk_id, score) for chunk, score in index.search(vector, CANDIDATES)]
                ranked = reciprocal_rank_fusion([dense, keyword])[:k]
        return [Passage(index.chunks[chunk_id], self._cosine(index, chunk_id, vector)) for chunk_id, _ in ranked]

    @staticmethod
    def _cosine(index: VectorIndex, chunk_id: int, vector: np.ndarray) -> float:
        return float(index.faiss.reconstruct(int(chunk_id)) @ vector)
