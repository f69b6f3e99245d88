"""A turn searches one text once: a message that would get a clarifying question was searched by ClarifyPolicy's
check for a strong hit (``strong_search_hit``) and again by the answer, each an embedding, FAISS, BM25 and maybe the
reranker (cold review R11 on add97cf). The retriever remembers its last searches (``Retriever.search``)."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.app import Assistant
from assistant.config import Settings
from dialog.business import demo_actions
from dialog.manager import DialogManager
from dialog.nlu.base import Understanding
from dialog.nlu.combine import Understander
from dialog.store import InMemoryStore
from retrieval.ingest import ingest
from retrieval.retriever import Retriever

CLOSE = Understanding("order_status", 0.36, ranking=(("order_status", 0.36), ("rental", 0.27)), source="classifier")


class Torn:
    """Reads every message as order_status, a little ahead of rental: close enough to ask which."""

    name = "torn"

    def understand(self, text: str) -> Understanding:
        return CLOSE


@pytest.fixture
def searched(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The queries the retriever really searched (each is embedded once per search), in order."""
    queries: list[str] = []
    embed = Retriever._embed_query

    def spy(self: Retriever, query: str):  # noqa: ANN202 - the vector, as Retriever._embed_query returns it
        queries.append(query)
        return embed(self, query)

    monkeypatch.setattr(Retriever, "_embed_query", spy)
    return queries


@pytest.mark.parametrize("mode", ["generative", "extractive"])  # the answer's search takes 3 passages, or 5
def test_a_clarify_candidate_turn_searches_its_message_once(settings: Settings, kb_dir: Path, searched: list[str], mode: str) -> None:
    app = Assistant(settings.model_copy(update={"answer_mode": mode}))
    ingest([kb_dir], app.embedder, settings.index_dir)
    dialog = DialogManager(InMemoryStore(), app.manager.answer_action, understander=Understander(Torn()), actions=demo_actions())

    result = dialog.handle(None, "Do you offer gift wrapping?")  # ClarifyPolicy's check finds its FAQ entry: answered

    assert result.action == "answer"
    assert searched.count("Do you offer gift wrapping?") == 1, searched  # was 2: the check's search and the answer's
