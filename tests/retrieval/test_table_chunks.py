"""Tables split across chunks: each later chunk of a table starts with the table's header again, rows are
never cut inside a cell, and the sentence units of such a chunk name their columns."""

from __future__ import annotations

from pathlib import Path

from conftest import write_files
from retrieval.chunking import chunk_document, count_words, split_text
from retrieval.documents import Document
from retrieval.loaders import load_paths
from retrieval.sentences import split_sentences

HEADER = "| Method | Time | Price |\n| --- | --- | --- |"
ROWS = [f"| Method {n} | {n} days. Tracked | ${n}.95 |" for n in range(1, 25)]  # 10 words each; ". T" inside a cell
TABLE = HEADER + "\n" + "\n".join(ROWS)
ARTICLE = f"# Shipping\n\n## Shipping options\n\nWe ship with these carriers.\n\n{TABLE}\n\nPrices include tax.\n"


def shipping(text: str = ARTICLE) -> Document:
    return Document(doc_id="shipping", title="Shipping", text=text, source="/kb/shipping.md")


def test_each_chunk_of_a_long_table_starts_with_its_header_and_keeps_the_heading_path() -> None:
    chunks = chunk_document(shipping(), max_tokens=40, overlap_tokens=0)

    table_chunks = [c for c in chunks if any(row in c.text for row in ROWS)]
    assert len(table_chunks) >= 3
    assert all(c.text.startswith(HEADER + "\n| Method") for c in table_chunks[1:])
    assert all(c.heading == "Shipping > Shipping options" for c in chunks)
    assert all(count_words(c.embedding_text) <= 40 for c in chunks)  # the repeated header counts against the size


def test_rows_are_whole_and_none_is_lost_or_doubled_without_overlap() -> None:
    chunks = chunk_document(shipping(), max_tokens=40, overlap_tokens=0)

    lines = [line for c in chunks for line in c.text.splitlines() if "days" in line or "Tracked" in line]
    assert lines == ROWS  # not cut at the full stop inside a cell; each row once
    assert chunks[0].text.startswith("We ship with these carriers.") and chunks[-1].text.endswith("Prices include tax.")


def test_overlapping_rows_come_under_the_header_too() -> None:
    pieces = split_text(TABLE, max_tokens=40, overlap_tokens=10)  # header 14 words, a row 10

    assert len(pieces) >= 3
    assert all(piece.startswith(HEADER + "\n| Method") for piece in pieces)
    for before, after in zip(pieces, pieces[1:]):  # the last row of a piece is repeated after the header
        assert after.splitlines()[2] == before.splitlines()[-1]
    assert all(count_words(piece) <= 40 for piece in pieces)


def test_a_header_that_would_end_a_chunk_goes_with_its_rows() -> None:
    text = " ".join(["Intro words here."] * 6) + "\n" + TABLE  # 18 words, then the table in the same paragraph

    pieces = split_text(text, max_tokens=36, overlap_tokens=0)

    assert pieces[0] == " ".join(["Intro words here."] * 6)  # the header fitted after it, its first row did not
    assert sum(piece.count("| Method | Time | Price |") for piece in pieces) == len(pieces) - 1


def test_the_rows_of_a_later_chunk_name_their_columns() -> None:
    chunks = chunk_document(shipping(), max_tokens=40, overlap_tokens=0)
    later = next(c for c in chunks if ROWS[-1] in c.text)

    assert "Method: Method 24, Time: 24 days. Tracked, Price: $24.95" in split_sentences(later.text)


def test_a_long_html_table_is_chunked_as_its_markdown_table(tmp_path: Path) -> None:
    rows = "".join(f"<tr><td>Method {n}</td><td>{n} days. Tracked</td><td>${n}.95</td></tr>" for n in range(1, 25))
    page = f"<html><body><h1>Shipping</h1><h2>Shipping options</h2><table><tr><th>Method</th><th>Time</th><th>Price</th></tr>{rows}</table></body></html>"
    [document] = load_paths([write_files(tmp_path / "kb", {"shipping.html": page})]).documents

    chunks = chunk_document(document, max_tokens=40, overlap_tokens=0)

    assert len(chunks) >= 3 and all(c.text.startswith(HEADER + "\n| Method ") for c in chunks)
    assert [line for c in chunks for line in c.text.splitlines() if "days" in line] == ROWS


def test_a_header_is_not_repeated_where_it_would_not_fit_with_a_row() -> None:
    wide = [f"| Method {n} | {' '.join(['slow'] * 20)} | ${n}.95 |" for n in range(1, 4)]  # 30 words a row
    pieces = split_text(HEADER + "\n" + "\n".join(wide), max_tokens=40, overlap_tokens=0)

    assert pieces == [HEADER, *wide]  # the header (14 words) and a row would make 44


def test_a_header_is_not_doubled_when_its_first_row_is_too_long_to_go_with_it() -> None:
    wide = f"| Method 0 | {' '.join(['slow'] * 25)} | $0.95 |"  # 33 words: with the header, 47
    pieces = split_text("\n".join([HEADER, wide, *ROWS[:2]]), max_tokens=40, overlap_tokens=0)

    assert pieces == [HEADER, wide, "\n".join([HEADER, *ROWS[:2]])]
