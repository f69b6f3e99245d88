"""Full-width letters, ligatures and other compatibility characters are searched as the plain text they
stand for, as the dialog reads them (NFKC): in queries for every method, and in indexed text for keyword search."""

from __future__ import annotations

from pathlib import Path

import pytest

from retrieval.embedders import HashEmbedder
from retrieval.ingest import ingest
from retrieval.keyword import KeywordIndex, keyword_form
from retrieval.retriever import Retriever, query_form

FULL_WIDTH = "ｒｅｔｕｒｎ ｐｏｌｉｃｙ ｗｉｎｄｏｗ"  # what a Japanese or Chinese input method types for "return policy window"


def test_the_normal_forms_read_compatibility_characters_as_plain_ones() -> None:
    assert query_form(FULL_WIDTH) == "return policy window"
    assert query_form("ﬁle a claim") == "file a claim"  # the "fi" ligature
    assert query_form("Ｒｅｔｕｒｎ") == "Return"  # case is the embedder's to read
    assert keyword_form("Ｒｅｔｕｒｎ ＳＴＲＡẞＥ") == "return strasse"


def test_keyword_search_matches_full_width_and_ligatures_on_either_side() -> None:
    texts = ["Our return policy: 45 days.", "Shipping costs $4.95.", "To ﬁle a claim, write to us.", "ｇｉｆｔ ｗｒａｐｐｉｎｇ costs $3.99."]
    keyword = KeywordIndex([1, 2, 3, 4], texts, tokenizer="english")

    assert [i for i, _ in keyword.search("ｒｅｔｕｒｎ ｐｏｌｉｃｙ", k=2)][:1] == [1]
    assert [i for i, _ in keyword.search("how do I file a claim?", k=2)][:1] == [3]
    assert [i for i, _ in keyword.search("gift wrapping", k=2)][:1] == [4]


@pytest.fixture
def index_dir(kb_dir: Path, tmp_path: Path) -> Path:
    folder = tmp_path / "index"
    ingest([kb_dir], HashEmbedder(), folder)
    return folder


@pytest.mark.parametrize("method", ["dense", "bm25", "hybrid"])
def test_a_full_width_query_finds_what_the_plain_one_finds(index_dir: Path, method: str) -> None:
    retriever = Retriever(HashEmbedder(), index_dir, method=method)

    plain = retriever.search("return policy window", k=3)
    assert plain and plain[0].chunk.doc_id == "returns/return-policy"
    assert retriever.search(FULL_WIDTH, k=3) == plain
    assert retriever.expanded(FULL_WIDTH) == "return policy window"
