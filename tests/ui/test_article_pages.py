"""Article pages show the text the loader extracted, escaped, for every format (PDF, HTML, FAQ, front matter)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from assistant.app import Assistant
from assistant.config import load_settings
from conftest import write_files
from pdf_samples import make_pdf
from retrieval.ingest import ingest
from ui.chat import ChatPage
from ui.server import create_app

PAGE_HTML = """<html><head><title>Setting up the Frobnicator</title><script>var SCRIPTMARKER = 1;</script></head>
<body><nav>NAVMARKER <a href="/">Home</a></nav><main><h1>Setting up the Frobnicator</h1>
<p>Plug the Frobnicator in &amp; wait for the <b>green</b> light.</p></main><footer>FOOTERMARKER</footer></body></html>"""
FRONT_MATTER = """---
title: Warranty policy
internal_note: DO NOT SHOW CUSTOMERS escalation code QX-77
---

## Overview

Every device carries a <b>three-year</b> warranty.
"""
SHORT_ROWS = "question,answer,url\nIs there a short row?,Yes & it is fine.\nOrphan question\n"


@pytest.fixture
def client(assistant: Assistant, kb_dir: Path) -> TestClient:
    write_files(
        kb_dir,
        {
            "manuals/kettle.pdf": make_pdf(["Narwhal kettle manual", "Descale it <monthly>."], title="Kettle guide"),
            "guides/setup.html": PAGE_HTML,
            "guides/warranty.md": FRONT_MATTER,
            "faqs/short.csv": SHORT_ROWS,
            "faqs/list.json": json.dumps([{"question": "如何联系客服？", "answer": "请发送电子邮件。"}, {"question": "<Where> is it?", "answer": "Here."}]),
            "notes.txt": "Opening hours\nWe open at 9 <sharp>.\n\nClosed on Sundays.\n",
        },
    )
    ingest([kb_dir], assistant.embedder, assistant.settings.index_dir)
    with TestClient(create_app(ChatPage(assistant.manager).build(), assistant.retriever)) as test_client:
        yield test_client


def test_pdf_page_shows_its_extracted_text(client: TestClient) -> None:
    response = client.get("/kb/manuals/kettle")

    assert response.status_code == 200
    assert "<h1>Kettle guide</h1><p>Narwhal kettle manual</p>" in response.text
    assert "Descale it &lt;monthly&gt;." in response.text
    assert "%PDF" not in response.text


def test_html_page_shows_the_content_without_scripts_or_navigation(client: TestClient) -> None:
    response = client.get("/kb/guides/setup")

    assert response.status_code == 200
    assert "<h1>Setting up the Frobnicator</h1>" in response.text
    assert "Plug the Frobnicator in &amp; wait for the green light." in response.text
    for chrome in ("SCRIPTMARKER", "NAVMARKER", "FOOTERMARKER", "&lt;script"):
        assert chrome not in response.text


def test_front_matter_is_not_shown(client: TestClient) -> None:
    response = client.get("/kb/guides/warranty")

    assert response.status_code == 200
    assert "QX-77" not in response.text and "internal_note" not in response.text
    assert "<h1>Warranty policy</h1>" in response.text
    assert "&lt;b&gt;three-year&lt;/b&gt;" in response.text  # raw HTML escaped


def test_faq_csv_with_a_short_row_shows_its_entries(client: TestClient) -> None:
    response = client.get("/kb/faqs/short")

    assert response.status_code == 200
    assert '<h2 id="is-there-a-short-row">Is there a short row?</h2><p>Yes &amp; it is fine.</p>' in response.text
    assert "Orphan question" not in response.text  # not indexed, not shown


def test_faq_json_has_anchors_that_match_the_entry_ids(assistant: Assistant, client: TestClient) -> None:
    entry_ids = sorted(d for d in assistant.retriever.index.documents if d.startswith("faqs/list#"))
    response = client.get("/kb/faqs/list")

    assert response.status_code == 200
    for entry_id in entry_ids:
        assert f'<h2 id="{entry_id.partition("#")[2]}">' in response.text
    assert "&lt;Where&gt; is it?" in response.text and "<Where>" not in response.text
    assert '"question"' not in response.text  # not the raw JSON


def test_an_entry_id_shows_its_faq_file(client: TestClient) -> None:
    response = client.get("/kb/faqs/short%23is-there-a-short-row")

    assert response.status_code == 200
    assert 'id="is-there-a-short-row"' in response.text


def test_plain_text_is_shown_as_escaped_paragraphs(client: TestClient) -> None:
    response = client.get("/kb/notes")

    assert response.status_code == 200
    assert "<p>Opening hours<br>We open at 9 &lt;sharp&gt;.</p><p>Closed on Sundays.</p>" in response.text


def test_a_file_that_became_unreadable_is_a_404_not_a_500(client: TestClient, kb_dir: Path) -> None:
    (kb_dir / "manuals" / "kettle.pdf").write_bytes(b"%PDF-1.4 broken")

    response = client.get("/kb/manuals/kettle")

    assert response.status_code == 404
    assert "cannot be read" in response.text


def test_faq_page_uses_the_configured_columns(assistant: Assistant, tmp_path: Path) -> None:
    kb = write_files(tmp_path / "kb-de", {"faq-de.csv": "frage,antwort\nWo ist das Lager?,In Rotterdam.\n"})
    ingest([kb], assistant.embedder, assistant.settings.index_dir, faq_columns=("frage", "antwort"))
    app = create_app(ChatPage(assistant.manager).build(), assistant.retriever, faq_columns=("frage", "antwort"))

    with TestClient(app) as web:
        response = web.get("/kb/faq-de")

    assert response.status_code == 200
    assert '<h2 id="wo-ist-das-lager">Wo ist das Lager?</h2><p>In Rotterdam.</p>' in response.text


BRANDS = {
    "brand-a/returns.md": "# Alpine returns\n\nReturn within 60 days.\n",
    "brand-b/returns.md": "# Beacon returns\n\nReturn within 14 days.\n",
    "faq.csv": "question,answer,tags\nDo you ship to Norway?,Alpine ships there.,brand-a\n"
    "Do you ship to Iceland?,Beacon does not.,brand-b\nWhen are you open?,9 to 5.,\"brand-a, brand-b\"\n",
}


def test_a_server_with_search_filters_shows_no_other_brands_article_or_faq_entry(tmp_path: Path) -> None:
    """Two brands on one index: brand A's server (search_filters tag=brand-a) cites only brand A, so its article
    pages (where a citation without a URL links) must not show brand B's article or FAQ entries either."""
    settings = load_settings(
        embedder="hash", generator="scripted", answer_mode="generative", search_filters={"tag": ["brand-a", "shared"]}
    )
    brand_a = Assistant(settings)
    ingest([write_files(tmp_path / "kb-brands", BRANDS)], brand_a.embedder, settings.index_dir)

    with TestClient(create_app(ChatPage(brand_a.manager).build(), brand_a.retriever)) as web:
        own, other, faq = web.get("/kb/brand-a/returns"), web.get("/kb/brand-b/returns"), web.get("/kb/faq")

    assert own.status_code == 200 and "Return within 60 days." in own.text
    assert other.status_code == 404 and "Beacon" not in other.text
    assert faq.status_code == 200
    assert "Alpine ships there." in faq.text and "9 to 5." in faq.text
    assert "Iceland" not in faq.text and "Beacon" not in faq.text
