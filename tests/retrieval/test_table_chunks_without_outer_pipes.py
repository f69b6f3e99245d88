"""Markdown tables without outer pipes ("Method | Price" over "--- | ---", as GitHub Markdown allows) are tables:
a long one is cut between rows with its header again in each later chunk, its rows are sentence units that name
their columns, and an index made before this rule re-chunks the articles with such a table once."""

from __future__ import annotations

from pathlib import Path

import pytest

import retrieval.chunking as chunking
import retrieval.sentences as sentences
from retrieval.chunking import chunk_document, count_words, split_text
from retrieval.documents import Document
from retrieval.embedders import HashEmbedder
from retrieval.index import VectorIndex
from retrieval.ingest import ingest
from retrieval.sentences import ROWS_WITHOUT_OUTER_PIPES, TABLE_RULES, split_sentences, table_rules
from test_ingest import CountingEmbedder
from test_table_rules_reindex import units_before_the_table_rules, vectors

HEADER = "Method | Time | Price\n--- | --- | ---"
ROWS = [f"Method {n} | {n} days. Tracked | ${n}.95" for n in range(1, 25)]  # 8 words each; ". T" inside a cell
TABLE = HEADER + "\n" + "\n".join(ROWS)
ARTICLE = f"# Shipping\n\n## Shipping options\n\nWe ship with these carriers.\n\n{TABLE}\n\nPrices include tax.\n"


def shipping(text: str = ARTICLE) -> Document:
    return Document(doc_id="shipping", title="Shipping", text=text, source="/kb/shipping.md")


def test_each_chunk_of_a_long_table_without_outer_pipes_starts_with_its_header() -> None:
    chunks = chunk_document(shipping(), max_tokens=40, overlap_tokens=0)

    table_chunks = [c for c in chunks if any(row in c.text for row in ROWS)]
    assert len(table_chunks) >= 3
    assert all(c.text.startswith(HEADER + "\nMethod ") for c in table_chunks[1:])
    assert all(count_words(c.embedding_text) <= 40 for c in chunks)


def test_rows_without_outer_pipes_are_never_cut_at_a_full_stop_in_a_cell() -> None:
    chunks = chunk_document(shipping(), max_tokens=40, overlap_tokens=0)

    lines = [line for c in chunks for line in c.text.splitlines() if "days" in line or "Tracked" in line]
    assert lines == ROWS
    assert chunks[0].text.startswith("We ship with these carriers.") and chunks[-1].text.endswith("Prices include tax.")


def test_overlapping_rows_without_outer_pipes_come_under_the_header() -> None:
    pieces = split_text(TABLE, max_tokens=40, overlap_tokens=8)

    assert len(pieces) >= 3 and all(piece.startswith(HEADER + "\nMethod ") for piece in pieces)
    for before, after in zip(pieces, pieces[1:]):
        assert after.splitlines()[2] == before.splitlines()[-1]


def test_the_rows_of_a_later_chunk_name_their_columns() -> None:
    chunks = chunk_document(shipping(), max_tokens=40, overlap_tokens=0)
    later = next(c for c in chunks if ROWS[-1] in c.text)

    units = split_sentences(later.text)

    assert "Method: Method 24, Time: 24 days. Tracked, Price: $24.95" in units
    assert not any("|" in unit or "---" in unit for unit in units)


def test_table_lines_are_not_joined_to_a_wrapped_line_nor_to_each_other() -> None:
    text = (
        "These are the delivery options for every order we ship\n"
        "Method | Time | Price | Tracked\n:-- | --- | --: | ---\nexpress | 2 days | $14.95 | yes\n3-day | 3 days | $9.95 | no\n"
        "Prices include tax. Duties are extra."
    )

    assert split_sentences(text) == [
        "These are the delivery options for every order we ship",
        "Method: express, Time: 2 days, Price: $14.95, Tracked: yes",
        "Method: 3-day, Time: 3 days, Price: $9.95, Tracked: no",
        "Prices include tax.",
        "Duties are extra.",
    ]


def test_a_line_with_a_pipe_and_no_rule_under_it_is_prose() -> None:
    text = "Hold Ctrl | Cmd and click each file. Then drag them to the box."

    assert split_sentences(text) == ["Hold Ctrl | Cmd and click each file.", "Then drag them to the box."]
    assert split_text(text, max_tokens=8) == ["Hold Ctrl | Cmd and click each file.", "Then drag them to the box."]


FILES = {
    "delivery.md": "# Delivery\n\nOur carriers.\n\n" + TABLE + "\n",
    "returns.md": "# Returns\n\nBikes go back to the shop you rented them from. Late returns cost 10 euros a day.\n",
    "faq.csv": "question,answer\nDo you rent helmets?,Yes. A helmet is free with every bike.\n",
    "rates.md": "# Rates\n\n| Bike | Day |\n| --- | --- |\n| City | 20 euros |\n| E-bike | 35 euros |\n",  # outer pipes
}
RULES_BEFORE = "header-in-each-chunk+rows-name-columns"  # the table rules an index recorded before this rule


@pytest.fixture
def index_before(tmp_path: Path, monkeypatch) -> tuple[Path, Path]:
    """An index made before tables without outer pipes were tables: such a table cut at sentence ends, its lines
    sentence units as written."""
    kb = tmp_path / "kb"
    kb.mkdir()
    for name, text in FILES.items():
        (kb / name).write_text(text)
    monkeypatch.setattr(sentences, "split_units", units_before_the_table_rules)
    monkeypatch.setattr(chunking, "_holds_table", lambda text: False)
    ingest([kb], HashEmbedder(), tmp_path / "index", max_tokens=40, overlap_tokens=0)
    monkeypatch.undo()
    index = VectorIndex.load(tmp_path / "index", "hash", "hash-256")
    for info in index.documents.values():
        if ",tables=" in info["chunking"]:
            info["chunking"] = info["chunking"].split(",tables=")[0] + ",tables=" + RULES_BEFORE
    index.save(tmp_path / "index")
    return kb, tmp_path / "index"


def test_one_ingest_re_chunks_an_article_with_a_table_without_outer_pipes_and_nothing_else(index_before) -> None:
    kb, index_dir = index_before
    before = VectorIndex.load(index_dir, "hash", "hash-256")
    embedder = CountingEmbedder()

    report = ingest([kb], embedder, index_dir, max_tokens=40, overlap_tokens=0)

    assert report.updated == ["delivery"] and sorted(report.unchanged) == ["faq#do-you-rent-helmets", "rates", "returns"]
    assert embedder.texts and all(text.startswith("Delivery") for text in embedder.texts)
    index = VectorIndex.load(index_dir, "hash", "hash-256")
    texts = [index.chunks[chunk_id].text for chunk_id in index.chunk_ids_of("delivery")]
    assert len(texts) >= 3 and all(text.startswith(HEADER + "\nMethod ") for text in texts[1:])
    for doc_id in ("returns", "faq#do-you-rent-helmets", "rates"):
        assert all((a == b).all() for a, b in zip(vectors(index, doc_id), vectors(before, doc_id), strict=True))
    assert ingest([kb], CountingEmbedder(), index_dir, max_tokens=40, overlap_tokens=0).chunks_embedded == 0


def test_only_a_table_without_outer_pipes_records_the_rule_for_it() -> None:
    piped = "# Prices\n\n| Method | Price |\n| --- | --- |\n| Standard | $5 |\n"
    pipeless = "# Prices\n\nMethod | Price\n--- | ---\nStandard | $5\n"

    assert table_rules("# Prices\n\nNo table here.\n") == ""
    assert table_rules(piped) == TABLE_RULES
    assert table_rules(pipeless) == TABLE_RULES + ROWS_WITHOUT_OUTER_PIPES
