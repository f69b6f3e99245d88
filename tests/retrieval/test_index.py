"""The FAISS index against brute force, its updates, and its checked save/load."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from retrieval.documents import Chunk
from retrieval.index import IndexLoadError, VectorIndex

DIM = 32


def make_chunks(n: int, prefix: str = "doc") -> list[Chunk]:
    chunks = []
    for i in range(n):
        doc_id, heading, text = f"{prefix}{i // 4}", f"Heading {i}", f"text number {i}"
        chunks.append(Chunk(Chunk.make_id(doc_id, heading, text), doc_id, f"Title {i // 4}", heading, text, f"/kb/{doc_id}.md"))
    return chunks


def unit_vectors(rng: np.random.Generator, n: int) -> np.ndarray:
    vectors = rng.standard_normal((n, DIM)).astype(np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def brute_force(ids: np.ndarray, vectors: np.ndarray, query: np.ndarray, k: int) -> tuple[list[int], np.ndarray]:
    scores = vectors @ query
    order = np.argsort(-scores, kind="stable")[:k]
    return [int(ids[i]) for i in order], scores[order]


@pytest.fixture
def filled() -> tuple[VectorIndex, list[Chunk], np.ndarray]:
    rng = np.random.default_rng(7)
    chunks = make_chunks(200)
    vectors = unit_vectors(rng, len(chunks))
    index = VectorIndex(DIM, "hash", "hash-32")
    index.add(chunks, vectors)
    return index, chunks, vectors


def check_against_brute_force(index: VectorIndex, chunks: list[Chunk], vectors: np.ndarray, seed: int) -> None:
    ids = np.array([c.chunk_id for c in chunks], dtype=np.int64)
    for query in unit_vectors(np.random.default_rng(seed), 10):
        results = index.search(query, k=10)
        expected_ids, expected_scores = brute_force(ids, vectors, query, 10)
        assert [chunk.chunk_id for chunk, _ in results] == expected_ids
        np.testing.assert_allclose([score for _, score in results], expected_scores, rtol=1e-5, atol=1e-6)


def test_search_matches_brute_force_inner_product(filled) -> None:
    index, chunks, vectors = filled

    check_against_brute_force(index, chunks, vectors, seed=1)
    assert len(index) == 200


def test_search_returns_at_most_the_number_of_chunks(filled) -> None:
    index, chunks, vectors = filled

    assert len(index.search(vectors[0], k=500)) == 200
    assert index.search(vectors[3], k=1)[0][0] == chunks[3]
    assert VectorIndex(DIM, "hash", "hash-32").search(vectors[0], k=3) == []


def test_remove_and_re_add(filled) -> None:
    index, chunks, vectors = filled
    gone = [c.chunk_id for c in chunks[::2]]

    assert index.remove(gone + [12345]) == 100
    assert index.remove(gone) == 0
    assert len(index) == 100 and index.faiss.ntotal == 100
    check_against_brute_force(index, chunks[1::2], vectors[1::2], seed=2)
    assert not {c.chunk_id for c, _ in index.search(vectors[0], k=200)} & set(gone)

    index.add(chunks[::2], vectors[::2])
    assert len(index) == 200 and index.faiss.ntotal == 200
    check_against_brute_force(index, chunks, vectors, seed=3)


def test_adding_a_present_chunk_replaces_it(filled) -> None:
    index, chunks, vectors = filled
    replacement = unit_vectors(np.random.default_rng(9), 1)

    index.add([chunks[5]], replacement)

    assert len(index) == 200 and index.faiss.ntotal == 200
    updated = vectors.copy()
    updated[5] = replacement[0]
    check_against_brute_force(index, chunks, updated, seed=4)


def test_a_chunk_repeated_in_one_batch_is_added_once(tmp_path: Path) -> None:
    chunks = make_chunks(3)
    vectors = unit_vectors(np.random.default_rng(0), 4)
    index = VectorIndex(DIM, "hash", "hash-32")

    index.add(chunks + [chunks[1]], vectors)
    index.save(tmp_path / "index")

    assert len(index) == 3 and index.faiss.ntotal == 3
    assert len(VectorIndex.load(tmp_path / "index", "hash", "hash-32")) == 3


def test_add_rejects_vectors_of_the_wrong_shape() -> None:
    index = VectorIndex(DIM, "hash", "hash-32")

    with pytest.raises(ValueError, match="expected vectors of shape"):
        index.add(make_chunks(2), np.zeros((2, DIM + 1), dtype=np.float32))


def test_save_load_round_trip(filled, tmp_path: Path) -> None:
    index, chunks, vectors = filled
    index.documents = {"doc0": {"hash": "abc", "source": "/kb/doc0.md"}}
    folder = tmp_path / "index"

    index.save(folder)
    loaded = VectorIndex.load(folder, "hash", "hash-32")

    assert loaded.chunks == index.chunks
    assert loaded.documents == index.documents
    assert loaded.updated_at == index.updated_at is not None
    check_against_brute_force(loaded, chunks, vectors, seed=5)
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["embedder"] == "hash"
    assert manifest["embedder_sha256"] == "hash-32"
    assert (manifest["dimension"], manifest["chunks"], manifest["documents"]) == (DIM, 200, 1)
    assert set(manifest["checksums"]) == {"vectors.faiss", "chunks.jsonl", "documents.json", "files.json"}


def test_save_leaves_no_staging_folder_behind(filled, tmp_path: Path) -> None:
    index, chunks, _ = filled
    folder = tmp_path / "store" / "index"

    index.save(folder)
    index.remove([chunks[0].chunk_id])
    index.save(folder)  # replaces the existing index

    assert [p.name for p in folder.parent.iterdir()] == ["index"]
    assert len(VectorIndex.load(folder, "hash", "hash-32")) == 199


def test_load_with_another_embedder_names_the_rebuild_command(filled, tmp_path: Path) -> None:
    index, _, _ = filled
    index.save(tmp_path / "index")

    with pytest.raises(IndexLoadError, match="assistant ingest --rebuild") as caught:
        VectorIndex.load(tmp_path / "index", "all-minilm-l6-v2", "53aa51")
    assert "'hash'" in str(caught.value)
    with pytest.raises(IndexLoadError, match="assistant ingest --rebuild") as caught:
        VectorIndex.load(tmp_path / "index", "hash", "hash-64")  # same name, other fingerprint: a retrained embedder
    message = str(caught.value)
    assert "built with other weights of embedder 'hash' (sha256 hash-32…), but the weights in use now are sha256 hash-64…" in message
    assert "retrained or replaced" in message and "settings use" not in message  # not "built with 'hash' but the settings use 'hash'"



def test_a_manifest_without_the_embedders_sha256_says_so_not_sha256_none(filled, tmp_path: Path) -> None:
    """An index manifest that records no `embedder_sha256` (written without it, or edited) was refused with
    "built with other weights of embedder 'hash' (sha256 None…)"; it says that the sha256 is not recorded."""
    index, _, _ = filled
    index.save(tmp_path / "index")
    manifest_path = tmp_path / "index" / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    for missing in ("drop", None, ""):
        if missing == "drop":
            manifest.pop("embedder_sha256", None)
        else:
            manifest["embedder_sha256"] = missing
        manifest_path.write_text(json.dumps(manifest))
        with pytest.raises(IndexLoadError, match="assistant ingest --rebuild") as caught:
            VectorIndex.load(tmp_path / "index", "hash", "hash-32")
        message = str(caught.value)
        assert "None" not in message and "sha256 …" not in message
        assert ("was built with embedder 'hash', but its manifest records no sha256 of that embedder's weights, so it cannot be "
                "checked against the weights in use now (sha256 hash-32…)") in message
    manifest_path.write_text(json.dumps(manifest | {"embedder_sha256": "hash-32"}))
    with pytest.raises(IndexLoadError) as caught:  # a trained embedder whose embedder.json records none
        VectorIndex.load(tmp_path / "index", "hash", "")
    assert "(sha256 hash-32…), but the weights in use now have no sha256 recorded in their embedder.json" in str(caught.value)

@pytest.mark.parametrize("damage", ["truncate_vectors", "modify_vectors", "edit_chunks", "delete_documents"])
def test_damaged_files_fail_the_checksum(filled, tmp_path: Path, damage: str) -> None:
    index, _, _ = filled
    folder = tmp_path / "index"
    index.save(folder)
    vectors_file = folder / "vectors.faiss"
    if damage == "truncate_vectors":
        vectors_file.write_bytes(vectors_file.read_bytes()[:-100])
    elif damage == "modify_vectors":
        raw = bytearray(vectors_file.read_bytes())
        raw[-5] ^= 0xFF
        vectors_file.write_bytes(bytes(raw))
    elif damage == "edit_chunks":
        path = folder / "chunks.jsonl"
        path.write_text(path.read_text().replace("text number 1", "text number one"))
    else:
        (folder / "documents.json").unlink()

    with pytest.raises(IndexLoadError, match="checksum") as caught:
        VectorIndex.load(folder, "hash", "hash-32")
    assert "assistant ingest --rebuild" in str(caught.value)


def test_missing_or_corrupt_manifest(tmp_path: Path) -> None:
    with pytest.raises(IndexLoadError, match="No search index .* assistant ingest"):
        VectorIndex.load(tmp_path / "nothing", "hash", "hash-32")

    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / "manifest.json").write_text("{oops")
    with pytest.raises(IndexLoadError, match="corrupt"):
        VectorIndex.load(tmp_path / "broken", "hash", "hash-32")
