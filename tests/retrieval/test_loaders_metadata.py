"""Markdown front matter is metadata (never indexed text), titles skip code blocks, tags in every common shape."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import write_files
from retrieval.chunking import chunk_document, first_heading
from retrieval.loaders import load_paths
from retrieval.metadata import parse_tags, split_front_matter, web_link

WARRANTY = """---
title: Warranty policy for Zorblax devices
tags: [warranty, hardware]
url: https://help.example.com/warranty
language: en-GB
author: Jane Internal-Only
internal_note: DO NOT SHOW CUSTOMERS escalation code QX-77
---

## Overview

Every Zorblax device carries a three-year limited warranty.

## Resetting the device

```bash
# Hold the power button for 30 seconds
zorblax-cli reset --factory
```

# Claiming warranty

Send the serial number to warranty@zorblax.example.
"""


def load_one(tmp_path: Path, name: str, text: str):
    report = load_paths([write_files(tmp_path / "kb", {name: text})])
    assert report.skipped == []
    [document] = report.documents
    return document


def test_front_matter_is_metadata_and_never_indexed(tmp_path: Path) -> None:
    document = load_one(tmp_path, "guides/warranty.md", WARRANTY)

    assert document.title == "Warranty policy for Zorblax devices"
    assert document.tags == ("guides", "warranty", "hardware")
    assert (document.url, document.language) == ("https://help.example.com/warranty", "en")
    chunks = chunk_document(document)
    indexed = " ".join(chunk.embedding_text for chunk in chunks)
    for hidden in ("QX-77", "internal_note", "Jane Internal-Only", "---"):
        assert hidden not in document.text and hidden not in indexed
    assert "three-year limited warranty" in indexed


def test_title_skips_comments_in_fenced_code(tmp_path: Path) -> None:
    without_title = WARRANTY.replace("title: Warranty policy for Zorblax devices\n", "")

    document = load_one(tmp_path, "warranty.md", without_title)

    assert document.title == "Claiming warranty"
    assert all("Hold the power button" not in chunk.heading for chunk in chunk_document(document))


def test_first_heading_ignores_backtick_and_tilde_fences() -> None:
    text = "```\n# not a title\n```\n~~~~\n# nor this\n```\n# nor this either\n~~~~\n## Section\n# Real title\n"

    assert first_heading(text) == "Real title"
    assert first_heading("no heading at all\n") is None


@pytest.mark.parametrize(
    "front, tags",
    [
        ("tags:\n  - billing\n  - vip\n", ("billing", "vip")),  # YAML block list
        ("tags: [billing, vip]\n", ("billing", "vip")),
        ("tags: billing, vip\n", ("billing", "vip")),
        ("tags:\nowner: ops\n", ()),  # empty: the next key is not a tag
        ("Tags: '[\"billing\", \"vip\"]'\n", ("billing", "vip")),  # a JSON list in a string
        ("tags: [2024, billing, billing]\n", ("2024", "billing")),
    ],
)
def test_front_matter_tag_shapes(tmp_path: Path, front: str, tags: tuple[str, ...]) -> None:
    document = load_one(tmp_path, "guides/page.md", f"---\ntitle: Page\n{front}---\n\n# Page\n\nBody text.\n")

    assert document.tags == ("guides", *tags)


@pytest.mark.parametrize(
    ("front", "tags", "language"),
    [
        ("tags: [no, se, on]\nlanguage: no\n", ("no", "se", "on"), "nb"),  # Norway, Norwegian (bokmål): not YAML 1.1's false
        ("tags: [2024-01-01, 1.10, null]\n", ("2024-01-01", "1.10"), "en"),  # as written; null is no tag
        ("tags: ~\n", (), "en"),
    ],
)
def test_front_matter_values_are_read_as_written(tmp_path: Path, front: str, tags: tuple[str, ...], language: str) -> None:
    document = load_one(tmp_path, "brand-a/page.md", f"---\n{front}---\n\n# Page\n\nBody text of the page.\n")

    assert (document.tags, document.language) == (("brand-a", *tags), language)


def test_front_matter_keys_of_the_wrong_type_are_left_out_with_a_note(tmp_path: Path) -> None:
    """``tags: {brand: brand-b}`` was the tag "{'brand': 'brand-b'}" and ``language: [en, de]`` the language
    "['en', 'de']", silently: no filter matched them."""
    front = "title: [Listy, title]\ntags:\n  - [brand-b, vip]\n  - shared\nlanguage: [en, de]\n"
    root = write_files(tmp_path / "kb", {
        "brand-a/nested.md": f"---\n{front}---\n\n# Nested\n\nBody text.\n",
        "brand-a/mapping.md": "---\ntags: {brand: brand-b}\n---\n\n# Mapping\n\nBody text.\n",
    })

    report = load_paths([root])

    documents = {d.doc_id: d for d in report.documents}
    nested, mapping = documents["brand-a/nested"], documents["brand-a/mapping"]
    assert (nested.title, nested.tags, nested.language) == ("Nested", ("brand-a", "shared"), "en")
    assert mapping.tags == ("brand-a",)
    notes = sorted((Path(path).name, note) for path, note in report.notes)
    assert notes == [
        ("mapping.md", "front matter tags is a mapping, not a list; ignored (write tags: [brand-a, shared])"),
        ("nested.md", "front matter language is a list, not text; ignored"),
        ("nested.md", "front matter tags holds 1 nested list(s) or mapping(s), left out (write tags: [brand-a, shared])"),
        ("nested.md", "front matter title is a list, not text; ignored"),
    ]


def test_faq_json_tag_list_is_kept_as_tags(tmp_path: Path) -> None:
    rows = [{"question": "Can I pay with Bitcoin?", "answer": "No.", "tags": ["billing", "crypto"]}]

    [entry] = load_paths([write_files(tmp_path / "kb", {"faq.json": json.dumps(rows)})]).documents

    assert entry.tags == ("billing", "crypto")


def test_faq_language_is_its_primary_subtag_as_in_front_matter_and_html(tmp_path: Path) -> None:
    """An FAQ's "de-DE" or "EN" stayed as written, so a server with search_filters language=de lost those entries."""
    faq = "question,answer,language\nWo ist mein Paket?,Im Lager.,de-DE\nWhere is my parcel?,In the warehouse.,EN\n"

    entries = load_paths([write_files(tmp_path / "kb", {"faq.csv": faq})]).documents

    assert [entry.language for entry in entries] == ["de", "en"]


def test_faq_csv_tags_may_be_bracketed(tmp_path: Path) -> None:
    [entry] = load_paths([write_files(tmp_path / "kb", {"faq.csv": 'question,answer,tags\nQ?,A.,"[billing; vip]"\n'})]).documents

    assert entry.tags == ("billing", "vip")


def test_invalid_front_matter_skips_the_file_with_the_reason(tmp_path: Path) -> None:
    root = write_files(tmp_path / "kb", {"bad.md": "---\ntitle: Sizes: small: large\n---\n\n# Sizes\n\ntext\n", "ok.md": "# Ok\n\nfine\n"})

    report = load_paths([root])

    assert [d.doc_id for d in report.documents] == ["ok"]
    [(path, reason)] = report.skipped
    assert path.endswith("bad.md") and "front matter is not valid YAML" in reason and "line 2" in reason


def test_rules_that_are_not_front_matter_stay_text() -> None:
    text = "---\nJust a paragraph between two rules.\n---\n\nMore text.\n"

    assert split_front_matter(text) == (split_front_matter("")[0], text)
    assert split_front_matter("# Title\n\n---\ntitle: no\n---\n")[1].startswith("# Title")  # only at the very start


def test_parse_tags_handles_none_and_odd_values() -> None:
    assert parse_tags(None) == ()
    assert parse_tags("") == ()
    assert parse_tags("[a, 'b'] ") == ("a", "b")
    assert parse_tags(["x", None, " y "]) == ("x", "y")


@pytest.mark.parametrize(
    ("value", "kept"),
    [
        ("https://help.example.com/a", "https://help.example.com/a"), ("HTTP://help.example.com/a", "HTTP://help.example.com/a"),
        ("/help/returns", "/help/returns"), ("javascript:alert(document.cookie)", None), (" javascript:alert(1)", None),
        ("data:text/html;base64,PHNjcmlwdD4=", None), ("vbscript:msgbox", None), ("file:///etc/passwd", None),
        ('https://x.example/" onmouseover="alert(1)', None), ("help/returns", None), ("", None), (None, None),
    ],
)
def test_only_web_addresses_are_kept_as_a_documents_url(value: object, kept: str | None) -> None:
    assert web_link(value) == kept


def test_a_javascript_url_in_front_matter_an_faq_or_an_html_page_is_dropped(tmp_path: Path) -> None:
    """A help-centre file could make every citation of it a script link (in the API's sources, too)."""
    write_files(tmp_path / "kb", {
        "a.md": "---\nurl: javascript:alert(1)\n---\n# Gift cards\n\nThey never expire.\n",
        "faq.csv": 'question,answer,url\nDo gift cards expire?,Never.,javascript:alert(2)\nCan I return?,Yes.,https://help.example/returns\n',
        "b.html": '<html><head><title>B</title><link rel="canonical" href="javascript:alert(3)"></head><body><p>Text.</p></body></html>',
    })

    urls = {document.doc_id: document.url for document in load_paths([tmp_path / "kb"]).documents}

    assert urls == {"a": None, "faq#do-gift-cards-expire": None, "faq#can-i-return": "https://help.example/returns", "b": None}


@pytest.mark.parametrize("name, text", [
    ("ferje.md", "---\nlanguage: no\n---\n# Bagasje\n\nDu kan ta med to kofferter.\n"),
    ("ferje.html", "<html lang='no-NO'><body><h1>Bagasje</h1><p>Du kan ta med to kofferter.</p></body></html>"),
])
def test_norwegian_written_no_is_read_as_bokmal(tmp_path: Path, name: str, text: str) -> None:
    (tmp_path / name).write_text(text)

    [document] = load_paths([tmp_path]).documents

    assert document.language == "nb"  # the code of its replies file and of the customers' messages
