"""A request for an unknown FAQ entry (``/kb/es/faq#no-such-entry``, a crawler's guess) reads the FAQ file once to
look for an id of before (``retrieval.loaders.resolve_faq_id``): the next ones for the same file read nothing, until
the file is edited (its modification time or size changes), when it is read again."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

import retrieval.loaders as loaders
from assistant.app import Assistant
from assistant.config import load_settings
from conftest import write_files
from retrieval.ingest import ingest
from retrieval.loaders import load_paths, resolve_faq_id
from ui.chat import ChatPage
from ui.server import create_app

SPANISH_FAQ = "question,answer\n¿Envían a España?,\"Sí, en 3 días.\"\nDo you ship to Greenland?,No.\n"


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names of the files read as text (``loaders.read_text_file``) from here on."""
    names: list[str] = []
    read_text_file = loaders.read_text_file

    def counting(path: Path, notes: list[tuple[str, str]] | None = None) -> str:
        names.append(Path(path).name)
        return read_text_file(path, notes)

    monkeypatch.setattr(loaders, "read_text_file", counting)
    return names


def test_unknown_entries_of_one_file_read_it_once(tmp_path: Path, reads: list[str]) -> None:
    assistant = Assistant(load_settings(embedder="hash", generator="scripted", answer_mode="generative"))
    ingest([write_files(tmp_path / "kb", {"es/faq.csv": SPANISH_FAQ})], assistant.embedder, assistant.settings.index_dir)
    reads.clear()  # the ingest's own read
    with TestClient(create_app(ChatPage(assistant.manager).build(), assistant.retriever)) as web:
        answers = [web.get(f"/kb/es/faq%23no-such-entry-{number}").status_code for number in range(5)]
        looks = list(reads)
        old = web.get("/kb/es/faq%23env-an-a-espa-a")  # resolved without a look; the page shown reads the file

    assert answers == [404] * 5 and looks == ["faq.csv"]  # the first unknown entry's look (none for the others)
    assert old.status_code == 200 and '<span id="env-an-a-espa-a"></span>' in old.text


@pytest.fixture
def indexed(tmp_path: Path) -> dict[str, dict]:
    """The index's documents record of a folder with a Spanish FAQ file, as an ingest writes it."""
    root = write_files(tmp_path / "kb", {"es/faq.csv": SPANISH_FAQ})
    return {document.doc_id: {"source": document.source} for document in load_paths([root]).documents}


def test_an_edited_file_is_read_again(indexed: dict[str, dict], reads: list[str]) -> None:
    faq = Path(indexed["es/faq#envian-a-espana"]["source"])
    reads.clear()
    assert resolve_faq_id(indexed, "es/faq#env-an-a-espa-a") == "es/faq#envian-a-espana"
    assert resolve_faq_id(indexed, "es/faq#env-an-a-espa-a") == "es/faq#envian-a-espana"
    assert len(reads) == 1

    faq.write_text(SPANISH_FAQ.replace("¿Envían a España?", "¿Envían a Portugal?"), encoding="utf-8")  # another size

    assert resolve_faq_id(indexed, "es/faq#env-an-a-espa-a") is None  # no entry had that id any more
    assert len(reads) == 2


def test_a_file_edited_to_the_same_size_is_read_again(indexed: dict[str, dict], reads: list[str]) -> None:
    faq = Path(indexed["es/faq#envian-a-espana"]["source"])
    reads.clear()
    assert resolve_faq_id(indexed, "es/faq#env-an-a-espa-a") == "es/faq#envian-a-espana"
    modified = faq.stat().st_mtime_ns

    faq.write_text(SPANISH_FAQ.replace("¿Envían a España?", "¿Envían a Españo?"), encoding="utf-8")  # the same size
    os.utime(faq, ns=(modified + 1_000_000_000, modified + 1_000_000_000))  # a clock that ticks coarsely: a second on

    assert resolve_faq_id(indexed, "es/faq#env-an-a-espa-a") is None
    assert reads == ["faq.csv", "faq.csv"]  # the first look, the look after the edit


def test_a_file_deleted_since_resolves_nothing(indexed: dict[str, dict], reads: list[str]) -> None:
    faq = Path(indexed["es/faq#envian-a-espana"]["source"])
    assert resolve_faq_id(indexed, "es/faq#env-an-a-espa-a") == "es/faq#envian-a-espana"

    faq.unlink()

    assert resolve_faq_id(indexed, "es/faq#env-an-a-espa-a") is None
    assert resolve_faq_id(indexed, "es/faq#envian-a-espana") == "es/faq#envian-a-espana"
