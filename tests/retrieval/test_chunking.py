"""Chunking: sections along headings, long sections at paragraphs then sentences, in tokens with overlap,
FAQ entries whole, stable ids."""

from __future__ import annotations

from retrieval.chunking import chunk_document, count_words, split_sections, split_text
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
    assert all(c.metadata == {"kind": "article", "language": "en", "tags": []} for c in chunks)
    assert chunks[1].embedding_text == "Refunds > How long it takes\nCard refunds take 5 to 10 business days."


def test_split_sections_keeps_text_before_first_heading_with_empty_path() -> None:
    sections = split_sections("Preface.\n\n# Title\n\nBody.\n")

    assert sections == [([], "Preface."), (["Title"], "Body.")]


def test_long_section_is_split_at_paragraphs_under_max_tokens() -> None:
    paragraphs = [" ".join(f"p{n}w{i}" for i in range(12)) for n in range(6)]  # 6 paragraphs of 12 words
    text = "# Long\n\n## Part\n\n" + "\n\n".join(paragraphs) + "\n"

    chunks = chunk_document(doc(text, doc_id="long", title="Long"), max_tokens=30, overlap_tokens=0)

    assert len(chunks) == 3
    assert all(len(c.embedding_text.split()) <= 30 for c in chunks)  # heading included
    assert all(c.heading == "Long > Part" for c in chunks)
    # split at paragraph boundaries, nothing lost, order kept
    assert [c.text for c in chunks] == ["\n\n".join(paragraphs[i : i + 2]) for i in (0, 2, 4)]


def test_single_overlong_sentence_is_cut_into_max_token_pieces() -> None:
    words = [f"w{i}" for i in range(25)]

    pieces = split_text(" ".join(words) + "\n\nshort tail", max_tokens=10)

    assert [len(p.split()) for p in pieces] == [10, 10, 7]
    assert " ".join(pieces).split() == words + ["short", "tail"]


def test_faq_entry_stays_one_chunk() -> None:
    answer = "\n\n".join(" ".join(["word"] * 50) for _ in range(5))  # 250 words, headings-like lines too
    faq = doc("# Not a heading\n\n" + answer, doc_id="faq#long-one", title="A long question?", kind="faq")

    chunks = chunk_document(faq, max_tokens=20)

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


def test_overlong_paragraph_is_split_at_sentences_with_overlap() -> None:
    sentences = [f"Sentence {n} has exactly six words." for n in range(10)]  # 6 words each
    text = "# Long\n\n" + " ".join(sentences) + "\n"

    chunks = chunk_document(doc(text, doc_id="long", title="Long"), max_tokens=20, overlap_tokens=6)

    assert all(count_words(c.embedding_text) <= 20 for c in chunks)
    assert all(c.text.endswith(".") and c.text.startswith("Sentence") for c in chunks)  # whole sentences
    for before, after in zip(chunks, chunks[1:]):  # each piece starts with the last sentence of the one before
        assert after.text.startswith(before.text.split(". ")[-1])
    assert sorted({s for c in chunks for s in sentences if s in c.text}) == sorted(sentences)  # nothing lost


def test_overlap_falls_back_to_the_last_words_when_a_sentence_is_too_long_to_repeat() -> None:
    pieces = split_text("one two three four five six. seven eight nine ten eleven twelve.", max_tokens=8, overlap_tokens=2)

    assert pieces == ["one two three four five six.", "five six. seven eight nine ten eleven twelve."]


def test_no_overlap_across_paragraph_packing_when_zero() -> None:
    pieces = split_text("a b c\n\nd e f\n\ng h i", max_tokens=6, overlap_tokens=0)

    assert pieces == ["a b c\n\nd e f", "g h i"]


def test_long_list_without_sentence_ends_is_split_at_lines() -> None:
    items = "\n".join(f"- item {n} of the list" for n in range(8))  # 5 words a line, no full stops

    pieces = split_text(items, max_tokens=12, overlap_tokens=0)

    assert pieces == ["\n".join(f"- item {n} of the list" for n in (i, i + 1)) for i in range(0, 8, 2)]


def test_tokens_are_counted_with_the_given_counter() -> None:
    text = "# Spelled\n\n" + " ".join(["abcdefghij"] * 12) + "\n"  # 12 words, 120 characters

    by_words = chunk_document(doc(text, doc_id="s", title="Spelled"), max_tokens=64, overlap_tokens=0)
    by_chars = chunk_document(doc(text, doc_id="s", title="Spelled"), max_tokens=64, overlap_tokens=0, count_tokens=len)

    assert len(by_words) == 1
    assert len(by_chars) > 1 and all(len(c.text) <= 64 for c in by_chars)


def test_chunk_settings_change_the_chunks_but_stay_deterministic() -> None:
    text = "# T\n\n" + " ".join(f"Word{n} is here." for n in range(60)) + "\n"

    small = chunk_document(doc(text, doc_id="t", title="T"), max_tokens=40, overlap_tokens=8)

    assert [c.chunk_id for c in small] == [c.chunk_id for c in chunk_document(doc(text, doc_id="t", title="T"), 40, 8)]
    assert len(small) > len(chunk_document(doc(text, doc_id="t", title="T"), max_tokens=120, overlap_tokens=8))
