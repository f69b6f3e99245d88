"""Chunking: sections along headings, long sections at paragraphs, FAQ entries whole, stable ids."""

from __future__ import annotations

from retrieval.chunking import chunk_document, split_paragraphs, split_sections
from retrieval.documents import Document

ARTICLE = """# Refunds

Refunds go back to the original payment method.

## How long it takes

Card refunds take 5 to 10 business days.

### Bank transfers

Bank transfers take up to 14 days.

## Store credit

Store credit is added instantly.
"""


def doc(text: str, doc_id: str = "billing/refunds", title: str = "Refunds", kind: str = "article") -> Document:
    return Document(doc_id=doc_id, title=title, text=text, source=f"/kb/{doc_id}.md", kind=kind)


def test_sections_split_on_headings_with_heading_path() -> None:
    chunks = chunk_document(doc(ARTICLE))

    assert [c.heading for c in chunks] == [
        "Refunds",
        "Refunds > How long it takes",
        "Refunds > How long it takes > Bank transfers",
        "Refunds > Store credit",
    ]
    assert chunks[1].text == "Card refunds take 5 to 10 business days."
    assert chunks[3].text == "Store credit is added instantly."
    assert all(c.doc_id == "billing/refunds" and c.title == "Refunds" for c in chunks)
    assert all(c.metadata == {"kind": "article", "language": "en"} for c in chunks)
    assert chunks[1].embedding_text == "Refunds > How long it takes\nCard refunds take 5 to 10 business days."


def test_split_sections_keeps_text_before_first_heading_with_empty_path() -> None:
    sections = split_sections("Preface.\n\n# Title\n\nBody.\n")

    assert sections == [([], "Preface."), (["Title"], "Body.")]


def test_long_section_is_split_at_paragraphs_under_max_words() -> None:
    paragraphs = [" ".join(f"p{n}w{i}" for i in range(12)) for n in range(6)]  # 6 paragraphs of 12 words
    text = "# Long\n\n## Part\n\n" + "\n\n".join(paragraphs) + "\n"

    chunks = chunk_document(doc(text, doc_id="long", title="Long"), max_words=30)

    assert len(chunks) == 3
    assert all(len(c.text.split()) <= 30 for c in chunks)
    assert all(c.heading == "Long > Part" for c in chunks)
    # split at paragraph boundaries, nothing lost, order kept
    assert [c.text for c in chunks] == ["\n\n".join(paragraphs[i : i + 2]) for i in (0, 2, 4)]


def test_single_overlong_paragraph_is_cut_into_max_word_pieces() -> None:
    words = [f"w{i}" for i in range(25)]

    pieces = split_paragraphs(" ".join(words) + "\n\nshort tail", max_words=10)

    assert [len(p.split()) for p in pieces] == [10, 10, 7]
    assert " ".join(pieces).split() == words + ["short", "tail"]


def test_faq_entry_stays_one_chunk() -> None:
    answer = "\n\n".join(" ".join(["word"] * 50) for _ in range(5))  # 250 words, headings-like lines too
    faq = doc("# Not a heading\n\n" + answer, doc_id="faq#long-one", title="A long question?", kind="faq")

    chunks = chunk_document(faq, max_words=20)

    assert len(chunks) == 1
    assert chunks[0].heading == "A long question?"
    assert chunks[0].text == faq.text
    assert chunks[0].metadata["kind"] == "faq"


def test_chunk_ids_are_stable_and_follow_the_text() -> None:
    first = chunk_document(doc(ARTICLE))
    again = chunk_document(doc(ARTICLE))
    edited = chunk_document(doc(ARTICLE.replace("5 to 10", "3 to 5")))

    assert [c.chunk_id for c in first] == [c.chunk_id for c in again]
    assert len({c.chunk_id for c in first}) == len(first)
    changed = [a.chunk_id != b.chunk_id for a, b in zip(first, edited, strict=True)]
    assert changed == [False, True, False, False]
    # the same text in another document is another chunk
    other = chunk_document(doc(ARTICLE, doc_id="billing/refunds-copy"))
    assert not {c.chunk_id for c in first} & {c.chunk_id for c in other}
    assert all(-(2**63) <= c.chunk_id < 2**63 for c in first)


def test_hash_lines_in_fenced_code_are_not_headings() -> None:
    text = "# Setup\n\n## Install\n\n```bash\n# install the tool\npip install thing\n## not a heading\n```\n\nDone.\n"

    chunks = chunk_document(doc(text, doc_id="setup", title="Setup"))

    assert [c.heading for c in chunks] == ["Setup > Install"]
    assert "# install the tool" in chunks[0].text
    assert "## not a heading" in chunks[0].text
    assert chunks[0].text.endswith("Done.")
