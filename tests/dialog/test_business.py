"""The business rules file and the registry of business actions."""

from __future__ import annotations

from datetime import date, datetime, timezone
from pathlib import Path

import pytest

from dialog.business import ActionResult, BusinessActions, demo_actions
from dialog.business_rules import RulesError, load_rules, parse_rules

REPO_ROOT = Path(__file__).resolve().parents[2]


def test_the_demo_rules_file_loads() -> None:
    rules = load_rules(REPO_ROOT / "demo" / "rules.yaml")

    assert "complaint" in rules.handoff_intents
    assert rules.handoff_topic("I think this is fraud").name == "fraud or a compromised account"
    assert rules.never_answer_topic("Can I sue you?").reply.startswith("I can't give legal advice")
    assert rules.never_answer_topic("I have an issue with my order") is None  # whole words only: not "sue"
    assert rules.out_of_scope("what's the weather like") == "weather"
    assert "Aero Kettle" in rules.products


def test_handoff_note_says_when_a_person_replies_outside_support_hours() -> None:
    rules = load_rules(REPO_ROOT / "demo" / "rules.yaml")
    tuesday_noon_et = datetime(2025, 3, 4, 17, 0, tzinfo=timezone.utc)
    sunday_et = datetime(2025, 3, 9, 15, 0, tzinfo=timezone.utc)

    assert rules.handoff_note(tuesday_noon_et) == ""
    note = rules.handoff_note(sunday_et)
    assert "Monday to Friday 08:00-20:00, Saturday 09:00-17:00 ET" in note
    assert note.endswith("when we open on Monday at 08:00 ET.")


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("handoff: [complaint]", "handoff must be a mapping"),
        ("surprise: 1", "unknown section(s) ['surprise']"),
        ("never_answer:\n  - topic: legal\n    keywords: [sue]", "never_answer[1] ('legal') needs a 'reply'"),
        ("never_answer:\n  - topic: legal\n    reply: no", "needs at least one keyword"),
        ("support_hours: {timezone: Mars/Olympus}", "unknown time zone 'Mars/Olympus'"),
        ("support_hours: {hours: {monday: 9-5}}", "support_hours.hours.monday must be 'HH:MM-HH:MM' or 'closed'"),
        ("support_hours: {hours: {funday: closed}}", "unknown day(s) ['funday']"),
        ("products: [1, 2]", "products must be a list of non-empty strings"),
        ("handoff: {intents: [a\n", "not valid YAML"),
    ],
)
def test_a_malformed_rules_file_is_a_clear_error(tmp_path: Path, text: str, problem: str) -> None:
    path = tmp_path / "rules.yaml"
    path.write_text(text, encoding="utf-8")

    with pytest.raises(RulesError) as caught:
        load_rules(path)

    assert str(caught.value).startswith(str(path)) and problem in str(caught.value)


def test_a_missing_or_empty_rules_file() -> None:
    with pytest.raises(RulesError, match="cannot read the rules file"):
        load_rules(Path("no-such-rules.yaml"))
    assert parse_rules(None).handoff_note(datetime.now(timezone.utc)) == ""


def test_registry_reads_slots_from_type_hints_and_converts_values() -> None:
    actions = BusinessActions()
    calls = []

    @actions.register(intents=["book"], prompts={"day": "Which day?"})
    def book_visit(day: date, people: int, note: str | None = None) -> ActionResult:
        calls.append((day, people, note))
        return ActionResult("booked")

    action = actions.for_intent("book")
    assert action is actions.get("book_visit")
    assert [(p.name, p.type, p.required) for p in action.parameters] == [
        ("day", date, True), ("people", int, True), ("note", str, False),
    ]
    assert [p.prompt for p in action.missing({"people": "2"})] == ["Which day?"]
    assert [p.name for p in action.missing({"day": "not a date", "people": "2"})] == ["day"]
    assert action({"day": "2025-03-04", "people": "2"}).text == "booked"
    assert calls == [(date(2025, 3, 4), 2, None)]


def test_a_parameter_type_that_cannot_be_a_slot_is_refused_at_registration() -> None:
    with pytest.raises(ValueError, match="slot parameters must be one of"):

        @BusinessActions().register()
        def bad(items: list) -> ActionResult:  # type: ignore[type-arg]
            return ActionResult("")


def test_demo_order_status(tmp_path: Path) -> None:
    orders = tmp_path / "orders.csv"
    orders.write_text("order_number,status,items,carrier,tracking,expected_delivery\nNW-00000001,Shipped,Lamp,UPS,1Z1,2025-03-06\n")
    action = demo_actions(orders).for_intent("order_status")

    found = action({"order_number": "nw-00000001"})
    missing = action({"order_number": "NW-99999999"})

    assert found.ok and found.text.startswith("Order NW-00000001 (Lamp) is **Shipped**. It is with UPS, tracking number 1Z1.")
    assert not missing.ok and missing.clear_slots == ("order_number",)
    assert action.missing({})[0].prompt.startswith("I can look that up. What is your order number?")
