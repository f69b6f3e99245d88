"""An ingest that was stopped while embedding continues where it stopped: the parts already embedded are kept."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from retrieval import embedding_checkpoint
from retrieval.embedders import HashEmbedder
from retrieval.embedding_checkpoint import EmbeddingCheckpoint, checkpoint_path, embed_resumably, text_key
from retrieval.index import VectorIndex
from retrieval.ingest import ingest


class StoppingEmbedder(HashEmbedder):
    """The hash embedder, which records what it embeds and is stopped (Ctrl-C) at its ``stop_at``-th call."""

    def __init__(self, stop_at: int | None = None, dimension: int = 256) -> None:
        super().__init__(dimension)
        self.calls, self.stop_at = 0, stop_at
        self.texts: list[str] = []

    def embed(self, texts, show_progress: bool = False) -> np.ndarray:
        self.calls += 1
        if self.calls == self.stop_at:
            raise KeyboardInterrupt
        self.texts.extend(texts)
        return super().embed(texts, show_progress)


@pytest.fixture(autouse=True)
def small_parts(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(embedding_checkpoint, "PART_SIZE", 4)


def test_a_stopped_ingest_embeds_only_the_rest_when_run_again(kb_dir: Path, tmp_path: Path) -> None:
    index_dir = tmp_path / "index"
    with pytest.raises(KeyboardInterrupt):
        ingest([kb_dir], StoppingEmbedder(stop_at=3), index_dir)
    assert not index_dir.exists() and checkpoint_path(index_dir).exists()  # nothing indexed, two parts kept

    again = StoppingEmbedder()
    report = ingest([kb_dir], again, index_dir)

    whole = StoppingEmbedder()
    ingest([kb_dir], whole, tmp_path / "fresh")
    assert len(again.texts) == len(set(whole.texts)) - 8  # the 2 parts of 4 kept were not embedded again
    assert report.chunks_embedded == len(VectorIndex.load(index_dir, "hash", "hash-256"))
    resumed, fresh = VectorIndex.load(index_dir, "hash", "hash-256"), VectorIndex.load(tmp_path / "fresh", "hash", "hash-256")
    assert resumed.documents.keys() == fresh.documents.keys()
    query = HashEmbedder().embed(["reset my password"])[0]
    assert [hit[0] for hit in resumed.search(query, 5)] == [hit[0] for hit in fresh.search(query, 5)]
    assert not checkpoint_path(index_dir).exists()  # removed once the index is saved


def test_vectors_of_another_embedder_are_not_reused(tmp_path: Path) -> None:
    checkpoint = tmp_path / ".index.embedded.sqlite"
    texts = [f"text number {n}" for n in range(10)]
    embed_resumably(HashEmbedder(256), texts, checkpoint)

    other = StoppingEmbedder(dimension=128)
    vectors = embed_resumably(other, texts, checkpoint)

    assert sorted(other.texts) == sorted(texts) and vectors.shape == (10, 128)
    assert np.allclose(vectors, HashEmbedder(128).embed(texts))


def test_repeated_texts_are_embedded_once_and_returned_in_order(tmp_path: Path) -> None:
    embedder = StoppingEmbedder()
    texts = ["b", "a", "b", "c", "a"]

    vectors = embed_resumably(embedder, texts, tmp_path / "kept.sqlite")

    assert sorted(embedder.texts) == ["a", "b", "c"]
    assert np.allclose(vectors, HashEmbedder().embed(texts))
    assert embed_resumably(embedder, [], tmp_path / "kept.sqlite").shape == (0, 256)


def test_a_stop_loses_at_most_the_batch_being_embedded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.undo()  # the real part size
    checkpoint = tmp_path / ".index.embedded.sqlite"
    texts = [f"a long chunk of an ingested manual, number {n}" for n in range(300)]

    with pytest.raises(KeyboardInterrupt):
        embed_resumably(StoppingEmbedder(stop_at=3), texts, checkpoint)

    kept = EmbeddingCheckpoint(checkpoint, HashEmbedder().fingerprint, 256).known([text_key(t) for t in texts])
    assert embedding_checkpoint.PART_SIZE <= 64 and len(kept) == 2 * embedding_checkpoint.PART_SIZE
