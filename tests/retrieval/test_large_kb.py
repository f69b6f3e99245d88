"""What a large knowledge base needs: work that does not grow with the index for each document changed."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.lm.extractive import ExtractiveAnswerer
from conftest import write_files
from dialog.actions import AnswerFromKnowledgeBase
from retrieval.embedders import HashEmbedder
from retrieval.index import VectorIndex
from retrieval.ingest import ingest, remove_documents
from retrieval.keyword import KeywordIndex
import retrieval.retriever as retriever_module
from retrieval.retriever import Retriever, SearchOptions, matches as real_matches
from ui.server import article_page

ARTICLES = 30


def article(number: int, version: str = "") -> str:
    return f"# Article {number}\n\nArticle {number} explains topic {number}{version}. It has a second sentence.\n"


@pytest.fixture
def kb(tmp_path: Path) -> Path:
    return write_files(tmp_path / "kb", {f"topics/{n}.md": article(n) for n in range(ARTICLES)})


@pytest.fixture
def store_passes(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many chunks each call of ``VectorIndex.remove`` that removed something took out: each call
    rewrites the whole FAISS store (18 ms at 20,000 chunks, 140 ms at 100,000 sentence vectors)."""
    passes: list[int] = []
    remove = VectorIndex.remove

    def counted(self: VectorIndex, chunk_ids: list[int]) -> int:
        removed = remove(self, chunk_ids)
        if removed:
            passes.append(removed)
        return removed

    monkeypatch.setattr(VectorIndex, "remove", counted)
    return passes


def test_files_deleted_and_changed_leave_the_index_in_one_pass(kb: Path, tmp_path: Path, store_passes: list[int]) -> None:
    index_dir = tmp_path / "index"
    ingest([kb], HashEmbedder(), index_dir)
    store_passes.clear()
    for number in range(10):
        (kb / "topics" / f"{number}.md").unlink()
    for number in range(10, 20):
        (kb / "topics" / f"{number}.md").write_text(article(number, " again"), encoding="utf-8")

    report = ingest([kb], HashEmbedder(), index_dir)

    assert len(report.removed) == 10 and len(report.updated) == 10
    assert store_passes == [20]  # one pass for twenty documents, not one per document
    index = VectorIndex.load(index_dir, "hash", HashEmbedder().fingerprint)
    assert sorted(index.documents) == [f"topics/{n}" for n in range(10, ARTICLES)]
    assert {chunk.doc_id for chunk in index.chunks.values()} == set(index.documents)
    assert sum("again" in chunk.text for chunk in index.chunks.values()) == 10


def test_index_remove_of_many_documents_is_one_pass(kb: Path, tmp_path: Path, store_passes: list[int]) -> None:
    index_dir = tmp_path / "index"
    ingest([kb], HashEmbedder(), index_dir)
    store_passes.clear()

    removal = remove_documents(index_dir, HashEmbedder(), [f"topics/{n}" for n in range(25)])

    assert removal.chunks == 25 and store_passes == [25]
    index = VectorIndex.load(index_dir, "hash", HashEmbedder().fingerprint)
    assert sorted(chunk.doc_id for chunk in index.chunks.values()) == [f"topics/{n}" for n in range(25, ARTICLES)]


@pytest.mark.parametrize("filters", [{}, {"tag": ["brand-b", "shared"]}], ids=["one server", "brand B's server"])
def test_a_pointer_to_a_title_two_brands_share_brings_the_pointing_brands_article(tmp_path: Path, filters: dict) -> None:
    sites = write_files(tmp_path / "sites", {
        "brand-a/returns.md": "# Returns\n\nBrand A takes returns within 30 days of delivery.\n",
        "brand-b/returns.md": "# Returns\n\nBrand B takes returns within 60 days of delivery.\n",
        "brand-b/shipping.md": "# Shipping\n\nWrong size? See the article on returns.\n",
    })
    ingest([sites], HashEmbedder(), tmp_path / "index")
    retriever = Retriever(HashEmbedder(), tmp_path / "index", options=SearchOptions(filters=filters))
    answer = AnswerFromKnowledgeBase(retriever, None, 1, 0.0, 160, extractive=ExtractiveAnswerer(HashEmbedder()))
    [pointer] = [p for p in retriever.search("wrong size", k=3) if p.chunk.doc_id == "brand-b/shipping"]

    found, links = answer.add_linked_passages("Wrong size?", [pointer])

    assert [p.chunk.doc_id for p in found] == ["brand-b/shipping", "brand-b/returns"]
    assert links == {"Wrong size? See the article on returns.": [2]}  # a question in prose is one sentence with its answer


def test_search_filters_are_matched_against_the_index_once_not_per_question(
    tmp_path: Path, kb: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_files(kb, {"brand-b/returns.md": "# Returns\n\nBrand B takes returns within 60 days of delivery.\n"})
    ingest([kb], HashEmbedder(), tmp_path / "index")
    retriever = Retriever(HashEmbedder(), tmp_path / "index", method="hybrid", options=SearchOptions(filters={"tag": "brand-b"}))
    retriever.search("returns", k=3)  # the index loads: its filters are checked and matched once
    tested: list[str] = []
    monkeypatch.setattr(retriever_module, "matches", lambda chunk, filters: tested.append(chunk.doc_id) or real_matches(chunk, filters))

    found = [retriever.search(question, k=3) for question in ("returns", "topic 3", "delivery")]

    assert tested == []  # at 20,000 chunks each question spent 65-90 ms here
    assert {p.chunk.doc_id for passages in found for p in passages} == {"brand-b/returns"}
    write_files(kb, {"brand-b/exchanges.md": "# Exchanges\n\nBrand B exchanges sizes for free.\n"})
    ingest([kb], HashEmbedder(), tmp_path / "index")  # a new index: its chunks are matched anew
    assert [p.chunk.doc_id for p in retriever.search("exchanges sizes", k=1)] == ["brand-b/exchanges"]


def test_a_chinese_folder_far_down_a_large_knowledge_base_gets_keyword_search_by_character_pairs() -> None:
    english = [f"Article {n} explains topic {n} for customers of the English help centre." for n in range(300)]
    chinese = "《战国无双3》是由光荣和ω-force开发的战国无双系列的正统第三续作。"
    index = KeywordIndex(list(range(301)), english + [chinese])

    found = index.search("战国无双3是哪两个公司开发的", 3)

    assert index.tokenizer == "cjk"  # the first 200 texts were English, so it was "english"
    assert [i for i, _ in found] == [300]  # as one English "word" the question matched nothing


def test_article_pages_of_a_server_with_search_filters_do_not_test_every_chunk_per_request(
    tmp_path: Path, kb: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_files(kb, {"brand-b/returns.md": "# Returns\n\nBrand B takes returns within 60 days of delivery.\n"})
    ingest([kb], HashEmbedder(), tmp_path / "index")
    retriever = Retriever(HashEmbedder(), tmp_path / "index", options=SearchOptions(filters={"tag": "brand-b"}))
    assert article_page(retriever, "brand-b/returns").status_code == 200
    tested: list[str] = []
    monkeypatch.setattr(retriever_module, "matches", lambda chunk, filters: tested.append(chunk.doc_id) or real_matches(chunk, filters))

    pages = [article_page(retriever, "brand-b/returns") for _ in range(3)]

    assert [page.status_code for page in pages] == [200, 200, 200] and "60 days" in pages[0].body.decode()
    assert tested == []  # at 22,643 chunks each page took 20 ms more
    assert retriever.served_documents() == {"brand-b/returns"}
