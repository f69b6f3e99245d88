"""Keyword search: BM25 (bm25s) over the same chunks as the dense index.

Two tokenisers: ``english`` (bm25s's own: lower case, words, English stop words dropped, each word
reduced to its Snowball stem by ``retrieval.stems``, so "refunds" matches "refund" and "paying" "pay") and
``cjk`` for Chinese and mixed-language text, where words are not separated by spaces: each run of
CJK characters becomes its overlapping character bigrams (a one-character run stays a unigram), and
the rest is tokenised like ``english``. ``auto`` picks ``cjk`` when the texts hold CJK characters.
On CMRC2018 passages bigrams lift BM25 from near zero (whole sentences as one "word") to the figures
in docs/retrieval.md.

Both tokenisers first read texts and queries alike in ``keyword_form`` (NFKC, then case-folded): full-width
letters ("ｒｅｔｕｒｎ", what CJK input methods type) and ligatures ("ﬁle") match the plain words of the
help centre. The keyword index is built when an index loads, so this needs no re-indexing.

A device a query names and the texts do not is searched as the system it runs, in the texts' words
(``retrieval.stems.devices_named_as``): "eduroam on my macbook" finds the section "Eduroam on macOS".
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Sequence
from typing import Literal

import bm25s
import numpy as np

from retrieval.stems import devices_named_as, stem_words

Tokenizer = Literal["auto", "english", "cjk"]
TOKENIZERS: tuple[str, ...] = ("auto", "english", "cjk")
_TOKENIZE = {"stopwords": "english", "show_progress": False}
logging.getLogger("bm25s").setLevel(logging.WARNING)  # it logs every index build at debug level

_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af"
_CJK_RUN = re.compile(f"[{_CJK}]+")
_WORD = re.compile(rf"(?u)\b[^\W{_CJK}]\w*\b".replace("\\w*", f"[^\\W{_CJK}]*"))
_STOPWORDS = frozenset(bm25s.stopwords.STOPWORDS_EN) if hasattr(bm25s, "stopwords") else frozenset()


def keyword_form(text: str) -> str:
    """``text`` as keyword search compares it: NFKC (full-width letters and digits, ligatures and other
    compatibility characters as the plain ones they stand for), then case-folded ("Straße" as "strasse")."""
    return unicodedata.normalize("NFKC", text).casefold()


def has_cjk(texts: Sequence[str]) -> bool:
    """Whether any of the texts holds CJK characters. All are read (a scan of 15 MB of text takes well under
    a second, next to the seconds BM25 indexing takes): a large knowledge base with a Chinese folder had its
    first Chinese chunk at position 683, past the first 200 that used to be looked at, so its Chinese was
    tokenised as English, whole runs of characters as single words."""
    return any(_CJK_RUN.search(text) for text in texts)


def cjk_tokens(text: str, stem: bool = True) -> list[str]:
    """Latin words (stop words dropped, stemmed when ``stem``) plus the character bigrams of every CJK run."""
    lowered = text.lower()
    tokens = [w for w in _WORD.findall(lowered) if len(w) > 1 and w not in _STOPWORDS]
    if stem:
        tokens = stem_words(tokens)
    for run in _CJK_RUN.findall(lowered):
        tokens.extend([run] if len(run) == 1 else [run[i : i + 2] for i in range(len(run) - 1)])
    return tokens


def resolve_tokenizer(tokenizer: str, texts: Sequence[str]) -> str:
    if tokenizer not in TOKENIZERS:
        raise ValueError(f"unknown keyword tokenizer {tokenizer!r}; choose one of: {', '.join(TOKENIZERS)}")
    if tokenizer == "auto":
        return "cjk" if has_cjk(texts) else "english"
    return tokenizer


class KeywordIndex:
    """BM25 over a fixed list of texts, each with a 64-bit id. Rebuilt, not updated, when texts change."""

    def __init__(self, ids: Sequence[int], texts: Sequence[str], tokenizer: str = "auto", stem: bool = True) -> None:
        if len(ids) != len(texts):
            raise ValueError("ids and texts differ in length")
        self.ids = np.asarray(ids, dtype=np.int64)
        self.tokenizer = resolve_tokenizer(tokenizer, texts)
        self.stem = stem
        self._bm25 = bm25s.BM25()
        self._doc_tokens: list[np.ndarray] = []  # per text: its distinct token ids (for coverage)
        self._idf = np.zeros(0, dtype=np.float32)
        if len(texts):
            corpus = self._tokenize(list(texts))
            self._bm25.index(corpus, show_progress=False)
            vocab = self._bm25.vocab_dict
            self._doc_tokens = [np.unique(np.fromiter((vocab[t] for t in doc), dtype=np.int32, count=len(doc))) for doc in corpus]
            frequency = np.bincount(np.concatenate(self._doc_tokens), minlength=len(vocab)) if vocab else np.zeros(0)
            self._idf = np.log((len(texts) + 1) / (frequency + 0.5)).astype(np.float32)

    def _tokenize(self, texts: list[str]) -> list[list[str]]:
        texts = [keyword_form(text) for text in texts]
        if self.tokenizer == "english":
            return bm25s.tokenize(texts, return_ids=False, stemmer=stem_words if self.stem else None, **_TOKENIZE)
        return [cjk_tokens(text, self.stem) for text in texts]

    def __len__(self) -> int:
        return len(self.ids)

    def search(self, query: str, k: int) -> list[tuple[int, float]]:
        """The ``k`` best (id, BM25 score) pairs, best first; texts sharing no word with the query are left out."""
        return self.search_many([query], k)[0]

    def search_many(self, queries: Sequence[str], k: int) -> list[list[tuple[int, float]]]:
        return self.search_with_coverage(queries, k)[0]

    def search_with_coverage(self, queries: Sequence[str], k: int) -> tuple[list[list[tuple[int, float]]], list[float]]:
        """Rankings as ``search_many``, and for each query its *coverage*: the IDF-weighted share of its
        distinct words (out-of-vocabulary English words count, with the highest IDF) found in its best text.

        Coverage near 1 means a text holds the query's rare words, where keyword search is
        reliable (SQuAD-style questions); near 0 it matched only common words (paraphrases).
        """
        if not len(self.ids):
            return [[] for _ in queries], [0.0 for _ in queries]
        known = self._bm25.vocab_dict

        def indexed(name: str) -> bool:
            return all(token in known for token in self._tokenize([name])[0])

        # a device the texts do not name is searched as the system it runs, as they name it ("my macbook": "macOS")
        tokenised = self._tokenize([devices_named_as(query, indexed) for query in queries])
        tokens = [[t for t in query if t in known] for query in tokenised]
        results: list[list[tuple[int, float]]] = [[] for _ in queries]
        coverage = [0.0 for _ in queries]
        asked = [i for i, query in enumerate(tokens) if query]  # a query with no indexed word finds nothing
        if asked:
            rows, scores = self._bm25.retrieve(
                [tokens[i] for i in asked], k=min(k, len(self.ids)), show_progress=False, n_threads=1
            )
            unseen_idf = float(np.log(len(self.ids) + 1) + np.log(2.0))
            for i, row, score in zip(asked, rows, scores):
                results[i] = [(int(self.ids[r]), float(s)) for r, s in zip(row, score) if s > 0]
                if results[i]:
                    query_ids = np.unique(np.array([known[t] for t in tokens[i]], dtype=np.int32))
                    # unseen words count against coverage, except CJK bigrams: most unseen ones span a
                    # word boundary of the question ("由哪", "司合"), artefacts of the tokeniser, not words
                    unseen = len(set(tokenised[i])) - len(query_ids) if self.tokenizer == "english" else 0
                    matched = np.intersect1d(query_ids, self._doc_tokens[int(row[0])], assume_unique=True)
                    total = float(self._idf[query_ids].sum()) + unseen * unseen_idf
                    coverage[i] = float(self._idf[matched].sum()) / total if total > 0 else 0.0
        return results, coverage
