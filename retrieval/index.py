"""A FAISS inner-product index with 64-bit chunk ids, saved with a manifest that describes it.

Files in the index folder: ``vectors.faiss``, ``chunks.jsonl`` (one chunk per line),
``documents.json`` (document id -> content hash and source), ``files.json`` (file -> sha256 of its bytes
and its documents: ``retrieval.file_records``) and ``manifest.json`` (embedder, dimension, metric, counts,
checksums), plus ``ann.faiss`` when an approximate index is in use, and
``sentences.faiss`` with ``sentences.json`` (chunk id -> number of sentence vectors) when chunks have
sentence vectors (``retrieval.sentences``). A save writes a
complete new folder beside the old one and then swaps it in, so a crash never leaves a half-written index.
Every save uses its own staging folder, and an index folder that is a symlink is written through: the
folder it points to is swapped and the link stays. Writers that load, change and save an index hold
its lock (``retrieval.index_lock``) so that two of them never overwrite each other's changes.

Index types: the exact flat index is always kept (it is the store: ids, removal, reconstruction,
filtered search). ``hnsw`` or ``ivf`` add an approximate index built from it, used for unfiltered
searches; ``auto`` (the default) stays exact below ``ann_threshold`` chunks and uses HNSW above it,
because exact search of one query costs ~15 ms at 100k and ~150 ms at 1M vectors on two cores
(benchmarks/retrieval.py). Chunks added go into the approximate index in place; chunks removed are marked
in it (id -1, rows searches skip), and it is rebuilt from the store once more than ``STALE_SHARE`` of its
rows are marked, when the type in use changes (``auto`` crossing ``ann_threshold``), or on save or first
search when there is none.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

import faiss
import numpy as np

from assistant.output_folder import swap_folder
from retrieval.documents import Chunk
from retrieval.errors import IndexWriteError
from retrieval.sentences import best_sentence_scores, rescore, sentence_ids

FORMAT_VERSION = 1
INDEX_TYPES: tuple[str, ...] = ("auto", "flat", "hnsw", "ivf")
DEFAULT_ANN_THRESHOLD = 20_000  # chunks; below it exact search takes a few ms
HNSW_M = 32
STALE_SHARE = 0.1  # removed chunks an approximate index may still hold (searches skip them) before it is rebuilt
REBUILD_HINT = "Rebuild it with: assistant ingest --rebuild PATH..."


class IndexLoadError(RuntimeError):
    """The index on disk is missing, corrupt or was built with another embedder."""


def file_sha256(path: Path) -> str:
    """The file's sha256 (hex), read in blocks: the checksums a manifest records."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def resolve_index_type(index_type: str, count: int, threshold: int = DEFAULT_ANN_THRESHOLD) -> str:
    """The index type to use for ``count`` vectors: ``auto`` is flat below ``threshold``, else hnsw."""
    if index_type not in INDEX_TYPES:
        raise ValueError(f"unknown index type {index_type!r}; choose one of: {', '.join(INDEX_TYPES)}")
    if index_type == "auto":
        return "flat" if count < threshold else "hnsw"
    return index_type


def ivf_lists(count: int) -> int:
    """How many lists an IVF index of ``count`` vectors gets: ~4 sqrt(n), and FAISS wants ~39 training points per list."""
    return max(1, min(int(4 * np.sqrt(count)), count // 39 or 1))


def build_ann(vectors: np.ndarray, ids: np.ndarray, kind: str, ef_construction: int = 80) -> faiss.Index:
    """An approximate inner-product index with ids over (n, d) float32 ``vectors``."""
    count, dimension = vectors.shape
    if kind == "hnsw":
        inner = faiss.IndexHNSWFlat(dimension, HNSW_M, faiss.METRIC_INNER_PRODUCT)
        inner.hnsw.efConstruction = ef_construction
    elif kind == "ivf":
        nlist = ivf_lists(count)
        inner = faiss.IndexIVFFlat(faiss.IndexFlatIP(dimension), dimension, nlist, faiss.METRIC_INNER_PRODUCT)
        sample = vectors if count <= 256 * nlist else vectors[np.random.default_rng(0).choice(count, 256 * nlist, replace=False)]
        inner.train(sample)
    else:
        raise ValueError(f"not an approximate index type: {kind!r}")
    index = faiss.IndexIDMap2(inner)
    index.add_with_ids(vectors, ids)
    return index


def embedder_mismatch(manifest: dict[str, Any], name: str, fingerprint: str) -> str | None:
    """What differs between the embedder an index was built with (its manifest) and the one in use, or None.
    A retrained embedder keeps its name; then only the weights' sha256 tells them apart, and the message
    says so rather than naming the same embedder twice."""
    built_name, built_fingerprint = manifest.get("embedder"), manifest.get("embedder_sha256")
    if built_name != name:
        return f"was built with embedder {built_name!r}, but the settings use {name!r}"
    if built_fingerprint != fingerprint:
        now = f"sha256 {fingerprint[:12]}…" if fingerprint else "no sha256 recorded in their embedder.json"
        if not built_fingerprint:  # a manifest written without it, or edited: nothing to compare the weights with
            return (
                f"was built with embedder {name!r}, but its manifest records no sha256 of that embedder's weights, so it "
                f"cannot be checked against the weights in use now ({now})"
            )
        return (
            f"was built with other weights of embedder {name!r} (sha256 {str(built_fingerprint)[:12]}…), but the weights in use "
            f"now {'are' if fingerprint else 'have'} {now}: the embedder was retrained or replaced since"
        )
    return None


class VectorIndex:
    """Chunks and their vectors; inner-product search on normalised vectors (cosine), exact or approximate."""

    def __init__(
        self, dimension: int, embedder_name: str, embedder_fingerprint: str, index_type: str = "auto",
        ann_threshold: int = DEFAULT_ANN_THRESHOLD, ef_search: int = 256, nprobe: int = 64,
    ) -> None:
        resolve_index_type(index_type, 0, ann_threshold)  # fails early on an unknown type
        self.index_type = index_type
        self.ann_threshold = ann_threshold
        self.ef_search = ef_search
        self.nprobe = nprobe
        self._ann: faiss.Index | None = None
        self._ann_kind: str | None = None
        self._ann_ids: np.ndarray | None = None  # the approximate index's row -> chunk id map (-1: removed)
        self._ann_ids_of: faiss.Index | None = None
        self._ann_skip: faiss.IDSelector | None = None  # its removed rows, which searches skip
        self.dimension = dimension
        self.embedder_name = embedder_name
        self.embedder_fingerprint = embedder_fingerprint
        self.faiss = faiss.IndexIDMap2(faiss.IndexFlatIP(dimension))
        self.sentences = faiss.IndexIDMap2(faiss.IndexFlatIP(dimension))  # sentence vectors, exact store only
        self.sentence_counts: dict[int, int] = {}  # chunk id -> number of its sentence vectors
        self.chunks: dict[int, Chunk] = {}
        self.documents: dict[str, dict[str, str]] = {}  # doc id -> {"hash", "source", "chunking"}
        self.files: dict[str, dict[str, Any]] = {}  # file -> {"sha256", "reading", "documents"} (retrieval.file_records)
        self.chunking: dict[str, Any] = {}  # the chunk settings of the last ingest, e.g. {"max_tokens": 256, ...}
        self.sources: list[str] | None = []  # the files and folders ingested (None: an index saved before they were recorded)
        self.guessed_sources: list[str] = []  # of those, the ones inferred for an older index (provisional: retrieval.sources)
        self.synonyms: list[list] = []  # the sources' synonym rules, as [terms, replacement or None] (retrieval.synonyms)
        self.updated_at: str | None = None

    def __len__(self) -> int:
        return len(self.chunks)

    def add(self, chunks: list[Chunk], vectors: np.ndarray, sentence_vectors: dict[int, np.ndarray] | None = None) -> None:
        """Add chunks with their (n, dimension) vectors; chunks already present are replaced.

        ``sentence_vectors`` maps a chunk id to the (m, dimension) vectors of its sentences, for the
        chunks that have them (``retrieval.sentences``).
        """
        if vectors.shape != (len(chunks), self.dimension):
            raise ValueError(f"expected vectors of shape ({len(chunks)}, {self.dimension}), got {vectors.shape}")
        if not chunks:
            return
        rows = list({c.chunk_id: row for row, c in enumerate(chunks)}.values())
        if len(rows) != len(chunks):  # a repeated chunk (e.g. two identical sections) is added once
            chunks, vectors = [chunks[row] for row in rows], vectors[rows]
        self.remove([c.chunk_id for c in chunks if c.chunk_id in self.chunks])
        ids = np.array([c.chunk_id for c in chunks], dtype=np.int64)
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        self.faiss.add_with_ids(vectors, ids)
        self.chunks.update({c.chunk_id: c for c in chunks})
        for chunk_id, sentences in (sentence_vectors or {}).items():
            if chunk_id not in self.chunks or not len(sentences):
                continue
            sentences = np.ascontiguousarray(sentences, dtype=np.float32).reshape(-1, self.dimension)
            self.sentences.add_with_ids(sentences, sentence_ids(chunk_id, len(sentences)))
            self.sentence_counts[chunk_id] = len(sentences)
        ann = self._ann
        grown = ann is not None and self._ann_kind == "ivf" and ivf_lists(len(self.chunks)) > 2 * faiss.downcast_index(ann.index).nlist
        if ann is not None and self._ann_kind == self.effective_type and not grown:
            self._ann.add_with_ids(vectors, ids)  # in place: HNSW and IVF take additions (a rebuild took 3.3 s at 22,643 chunks)
            self._ann_ids = None
        else:
            self._ann = None

    def remove(self, chunk_ids: list[int]) -> int:
        """Remove chunks by id; returns how many were removed."""
        present = [i for i in chunk_ids if i in self.chunks]
        if present:
            self.faiss.remove_ids(np.array(present, dtype=np.int64))
            counts = [(c, self.sentence_counts.pop(c)) for c in present if c in self.sentence_counts]
            if counts:
                self.sentences.remove_ids(np.concatenate([sentence_ids(c, n) for c, n in counts]))
            for chunk_id in present:
                del self.chunks[chunk_id]
            self._forget_in_ann(present)
        return len(present)

    def _forget_in_ann(self, chunk_ids: list[int]) -> None:
        """Mark removed chunks in the approximate index, which cannot remove in place: their rows' ids become -1
        and searches skip those rows. Once more than ``STALE_SHARE`` of its rows are marked, it is rebuilt."""
        if self._ann is None:
            return
        ids = faiss.vector_to_array(self._ann.id_map).astype(np.int64)
        ids[np.isin(ids, np.array(chunk_ids, dtype=np.int64))] = -1
        if np.count_nonzero(ids == -1) > STALE_SHARE * len(ids):
            self._ann = None
            return
        faiss.copy_array_to_vector(ids, self._ann.id_map)
        self._ann.construct_rev_map()
        self._ann_ids = None

    @property
    def effective_type(self) -> str:
        """The index type searches use now: ``flat``, ``hnsw`` or ``ivf``."""
        return resolve_index_type(self.index_type, len(self.chunks), self.ann_threshold)

    def all_vectors(self) -> tuple[np.ndarray, np.ndarray]:
        """(ids (n,), vectors (n, dimension)) of every chunk, from the exact store."""
        inner = faiss.downcast_index(self.faiss.index)
        ids = faiss.vector_to_array(self.faiss.id_map).astype(np.int64)
        vectors = faiss.rev_swig_ptr(inner.get_xb(), inner.ntotal * self.dimension).reshape(inner.ntotal, self.dimension)
        return ids, np.array(vectors, dtype=np.float32)

    def ann(self) -> faiss.Index | None:
        """The approximate index for the current type (built now if needed), or None for exact search."""
        kind = self.effective_type
        if kind == "flat" or not self.chunks:
            return None
        if self._ann is None or self._ann_kind != kind:
            ids, vectors = self.all_vectors()
            self._ann, self._ann_kind = build_ann(vectors, ids, kind), kind
        return self._ann

    def _search_params(self, kind: str, skip: faiss.IDSelector | None = None) -> faiss.SearchParameters | None:
        if kind == "hnsw":
            return faiss.SearchParametersHNSW(efSearch=max(self.ef_search, 1), sel=skip)
        if kind == "ivf":
            return faiss.SearchParametersIVF(nprobe=self.nprobe, sel=skip)
        return None

    def search(
        self, vector: np.ndarray, k: int, allowed: set[int] | None = None, sentence_weight: float = 0.0
    ) -> list[tuple[Chunk, float]]:
        """The ``k`` chunks most similar to a (dimension,) query vector, best first.

        ``allowed`` (chunk ids) restricts the search to those chunks, exactly (metadata filters). With a
        ``sentence_weight``, the ``k`` candidates are re-scored with their sentence vectors
        (``retrieval.sentences``); the scores returned are then those mixed scores.
        """
        if not self.chunks or (allowed is not None and not allowed):
            return []
        query = np.ascontiguousarray(vector.reshape(1, self.dimension), dtype=np.float32)
        if allowed is not None:
            selector = faiss.IDSelectorBatch(np.fromiter(allowed, dtype=np.int64, count=len(allowed)))
            scores, ids = self.faiss.search(query, min(k, len(allowed)), params=faiss.SearchParameters(sel=selector))
        else:
            ann = self.ann()
            if ann is None:
                scores, ids = self.faiss.search(query, min(k, len(self.chunks)))
            else:
                id_map = self._ann_id_map()
                params = self._search_params(self._ann_kind, self._ann_skip)
                scores, ids = faiss.downcast_index(ann.index).search(query, min(k, len(self.chunks)), params=params)
                ids = np.where(ids >= 0, id_map[np.maximum(ids, 0)], -1)
        found = [(int(i), float(s)) for s, i in zip(scores[0], ids[0]) if i != -1]
        if sentence_weight > 0 and self.sentence_counts:
            found = rescore(found, self.best_sentence_scores([i for i, _ in found], query[0]), sentence_weight)
        return [(self.chunks[i], s) for i, s in found]

    def dense_scores(self, chunk_ids: list[int], vector: np.ndarray, sentence_weight: float = 0.0) -> dict[int, float]:
        """Chunk id -> the score ``search`` ranks it by: its cosine with a (dimension,) query vector,
        mixed with its best sentence's when ``sentence_weight`` > 0 and it has sentence vectors."""
        cosines = [(int(i), float(self.vector_of(i) @ vector)) for i in chunk_ids]
        best = self.best_sentence_scores([i for i, _ in cosines], vector) if sentence_weight > 0 else {}
        return dict(rescore(cosines, best, sentence_weight))

    def best_sentence_scores(self, chunk_ids: list[int], vector: np.ndarray) -> dict[int, float]:
        """Chunk id -> its best sentence's cosine with a (dimension,) query, for chunks with sentence vectors."""
        query = np.asarray(vector, dtype=np.float32).reshape(self.dimension)
        return best_sentence_scores(self.sentences, self.sentence_counts, chunk_ids, query)

    def sentence_vectors_of(self, chunk_id: int) -> np.ndarray | None:
        """The (m, dimension) sentence vectors of a chunk, or None when it has none."""
        count = self.sentence_counts.get(int(chunk_id), 0)
        return self.sentences.reconstruct_batch(sentence_ids(int(chunk_id), count)) if count else None

    def _ann_id_map(self) -> np.ndarray:
        if self._ann_ids is None or self._ann_ids_of is not self._ann:
            ann = self._ann
            ids = faiss.vector_to_array(ann.id_map).astype(np.int64)
            removed = np.flatnonzero(ids == -1).astype(np.int64)
            # the rows to skip before the map that says they are current: a search on another thread never pairs a new map with an old skip
            self._ann_skip = faiss.IDSelectorNot(faiss.IDSelectorBatch(removed)) if len(removed) else None
            self._ann_ids, self._ann_ids_of = ids, ann
        return self._ann_ids

    def vector_of(self, chunk_id: int) -> np.ndarray:
        return self.faiss.reconstruct(int(chunk_id))

    def chunk_ids_of(self, doc_id: str) -> list[int]:
        return [cid for cid, chunk in self.chunks.items() if chunk.doc_id == doc_id]

    def chunk_counts(self) -> Counter[str]:
        """How many chunks each document has, by document id."""
        return Counter(chunk.doc_id for chunk in self.chunks.values())

    def document_labels(self) -> dict[str, tuple[str, tuple[str, ...]]]:
        """Each document's language and tags, what ``search_filters`` select by (its chunks all share them)."""
        return {
            chunk.doc_id: (str(chunk.metadata.get("language") or ""), tuple(chunk.metadata.get("tags") or ()))
            for chunk in self.chunks.values()
        }

    # -- persistence -------------------------------------------------------------------------

    def manifest(self) -> dict[str, Any]:
        return {
            "format_version": FORMAT_VERSION,
            "embedder": self.embedder_name,
            "embedder_sha256": self.embedder_fingerprint,
            "dimension": self.dimension,
            "metric": "inner_product_on_normalised_vectors",
            "index_type": self.index_type,
            "index_type_in_use": self.effective_type,
            "ann_threshold": self.ann_threshold,
            "store": "IndexIDMap2(IndexFlatIP)",
            "documents": len(self.documents),
            "chunks": len(self.chunks),
            "sentence_vectors": int(self.sentences.ntotal),
            "chunking": self.chunking,
            "sources": self.sources,
            "guessed_sources": self.guessed_sources,
            "synonyms": self.synonyms,
            "updated_at": self.updated_at,
        }

    def save(self, folder: Path) -> None:
        """Write the index to ``folder`` atomically: build in a sibling folder of its own, then swap.

        A symlinked ``folder`` is written through: the folder it points to is replaced, the link stays.
        """
        folder = Path(os.path.realpath(folder))
        staging = folder.with_name(f".{folder.name}.new-{os.getpid()}-{uuid.uuid4().hex[:8]}")
        try:
            folder.parent.mkdir(parents=True, exist_ok=True)
            staging.mkdir()
            self._write(staging)
            swap_folder(staging, folder)
        except BaseException as error:
            shutil.rmtree(staging, ignore_errors=True)
            if isinstance(error, OSError) or (isinstance(error, RuntimeError) and "write" in str(error)):
                raise IndexWriteError(folder, error) from None  # OSError from Python, RuntimeError from FAISS
            raise

    def _write(self, staging: Path) -> None:
        """Write every file of the index, and its manifest last, into the empty folder ``staging``."""
        self.updated_at = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        faiss.write_index(self.faiss, str(staging / "vectors.faiss"))
        files = ["vectors.faiss", "chunks.jsonl", "documents.json", "files.json"]
        if self.sentence_counts:
            faiss.write_index(self.sentences, str(staging / "sentences.faiss"))
            counts = {str(chunk_id): count for chunk_id, count in self.sentence_counts.items()}
            (staging / "sentences.json").write_text(json.dumps(counts))
            files += ["sentences.faiss", "sentences.json"]
        ann = self.ann()
        if ann is not None:  # built aside with the rest, so a load need not rebuild it
            faiss.write_index(ann, str(staging / "ann.faiss"))
            files.append("ann.faiss")
        with (staging / "chunks.jsonl").open("w", encoding="utf-8") as handle:
            for chunk in self.chunks.values():
                handle.write(json.dumps(chunk.to_dict(), ensure_ascii=False) + "\n")
        (staging / "documents.json").write_text(json.dumps(self.documents, indent=1, sort_keys=True))
        (staging / "files.json").write_text(json.dumps(self.files, ensure_ascii=False))
        manifest = self.manifest()
        manifest["checksums"] = {
            name: file_sha256(staging / name) for name in files
        }
        (staging / "manifest.json").write_text(json.dumps(manifest, indent=2))

    @classmethod
    def load(cls, folder: Path, embedder_name: str, embedder_fingerprint: str, **options: Any) -> VectorIndex:
        """Load and check an index; IndexLoadError names the command that rebuilds it.

        ``options`` (index_type, ann_threshold, ef_search, nprobe) are the search settings; a saved
        approximate index is reused when it is of the type they select. Without an ``index_type`` or
        ``ann_threshold`` the saved ones are kept, so a load-change-save keeps the index's type.
        """
        folder = Path(folder)
        manifest_path = folder / "manifest.json"
        if not manifest_path.is_file():
            raise IndexLoadError(f"No search index in {folder}. Build one with: assistant ingest PATH...")
        try:
            manifest = json.loads(manifest_path.read_text())
        except (json.JSONDecodeError, UnicodeDecodeError) as error:
            raise IndexLoadError(f"The index manifest {manifest_path} is corrupt ({error}). {REBUILD_HINT}") from None
        mismatch = embedder_mismatch(manifest, embedder_name, embedder_fingerprint)
        if mismatch:
            raise IndexLoadError(f"The index in {folder} {mismatch}. {REBUILD_HINT}")
        for name, expected in manifest.get("checksums", {}).items():
            path = folder / name
            if not path.is_file() or file_sha256(path) != expected:
                raise IndexLoadError(f"Index file {path} is missing or does not match its checksum. {REBUILD_HINT}")
        saved = {key: manifest[key] for key in ("index_type", "ann_threshold") if manifest.get(key) is not None}
        index = cls(manifest["dimension"], embedder_name, embedder_fingerprint, **{**saved, **options})
        try:
            index.faiss = faiss.read_index(str(folder / "vectors.faiss"))
        except RuntimeError as error:
            raise IndexLoadError(f"Index file {folder / 'vectors.faiss'} cannot be read ({error}). {REBUILD_HINT}") from None
        with (folder / "chunks.jsonl").open(encoding="utf-8") as handle:
            for line in handle:
                chunk = Chunk.from_dict(json.loads(line))
                index.chunks[chunk.chunk_id] = chunk
        index.documents = json.loads((folder / "documents.json").read_text())
        if (folder / "files.json").is_file():  # indexes written before file records have none: each file is parsed once
            index.files = json.loads((folder / "files.json").read_text(encoding="utf-8"))
        index.chunking = manifest.get("chunking") or {}
        index.sources = manifest.get("sources")
        index.guessed_sources = list(manifest.get("guessed_sources") or [])
        index.synonyms = list(manifest.get("synonyms") or [])
        index.updated_at = manifest.get("updated_at")
        if index.faiss.ntotal != len(index.chunks):
            raise IndexLoadError(f"Index in {folder} has {index.faiss.ntotal} vectors for {len(index.chunks)} chunks. {REBUILD_HINT}")
        if (folder / "sentences.faiss").is_file():  # indexes written before sentence vectors have none
            try:
                index.sentences = faiss.read_index(str(folder / "sentences.faiss"))
                index.sentence_counts = {int(k): int(v) for k, v in json.loads((folder / "sentences.json").read_text()).items()}
            except (RuntimeError, OSError, ValueError) as error:
                raise IndexLoadError(f"Sentence vectors in {folder} cannot be read ({error}). {REBUILD_HINT}") from None
            if index.sentences.ntotal != sum(index.sentence_counts.values()) or not set(index.sentence_counts) <= set(index.chunks):
                raise IndexLoadError(f"Sentence vectors in {folder} do not match its chunks. {REBUILD_HINT}")
        if (folder / "ann.faiss").is_file() and manifest.get("index_type_in_use") == index.effective_type != "flat":
            index._ann, index._ann_kind = faiss.read_index(str(folder / "ann.faiss")), index.effective_type
        return index
