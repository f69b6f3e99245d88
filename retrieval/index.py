"""A FAISS inner-product index with 64-bit chunk ids, saved with a manifest that describes it.

Files in the index folder: ``vectors.faiss``, ``chunks.jsonl`` (one chunk per line),
``documents.json`` (document id -> content hash and source) and ``manifest.json`` (embedder, dimension,
metric, counts, checksums). A save writes a complete new folder beside the old one and then swaps it
in, so a crash never leaves a half-written index.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
from pathlib import Path
from typing import Any

import faiss
import numpy as np

from retrieval.documents import Chunk

FORMAT_VERSION = 1
REBUILD_HINT = "Rebuild it with: assistant ingest --rebuild PATH..."


class IndexLoadError(RuntimeError):
    """The index on disk is missing, corrupt or was built with another embedder."""


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


class VectorIndex:
    """Chunks and their vectors; exact inner-product search on normalised vectors (cosine)."""

    def __init__(self, dimension: int, embedder_name: str, embedder_fingerprint: str) -> None:
        self.dimension = dimension
        self.embedder_name = embedder_name
        self.embedder_fingerprint = embedder_fingerprint
        self.faiss = faiss.IndexIDMap2(faiss.IndexFlatIP(dimension))
        self.chunks: dict[int, Chunk] = {}
        self.documents: dict[str, dict[str, str]] = {}  # doc id -> {"hash", "source", "chunking"}
        self.chunking: dict[str, Any] = {}  # the chunk settings of the last ingest, e.g. {"max_tokens": 256, ...}
        self.updated_at: str | None = None

    def __len__(self) -> int:
        return len(self.chunks)

    def add(self, chunks: list[Chunk], vectors: np.ndarray) -> None:
        """Add chunks with their (n, dimension) vectors; chunks already present are replaced."""
        if vectors.shape != (len(chunks), self.dimension):
            raise ValueError(f"expected vectors of shape ({len(chunks)}, {self.dimension}), got {vectors.shape}")
        if not chunks:
            return
        rows = list({c.chunk_id: row for row, c in enumerate(chunks)}.values())
        if len(rows) != len(chunks):  # a repeated chunk (e.g. two identical sections) is added once
            chunks, vectors = [chunks[row] for row in rows], vectors[rows]
        self.remove([c.chunk_id for c in chunks if c.chunk_id in self.chunks])
        ids = np.array([c.chunk_id for c in chunks], dtype=np.int64)
        self.faiss.add_with_ids(np.ascontiguousarray(vectors, dtype=np.float32), ids)
        self.chunks.update({c.chunk_id: c for c in chunks})

    def remove(self, chunk_ids: list[int]) -> int:
        """Remove chunks by id; returns how many were removed."""
        present = [i for i in chunk_ids if i in self.chunks]
        if present:
            self.faiss.remove_ids(np.array(present, dtype=np.int64))
            for chunk_id in present:
                del self.chunks[chunk_id]
        return len(present)

    def search(self, vector: np.ndarray, k: int) -> list[tuple[Chunk, float]]:
        """The ``k`` chunks most similar to a (dimension,) query vector, best first."""
        if not self.chunks:
            return []
        query = np.ascontiguousarray(vector.reshape(1, self.dimension), dtype=np.float32)
        scores, ids = self.faiss.search(query, min(k, len(self.chunks)))
        return [(self.chunks[int(i)], float(s)) for s, i in zip(scores[0], ids[0]) if i != -1]

    def chunk_ids_of(self, doc_id: str) -> list[int]:
        return [cid for cid, chunk in self.chunks.items() if chunk.doc_id == doc_id]

    # -- persistence -------------------------------------------------------------------------

    def manifest(self) -> dict[str, Any]:
        return {
            "format_version": FORMAT_VERSION,
            "embedder": self.embedder_name,
            "embedder_sha256": self.embedder_fingerprint,
            "dimension": self.dimension,
            "metric": "inner_product_on_normalised_vectors",
            "index_type": "IndexIDMap2(IndexFlatIP)",
            "documents": len(self.documents),
            "chunks": len(self.chunks),
            "chunking": self.chunking,
            "updated_at": self.updated_at,
        }

    def save(self, folder: Path) -> None:
        """Write the index to ``folder`` atomically: build in a sibling folder, then swap."""
        folder = Path(folder)
        folder.parent.mkdir(parents=True, exist_ok=True)
        staging = folder.with_name(f".{folder.name}.new")
        if staging.exists():
            shutil.rmtree(staging)
        staging.mkdir()
        self.updated_at = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        faiss.write_index(self.faiss, str(staging / "vectors.faiss"))
        with (staging / "chunks.jsonl").open("w", encoding="utf-8") as handle:
            for chunk in self.chunks.values():
                handle.write(json.dumps(chunk.to_dict(), ensure_ascii=False) + "\n")
        (staging / "documents.json").write_text(json.dumps(self.documents, indent=1, sort_keys=True))
        manifest = self.manifest()
        manifest["checksums"] = {
            name: _file_sha256(staging / name) for name in ("vectors.faiss", "chunks.jsonl", "documents.json")
        }
        (staging / "manifest.json").write_text(json.dumps(manifest, indent=2))
        old = folder.with_name(f".{folder.name}.old")
        if old.exists():
            shutil.rmtree(old)
        if folder.exists():
            os.replace(folder, old)
        os.replace(staging, folder)
        shutil.rmtree(old, ignore_errors=True)

    @classmethod
    def load(cls, folder: Path, embedder_name: str, embedder_fingerprint: str) -> VectorIndex:
        """Load and check an index; IndexLoadError names the command that rebuilds it."""
        folder = Path(folder)
        manifest_path = folder / "manifest.json"
        if not manifest_path.is_file():
            raise IndexLoadError(f"No search index in {folder}. Build one with: assistant ingest PATH...")
        try:
            manifest = json.loads(manifest_path.read_text())
        except (json.JSONDecodeError, UnicodeDecodeError) as error:
            raise IndexLoadError(f"The index manifest {manifest_path} is corrupt ({error}). {REBUILD_HINT}") from None
        if manifest.get("embedder") != embedder_name or manifest.get("embedder_sha256") != embedder_fingerprint:
            raise IndexLoadError(
                f"The index in {folder} was built with embedder {manifest.get('embedder')!r}, but the settings "
                f"use {embedder_name!r}. {REBUILD_HINT}"
            )
        for name, expected in manifest.get("checksums", {}).items():
            path = folder / name
            if not path.is_file() or _file_sha256(path) != expected:
                raise IndexLoadError(f"Index file {path} is missing or does not match its checksum. {REBUILD_HINT}")
        index = cls(manifest["dimension"], embedder_name, embedder_fingerprint)
        index.faiss = faiss.read_index(str(folder / "vectors.faiss"))
        with (folder / "chunks.jsonl").open(encoding="utf-8") as handle:
            for line in handle:
                chunk = Chunk.from_dict(json.loads(line))
                index.chunks[chunk.chunk_id] = chunk
        index.documents = json.loads((folder / "documents.json").read_text())
        index.chunking = manifest.get("chunking") or {}
        index.updated_at = manifest.get("updated_at")
        if index.faiss.ntotal != len(index.chunks):
            raise IndexLoadError(f"Index in {folder} has {index.faiss.ntotal} vectors for {len(index.chunks)} chunks. {REBUILD_HINT}")
        return index
