"""`assistant index search`: the passages a question finds, with their scores against the threshold."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant.cli import app
from cli_helpers import flat, ingested, invoke, runner  # noqa: F401  (fixtures)
from conftest import MODEL_CACHE, prepared_model


def test_search_lists_the_passages_best_first_with_scores_and_stores_nothing(runner, ingested: Path, isolated: Path) -> None:  # noqa: F811
    result = invoke(runner, "index", "search", "How long is a password reset link valid?", "--json")

    assert result.exit_code == 0, result.output
    found = json.loads(result.stdout)
    assert found["method"] and found["min_retrieval_score"] > 0
    passages = found["passages"]
    assert passages[0]["doc_id"] == "accounts/reset-password" and "30 minutes" in passages[0]["text"]
    assert passages[0]["above_threshold"] is True
    assert [p["rank"] for p in passages] == list(range(1, len(passages) + 1))
    assert not list(isolated.rglob("*.db"))  # a search, not a conversation: nothing is logged


def test_search_table_marks_passages_below_the_threshold_and_says_when_it_would_decline(runner, ingested: Path) -> None:  # noqa: F811
    answered = invoke(runner, "index", "search", "password reset link", "-k", "3")
    declined = invoke(runner, "index", "search", "qwzx vbnm plokij")

    assert answered.exit_code == 0 and "accounts/reset-password" in answered.stdout, answered.output
    assert declined.exit_code == 0, declined.output
    assert "(below)" in declined.stdout and "the assistant would decline" in flat(declined.stdout)


def test_search_refuses_an_empty_query_and_a_missing_index(runner, isolated: Path) -> None:  # noqa: F811
    empty = invoke(runner, "index", "search", "  ")
    missing = invoke(runner, "index", "search", "refund")

    assert empty.exit_code == 1 and "the query is empty" in flat(empty.stderr)
    assert missing.exit_code == 1 and "Traceback" not in missing.output and "assistant ingest" in flat(missing.stderr)



@pytest.mark.slow
def test_search_corrects_the_spelling_as_a_conversation_does(runner, kb_dir: Path, isolated: Path, monkeypatch) -> None:  # noqa: F811
    """A conversation searches the corrected words (correct_spelling, on by default); the command searched the
    words as typed, so a misspelt question ranked and scored otherwise than the assistant answered it. The real
    embedder: the hashing fake's "tokenizer" knows every word, so it corrects none."""
    prepared_model("all-minilm-l6-v2")
    monkeypatch.setenv("ASSISTANT_MODEL_CACHE_DIR", str(MODEL_CACHE))
    real = ["--embedder", "all-minilm-l6-v2", "--generator", "scripted"]
    assert runner.invoke(app, [*real, "ingest", str(kb_dir)]).exit_code == 0

    typed = runner.invoke(app, [*real, "index", "search", "How long is a pasword resett link valid?", "--json"])
    spelt = runner.invoke(app, [*real, "index", "search", "How long is a password reset link valid?", "--json"])
    table = runner.invoke(app, [*real, "index", "search", "How long is a pasword resett link valid?"])

    assert typed.exit_code == 0 and spelt.exit_code == 0, typed.output + spelt.output
    found, expected = json.loads(typed.stdout), json.loads(spelt.stdout)
    assert found["searched"] == "How long is a password reset link valid?"
    assert found["passages"] == expected["passages"]
    assert "Searched as: How long is a password reset link valid?" in flat(table.stdout)
