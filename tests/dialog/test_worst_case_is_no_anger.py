""""Worst case" is no anger: "what's the worst case delivery time?" was handed to a person as frustration (the word
"worst" in FRUSTRATION), and with handoff_frustrated_questions off it got the offer meant for an upset customer."""

from __future__ import annotations

import pytest

from dialog.nlu.rules import FRUSTRATION, sounds_upset


@pytest.mark.parametrize("text", [
    "what's the worst case delivery time?",
    "What is the worst-case wait for a refund?",
    "in the worst case scenario, how long does a return take?",
    "what's the worst that can happen if I return it late?",
    "at worst, when will my parcel arrive?",
])
def test_worst_case_questions_are_not_frustration(text: str) -> None:
    assert not FRUSTRATION.search(text)
    assert not sounds_upset(text)


@pytest.mark.parametrize("text", [
    "this is the worst service ever",
    "worst bot I have ever used",
    "Worst. Shop. Ever.",
    "you are the worst",
])
def test_the_worst_said_of_the_service_is_still_frustration(text: str) -> None:
    assert FRUSTRATION.search(text)
