"""Approximate index types (HNSW, IVF) against exact brute force on clustered vectors, the auto switch,
filtered search, and saving the approximate index with the rest."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from retrieval.documents import Chunk
from retrieval.index import IndexLoadError, VectorIndex, resolve_index_type

DIM = 48


def clustered(rng: np.random.Generator, n: int, clusters: int = 40) -> np.ndarray:
    """Real-ish vectors: points around cluster centres (uniform random vectors are all equidistant)."""
    centres = rng.standard_normal((clusters, DIM)).astype(np.float32)
    vectors = centres[rng.integers(0, clusters, n)] + 0.35 * rng.standard_normal((n, DIM)).astype(np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def chunks_for(n: int) -> list[Chunk]:
    out = []
    for i in range(n):
        doc_id = f"{'billing' if i % 2 else 'shipping'}/doc{i // 3}"
        out.append(Chunk(Chunk.make_id(doc_id, "", f"t{i}"), doc_id, "T", "", f"t{i}", f"/kb/{doc_id}.md",
                         metadata={"language": "zh" if i % 5 == 0 else "en", "kind": "article", "tags": [doc_id.split("/")[0]]}))
    return out


@pytest.fixture(scope="module")
def data() -> tuple[list[Chunk], np.ndarray, np.ndarray]:
    rng = np.random.default_rng(7)
    vectors = clustered(rng, 3000)
    queries = clustered(np.random.default_rng(8), 50)
    return chunks_for(3000), vectors, queries


def recall_at_10(index: VectorIndex, chunks: list[Chunk], vectors: np.ndarray, queries: np.ndarray) -> float:
    ids = np.array([c.chunk_id for c in chunks])
    hits = []
    for query in queries:
        exact = set(ids[np.argsort(-(vectors @ query))[:10]].tolist())
        found = {c.chunk_id for c, _ in index.search(query, 10)}
        hits.append(len(exact & found) / 10)
    return float(np.mean(hits))


@pytest.mark.parametrize("kind", ["flat", "hnsw", "ivf"])
def test_index_types_agree_with_brute_force(data, kind: str) -> None:
    chunks, vectors, queries = data
    index = VectorIndex(DIM, "hash", "h", index_type=kind, nprobe=8)
    index.add(chunks, vectors)

    assert index.effective_type == kind
    assert recall_at_10(index, chunks, vectors, queries) >= (1.0 if kind == "flat" else 0.9)
    top, score = index.search(queries[0], 1)[0]
    assert score == pytest.approx(float(index.vector_of(top.chunk_id) @ queries[0]), abs=1e-5)


def test_auto_switches_to_hnsw_above_the_threshold(data) -> None:
    chunks, vectors, _ = data
    assert resolve_index_type("auto", 100, threshold=1000) == "flat"
    assert resolve_index_type("auto", 1000, threshold=1000) == "hnsw"
    index = VectorIndex(DIM, "hash", "h", index_type="auto", ann_threshold=1000)
    index.add(chunks[:500], vectors[:500])
    assert index.effective_type == "flat" and index.ann() is None
    index.add(chunks[500:], vectors[500:])
    assert index.effective_type == "hnsw" and index.ann() is not None
    with pytest.raises(ValueError, match="unknown index type"):
        VectorIndex(DIM, "hash", "h", index_type="annoy")


def test_removal_rebuilds_the_approximate_index(data) -> None:
    chunks, vectors, queries = data
    index = VectorIndex(DIM, "hash", "h", index_type="hnsw")
    index.add(chunks, vectors)
    best = index.search(queries[0], 1)[0][0].chunk_id
    index.remove([best])
    assert best not in {c.chunk_id for c, _ in index.search(queries[0], 20)}


def test_filtered_search_is_exact_within_the_allowed_chunks(data) -> None:
    chunks, vectors, queries = data
    index = VectorIndex(DIM, "hash", "h", index_type="hnsw")
    index.add(chunks, vectors)
    allowed = {c.chunk_id for c in chunks if c.metadata["language"] == "zh"}
    rows = [i for i, c in enumerate(chunks) if c.chunk_id in allowed]
    expected = [chunks[rows[j]].chunk_id for j in np.argsort(-(vectors[rows] @ queries[3]))[:5]]

    assert [c.chunk_id for c, _ in index.search(queries[3], 5, allowed)] == expected
    assert index.search(queries[3], 5, set()) == []


def test_approximate_index_is_saved_checked_and_reused(data, tmp_path: Path) -> None:
    chunks, vectors, queries = data
    index = VectorIndex(DIM, "hash", "h", index_type="hnsw")
    index.add(chunks, vectors)
    index.save(tmp_path / "index")
    manifest = json.loads((tmp_path / "index" / "manifest.json").read_text())
    assert manifest["index_type_in_use"] == "hnsw" and "ann.faiss" in manifest["checksums"]

    loaded = VectorIndex.load(tmp_path / "index", "hash", "h", index_type="hnsw")
    assert loaded._ann is not None  # read from disk, not rebuilt
    assert [c.chunk_id for c, _ in loaded.search(queries[0], 5)] == [c.chunk_id for c, _ in index.search(queries[0], 5)]
    exact = VectorIndex.load(tmp_path / "index", "hash", "h", index_type="flat")
    assert exact.ann() is None and len(exact.search(queries[0], 5)) == 5

    (tmp_path / "index" / "ann.faiss").write_bytes(b"truncated")
    with pytest.raises(IndexLoadError, match="assistant ingest --rebuild"):
        VectorIndex.load(tmp_path / "index", "hash", "h")


@pytest.mark.parametrize("kind", ["hnsw", "ivf"])
def test_changes_go_into_the_approximate_index_in_place(data, kind: str, monkeypatch: pytest.MonkeyPatch) -> None:
    import retrieval.index as index_module

    chunks, vectors, queries = data
    builds: list[int] = []
    build = index_module.build_ann
    monkeypatch.setattr(index_module, "build_ann", lambda v, ids, k: builds.append(len(v)) or build(v, ids, k))
    index = VectorIndex(DIM, "hash", "h", index_type=kind, nprobe=64)
    index.add(chunks[:500], vectors[:500])
    index.ann()
    best = index.search(queries[0], 1)[0][0].chunk_id

    index.remove([best])
    index.add(chunks[500:600], vectors[500:600])

    found = [c.chunk_id for c, _ in index.search(queries[0], 20)]
    assert builds == [500]  # added and removed in place, not rebuilt for the search
    assert best not in found and len(found) == 20
    kept = [row for row, c in enumerate(chunks[:600]) if c.chunk_id != best]
    assert recall_at_10(index, [chunks[row] for row in kept], vectors[kept], queries) >= 0.9
    index.add(chunks[600:], vectors[600:])
    index.ann()
    # 2,999 vectors want 76 IVF lists, over twice the 12 of 500: rebuilt; HNSW takes any number of additions
    assert builds == ([500, 2999] if kind == "ivf" else [500])
