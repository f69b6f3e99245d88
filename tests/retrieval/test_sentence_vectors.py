"""Sentence vectors: stored by ingest, kept with the index, and used to re-order dense candidates."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from retrieval.documents import Chunk
from retrieval.embedders import HashEmbedder
from retrieval.evaluation import EvalSet, dense_rankings
from retrieval.index import IndexLoadError, VectorIndex
from retrieval.ingest import ingest
from retrieval.retriever import Retriever, SearchOptions
from retrieval.sentences import chunk_sentence_texts, mix, rescore, sentence_ids, sentence_texts

ARTICLE = """# Delivery to Canada

We pack every order in recycled paper. Parcels to Canada take 7 business days. Customs fees are paid by us.
"""


def chunk(name: str, text: str = "text") -> Chunk:
    return Chunk(Chunk.make_id(name, "", text), name, name.title(), "", text, f"/kb/{name}.md")


def unit(*values: float) -> np.ndarray:
    vector = np.array(values, dtype=np.float32)
    return vector / np.linalg.norm(vector)


class FixedQuery(HashEmbedder):
    """Embeds every query as one given vector (the index vectors are set by hand)."""

    def __init__(self, vector: np.ndarray) -> None:
        super().__init__(dimension=len(vector))
        self.vector = vector

    def embed(self, texts, show_progress: bool = False) -> np.ndarray:
        return np.tile(self.vector, (len(texts), 1))


def two_chunk_index() -> tuple[VectorIndex, Chunk, Chunk]:
    """Query e0: chunk ``whole`` has cosine 0.8 and no sentences; ``part`` has 0.6 but one sentence at 1.0."""
    whole, part = chunk("whole"), chunk("part")
    index = VectorIndex(4, "hash", "hash-4", index_type="flat")
    vectors = np.stack([unit(0.8, 0.6, 0, 0), unit(0.6, 0, 0.8, 0)])
    index.add([whole, part], vectors, {part.chunk_id: np.stack([unit(1, 0, 0, 0), unit(0, 0, 1, 0)])})
    return index, whole, part


def test_sentence_texts_skip_faq_entries_and_single_sentences() -> None:
    assert sentence_texts("Links expire after 30 minutes. They work only once.") == [
        "Links expire after 30 minutes.", "They work only once."
    ]
    assert sentence_texts("Links expire after 30 minutes.") == []
    assert sentence_texts("Links expire after 30 minutes. They work only once.", kind="faq") == []


def test_rescore_mixes_the_best_sentence_and_keeps_the_rest() -> None:
    ranked = rescore([(1, 0.8), (2, 0.5)], {2: 1.0}, weight=0.7)
    assert ranked == [(2, pytest.approx(0.7 * 1.0 + 0.3 * 0.5)), (1, 0.8)]
    assert rescore([(1, 0.8), (2, 0.5)], {2: 1.0}, weight=0.0) == [(1, 0.8), (2, 0.5)]


def test_sentence_ids_are_stable_and_distinct_across_chunks() -> None:
    chunk_ids = [Chunk.make_id(f"doc{i}", "", "text") for i in range(2000)]
    ids = np.concatenate([sentence_ids(c, 8) for c in chunk_ids])
    assert len(set(ids.tolist())) == len(ids) and not set(ids.tolist()) & set(chunk_ids)
    assert sentence_ids(chunk_ids[0], 3).tolist() == sentence_ids(chunk_ids[0], 8)[:3].tolist()
    assert ids.dtype == np.int64


def test_best_sentence_scores_reads_each_chunks_own_sentences() -> None:
    index, whole, part = two_chunk_index()
    scores = index.best_sentence_scores([whole.chunk_id, part.chunk_id], unit(0, 0, 1, 0))
    assert scores == {part.chunk_id: pytest.approx(1.0)}  # its second sentence; ``whole`` has none


def test_index_reorders_by_sentences_and_keeps_them_through_save_and_load(tmp_path: Path) -> None:
    index, whole, part = two_chunk_index()
    query = unit(1, 0, 0, 0)

    assert [c.doc_id for c, _ in index.search(query, 2)] == ["whole", "part"]
    [(first, score), _] = index.search(query, 2, sentence_weight=0.7)
    assert first.doc_id == "part" and score == pytest.approx(mix(0.6, 1.0, 0.7))

    index.save(tmp_path / "index")
    loaded = VectorIndex.load(tmp_path / "index", "hash", "hash-4", index_type="flat")
    assert loaded.sentence_counts == {part.chunk_id: 2}
    assert np.allclose(loaded.sentence_vectors_of(part.chunk_id), index.sentence_vectors_of(part.chunk_id))
    assert [c.doc_id for c, _ in loaded.search(query, 2, sentence_weight=0.7)] == ["part", "whole"]
    assert json.loads((tmp_path / "index" / "manifest.json").read_text())["sentence_vectors"] == 2

    loaded.remove([part.chunk_id])
    assert loaded.sentences.ntotal == 0 and loaded.sentence_counts == {} and loaded.sentence_vectors_of(part.chunk_id) is None


def test_a_changed_sentence_file_is_refused_with_the_rebuild_command(tmp_path: Path) -> None:
    index, _, part = two_chunk_index()
    index.save(tmp_path / "index")
    (tmp_path / "index" / "sentences.json").write_text(json.dumps({str(part.chunk_id): 3}))

    with pytest.raises(IndexLoadError, match="assistant ingest --rebuild"):
        VectorIndex.load(tmp_path / "index", "hash", "hash-4")


def test_an_index_without_sentence_vectors_writes_no_sentence_files(tmp_path: Path) -> None:
    index = VectorIndex(4, "hash", "hash-4")
    index.add([chunk("only")], np.stack([unit(1, 0, 0, 0)]))
    index.save(tmp_path / "index")

    assert not (tmp_path / "index" / "sentences.faiss").exists()
    assert VectorIndex.load(tmp_path / "index", "hash", "hash-4").sentence_counts == {}


def test_retriever_ranks_and_scores_passages_with_their_sentences(tmp_path: Path) -> None:
    index, _, _ = two_chunk_index()
    index.save(tmp_path / "index")
    embedder = FixedQuery(unit(1, 0, 0, 0))

    plain = Retriever(embedder, tmp_path / "index", "dense", SearchOptions(index_type="flat", sentence_weight=0.0))
    mixed = Retriever(embedder, tmp_path / "index", "dense", SearchOptions(index_type="flat", sentence_weight=0.7))

    assert [(p.chunk.doc_id, round(p.score, 4)) for p in plain.search("q", k=2)] == [("whole", 0.8), ("part", 0.6)]
    passages = mixed.search("q", k=2)
    assert [p.chunk.doc_id for p in passages] == ["part", "whole"]
    # the score the answer threshold sees is the one that ranked it, for every method
    assert [p.score for p in passages] == pytest.approx([mix(0.6, 1.0, 0.7), 0.8])
    hybrid = Retriever(embedder, tmp_path / "index", "hybrid", SearchOptions(index_type="flat", sentence_weight=0.7))
    assert {p.chunk.doc_id: p.score for p in hybrid.search("q", k=2)} == pytest.approx({"part": mix(0.6, 1.0, 0.7), "whole": 0.8})


def test_ingest_stores_a_vector_per_sentence_of_articles_only(tmp_path: Path) -> None:
    kb = tmp_path / "kb"
    kb.mkdir()
    (kb / "canada.md").write_text(ARTICLE)
    (kb / "faq.csv").write_text("question,answer\nDo you ship to Canada?,Yes. It takes 7 business days.\n")
    embedder = HashEmbedder()

    ingest([kb], embedder, tmp_path / "index")
    index = VectorIndex.load(tmp_path / "index", embedder.name, embedder.fingerprint)
    [article] = [c for c in index.chunks.values() if c.doc_id == "canada"]
    sentences = sentence_texts(article.text)
    assert len(sentences) == 3 and index.sentence_counts == {article.chunk_id: 3}
    embedded = [f"Delivery to Canada\n{sentence}" for sentence in sentences]  # with the heading, as the chunk
    assert chunk_sentence_texts(article) == embedded
    assert np.allclose(index.sentence_vectors_of(article.chunk_id), embedder.embed(embedded), atol=1e-6)

    report = ingest([kb], embedder, tmp_path / "index", sentence_vectors=False)  # switched off: re-embedded without them
    assert report.updated == ["canada"] and report.unchanged == ["faq#do-you-ship-to-canada"]
    assert VectorIndex.load(tmp_path / "index", embedder.name, embedder.fingerprint).sentence_counts == {}


def test_evaluation_scores_passages_as_the_search_does() -> None:
    dataset = EvalSet("toy")
    dataset.add_passage("p0", "We pack every order in recycled paper. Parcels to Canada take 7 business days.")
    dataset.add_passage("p1", "Canada orders are welcome.")
    dataset.add_query("how long do parcels to canada take", {"p0"})
    embedder = HashEmbedder()

    [ranking] = dense_rankings(embedder, dataset, 2, False, sentence_weight=0.7)

    passages = embedder.embed(dataset.passages)
    sentences = embedder.embed(sentence_texts(dataset.passages[0]))
    [query] = embedder.embed(dataset.queries)
    expected = {0: float(mix(passages[0] @ query, np.max(sentences @ query), 0.7)), 1: float(passages[1] @ query)}
    assert dict(ranking) == pytest.approx(expected, abs=1e-5)
