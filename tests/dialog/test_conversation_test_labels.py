"""A failed expectation of a conversation script is reported under the key the script used: a missing phrase of
``answer_contains`` was reported as ``text_contains:``, a key the script did not have."""

from __future__ import annotations

from dialog import conversation_tests
from dialog.manager import TurnResult

RESULT = TurnResult("s", "Motorbike: 650 NOK.", "answer", "why", "question")


def test_a_missing_answer_phrase_is_reported_as_answer_contains() -> None:
    assert conversation_tests.check_turn(RESULT, {"answer_contains": "999 NOK"}) == [
        "answer_contains: '999 NOK' not in 'Motorbike: 650 NOK.'"
    ]


def test_a_missing_text_phrase_is_reported_as_text_contains() -> None:
    assert conversation_tests.check_turn(RESULT, {"text_contains": ["650 NOK", "Monday"]}) == [
        "text_contains: 'Monday' not in 'Motorbike: 650 NOK.'"
    ]
