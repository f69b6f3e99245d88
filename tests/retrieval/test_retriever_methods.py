"""Dense, keyword and hybrid search through the Retriever, on a small real index (hash embedder)."""

from __future__ import annotations

from pathlib import Path

import pytest

from retrieval.embedders import HashEmbedder
from retrieval.fusion import reciprocal_rank_fusion
from retrieval.ingest import ingest
from retrieval.keyword import KeywordIndex
from retrieval.retriever import Retriever


@pytest.fixture
def index_dir(kb_dir: Path, tmp_path: Path) -> Path:
    folder = tmp_path / "index"
    ingest([kb_dir], HashEmbedder(), folder)
    return folder


@pytest.mark.parametrize("method", ["dense", "bm25", "hybrid"])
def test_each_method_finds_the_passage_with_the_fact(index_dir: Path, method: str) -> None:
    retriever = Retriever(HashEmbedder(), index_dir, method=method)

    passages = retriever.search("How much does express shipping cost?", k=3)

    assert passages and passages[0].chunk.doc_id == "shipping/shipping-costs"
    assert "Express" in passages[0].chunk.heading or "Express" in passages[0].chunk.text
    # scores are dense cosines whatever ranked the passage, so one threshold fits all methods
    vector = HashEmbedder().embed([passages[0].chunk.embedding_text])[0] @ HashEmbedder().embed(["How much does express shipping cost?"])[0]
    assert passages[0].score == pytest.approx(float(vector), abs=1e-5)


def test_unknown_method_is_a_clear_error(index_dir: Path) -> None:
    with pytest.raises(ValueError, match="unknown retrieval method 'sparse'"):
        Retriever(HashEmbedder(), index_dir, method="sparse")  # type: ignore[arg-type]


def test_keyword_index_ignores_unknown_words_and_keeps_ids() -> None:
    index = KeywordIndex([7, -3, 12], ["refunds reach your card", "standard shipping costs", "reset links expire"])

    assert [i for i, _ in index.search("when do refunds reach me", 3)] == [7]
    assert index.search("xylophone zebra", 3) == []
    assert [[i for i, _ in r] for r in index.search_many(["shipping", "links expire"], 2)] == [[-3], [12]]
    assert KeywordIndex([], []).search("anything", 3) == []


def test_reciprocal_rank_fusion_rewards_agreement() -> None:
    fused = reciprocal_rank_fusion([[(1, 0.9), (2, 0.8), (3, 0.1)], [(2, 7.0), (4, 5.0)]], k=60)

    assert [item for item, _ in fused] == [2, 1, 4, 3]
    assert fused[0][1] == pytest.approx(1 / 62 + 1 / 61)


def test_keyword_search_matches_word_forms_by_their_stem() -> None:
    texts = ["We refund every payment within five days", "Shipping is free above fifty euros"]

    assert [i for i, _ in KeywordIndex([1, 2], texts).search("refunding payments", 2)] == [1]
    assert KeywordIndex([1, 2], texts, stem=False).search("refunding payments", 2) == []  # exact words only


def test_queries_embedded_ahead_are_searched_without_another_forward_pass(index_dir: Path) -> None:
    from retrieval.embedders import CachedEmbedder

    calls: list[list[str]] = []

    class Counting(HashEmbedder):
        def embed(self, texts, show_progress=False):  # type: ignore[no-untyped-def]
            calls.append(list(texts))
            return super().embed(texts, show_progress)

    retriever = Retriever(CachedEmbedder(Counting()), index_dir, method="dense")
    parts = ["How much does express shipping cost", "how long do password reset links work"]

    retriever.embed_ahead(parts)
    found = [retriever.search(part, k=1)[0].chunk.doc_id for part in parts]

    assert calls == [parts]  # one batch, and the searches found both vectors in the cache
    assert found == ["shipping/shipping-costs", "accounts/reset-password"]
