"""A business action watched for one turn (``BusinessAction.watched``) reports what its checks raised and what its
function returned, which the decision record names; the registry's own action keeps nothing of any turn."""

from __future__ import annotations

from dialog.actions import ActionOutcome, run_business_action
from dialog.business import ActionResult, BusinessActions, Say


def seats() -> BusinessActions:
    """A seat booking whose seat check fails on a seat of another form (a team's bug), and a function that returns
    a plain string for row 13 (no ``ActionResult``)."""
    actions = BusinessActions()

    def check_seat(value: str) -> Say | None:
        return None if int(value[:-1]) < 40 else "No such row."  # "A1": ValueError

    @actions.register(intents=["book_seat"], checks={"seat": check_seat})
    def book_seat(seat: str) -> ActionResult:
        return "booked" if seat.startswith("13") else ActionResult(f"Seat {seat} is yours.")  # type: ignore[return-value]

    return actions


def test_a_watched_action_reports_what_its_check_raised() -> None:
    action = seats().get("book_seat")
    assert action is not None
    watched = action.watched()

    assert watched.refused({"seat": "A1"}) == ["seat"]

    assert watched.seen is not None and watched.seen.check_errors == {"seat": "ValueError: invalid literal for int() with base 10: 'A'"}
    assert action.seen is None and watched.seen.returned == []  # the registry's action keeps nothing; the function did not run


def test_a_watched_action_reports_what_its_function_returned() -> None:
    action = seats().get("book_seat")
    assert action is not None
    watched = action.watched()

    assert watched({"seat": "12C"}).text == "Seat 12C is yours."

    assert watched.seen is not None and [r.text for r in watched.seen.returned] == ["Seat 12C is yours."]
    assert watched.seen.check_errors == {}


def test_the_turn_logs_a_run_that_returned_no_action_result_and_names_a_check_that_raised() -> None:
    action = seats().get("book_seat")
    assert action is not None

    ran = [step for step in run_business_action(action, {"seat": "13A"}) if isinstance(step, ActionOutcome)][0]
    asked = [step for step in run_business_action(action, {"seat": "A1"}) if isinstance(step, ActionOutcome)][0]

    assert ran.action == "fallback" and ran.events[0].result == {"returned": "booked"}
    assert asked.requested_slot == "seat" and asked.reason.endswith("(the check failed: ValueError: invalid literal for int() with base 10: 'A')")
    assert action.seen is None
