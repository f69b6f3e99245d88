"""An index replaced while the server runs is freed, although the server froze its start-up objects (gc.freeze)."""

from __future__ import annotations

import gc
import weakref
from pathlib import Path

from fastapi.testclient import TestClient

from api_helpers import say
from assistant.app import Assistant
from retrieval.ingest import ingest


def test_an_index_loaded_before_the_freeze_is_freed_once_a_new_one_replaces_it(assistant: Assistant, kb_dir: Path) -> None:
    """`assistant serve` calls gc.freeze() once the models, the index and the web app are loaded: an object frozen
    then is never collected if it ends up in a reference cycle, and one still referenced from a cache stays anyway
    (before the reload built everything anew, the article titles kept the index before until a reply with links
    was made from the new one: two indexes in memory after a re-ingest)."""
    assistant.retriever.background_reload = True  # as in `assistant serve`
    client = TestClient(assistant.web_app())
    for text in ("How much does gift wrapping cost?", "retrn policy", "asdfgh"):  # keyword index, spelling words
        say(client, client.post("/api/sessions").json()["session_id"], text)
    assistant.retriever.article_titles()  # the article titles, as the chat replies' links use them
    assert client.get("/kb/").status_code == 200
    old = weakref.ref(assistant.retriever.index)
    gc.collect()
    gc.freeze()
    try:
        (kb_dir / "loyalty.md").write_text("# Loyalty\n\nLoyalty points expire after 18 months.\n")
        ingest([kb_dir], assistant.embedder, assistant.settings.index_dir)
        say(client, client.post("/api/sessions").json()["session_id"], "How much does gift wrapping cost?")
        assistant.retriever.wait_for_reload()
        assert "18 months" in say(client, client.post("/api/sessions").json()["session_id"], "When do loyalty points expire?")["text"]
        gc.collect()
        assert old() is None
    finally:
        gc.unfreeze()
