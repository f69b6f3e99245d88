"""`assistant index search`: the passages a question finds, with their scores against the threshold."""

from __future__ import annotations

import json
from pathlib import Path

from cli_helpers import flat, ingested, invoke, runner  # noqa: F401  (fixtures)


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
