"""The keyword rules' complaint: a request to make a complaint with a word or two before "complaint" ("a formal
complaint") is one too, as the intent model reads it; without a model it was a question, searched, not handed over."""

from __future__ import annotations

import pytest

from dialog.nlu.rules import RuleBasedIntents


@pytest.mark.parametrize("text", [
    "I want to make a formal complaint",
    "I want to make a formal complaint about the rude staff",
    "I'd like to file an official complaint",
    "how do I lodge a written complaint?",
    "I want to make a complaint",
])
def test_a_request_to_make_a_complaint_is_a_complaint(text: str) -> None:
    assert RuleBasedIntents().understand(text).intent == "complaint"


@pytest.mark.parametrize("text", ["where can I read about complaints?", "make a note of my complaint number", "is a complaint form online?"])
def test_complaint_named_in_other_words_is_no_complaint(text: str) -> None:
    assert RuleBasedIntents().understand(text).intent != "complaint"
