"""An FAQ entry's id given out before ids kept accented letters (``es/faq#env-an-a-espa-a``, now
``es/faq#envian-a-espana``) still names that entry where ids are resolved: its /kb page, the knowledge-base tab's
removal, and a conversation test exported from a turn of then."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from assistant.app import Assistant
from assistant.config import load_settings
from conftest import write_files
from dialog.conversation_tests import check_turn
from dialog.manager import TurnResult
from retrieval.ingest import ingest
from ui.chat import ChatPage
from ui.kb_admin import KnowledgeBaseAdmin
from ui.server import create_app

SPANISH_FAQ = "question,answer\n¿Envían a España?,\"Sí, en 3 días.\"\nDo you ship to Greenland?,No.\n"


def spanish_assistant(tmp_path: Path) -> Assistant:
    assistant = Assistant(load_settings(embedder="hash", generator="scripted", answer_mode="generative"))
    ingest([write_files(tmp_path / "kb", {"es/faq.csv": SPANISH_FAQ})], assistant.embedder, assistant.settings.index_dir)
    return assistant


def test_the_article_page_of_an_old_entry_id_is_its_faq_page(tmp_path: Path) -> None:
    assistant = spanish_assistant(tmp_path)
    with TestClient(create_app(ChatPage(assistant.manager).build(), assistant.retriever)) as web:
        old, unknown = web.get("/kb/es/faq%23env-an-a-espa-a"), web.get("/kb/es/faq%23no-such-entry")

    assert old.status_code == 200 and '<h2 id="envian-a-espana"><span id="env-an-a-espa-a"></span>' in old.text
    assert unknown.status_code == 404


def test_the_knowledge_base_tab_removes_an_entry_by_its_old_id(tmp_path: Path) -> None:
    assistant = spanish_assistant(tmp_path)
    settings = assistant.settings
    admin = KnowledgeBaseAdmin(
        assistant.retriever, assistant.embedder, settings.index_dir, settings.data_dir / "uploads",
        settings.chunk_max_tokens, settings.chunk_overlap_tokens,
    )

    admin.ask_removal("es/faq#env-an-a-espa-a")  # no refusal: the index holds it under its new id
    message = admin.remove("es/faq#env-an-a-espa-a")

    assert "es/faq#envian-a-espana" in message
    assert set(admin.retriever.index.documents) == {"es/faq#do-you-ship-to-greenland"}


def test_a_conversation_test_that_cites_an_old_id_passes() -> None:
    source = {"n": 1, "doc_id": "es/faq#envian-a-espana", "title": "¿Envían a España?", "cited": True}
    result = TurnResult(session_id="s", text="Sí, en 3 días. [1]", action="answer", reason="", intent="shipping", sources=[source])

    assert check_turn(result, {"cites": "es/faq#env-an-a-espa-a"}) == []
    assert check_turn(result, {"cites": "es/faq#envian-a-espana"}) == []
    assert check_turn(result, {"cites": "es/faq#do-you-ship-to-greenland"}) != []
