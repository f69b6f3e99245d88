"""A server that starts watching (``kb_watch_s``) while a folder its index was built from has no files (a share not
mounted yet) keeps that folder's documents: its first look is no ingest of the empty folder."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from test_kb_watch_serve import watching_assistant
import waiting


def test_a_folder_already_empty_when_the_server_starts_watching_is_not_ingested(
    kb_dir: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    app, _ = watching_assistant(monkeypatch, kb_dir)
    documents = sorted(app.retriever.index.documents)
    for path in kb_dir.rglob("*"):  # emptied while the server was down
        if path.is_file():
            path.unlink()
    caplog.set_level(logging.WARNING, logger="retrieval.watch")
    try:
        watch = app.watch_knowledge_base()
        waiting.wait_for(lambda: "no files any more" in caplog.text or watch.ingests, "the first settled look")
    finally:
        app.close()

    assert sorted(app.retriever.index.documents) == documents
    assert watch.ingests == 0
