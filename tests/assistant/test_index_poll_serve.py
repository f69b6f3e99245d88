"""A server left idle after a re-ingest serves the new index, with its answer sentences warmed, before anyone
asks: `/healthz` names it at once, and the first question is answered from it without embedding its passages."""

from __future__ import annotations

import json
import logging
import signal
import threading
import urllib.request
from collections.abc import Callable
from pathlib import Path

import pytest

from assistant.app import Assistant
from assistant.config import load_settings
from cli_helpers import serve_process
from conftest import HASH_MIN_SCORE
from retrieval.ingest import ingest
from test_extractive_warmup import CountingEmbedder
import waiting

WAIT_S = 60  # a bound against a hang, not a timing check
LOYALTY = "# Loyalty\n\n## Expiry\n\nLoyalty points expire after 18 months. Points earned in a sale expire after one year.\n"
QUESTION = "When do loyalty points expire?"


def wait_for(condition: Callable[[], bool], what: str) -> None:
    waiting.wait_for(condition, what, seconds=WAIT_S, every=0.05)


def reloaded(caplog: pytest.LogCaptureFixture) -> bool:
    return any("reloaded the index" in record.getMessage() for record in caplog.records)


def extractive_assistant(monkeypatch: pytest.MonkeyPatch) -> tuple[Assistant, CountingEmbedder]:
    monkeypatch.setenv("ASSISTANT_INDEX_POLL_S", "0.05")
    settings = load_settings(embedder="hash", generator="scripted", answer_mode="extractive", min_retrieval_score=HASH_MIN_SCORE)
    app = Assistant(settings)
    app.embedder = counting = CountingEmbedder()
    return app, counting


def test_a_reloaded_index_has_its_answer_sentences_warmed_before_it_is_swapped_in(
    kb_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The start-up warm-up put the index's answer sentences in the turn embedder's cache; a reloaded index's
    were not, so the first answers from it embedded their passages' sentences while the customer waited."""
    app, counting = extractive_assistant(monkeypatch)
    ingest([kb_dir], counting, app.settings.index_dir)
    app.warm_up()
    (kb_dir / "loyalty.md").write_text(LOYALTY)
    ingest([kb_dir], counting, app.settings.index_dir)

    app.retriever.reload()  # as a server's background reload does, or the staff page after its own ingest
    counting.embedded.clear()
    result = app.manager.handle(None, QUESTION)

    assert "18 months" in result.text and result.cited_sources[0]["doc_id"] == "loyalty"
    assert set(counting.embedded) <= {QUESTION}  # the question only: the new article's sentences were ready
    app.close()


def test_an_idle_server_swaps_in_a_reingested_index_with_its_warm_up_before_the_first_question(
    kb_dir: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="retrieval.retriever")
    app, counting = extractive_assistant(monkeypatch)
    ingest([kb_dir], counting, app.settings.index_dir)
    app.retriever.background_reload = True  # as `assistant serve` sets it
    app.warm_up()
    (kb_dir / "shipping" / "shipping-costs.md").unlink()
    (kb_dir / "loyalty.md").write_text(LOYALTY)
    ingest([kb_dir], counting, app.settings.index_dir)
    counting.embedded.clear()

    wait_for(lambda: reloaded(caplog), "the new index swapped in with nothing asked")
    result = app.manager.handle(None, QUESTION)

    assert "18 months" in result.text and result.cited_sources[0]["doc_id"] == "loyalty"
    assert set(counting.embedded) <= {QUESTION}
    shipping = app.manager.handle(None, "How much does express shipping cost?")
    assert all(source["doc_id"] != "shipping/shipping-costs" for source in shipping.sources)  # deleted: not cited
    app.close()


def test_a_real_idle_server_names_the_new_index_in_healthz_at_the_first_look_and_stops_cleanly(
    kb_dir: Path, isolated: Path
) -> None:
    settings = load_settings(embedder="hash", generator="scripted")
    ingest([kb_dir], Assistant(settings).embedder, settings.index_dir)
    with serve_process("-v", "--embedder", "hash", "--generator", "scripted", env={"ASSISTANT_INDEX_POLL_S": "0.1", "ASSISTANT_KB_WATCH_S": "0"}) as (server, base):  # the test ingests, not the server
        lines: list[str] = []
        reader = threading.Thread(target=lambda: lines.extend(line.decode() for line in server.stdout), daemon=True)
        reader.start()
        before = json.load(urllib.request.urlopen(f"{base}/healthz", timeout=10))
        (kb_dir / "loyalty.md").write_text(LOYALTY)
        ingest([kb_dir], Assistant(settings).embedder, settings.index_dir)
        manifest = json.loads((settings.index_dir / "manifest.json").read_text())

        wait_for(lambda: any("reloaded the index" in line for line in lines), "the server's log says it reloaded, nothing asked")
        health = json.load(urllib.request.urlopen(f"{base}/healthz", timeout=10))  # the first request since the ingest

        assert health["chunks"] == manifest["chunks"] > before["chunks"]
        assert health["index_version"] == manifest["updated_at"]
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=WAIT_S)
        reader.join(timeout=WAIT_S)
    assert server.returncode == 0, "".join(lines)
    assert "Traceback" not in "".join(lines)
