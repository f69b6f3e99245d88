"""Scoring answers against required facts, and the contract of the demo question set."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant.evaluation import Question, facts_found, load_questions, normalise, score, summarise
from conftest import DEMO_DIR


def test_normalise_folds_case_dashes_and_spaces() -> None:
    assert normalise("5\u201310 Business\u00a0 Days") == "5-10 business days"
    assert normalise("Non\u2011returnable \u2014 items") == "non-returnable - items"


def test_facts_found_accepts_any_alternative() -> None:
    answer = "Refunds take 5\u201310 business days and go back to the ORIGINAL payment method."

    found = facts_found(answer, [["5-10 business days", "five to ten"], ["original payment method"], ["store credit"]])

    assert found == [True, True, False]


QUESTIONS = [
    Question("q1", "How long is the link valid?", True, [["30 minutes"]], ["accounts/reset-password"]),
    Question("q2", "Gift wrap price?", True, [["$3.99"], ["checkout"]], ["faq"]),
    Question("q3", "Express cost?", True, [["$12.50"]], ["shipping/shipping-costs"]),
    Question("q4", "Do you sell cars?", False, [], []),
]


def test_score_and_summarise_a_handmade_set() -> None:
    rows = [
        score(QUESTIONS[0], "Links expire after 30 Minutes [1].", False, ["accounts/reset-password"]),
        score(QUESTIONS[1], "It costs $3.99.", False, ["faq#do-you-offer-gift-wrapping"]),
        score(QUESTIONS[2], "I don't know.", True, ["returns/return-policy"]),
        score(QUESTIONS[3], "I couldn't find that.", True, []),
    ]

    assert rows[0] == {
        "id": "q1", "answerable": True, "abstained": False, "correct": True,
        "facts_found": 1, "facts_total": 1, "source_hit": True,
    }
    assert (rows[1]["correct"], rows[1]["facts_found"], rows[1]["source_hit"]) == (False, 1, True)
    assert (rows[2]["correct"], rows[2]["facts_found"], rows[2]["source_hit"]) == (False, 0, False)
    assert (rows[3]["correct"], rows[3]["source_hit"]) == (False, None)

    summary = summarise(rows, seconds=[1.0, 2.0, 3.0, 10.0])

    assert summary["questions"] == 4
    assert (summary["answerable"], summary["unanswerable"]) == (3, 1)
    assert summary["fact_accuracy"] == pytest.approx(1 / 3)
    assert summary["fact_recall"] == pytest.approx(2 / 4)
    assert summary["false_declines"] == pytest.approx(1 / 3)
    assert summary["abstention_recall"] == 1.0
    assert summary["source_in_context"] == pytest.approx(2 / 3)
    assert summary["seconds_mean"] == 4.0
    assert summary["seconds_p50"] == 2.5
    assert summary["seconds_p95"] == 10.0


def test_summarise_empty() -> None:
    summary = summarise([], [])

    assert summary["questions"] == 0 and summary["fact_accuracy"] == 0 and summary["seconds_p95"] == 0.0


def test_load_questions_reports_the_bad_line(tmp_path: Path) -> None:
    path = tmp_path / "q.jsonl"
    good = {"id": "a", "question": "?", "answerable": True, "facts": [["x"]], "sources": ["faq"]}
    path.write_text(json.dumps(good) + "\n\n" + json.dumps({"id": "b"}) + "\n")

    with pytest.raises(ValueError, match=r"q\.jsonl:3"):
        load_questions(path)


def test_demo_question_set_contract() -> None:
    questions = load_questions(DEMO_DIR / "questions.jsonl")
    kb = DEMO_DIR / "knowledge_base"

    assert len(questions) >= 40
    assert len({q.id for q in questions}) == len(questions)
    unanswerable = [q for q in questions if not q.answerable]
    assert len(unanswerable) >= 8
    assert all(not q.facts and not q.sources for q in unanswerable)
    for question in questions:
        if not question.answerable:
            continue
        assert question.facts and all(fact for fact in question.facts), question.id
        assert question.sources, question.id
        for source in question.sources:
            assert source == "faq" or (kb / f"{source}.md").is_file(), f"{question.id}: no article {source}"
