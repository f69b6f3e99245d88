"""The business rules file and the registry of business actions."""

from __future__ import annotations

import re
from datetime import date, datetime, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from assistant.app import Assistant, warn_unknown_intents
from assistant.config import load_settings
from dialog.business import DEMO_ORDERS, ActionResult, BusinessActions, OrdersError, check_orders, demo_actions, load_actions
from dialog.business_rules import RulesError, load_rules, parse_rules
from dialog.nlu.entities import EntityExtractor
from dialog.store import InMemoryStore

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


NIGHT_SHIFT = (
    "support_hours:\n  timezone: Europe/Berlin\n  label: Berlin time\n  hours:\n"
    + "".join(f"    {day}: '17:00-09:00'\n" for day in ("monday", "tuesday", "wednesday", "thursday", "friday"))
    + "    sunday: '22:00-06:00'\n"
)


@pytest.mark.parametrize(
    ("local", "note_ends"),
    [
        (datetime(2026, 12, 7, 18, 0), ""),  # Monday evening: the shift has begun
        (datetime(2026, 12, 8, 3, 0), ""),  # Tuesday night: Monday's shift, past midnight
        (datetime(2026, 12, 8, 8, 59), ""),
        (datetime(2026, 12, 8, 9, 0), "when we open on Tuesday at 17:00 Berlin time."),  # Monday's shift is over
        (datetime(2026, 12, 8, 12, 0), "when we open on Tuesday at 17:00 Berlin time."),
        (datetime(2026, 12, 12, 8, 0), ""),  # Saturday morning: Friday's shift into the week end
        (datetime(2026, 12, 12, 10, 0), "when we open on Sunday at 22:00 Berlin time."),
        (datetime(2026, 12, 14, 5, 0), ""),  # Monday early: Sunday's shift, across the week's end
        (datetime(2026, 12, 14, 6, 0), "when we open on Monday at 17:00 Berlin time."),
    ],
)
def test_support_hours_past_midnight_are_a_night_shift_into_the_next_day(tmp_path: Path, local: datetime, note_ends: str) -> None:
    path = tmp_path / "rules.yaml"
    path.write_text(NIGHT_SHIFT, encoding="utf-8")
    rules = load_rules(path)
    now = local.replace(tzinfo=ZoneInfo("Europe/Berlin")).astimezone(timezone.utc)

    note = rules.handoff_note(now)

    assert note.endswith(note_ends) if note_ends else note == ""
    if note_ends:
        assert "Monday to Friday 17:00-09:00, Sunday 22:00-06:00 Berlin time" in note


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("support_hours: {timezone: UTC, hours: {monday: '09:00-09:00'}}", "starts and ends at the same time; for the whole day write '00:00-24:00'"),
        ("handoff: [complaint]", "handoff must be a mapping"),
        ("surprise: 1", "unknown section(s) ['surprise']"),
        ("never_answer:\n  - topic: legal\n    keywords: [sue]", "never_answer[1] ('legal') needs a 'reply'"),
        ("never_answer:\n  - topic: legal\n    reply: no", "needs at least one keyword"),
        ("support_hours: {timezone: Mars/Olympus}", "unknown time zone 'Mars/Olympus'"),
        ("support_hours: {timezone: UTC, hours: {monday: 9-5}}", "support_hours.hours.monday must be 'HH:MM-HH:MM' or 'closed'"),
        ("support_hours: {timezone: UTC, hours: {funday: closed}}", "unknown day(s) ['funday']"),
        # a schedule that would make every handoff say "not working right now ()"; a zone silently UTC
        ("support_hours: {timezone: Europe/Berlin}", "support_hours.hours: no day has hours"),
        ("support_hours: {timezone: UTC, hours: {monday: Closed, tuesday: closed}}", "support_hours.hours: no day has hours"),
        ("support_hours: {hours: {monday: '09:00-17:00'}}", "support_hours needs a timezone, e.g. America/New_York (or UTC)"),
        ("products: [1, 2]", "products must be a list of non-empty strings"),
        ("handoff: {intents: [a\n", "not valid YAML"),
        # misspelt keys inside a section used to be skipped: no handoff intents, a schedule closed all week
        ("handoff: {intent: [warranty]}", "handoff: unknown key(s) ['intent'] (intent: did you mean intents?); known: intents, topics"),
        ("support_hour: {timezone: UTC}", "unknown section(s) ['support_hour'] (support_hour: did you mean support_hours?); known: handoff"),
        ("handoff: {intents: [a]}\nproducts: [b\n", 'rules.yaml", line 2'),  # the file, not "<unicode string>"
        ("out_of_scope: {keyword: [weather]}", "out_of_scope: unknown key(s) ['keyword']"),
        ("support_hours: {timezone: UTC, hour: {monday: closed}}", "support_hours: unknown key(s) ['hour']"),
        ("handoff:\n  topics:\n    - {topic: crash, keyword: [accident]}", "handoff.topics[1]: unknown key(s) ['keyword']"),
        ("never_answer:\n  - {topic: legal, keywords: [sue], replies: no}", "never_answer[1]: unknown key(s) ['replies']"),
        ("handoff: {intents: [warranty]}\nhandoff: {intents: [human]}", "'handoff' is given twice in one mapping"),
        # contradictions: only the first place would ever apply
        ("handoff: {topics: [{topic: crash, keywords: [Accident]}]}\nnever_answer: [{topic: med, keywords: [accident], reply: r}]",
         "the keyword 'accident' is in handoff topic 'crash' and in never_answer topic 'med', which do different things"),
        ("never_answer: [{topic: a, keywords: [sue], reply: x}, {topic: b, keywords: [sue], reply: y}]", "is in never_answer topic 'a' and in never_answer topic 'b'"),
        ("never_answer: [{topic: a, keywords: [bitcoin], reply: x}]\nout_of_scope: {keywords: [bitcoin]}", "is in never_answer topic 'a' and in out_of_scope"),
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


def test_a_relative_path_that_is_missing_names_the_working_folder_it_was_looked_for_in(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Relative paths in a config file named by ASSISTANT_CONFIG are read from the working folder, not the file's."""
    monkeypatch.chdir(tmp_path)
    with pytest.raises(RulesError) as rules:
        load_rules(Path("rules.yaml"))
    with pytest.raises(OrdersError) as orders:
        check_orders(Path("orders.csv"))

    assert f"cannot read the rules file rules.yaml (looked for in the working folder {tmp_path})" in str(rules.value)
    assert f"cannot read the orders file orders.csv (looked for in the working folder {tmp_path})" in str(orders.value)
    with pytest.raises(RulesError) as absolute:
        load_rules(tmp_path / "rules.yaml")
    assert "working folder" not in str(absolute.value)


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
    orders.write_text(
        "order_number,email,status,items,carrier,tracking,expected_delivery\n"
        "NW-00000001,Jo@Example.com,Shipped,Lamp,UPS,1Z1,2025-03-06\n"
    )
    action = demo_actions(orders).for_intent("order_status")

    found = action({"order_number": "nw-00000001", "email": "jo@example.com"})
    missing = action({"order_number": "NW-99999999", "email": "jo@example.com"})

    assert found.ok and action.reply(found).startswith("Order NW-00000001 (Lamp) is **Shipped**. It is with UPS, tracking number 1Z1.")
    assert not missing.ok and missing.clear_slots == ("order_number", "email")
    assert action.missing({})[0].prompt.startswith("I can look that up. What is your order number?")
    assert [p.name for p in action.missing({"order_number": "NW-00000001"})] == ["email"]


def test_an_order_is_shown_only_with_the_e_mail_address_it_was_placed_with(tmp_path: Path) -> None:
    """Order numbers run in sequence: a number alone must not show someone else's items and tracking number,
    and a wrong address reads exactly like an unknown number, so replies do not tell which orders exist."""
    orders = tmp_path / "orders.csv"
    orders.write_text("order_number,email,status,items,carrier,tracking\nNW-00000001,jo@example.com,Shipped,Lamp,UPS,1Z1\n")
    action = demo_actions(orders).for_intent("order_status")

    stranger = action({"order_number": "NW-00000001", "email": "eve@example.com"})
    unknown = action({"order_number": "NW-00000002", "email": "eve@example.com"})
    redacted = action.missing({"order_number": "NW-00000001", "email": "[EMAIL]"})  # as replayed from the log

    assert not stranger.ok and not any(word in action.reply(stranger) for word in ("Shipped", "Lamp", "UPS", "1Z1"))
    assert action.reply(stranger).replace("00000001", "00000002") == action.reply(unknown) and stranger.data == unknown.data
    assert stranger.clear_slots == unknown.clear_slots == ("order_number", "email")
    assert [p.name for p in redacted] == ["email"]  # an address given in an earlier turn is asked for again


# -- a shop's own order table and order numbers --------------------------------------------------


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ("order_number;status;email\nAB-1001;Shipped;a@b.c\n", "no order_number, status or email column (columns must be separated by commas)"),
        ("order_number,status\nAB-1001,Shipped\n", "no email column; its header is: order_number,status"),
        ("order_number,status,email\nAB-1001\nAB-1002,Shipped,x\n", "rows without exactly 3 fields (quote values that contain commas) on line(s) 2"),
        ('order_number,status,email\n"AB-1001,Shipped,a@b.c\nAB-1002,Shipped,a@b.c\n', "rows without exactly 3 fields"),
        ("order_number,status,email\nAB-1001,,a@b.c\n,Shipped,a@b.c\nAB-1003,Shipped,\n", "rows without an order_number, status or email on line(s) 2, 3, 4"),
    ],
)
def test_a_malformed_order_table_is_refused_at_start_up(tmp_path: Path, content: str, problem: str) -> None:
    path = tmp_path / "orders.csv"
    path.write_text(content, encoding="utf-8")

    with pytest.raises(OrdersError) as caught:
        check_orders(path)

    assert str(path) in str(caught.value) and problem in str(caught.value)


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ("order_number,email,status\nNW-00000001,jo@example.com\n", "line 2 does not have exactly 3 fields"),
        ("order_number,email,status\nNW-00000001,jo@example.com,Shipped,oops\n", "line 2 does not have exactly 3 fields"),
        ("order_number,email\nNW-00000001,jo@example.com\n", "has no status column"),
        ("order_number,email,status\nNW-00000001,jo@example.com,\n", "line 2 has no order_number, status or email"),
    ],
)
def test_an_order_table_broken_after_start_up_fails_the_lookup_with_what_is_wrong(tmp_path: Path, content: str, problem: str) -> None:
    orders = tmp_path / "orders.csv"
    orders.write_text("order_number,email,status\nNW-00000001,jo@example.com,Shipped\n", encoding="utf-8")
    action = demo_actions(orders).for_intent("order_status")
    orders.write_text(content, encoding="utf-8")  # edited while the server runs

    with pytest.raises(OrdersError) as caught:
        action({"order_number": "NW-00000001", "email": "jo@example.com"})

    assert str(orders) in str(caught.value) and problem in str(caught.value)


def test_an_order_table_saved_by_excel_with_a_byte_order_mark_is_read(tmp_path: Path) -> None:
    path = tmp_path / "orders.csv"
    path.write_text("order_number,status,email\nNW-00000001,Shipped,jo@example.com\n", encoding="utf-8-sig")

    check_orders(path)
    assert demo_actions(path).for_intent("order_status")({"order_number": "NW-00000001", "email": "jo@example.com"}).ok


def test_order_numbers_the_assistant_would_not_recognise_are_refused_with_the_setting_to_fix_it(tmp_path: Path) -> None:
    path = tmp_path / "orders.csv"
    path.write_text("order_number,status,email\nAB-1001,Shipped,jo@example.com\n", encoding="utf-8")
    northwind, acme = EntityExtractor(), EntityExtractor(order_numbers=r"AB-\d{4}")

    with pytest.raises(OrdersError, match=r"would not recognise in a message, e\.g\. 'AB-1001' \(line 2\): set order_number_pattern"):
        check_orders(path, lambda number: northwind.order_numbers(number) == [number.upper()])
    check_orders(path, lambda number: acme.order_numbers(number) == [number.upper()])


def test_an_orders_file_with_blanks_after_its_commas_is_looked_up_as_it_was_checked(tmp_path: Path) -> None:
    path = tmp_path / "orders.csv"
    path.write_text("order_number, status, email\nNW-20481736, Shipped, jo@example.com\n", encoding="utf-8")  # read as 'status'
    check_orders(path)

    action = demo_actions(path).get("order_status")
    result = action({"order_number": "NW-20481736", "email": "jo@example.com"})

    assert result.ok and "**Shipped**" in action.reply(result)


def test_a_shops_own_order_numbers_are_recognised_and_looked_up(assistant: Assistant, tmp_path: Path) -> None:
    orders = tmp_path / "acme-orders.csv"
    orders.write_text("order_number,status,items,email\nAB-1001,Shipped,Trail 29er,jo@example.com\n", encoding="utf-8")
    app = Assistant(assistant.settings.model_copy(update={"orders_file": orders, "order_number_pattern": r"AB-\d{4}"}))
    manager = app.build_manager(InMemoryStore())

    asked = manager.handle(None, "Where is my order?")
    manager.handle(asked.session_id, "it's ab-1001")
    found = manager.handle(asked.session_id, "jo@example.com")
    unknown = manager.handle(None, "Where is my order AB-9999? I'm jo@example.com")

    assert asked.requested_slot == "order_number" and "NW-" not in asked.text
    assert found.action == "business" and found.slots["order_number"] == "AB-1001" and "**Shipped**" in found.text
    assert app.understander.extractor.extract("call 5551234567 about AB-1001") == {"order_number": "AB-1001", "phone": "5551234567"}
    assert unknown.text.startswith("I couldn't find an order AB-9999") and "NW-" not in unknown.text


def test_a_shops_own_order_numbers_without_its_orders_file_are_not_looked_up_in_the_demos(
    assistant: Assistant, caplog: pytest.LogCaptureFixture
) -> None:
    """The demo's table holds Northwind's numbers only: with the shop's pattern every lookup would fail."""
    app = Assistant(assistant.settings.model_copy(update={"orders_file": None, "order_number_pattern": r"AB-\d{4}"}))
    with caplog.at_level("WARNING"):
        manager = app.build_manager(InMemoryStore())

    result = manager.handle(None, "Where is my order AB-1001? I'm jo@example.com")

    assert result.action != "business" and "couldn't find an order" not in result.text
    assert app.business_actions.for_intent("order_status") is None
    assert "no orders_file: the built-in order-status lookup is off (order_number_pattern is set" in caplog.text


def test_a_shops_own_help_centre_without_an_orders_file_gets_no_lookup_in_the_demos_orders(
    assistant: Assistant, caplog: pytest.LogCaptureFixture
) -> None:
    """Another help centre than the bundled demo's (the fixture's), no orders_file: the Northwind orders of
    demo/orders.csv are not this shop's, so an order question is not looked up, and start-up says how to turn it on."""
    app = Assistant(assistant.settings.model_copy(update={"orders_file": None}))
    with caplog.at_level("WARNING"):
        manager = app.build_manager(InMemoryStore())

    asked = manager.handle(None, "Where is my order?")
    numbered = manager.handle(None, "Where is my order NW-20481736? I'm jane.doe@example.com")

    assert app.business_actions.actions == {}
    assert asked.action != "business" and "NW-" not in asked.text
    assert numbered.action != "business" and "Shipped" not in numbered.text and "Aero Kettle" not in numbered.text
    assert f"the index in {app.settings.index_dir} is not the bundled demo's help centre" in caplog.text
    assert "set orders_file to your order table" in caplog.text
    german = Assistant(app.settings.model_copy(update={"replies_file": REPO_ROOT / "demo" / "replies.de.yaml"}))
    assert german.replies.page_language == "de"  # a replies file with the lookup's keys (order_status.*) still loads


def test_a_team_without_orders_turns_the_lookup_off_and_is_not_warned(
    assistant: Assistant, caplog: pytest.LogCaptureFixture
) -> None:
    """order_lookup = false: a team with no orders (a software company) gets no lookup and no warning, which every
    start-up and CLI command with a replies file logged and nothing could silence."""
    app = Assistant(assistant.settings.model_copy(update={"orders_file": REPO_ROOT / "demo" / "orders.csv", "order_lookup": False}))
    with caplog.at_level("INFO"):
        manager = app.build_manager(InMemoryStore())

    numbered = manager.handle(None, "Where is my order NW-20481736? I'm jane.doe@example.com")

    assert app.business_actions.actions == {}
    assert numbered.action != "business" and "Shipped" not in numbered.text
    assert "orders_file" not in caplog.text


def test_the_demo_help_centre_looks_up_the_demos_orders_without_an_orders_file(settings, tmp_path: Path) -> None:
    """The index built from the bundled demo/knowledge_base (as `make demo` builds it) is the demo: its lookup runs on
    demo/orders.csv. Files staff uploaded beside it do not change that."""
    from assistant.app import DEMO_KNOWLEDGE_BASE
    from retrieval.ingest import ingest

    app = Assistant(settings.model_copy(update={"orders_file": None}))
    ingest([DEMO_KNOWLEDGE_BASE / "shipping"], app.embedder, settings.index_dir)
    uploads = settings.data_dir / "uploads"
    uploads.mkdir(parents=True)
    (uploads / "note.md").write_text("# Gift wrapping\n\nGift wrapping costs 3 euros.\n", encoding="utf-8")
    ingest([uploads], app.embedder, settings.index_dir)
    manager = app.build_manager(InMemoryStore())

    found = manager.handle(None, "Where is my order NW-20481736? I'm jane.doe@example.com")

    assert found.action == "business" and "**Shipped**" in found.text


@pytest.mark.parametrize(("pattern", "problem"), [("AB-(", "is not a valid regular expression"), (r"\d*", "matches an empty text")])
def test_an_unusable_order_number_pattern_is_a_settings_error(isolated, pattern: str, problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        load_settings(order_number_pattern=pattern)


def test_an_intent_nothing_can_predict_is_warned_about_at_start_up(caplog: pytest.LogCaptureFixture) -> None:
    class Model:
        labels = ["warranty", "book_repair", "oos"]

    rules = parse_rules({"handoff": {"intents": ["complaint", "warranty", "warranties"]}}, "rules.yaml")
    actions = BusinessActions()

    @actions.register(intents=["book_repair", "book_a_repair"])
    def book(bike_model: str) -> ActionResult:
        return ActionResult("booked")

    with caplog.at_level("WARNING"):
        assert warn_unknown_intents(rules, actions, Model()) == ["warranties", "book_a_repair"]
        assert warn_unknown_intents(parse_rules({"handoff": {"intents": ["oos"]}}), BusinessActions(), Model()) == ["oos"]
        assert warn_unknown_intents(rules, BusinessActions(), None) == ["warranty", "warranties"]
    assert "rules.yaml: handoff intent(s) warranties are not intents of the keyword rules or the intent model" in caplog.text
    assert "business action book: intent(s) book_a_repair are not intents of the keyword rules or the intent model" in caplog.text
    assert "warranty, warranties are not intents of the keyword rules (no intent model is loaded)" in caplog.text


ACME_ACTIONS = '''
from dialog.business import ActionResult, BusinessActions

actions = BusinessActions()


@actions.register(intents=["book_repair"], prompts={"bike_model": "Which bike is it?"})
def book_repair(bike_model: str) -> ActionResult:
    return ActionResult(f"Booked your {bike_model}.")


@actions.register(intents=["order_status"])
def order_status(order_number: str) -> ActionResult:
    return ActionResult("Acme's own lookup.")


def make_actions():
    return actions
'''


@pytest.mark.parametrize("name", ["actions", "make_actions"])
def test_a_shops_own_actions_come_from_the_business_actions_setting(settings, tmp_path: Path, name: str) -> None:
    (tmp_path / "acme_actions.py").write_text(ACME_ACTIONS, encoding="utf-8")
    own = f"{tmp_path / 'acme_actions.py'}:{name}"
    app = Assistant(settings.model_copy(update={"business_actions": own, "orders_file": DEMO_ORDERS}))

    actions = app.business_actions

    assert actions.for_intent("book_repair").name == "book_repair"
    assert actions.for_intent("order_status")({"order_number": "NW-20481736"}).text == "Acme's own lookup."  # theirs wins
    assert sorted(actions.actions) == ["book_repair", "cancel_order", "order_status"]  # the demo's reply to a cancel request kept
    without_orders = Assistant(settings.model_copy(update={"business_actions": own, "orders_file": None}))  # no index: not the demo
    assert sorted(without_orders.business_actions.actions) == ["book_repair", "order_status"]


def test_a_shops_actions_file_may_define_dataclasses(tmp_path: Path) -> None:
    """A file loaded by path is a module like an imported one: dataclasses look their module up in sys.modules."""
    (tmp_path / "bikes.py").write_text(
        "from __future__ import annotations\n"
        "from dataclasses import dataclass\n"
        "from dialog.business import ActionResult, BusinessActions\n"
        "actions = BusinessActions()\n"
        "@dataclass\n"
        "class Bike:\n"
        "    model: str\n"
        "@actions.register(intents=['book_repair'])\n"
        "def book_repair(bike_model: str) -> ActionResult:\n"
        "    return ActionResult(f'Booked your {Bike(bike_model).model}.')\n",
        encoding="utf-8",
    )

    actions = load_actions(f"{tmp_path / 'bikes.py'}:actions")

    assert actions.for_intent("book_repair")({"bike_model": "Trail 29er"}).text == "Booked your Trail 29er."


@pytest.mark.parametrize(
    ("spec", "problem"),
    [
        ("acme_actions.py", "give the file or module and the registry's name"),
        ("nope.py:actions", "cannot load nope.py (FileNotFoundError: no such file"),
        ("acme_actions.py:registry", "registry in acme_actions.py is not a BusinessActions registry"),
        ("broken.py:actions", "cannot load broken.py (SyntaxError"),
        ("no_such_module_xyz:actions", "cannot load no_such_module_xyz (ModuleNotFoundError"),
    ],
)
def test_business_actions_that_cannot_be_loaded_are_a_clear_error(settings, tmp_path: Path, spec: str, problem: str) -> None:
    (tmp_path / "acme_actions.py").write_text(ACME_ACTIONS, encoding="utf-8")
    (tmp_path / "broken.py").write_text("def oops(:\n", encoding="utf-8")

    with pytest.raises(ValueError, match=re.escape(problem)):
        Assistant(settings.model_copy(update={"business_actions": spec})).business_actions


def test_a_rules_file_that_is_not_utf8_names_the_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "rules.yaml"
    path.write_bytes("products: [Trail 29er]\nout_of_scope: {keywords: [Fahrräder]}\n".encode("latin-1"))

    with pytest.raises(RulesError, match=re.escape(f"{path}: not UTF-8 text (byte 0xe4 on line 2)")):
        load_rules(path)


def test_a_demo_index_built_in_another_checkout_still_looks_up_the_demos_orders(settings, tmp_path: Path) -> None:
    """An index built from the demo help centre at another path (another checkout, a moved folder) records that path:
    its files hold the demo's articles as they are here, so it is still the demo and its lookup runs without an
    orders_file. A copy with an article of the shop's own is not the demo."""
    import shutil

    from assistant.app import DEMO_KNOWLEDGE_BASE, indexes_the_demo
    from retrieval.ingest import ingest

    elsewhere = shutil.copytree(DEMO_KNOWLEDGE_BASE / "shipping", tmp_path / "other-checkout" / "demo" / "knowledge_base" / "shipping")
    app = Assistant(settings.model_copy(update={"orders_file": None}))
    ingest([elsewhere], app.embedder, settings.index_dir)
    manager = app.build_manager(InMemoryStore())

    found = manager.handle(None, "Where is my order NW-20481736? I'm jane.doe@example.com")

    assert found.action == "business" and "**Shipped**" in found.text
    (elsewhere / "bikes.md").write_text("# Bike repairs\n\nWe repair bikes within two days.\n", encoding="utf-8")
    ingest([elsewhere], app.embedder, settings.index_dir)
    assert not indexes_the_demo(settings.index_dir, settings.data_dir / "uploads")


def test_the_whole_demo_with_an_article_of_ones_own_still_looks_up_the_demos_orders(settings, tmp_path: Path) -> None:
    """Trying the demo with one article more (an ops probe added one to the demo's index) turned its order lookup off
    at the next start ("no orders_file"). An index that holds every demo article is the demo, whatever it adds."""
    import shutil

    from assistant.app import DEMO_KNOWLEDGE_BASE, indexes_the_demo
    from retrieval.ingest import ingest

    demo = shutil.copytree(DEMO_KNOWLEDGE_BASE, tmp_path / "elsewhere" / "knowledge_base")
    own = tmp_path / "own"
    own.mkdir()
    (own / "zebra-club.md").write_text("# Zebra club\n\nMembers get a striped mug.\n", encoding="utf-8")
    app = Assistant(settings.model_copy(update={"orders_file": None}))
    ingest([demo, own], app.embedder, settings.index_dir)

    assert indexes_the_demo(settings.index_dir, settings.data_dir / "uploads")
