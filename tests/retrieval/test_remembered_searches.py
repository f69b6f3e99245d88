"""The retriever remembers its last searches: a turn searches one text several times (ClarifyPolicy's check for a
strong hit, the answer, its checks), and each search took an embedding, FAISS, BM25 and maybe the reranker (cold
review R11 on add97cf). A remembered search gives what a new one would, for any ``k``, and a new index forgets them."""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pytest

from retrieval.embedders import HashEmbedder
from retrieval.ingest import ingest
from retrieval.reranker import OverlapReranker
from retrieval.retriever import CANDIDATES, SHARED_DEPTH, Retriever, SearchOptions
from conftest import write_files

WORDS = "parcel refund invoice courier voucher warranty deposit helmet charger battery sticker receipt label".split()


class Counting(HashEmbedder):
    """The fake embedder, counting the texts it embeds."""

    def __init__(self) -> None:
        super().__init__()
        self.texts: list[str] = []

    def embed(self, texts, show_progress: bool = False) -> np.ndarray:  # noqa: ANN001 - as HashEmbedder.embed
        self.texts.extend(texts)
        return super().embed(texts, show_progress)


@pytest.fixture
def index_dir(kb_dir: Path, tmp_path: Path) -> Path:
    """The test help centre and 90 more articles: more chunks than a search's CANDIDATES."""
    pick = random.Random(7)
    articles = {
        f"more/article-{n}.md": f"# Article {n}\n\n" + " ".join(pick.choice(WORDS) for _ in range(12)) + ".\n" for n in range(90)
    }
    write_files(kb_dir, articles)
    folder = tmp_path / "index"
    ingest([kb_dir], HashEmbedder(), folder)
    return folder


def found(passages: list) -> list[tuple[int, float]]:  # noqa: ANN001 - Passages
    return [(p.chunk.chunk_id, round(p.score, 6)) for p in passages]


@pytest.mark.parametrize("method", ["dense", "bm25", "hybrid", "rrf"])
@pytest.mark.parametrize("rerank_top", [0, 10, 80])  # 0: no reranker; 80: more candidates than CANDIDATES
def test_a_remembered_search_gives_what_a_new_search_gives(index_dir: Path, method: str, rerank_top: int) -> None:
    def retriever() -> Retriever:
        options = SearchOptions(rerank_top=rerank_top or 10)
        return Retriever(HashEmbedder(), index_dir, method=method, options=options, reranker=OverlapReranker() if rerank_top else None)

    remembering = retriever()
    for query, k, filters in [
        ("refund for a parcel", 3, None), ("refund for a parcel", 5, None), ("refund for a parcel", 1, None),
        ("refund for a parcel", CANDIDATES, None), ("refund for a parcel", CANDIDATES + 20, None), ("refund for a parcel", 4, None),
        ("refund for a parcel", SHARED_DEPTH, None), ("refund for a parcel", SHARED_DEPTH + 1, None), ("refund for a parcel", 12, None),
        ("refund for a parcel", 3, {"doc_id": ["more"]}), ("refund for a parcel", 3, {"doc_id": ["more"]}),
        ("courier voucher", 2, {"tag": "more"}), ("courier voucher", 7, None),
    ]:
        assert found(remembering.search(query, k, filters)) == found(retriever().search(query, k, filters)), (query, k, filters)
    assert len(remembering.index) > CANDIDATES + 20  # more chunks than the candidates of a search


def test_one_text_and_filters_are_searched_once(index_dir: Path) -> None:
    embedder = Counting()
    retriever = Retriever(embedder, index_dir, method="hybrid")

    first = retriever.search("Do you offer gift wrapping?", k=3)  # ClarifyPolicy's check
    again = retriever.search("Do you offer gift wrapping?", k=5)  # the extractive answer's search
    retriever.search("Do you offer gift wrapping?", k=1, filters={"doc_id": "faq"})  # another search

    assert embedder.texts.count("Do you offer gift wrapping?") == 2  # was 3
    assert found(again[:3]) == found(first)
    again.clear()  # a caller's list is its own
    assert len(retriever.search("Do you offer gift wrapping?", k=5)) == 5


def test_a_new_index_is_searched_anew(index_dir: Path, kb_dir: Path) -> None:
    retriever = Retriever(HashEmbedder(), index_dir)
    assert retriever.search("How much does gift wrapping cost?", k=1)[0].chunk.doc_id == "faq#do-you-offer-gift-wrapping"

    (kb_dir / "faq.csv").unlink()
    ingest([kb_dir], HashEmbedder(), index_dir)
    retriever.reload()

    assert all(not p.chunk.doc_id.startswith("faq") for p in retriever.search("How much does gift wrapping cost?", k=5))
