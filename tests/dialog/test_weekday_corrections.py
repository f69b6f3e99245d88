"""A booking's day corrected by its weekday right after the booking ("sorry, I meant Saturday", "what about next
Tuesday?") moves the booking, as "sorry, I meant Dec 30" does, however weakly the intent model reads it (probe F: a
clarifying question "Book repair / Rental", and a decline)."""

from __future__ import annotations

from datetime import date, datetime, timezone

import pytest

from assistant.app import Assistant
from dialog.business import ActionResult, BusinessActions, Say
from dialog.events import ActionExecuted
from dialog.manager import DialogManager
from dialog.nlu.base import Understanding
from dialog.nlu.combine import Understander
from dialog.nlu.entities import coming_weekday
from dialog.store import InMemoryStore

FRIDAY = datetime(2026, 12, 4, 12, 0, tzinfo=timezone.utc)
BOOK = "I want to book a service for my Trek on Friday"


class Unsure:
    """Reads the booking request as book_repair for certain, and a correction weakly, a little ahead of rental (as the
    probe's model read "sorry, I meant Saturday": book_repair 0.31, rental 0.18)."""

    name = "unsure"

    def understand(self, text: str) -> Understanding:
        if text == BOOK:
            return Understanding("book_repair", 0.95, ranking=(("book_repair", 0.95),), source="classifier")
        return Understanding("book_repair", 0.31, ranking=(("book_repair", 0.31), ("rental", 0.18)), source="classifier")


def workshop() -> BusinessActions:
    actions = BusinessActions()

    @actions.register(intents=["book_repair"], prompts={"bike_model": "Which bike is it?", "day": "Which day?"},
                      texts={"booked": "Booked your {bike_model} for {day}."})
    def book_repair(bike_model: str, day: date) -> ActionResult:
        return ActionResult(Say("booked", bike_model=bike_model, day=day.isoformat()), {"day": day})

    return actions


@pytest.mark.parametrize("correction", ["sorry, I meant Saturday", "what about next Tuesday?", "make it Wednesday instead?"])
def test_a_weekday_correction_moves_the_booking(assistant: Assistant, correction: str) -> None:
    dialog = DialogManager(InMemoryStore(), assistant.manager.answer_action, understander=Understander(Unsure()),
                           actions=workshop(), clock=lambda: FRIDAY)
    booked = dialog.handle(None, BOOK)

    moved = dialog.handle(booked.session_id, correction)

    day = coming_weekday(correction, FRIDAY.date())
    assert booked.text == "Booked your Trek for 2026-12-04."
    assert (moved.action, moved.text) == ("business", f"Booked your Trek for {day}.")
    runs = [e.arguments["day"] for e in dialog.tracker(booked.session_id).events if isinstance(e, ActionExecuted)]
    assert runs == ["2026-12-04", day]
