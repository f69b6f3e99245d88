"""A shop's own business action, as docs/dialog.md shows one (a workshop booking with a bike and a day):
whole turns through the DialogManager, stored in the SQL conversation log as a server stores them."""

from __future__ import annotations

from datetime import date, datetime, timezone

from assistant.app import Assistant
from dialog.business import ActionResult, BusinessActions, Say
from dialog.events import ActionExecuted
from dialog.manager import DialogManager
from dialog.nlu.base import Understanding
from dialog.nlu.combine import Understander
from dialog.store import InMemoryStore

FRIDAY = datetime(2026, 12, 4, 12, 0, tzinfo=timezone.utc)


class Guesses:
    """A stand-in intent model: ``intents`` maps a message to its intent; anything else is ``default``."""

    name = "guesses"

    def __init__(self, intents: dict[str, str], default: str = "question") -> None:
        self.intents, self.default = intents, default

    def understand(self, text: str) -> Understanding:
        intent = self.intents.get(text, self.default)
        return Understanding(intent, 0.9, ranking=((intent, 0.9),), source="classifier")


def workshop(full: tuple[date, ...] = ()) -> BusinessActions:
    """The docs' example: book a repair for a bike on a day; the data names the day as a ``date``."""
    actions = BusinessActions()

    @actions.register(
        intents=["book_repair"],
        prompts={"bike_model": "Which bike is it?", "day": "Which day?"},
        texts={"booked": "Booked your {bike_model} for {day}.", "full": "Sorry, {day} is fully booked."},
    )
    def book_repair(bike_model: str, day: date) -> ActionResult:
        if day in full:
            return ActionResult(Say("full", day=day.isoformat()), {"day": day}, ok=False, clear_slots=("day",))
        return ActionResult(Say("booked", bike_model=bike_model, day=day.isoformat()), {"day": day, "slots": {1: day}})

    return actions


def test_a_result_whose_data_json_cannot_hold_is_stored_with_the_turn(assistant: Assistant) -> None:
    # a date in ActionResult.data failed the save of the turn after the customer had read "Booked …": the
    # turn was lost, and `assistant chat` and the HTTP stream stopped with a traceback
    intents = Understander(Guesses({"I want to book a repair": "book_repair"}))
    dialog = DialogManager(assistant.store, assistant.manager.answer_action, understander=intents, actions=workshop(), clock=lambda: FRIDAY)
    asked = dialog.handle(None, "I want to book a repair")
    dialog.handle(asked.session_id, "Trek Domane")

    booked = dialog.handle(asked.session_id, "2026-12-10")

    assert booked.text == "Booked your Trek Domane for 2026-12-10."
    ran = [e for e in dialog.tracker(asked.session_id).events if isinstance(e, ActionExecuted)]
    assert [(e.name, e.result, e.ok) for e in ran] == [("book_repair", {"day": "2026-12-10", "slots": {"1": "2026-12-10"}}, True)]
    assert [t.answer for t in assistant.store.turns(asked.session_id)] == [booked.text, "Which day?", "Which bike is it?"]


def test_an_action_that_returns_no_action_result_is_named_in_the_decision_record(assistant: Assistant) -> None:
    actions = BusinessActions()

    @actions.register(intents=["book_repair"])
    def book_repair(bike_model: str) -> ActionResult:
        return f"Booked your {bike_model}."  # type: ignore[return-value]

    intents = Understander(Guesses({"book a repair for my Brompton": "book_repair"}))
    dialog = DialogManager(InMemoryStore(), assistant.manager.answer_action, understander=intents, actions=actions)
    asked = dialog.handle(None, "book a repair for my Brompton")
    result = dialog.handle(asked.session_id, "Brompton")

    assert (result.action, result.text) == ("fallback", dialog.replies.lookup_failed)
    assert "business action book_repair returned str, not an ActionResult" in result.reason
