"""A transcript as a screen reader reads it: each speaker apart from their words, without changing how it looks."""

from __future__ import annotations

from datetime import datetime, timezone
from html.parser import HTMLParser
from types import SimpleNamespace

from assistant.store.review import StaffEntry
from ui.review_transcript import render_staff_entry, render_turn


class _Text(HTMLParser):
    """The text of some HTML as a screen reader gets it (hidden text included), with white space collapsed."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def read(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    return " ".join("".join(parser.parts).split())


def _turn(**changes):  # type: ignore[no-untyped-def]
    turn = SimpleNamespace(
        turn_no=1, user_text="Where is my order?", answer="It ships **today**.", handoff=False, abstained=False, error=None,
        sources=[], retrieved=[], timings_ms={}, created_at=datetime(2026, 12, 6, 9, 0, tzinfo=timezone.utc),
        intent="order_status", intent_confidence=0.9, action="answer", reason="", query=None, model=None, index_version=None,
    )
    vars(turn).update(changes)
    return SimpleNamespace(turn=turn, feedback=[], annotations=[])


def test_each_speaker_is_read_apart_from_their_words() -> None:
    # Before: "Turn 1 · customerWhere is my order?" and "assistantIt ships today."
    text = read(render_turn(_turn()))
    assert "Turn 1 · customer: Where is my order?" in text
    assert "assistant: It ships today." in text


def test_a_turns_flags_are_read_apart_from_the_speaker_and_the_words() -> None:
    # Before: "Turn 1 · customerhandoffabstainedWhere is my order?"
    text = read(render_turn(_turn(handoff=True, abstained=True)))
    assert "Turn 1 · customer, handoff, declined: Where is my order?" in text  # the list's word (it said "abstained")


def test_a_staff_reply_and_a_handoff_are_read_apart_from_their_words() -> None:
    at = datetime(2026, 12, 6, 9, 5, tzinfo=timezone.utc)
    reply = StaffEntry(after_turn=1, kind="agent", author="ana", text="Hi, Ana here.", at=at)
    handoff = StaffEntry(after_turn=1, kind="handoff", author="", text="The customer pressed the button", at=at)
    assert "ana · staff: Hi, Ana here." in read(render_staff_entry(reply))
    assert "Handed to a person: The customer pressed the button" in read(render_staff_entry(handoff))
