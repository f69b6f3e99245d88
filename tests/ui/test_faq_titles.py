"""An FAQ file can name its title (a CSV ``title`` column, a JSON ``title`` key): the help centre lists it by
that title and its page is headed by it; a file without one is listed by its name as words."""

from __future__ import annotations

import re
from pathlib import Path

from fastapi.testclient import TestClient

from assistant.app import Assistant
from assistant.config import load_settings
from conftest import write_files
from retrieval.ingest import ingest
from retrieval.loaders import faq_file_title, load_file
from ui.chat import ChatPage
from ui.server import create_app

FILES = {
    "upl_faq.csv": "question,answer,title\nDo you ship to Mars?,Not yet.,Space shipping questions\nCan I track a parcel?,Yes.,\n",
    "gifts/upl_faq.json": '{"title": "Gift questions", "faq": [{"question": "Do you wrap gifts?", "answer": "Yes, for $3.99."}]}',
    "billing/faq.csv": "question,answer\nCan I pay by invoice?,Yes.\n",
    "returns/entry-titles.csv": "question,answer,title\nHow do I return?,By post.,Returning\nHow long does a refund take?,5 days.,Refunds\n",
}


def web(tmp_path: Path) -> TestClient:
    assistant = Assistant(load_settings(embedder="hash", generator="scripted", answer_mode="generative"))
    ingest([write_files(tmp_path / "kb", FILES)], assistant.embedder, assistant.settings.index_dir)
    return TestClient(create_app(ChatPage(assistant.manager).build(), assistant.retriever, assistant.manager))


def test_faq_file_title_reads_the_column_or_key_and_nothing_else(tmp_path: Path) -> None:
    kb = write_files(tmp_path / "kb", FILES)

    assert faq_file_title(kb / "upl_faq.csv") == "Space shipping questions"
    assert faq_file_title(kb / "gifts" / "upl_faq.json") == "Gift questions"
    assert faq_file_title(kb / "billing" / "faq.csv") is None  # no title column
    assert faq_file_title(kb / "returns" / "entry-titles.csv") is None  # a title per entry titles no file
    assert faq_file_title(kb / "missing.csv") is None
    # the entries themselves are as before: the title column is not a question, an answer or an entry
    assert [d.title for d in load_file(kb / "upl_faq.csv", "upl_faq")] == ["Do you ship to Mars?", "Can I track a parcel?"]


def test_the_help_centre_and_the_faq_page_use_the_files_title(tmp_path: Path) -> None:
    client = web(tmp_path)

    with client:
        home = client.get("/kb/").text
        page = client.get("/kb/upl_faq").text
        untitled = client.get("/kb/billing/faq").text

    listed = dict(re.findall(r'<a href="(/kb/[^"?]+)">([^<]*)</a>', home))
    assert listed["/kb/upl_faq"] == "Space shipping questions"  # was "Upl FAQ"
    assert listed["/kb/gifts/upl_faq"] == "Gift questions"
    assert listed["/kb/billing/faq"] == "FAQ"  # no title: the file name as words
    assert listed["/kb/returns/entry-titles"] == "Entry titles"
    assert "<h1>Space shipping questions</h1>" in page and "<title>Space shipping questions" in page
    assert "<h1>Frequently asked questions</h1>" in untitled
