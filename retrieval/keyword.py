"""Keyword search: BM25 (bm25s) over the same chunks as the dense index."""

from __future__ import annotations

import logging
from collections.abc import Sequence

import bm25s
import numpy as np

_TOKENIZE = {"stopwords": "english", "show_progress": False}
logging.getLogger("bm25s").setLevel(logging.WARNING)  # it logs every index build at debug level


class KeywordIndex:
    """BM25 over a fixed list of texts, each with a 64-bit id. Rebuilt, not updated, when texts change."""

    def __init__(self, ids: Sequence[int], texts: Sequence[str]) -> None:
        if len(ids) != len(texts):
            raise ValueError("ids and texts differ in length")
        self.ids = np.asarray(ids, dtype=np.int64)
        self._bm25 = bm25s.BM25()
        if len(texts):
            self._bm25.index(bm25s.tokenize(list(texts), **_TOKENIZE), show_progress=False)

    def __len__(self) -> int:
        return len(self.ids)

    def search(self, query: str, k: int) -> list[tuple[int, float]]:
        """The ``k`` best (id, BM25 score) pairs, best first; texts sharing no word with the query are left out."""
        return self.search_many([query], k)[0]

    def search_many(self, queries: Sequence[str], k: int) -> list[list[tuple[int, float]]]:
        if not len(self.ids):
            return [[] for _ in queries]
        known = self._bm25.vocab_dict
        tokens = [[t for t in query if t in known] for query in bm25s.tokenize(list(queries), return_ids=False, **_TOKENIZE)]
        results: list[list[tuple[int, float]]] = [[] for _ in queries]
        asked = [i for i, query in enumerate(tokens) if query]  # a query with no indexed word finds nothing
        if asked:
            rows, scores = self._bm25.retrieve(
                [tokens[i] for i in asked], k=min(k, len(self.ids)), show_progress=False, n_threads=1
            )
            for i, row, score in zip(asked, rows, scores):
                results[i] = [(int(self.ids[r]), float(s)) for r, s in zip(row, score) if s > 0]
        return results
