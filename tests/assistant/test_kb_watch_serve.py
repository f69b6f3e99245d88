"""A server with ``kb_watch_s`` ingests the changes of the folders its index was built from itself, with the embedder
it holds: no `assistant ingest` process (which imports and loads the embedding model for every change) is needed."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from assistant.app import Assistant
from assistant.config import load_settings
from conftest import HASH_MIN_SCORE
from retrieval.ingest import ingest
from retrieval.watch import FolderWatch
from test_extractive_warmup import CountingEmbedder
import waiting

LOYALTY = "# Loyalty\n\n## Expiry\n\nLoyalty points expire after 18 months. Points earned in a sale expire after one year.\n"


def watching_assistant(monkeypatch: pytest.MonkeyPatch, kb_dir: Path) -> tuple[Assistant, CountingEmbedder]:
    monkeypatch.setenv("ASSISTANT_KB_WATCH_S", "0.05")
    settings = load_settings(embedder="hash", generator="scripted", answer_mode="extractive", min_retrieval_score=HASH_MIN_SCORE)
    app = Assistant(settings)
    app.embedder = counting = CountingEmbedder()
    ingest([kb_dir], counting, app.settings.index_dir)
    app.retriever.background_reload = True
    return app, counting


def settled(watch: FolderWatch) -> bool:
    """Whether the watch's first settled look is done: it knows the files as the index holds them, or it ingested."""
    return watch.settling.indexed is not None or watch.ingests > 0


def test_a_server_starting_on_folders_unchanged_since_its_index_was_built_ingests_nothing(
    kb_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app, _ = watching_assistant(monkeypatch, kb_dir)
    try:
        watch = app.watch_knowledge_base()
        waiting.wait_for(lambda: settled(watch), "the first settled look")
    finally:
        app.close()

    assert watch.ingests == 0  # no second load of the index, no hashing and parsing of every file again


def test_a_server_starting_on_an_unchanged_knowledge_base_with_synonyms_ingests_nothing(
    kb_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # synonyms.txt has no file record (it is no article): it was taken as changed, and every start ingested
    (kb_dir / "synonyms.txt").write_text("amex, american express => credit card\n", encoding="utf-8")
    app, _ = watching_assistant(monkeypatch, kb_dir)
    try:
        watch = app.watch_knowledge_base()
        waiting.wait_for(lambda: settled(watch), "the first settled look")
    finally:
        app.close()

    assert watch.ingests == 0


@pytest.mark.parametrize("change", ["edited", "added", "deleted"])
def test_a_server_starting_on_folders_changed_while_it_was_down_ingests_them(
    kb_dir: Path, monkeypatch: pytest.MonkeyPatch, change: str
) -> None:
    app, _ = watching_assistant(monkeypatch, kb_dir)
    article = sorted(kb_dir.rglob("*.md"))[0]
    if change == "edited":
        article.write_text(LOYALTY)
    elif change == "added":
        (kb_dir / "loyalty.md").write_text(LOYALTY)
    else:
        article.unlink()
    served = lambda: {info["source"] for info in app.retriever.index.documents.values()}  # noqa: E731
    try:
        watch = app.watch_knowledge_base()
        waiting.wait_for(lambda: watch.ingests == 1, "an ingest at the first settled look")
        if change == "deleted":
            waiting.wait_for(lambda: str(article.resolve()) not in served(), "the deleted article out of the served index")
        else:
            waiting.wait_for(lambda: any("18 months" in chunk.text for chunk in app.retriever.index.chunks.values()), "the loyalty text served")
    finally:
        app.close()


def test_a_server_watching_its_folders_ingests_an_added_article_with_its_own_embedder(
    kb_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app, counting = watching_assistant(monkeypatch, kb_dir)
    try:
        assert app.watch_knowledge_base() is not None
        watch = app.watch_knowledge_base()
        waiting.wait_for(lambda: settled(watch), "the first settled look")
        counting.embedded.clear()
        (kb_dir / "loyalty.md").write_text(LOYALTY)

        waiting.wait_for(lambda: "loyalty" in app.retriever.index.documents, "the new article in the served index")
        result = app.manager.handle(None, "When do loyalty points expire?")
    finally:
        app.close()

    assert any("18 months" in text for text in counting.embedded)  # embedded here, by the server's embedder
    assert "18 months" in result.text and result.cited_sources[0]["doc_id"] == "loyalty"


def test_a_server_does_not_ingest_a_watched_folder_that_became_empty(
    kb_dir: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    app, _ = watching_assistant(monkeypatch, kb_dir)
    documents = len(app.retriever.index.documents)
    caplog.set_level(logging.WARNING, logger="retrieval.watch")
    try:
        watch = app.watch_knowledge_base()
        waiting.wait_for(lambda: settled(watch), "the first settled look")
        for path in kb_dir.rglob("*"):
            if path.is_file():
                path.unlink()
        waiting.wait_for(lambda: "no files any more" in caplog.text, "the emptied folder reported")
    finally:
        app.close()

    assert len(app.retriever.index.documents) == documents
    assert watch.ingests == 0


def test_a_server_watches_the_folders_of_its_index_by_default(kb_dir: Path) -> None:
    app = Assistant(load_settings(embedder="hash", generator="scripted"))
    ingest([kb_dir], app.embedder, app.settings.index_dir)
    try:
        watch = app.watch_knowledge_base()
    finally:
        app.close()

    assert watch is not None and str(kb_dir) in watch.settling.had_files


def test_a_server_whose_index_was_copied_without_its_folders_does_not_watch(
    kb_dir: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    app, _ = watching_assistant(monkeypatch, kb_dir)
    kb_dir.rename(kb_dir.with_name("elsewhere"))  # the folders stay on the machine that builds the index
    caplog.set_level(logging.INFO)
    try:
        watch = app.watch_knowledge_base()
    finally:
        app.close()

    assert watch is None
    assert "no files any more" not in caplog.text and "none of" in caplog.text


def test_of_two_servers_sharing_one_index_only_one_watches_its_folders(kb_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first, _ = watching_assistant(monkeypatch, kb_dir)
    second = Assistant(first.settings)
    try:
        watches = [first.watch_knowledge_base(), second.watch_knowledge_base()]
        waiting.wait_for(lambda: all(settled(watch) or not watch.watching for watch in watches), "both servers' first look")
        assert sorted(watch.watching for watch in watches) == [False, True]
    finally:
        first.close()
        second.close()


def test_of_two_servers_sharing_one_index_each_says_whether_it_watches(kb_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # both said "Watching the knowledge base's folders every 5 s", though only the one holding the lock does
    first, _ = watching_assistant(monkeypatch, kb_dir)
    second = Assistant(first.settings)
    try:
        notes = [first.watch_note(), second.watch_note()]
    finally:
        first.close()
        second.close()

    assert notes[0] == "Watching the knowledge base's folders every 0.05 s (kb_watch_s)"
    assert notes[1] is not None and notes[1].startswith("Another server sharing this index watches")


def test_a_serving_process_logs_the_ingest_of_a_change_and_the_index_it_loads(
    kb_dir: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    # a server logs at warning unless --verbose: an edited article was served some seconds later with no line saying so
    from assistant import cli

    for name in cli.KNOWLEDGE_BASE_LOGGERS:
        monkeypatch.setattr(logging.getLogger(name), "level", logging.WARNING)
    cli.show_knowledge_base_events()
    monkeypatch.setattr(logging.getLogger(), "level", logging.WARNING)  # as a server's basicConfig leaves it
    caplog.handler.setLevel(logging.NOTSET)
    app, _ = watching_assistant(monkeypatch, kb_dir)
    try:
        watch = app.watch_knowledge_base()
        waiting.wait_for(lambda: settled(watch), "the first settled look")
        (kb_dir / "loyalty.md").write_text(LOYALTY)
        logged = lambda: [r.getMessage() for r in caplog.records if r.getMessage().startswith("the knowledge base's folders changed")]  # noqa: E731
        waiting.wait_for(lambda: watch.ingests == 1 and logged() or watch.ingests > 1, "the ingest's line")
    finally:
        app.close()

    assert "1 added" in logged()[0], logged()


def test_a_look_that_finds_nothing_to_ingest_does_not_say_the_folders_changed(
    kb_dir: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    # an ops probe read "the knowledge base's folders changed: 0 added, 0 updated, 0 removed" after another server's
    # ingest had done the work: the log now says the look found nothing to ingest
    app, _ = watching_assistant(monkeypatch, kb_dir)
    try:
        with caplog.at_level(logging.INFO, logger="assistant.app"):
            app._ingest_watched()  # the folders as the index holds them: nothing new
    finally:
        app.close()

    lines = [r.getMessage() for r in caplog.records if "kb_watch_s" in r.getMessage()]
    assert len(lines) == 1 and "nothing to ingest" in lines[0] and "folders changed" not in lines[0], lines
