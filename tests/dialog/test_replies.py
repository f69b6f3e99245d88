"""A team's own fixed replies (replies_file): every key it sets is used, every mistake is refused at start-up."""

from __future__ import annotations

import re
from datetime import date, datetime, timezone
from pathlib import Path

import pytest

from assistant.app import Assistant
from assistant.config import load_settings
from conftest import HASH_MIN_SCORE, REPO_ROOT
from dialog.actions import run_business_action
from dialog.business import ActionResult, BusinessActions, Say, demo_actions
from dialog.business_rules import parse_rules
from dialog.manager import DialogManager, InvalidMessage
from dialog.nlu.combine import Understander
from dialog.handoff_cancel import takes_back_handoff
from dialog.replies import KEYS, Replies, RepliesError, intent_keys, language_keys, load_replies, parse_replies, with_translations
from retrieval.ingest import ingest

GERMAN = """\
greet: "Hallo! Wie kann ich helfen?"
not_found: "Dazu habe ich nichts gefunden. Soll ich Sie mit unserem Team verbinden?"
handoff: "Ich verbinde Sie mit unserem Team."
outside_hours: "Wir sind gerade nicht da ({hours}); wir antworten am {opening}."
clarify: "Welches meinen Sie?"
"""
RULES = {"support_hours": {"timezone": "UTC", "hours": {"monday": "09:00-17:00"}}}
SATURDAY = datetime(2026, 12, 5, 12, 0, tzinfo=timezone.utc)


def german_assistant(tmp_path: Path, kb_dir: Path) -> Assistant:
    replies = tmp_path / "replies.yaml"
    replies.write_text(GERMAN, encoding="utf-8")
    settings = load_settings(
        data_dir=tmp_path / "data", embedder="hash", generator="scripted", answer_mode="extractive",
        min_retrieval_score=HASH_MIN_SCORE, replies_file=replies,
    )
    app = Assistant(settings)
    ingest([kb_dir], app.embedder, settings.index_dir)
    return app


def test_the_replies_a_team_sets_are_what_customers_read(tmp_path: Path, kb_dir: Path) -> None:
    app = german_assistant(tmp_path, kb_dir)
    manager = app.manager

    assert manager.handle(None, "hello").text == "Hallo! Wie kann ich helfen?"
    declined = manager.handle(None, "xylophone quantum zebra")
    assert declined.abstained and declined.text == "Dazu habe ich nichts gefunden. Soll ich Sie mit unserem Team verbinden?"
    assert manager.handle(None, "thanks").text == Replies().thanks  # a key the file does not set keeps its default

    closed = DialogManager(
        manager.store, manager.answer_action, rules=parse_rules(RULES), clock=lambda: SATURDAY, replies=app.replies
    )
    handed = closed.handle(None, "I want to talk to a human")
    assert handed.handoff
    assert handed.text == "Ich verbinde Sie mit unserem Team. Wir sind gerade nicht da (Monday 09:00-17:00 UTC); wir antworten am Monday at 09:00 UTC."


def test_the_default_replies_are_the_built_in_english_ones(tmp_path: Path) -> None:
    empty = tmp_path / "replies.yaml"
    empty.write_text("# nothing changed yet\n", encoding="utf-8")

    assert load_replies(empty) == Replies()
    assert Replies().small_talk("greet").startswith("Hello!") and Replies().small_talk("no_such_intent") == Replies().greet
    assert {"not_found", "handoff", "outside_hours", "greet", "human_offer"} <= set(KEYS)


@pytest.mark.parametrize(
    "content, message",
    [
        ("gret: Hallo\n", "unknown key(s) ['gret'] (gret: did you mean greet?); docs/dialog.md lists every key"),
        ("not_fund: Nichts gefunden\n", "unknown key(s) ['not_fund'] (not_fund: did you mean not_found"),
        ("greet: ''\n", "greet must be a non-empty text"),
        ("greet: [Hallo]\n", "greet must be a non-empty text, not ['Hallo']"),
        ("- greet: Hallo\n", "expected keys with texts"),
        ("greet: Hallo\ngreet: Servus\n", "'greet' is given twice"),
        ("outside_hours: 'closed until {opening_time}'\n", "outside_hours may use {hours}, {opening}, not ['opening_time']"),
        ("outside_hours: 'closed {'\n", "outside_hours: Single '{' encountered"),
        ("greet: [unclosed\n", "not valid YAML"),
    ],
)
def test_a_mistake_in_the_replies_file_is_named_with_the_file(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "replies.yaml"
    path.write_text(content, encoding="utf-8")

    with pytest.raises(RepliesError) as raised:
        load_replies(path)
    assert str(raised.value).startswith(str(path)) and message in str(raised.value)


def test_an_unknown_key_is_told_with_the_nearest_keys_not_every_key(tmp_path: Path) -> None:
    path = tmp_path / "replies.yaml"
    path.write_text("not_fund: Nichts gefunden\nhuman_ofer: Mensch?\n", encoding="utf-8")

    with pytest.raises(RepliesError) as raised:
        load_replies(path)

    message = str(raised.value)
    assert "not_fund: did you mean not_found" in message and "human_ofer: did you mean human_offer?" in message
    assert "bot_challenge" not in message and "help_centre_title" not in message  # not the ~150 keys


def test_invalid_yaml_in_the_replies_file_names_the_file_where_it_is_wrong(tmp_path: Path) -> None:
    path = tmp_path / "replies.yaml"
    path.write_text("greet: Hallo\nthanks: [unclosed\n", encoding="utf-8")

    with pytest.raises(RepliesError) as raised:
        load_replies(path)

    assert f'in "{path}", line 2' in str(raised.value) and "<unicode string>" not in str(raised.value)


def test_a_replies_file_that_is_not_utf8_or_missing_says_so(tmp_path: Path) -> None:
    latin = tmp_path / "replies.yaml"
    latin.write_bytes("greet: Grüß Gott\n".encode("latin-1"))

    with pytest.raises(RepliesError, match=r"not UTF-8 text \(byte 0xfc on line 1\); save it as UTF-8"):
        load_replies(latin)
    with pytest.raises(RepliesError, match="cannot read the replies file"):
        load_replies(tmp_path / "missing.yaml")


def test_a_broken_replies_file_stops_the_app_before_any_conversation(tmp_path: Path) -> None:
    broken = tmp_path / "replies.yaml"
    broken.write_text("handof: Moment bitte\n", encoding="utf-8")
    app = Assistant(load_settings(data_dir=tmp_path / "data", embedder="hash", generator="scripted", replies_file=broken))

    with pytest.raises(RepliesError, match="unknown key"):
        app.manager


# -- every text a customer sees: lists, placeholders per key, the business actions' own keys ------------------

ACME_ACTIONS = '''
from dialog.business import ActionResult, BusinessActions, Say

actions = BusinessActions()


@actions.register(
    intents=["book_repair"], prompts={"bike_model": "Which bike is it?"},
    texts={"booked": "Booked your {bike_model}.", "full": "We are fully booked."},
)
def book_repair(bike_model: str) -> ActionResult:
    if bike_model == "tandem":
        return ActionResult(Say("full"), ok=False)
    return ActionResult(Say("booked", bike_model=bike_model))
'''
ACME_REPLIES = """\
book_repair.bike_model: "Welches Fahrrad ist es?"
book_repair.booked: "Ihr {bike_model} ist gebucht."
intent.book_repair: "Eine Reparatur buchen"
"""


def acme_assistant(tmp_path: Path, replies: str) -> Assistant:
    (tmp_path / "acme_actions.py").write_text(ACME_ACTIONS, encoding="utf-8")
    (tmp_path / "replies.yaml").write_text(replies, encoding="utf-8")
    return Assistant(load_settings(
        data_dir=tmp_path / "data", embedder="hash", generator="scripted", replies_file=tmp_path / "replies.yaml",
        business_actions=f"{tmp_path / 'acme_actions.py'}:actions",
    ))


def test_a_business_actions_own_prompts_and_texts_are_keys_of_the_replies_file(tmp_path: Path) -> None:
    app = acme_assistant(tmp_path, ACME_REPLIES)
    action = app.business_actions.get("book_repair")

    def reply(slots: dict[str, str]) -> str:
        return next(step for step in run_business_action(action, slots, app.replies) if isinstance(step, str))

    assert reply({}) == "Welches Fahrrad ist es?"
    assert reply({"bike_model": "Brompton"}) == "Ihr Brompton ist gebucht."
    assert reply({"bike_model": "tandem"}) == "We are fully booked."  # a text the file does not set keeps the action's default
    assert app.replies.intent_label("book_repair") == "Eine Reparatur buchen"
    assert reply({"bike_model": "Brompton"}) != next(
        step for step in run_business_action(action, {"bike_model": "Brompton"}) if isinstance(step, str)
    )  # without the file: the action's own English


@pytest.mark.parametrize(
    "content, message",
    [
        ("book_repair.bike: Fahrrad?\n", "unknown key(s) ['book_repair.bike']"),
        ("book_repair.booked: 'Gebucht: {bike}'\n", "book_repair.booked may use {bike_model}, not ['bike']"),
        ("intent.book_repairs: Reparatur\n", "unknown key(s) ['intent.book_repairs']"),
        # attributes and items of a value are not reachable: not in a placeholder's name, nor through its format
        ("book_repair.booked: '{bike_model.__class__}'\n", "may use {bike_model}, not ['bike_model.__class__']"),
        ("book_repair.booked: '{bike_model[0]}'\n", "may use {bike_model}, not ['bike_model[0]']"),
        ("book_repair.booked: '{bike_model:{bike_model.__class__}}'\n", "may not contain a placeholder"),
        ("book_repair.booked: '{bike_model:zz}'\n", "the format 'zz' of {bike_model} does not fit a text, a number or a date"),
    ],
)
def test_a_mistake_in_an_actions_key_is_named_with_the_file(tmp_path: Path, content: str, message: str) -> None:
    app = acme_assistant(tmp_path, content)

    with pytest.raises(RepliesError) as raised:
        app.replies
    assert message in str(raised.value) and str(tmp_path / "replies.yaml") in str(raised.value)


def test_the_intents_of_the_teams_own_intent_model_are_keys_of_the_replies_file(tmp_path: Path) -> None:
    """A team that trains its own intents labels their clarifying buttons in its replies file, as the demo's are."""

    class ShopModel:  # the loaded intent model: only its labels matter here
        labels = ["booking_change", "pricing", "oos"]

    (tmp_path / "replies.yaml").write_text('intent.booking_change: "Change or cancel a booking"\n', encoding="utf-8")
    app = Assistant(load_settings(data_dir=tmp_path / "data", embedder="hash", generator="scripted", replies_file=tmp_path / "replies.yaml"))
    app.understander = Understander(ShopModel())

    assert app.replies.intent_label("booking_change") == "Change or cancel a booking"
    assert app.replies.intent_label("pricing") == "Pricing"  # not in the file: the name

    (tmp_path / "oos.yaml").write_text("intent.oos: Something else\nintent.pricng: Prices\n", encoding="utf-8")
    app = Assistant(app.settings.model_copy(update={"replies_file": tmp_path / "oos.yaml"}))
    app.understander = Understander(ShopModel())
    with pytest.raises(RepliesError, match=re.escape("unknown key(s) ['intent.oos', 'intent.pricng']")):
        app.replies  # out of scope is no button, and a misspelt intent is still named


def test_a_replies_file_that_leaves_the_demo_shops_subjects_in_its_texts_is_warned_about(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A bike shop that sets its greeting still answered "Are you a bot?" with "orders, shipping, returns"."""
    (tmp_path / "replies.yaml").write_text('greet: "Hi! Ask me about bike rentals."\npage_intro: "Renting a bike?"\n', encoding="utf-8")
    app = Assistant(load_settings(data_dir=tmp_path / "data", embedder="hash", generator="scripted", replies_file=tmp_path / "replies.yaml"))
    with caplog.at_level("WARNING"):
        app.replies

    assert f"{tmp_path / 'replies.yaml'} does not set bot_challenge, handed_back, not_understood, examples" in caplog.text

    own = "".join(f"{key}: Ours\n" for key in ("greet", "bot_challenge", "handed_back", "not_understood", "page_intro"))
    (tmp_path / "all.yaml").write_text(own + "examples: [\"How much is an e-bike?\"]\n", encoding="utf-8")
    caplog.clear()
    with caplog.at_level("WARNING"):
        Assistant(app.settings.model_copy(update={"replies_file": tmp_path / "all.yaml"})).replies
    assert "does not set" not in caplog.text
    with caplog.at_level("WARNING"):
        Assistant(app.settings.model_copy(update={"replies_file": REPO_ROOT / "demo" / "replies.de.yaml"})).replies
    assert "does not set" not in caplog.text  # the German demo file sets every text


def test_a_text_named_like_a_slot_is_refused_at_registration() -> None:
    with pytest.raises(ValueError, match=r"texts \['bike_model'\] have the names of slots"):

        @BusinessActions().register(texts={"bike_model": "Which bike?"})
        def book(bike_model: str) -> ActionResult:
            return ActionResult("")


@pytest.mark.parametrize(
    "content, message",
    [
        ("weekdays: [Mo, Di, Mi]\n", "weekdays must list 7 texts, not 3"),
        ("weekdays: Montag\n", "weekdays must be a list of non-empty texts"),
        ("examples: []\n", "examples must be a list of non-empty texts"),
        ("examples: ['Wie?', '']\n", "examples must be a list of non-empty texts"),
        ("too_long: 'Zu lang ({length} Zeichen, {max})'\n", "too_long may use {length}, {limit}, not ['max']"),
        ("too_long: 'Zu lang: {length:%H}'\n", "too_long: the format '%H' of {length} does not fit a text"),
        ("opening: '{weekday} {time}'\n", "opening may use {day}, {time}, {zone}, not ['weekday']"),
        ("order_status.not_found: 'Keine Bestellung {order}'\n", "order_status.not_found may use {order_number}, not ['order']"),
        ("send_button: Senden\n", "unknown key(s) ['send_button']"),
    ],
)
def test_a_mistake_in_a_new_key_is_named_with_the_file(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "replies.yaml"
    path.write_text(content, encoding="utf-8")
    app = Assistant(load_settings(data_dir=tmp_path / "data", embedder="hash", generator="scripted", replies_file=path))

    with pytest.raises(RepliesError) as raised:
        app.replies
    assert str(raised.value).startswith(str(path)) and message in str(raised.value)


def test_the_out_of_hours_note_names_the_days_in_the_files_words() -> None:
    replies = parse_replies(
        {"weekdays": ["Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag"],
         "day_range": "{first} bis {last}", "day_pair": "{first} und {second}", "opening": "{day} um {time} Uhr ({zone})",
         "outside_hours": "Geschlossen ({hours}); wieder da: {opening}."},
        "replies.yaml",
    )
    rules = parse_rules({"support_hours": {"timezone": "UTC", "label": "UTC", "hours": {
        "monday": "09:00-17:00", "tuesday": "09:00-17:00", "wednesday": "09:00-17:00", "saturday": "10:00-12:00",
        "sunday": "10:00-12:00"}}})

    note = rules.handoff_note(datetime(2026, 12, 3, 20, 0, tzinfo=timezone.utc), replies)  # a Thursday evening

    assert note == "Geschlossen (Montag bis Mittwoch 09:00-17:00, Samstag und Sonntag 10:00-12:00 UTC); wieder da: Samstag um 10:00 Uhr (UTC)."
    assert rules.handoff_note(datetime(2026, 12, 3, 20, 0, tzinfo=timezone.utc)).endswith("when we open on Saturday at 10:00 UTC.")


def test_refusals_of_a_message_are_in_the_files_words(tmp_path: Path, kb_dir: Path) -> None:
    (tmp_path / "refusals.yaml").write_text(
        "empty_message: Bitte eine Frage eingeben.\ntoo_long: 'Zu lang: {length} von {limit} Zeichen.'\n"
        "comment_too_long: 'Kommentar zu lang ({length}/{limit}).'\n", encoding="utf-8",
    )
    app = german_assistant(tmp_path, kb_dir)
    app = Assistant(app.settings.model_copy(update={"replies_file": tmp_path / "refusals.yaml", "max_message_chars": 1200}))
    manager = app.manager

    with pytest.raises(InvalidMessage, match="^Bitte eine Frage eingeben.$"):
        manager.handle(None, "   ")
    with pytest.raises(InvalidMessage, match="^Zu lang: 1,201 von 1,200 Zeichen.$"):
        manager.handle(None, "x" * 1201)
    session = manager.handle(None, "hello").session_id
    with pytest.raises(InvalidMessage, match=r"^Kommentar zu lang \(1,201/1,200\).$"):
        manager.give_feedback(session, 1, None, "x" * 1201)


def test_the_button_for_a_person_hands_off_in_any_language(tmp_path: Path, kb_dir: Path) -> None:
    # a button text no keyword rule knows (the rules know "mit einem Menschen sprechen" in German too)
    (tmp_path / "button.yaml").write_text("handoff_request: Verbinden Sie mich bitte mit dem Team.\n", encoding="utf-8")
    app = german_assistant(tmp_path, kb_dir)
    app = Assistant(app.settings.model_copy(update={"replies_file": tmp_path / "button.yaml"}))

    result = app.manager.handle(None, "Verbinden Sie mich bitte mit dem Team.")

    assert result.handoff and result.intent == "human"
    assert not app.manager.handle(None, "Verbinden Sie mich bitte mit dem Team, aber später.").handoff


def test_the_german_demo_file_sets_every_text_a_customer_sees() -> None:
    actions = demo_actions()
    more = intent_keys(actions.intents()) | actions.reply_keys()
    german = load_replies(REPO_ROOT / "demo" / "replies.de.yaml", more)

    same = [key for key in KEYS if getattr(german, key) == getattr(Replies(), key)]
    assert same == ["staff_unnamed", "info_title"]  # "Support" and "Info" are German words too
    assert sorted(german.more) == sorted(more | language_keys())


def test_the_docs_list_every_key() -> None:
    replies_section = (REPO_ROOT / "docs" / "dialog.md").read_text(encoding="utf-8").split("## The assistant's own replies")[1]
    listed = set(re.findall(r"`([a-z_.A-Z]+)`", replies_section.split("\n## ")[0]))

    assert [key for key in KEYS if key not in listed] == []


def test_an_actions_text_can_format_a_date_value(tmp_path: Path) -> None:
    # "{day:%A}" was refused at start-up (Invalid format specifier '%A' for object of type 'str')
    texts = {"booked": "Booked your {bike_model} for {day}."}
    actions = BusinessActions()

    @actions.register(intents=["book_repair"], texts=texts)
    def book_repair(bike_model: str, day: date) -> ActionResult:
        return ActionResult(Say("booked", bike_model=bike_model, day=day))

    @actions.register(intents=["book_repair_str"], texts=texts)
    def book_repair_str(bike_model: str, day: str) -> ActionResult:  # the docs' example passes the day as its text
        return ActionResult(Say("booked", bike_model=bike_model, day=day))

    english = parse_replies({"book_repair.booked": "Booked your {bike_model} for {day:%A, %d %B}."}, "replies.yaml", actions.reply_keys())
    german = parse_replies(
        {"book_repair.booked": "Ihr {bike_model} ist am {day:%A, %d.%m.} gebucht.",
         "weekdays": ["Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag"]},
        "replies.yaml", actions.reply_keys(),
    )
    strings = parse_replies({"book_repair_str.booked": "Booked your {bike_model} for {day:%A}."}, "replies.yaml", actions.reply_keys())
    slots = {"bike_model": "Brompton", "day": "2026-12-04"}

    def reply(name: str, replies: Replies, slots: dict[str, str] = slots) -> str:
        action = actions.get(name)
        return next(step for step in run_business_action(action, slots, replies) if isinstance(step, str))

    assert reply("book_repair", english) == "Booked your Brompton for Friday, 04 December."
    assert reply("book_repair", german) == "Ihr Brompton ist am Freitag, 04.12. gebucht."
    assert reply("book_repair_str", strings) == "Booked your Brompton for Friday."
    # a date format given a text that is no date shows the text rather than failing the reply
    assert reply("book_repair_str", strings, {"bike_model": "Brompton", "day": "next week"}) == "Booked your Brompton for next week."


@pytest.mark.parametrize("path", [None, *sorted((REPO_ROOT / "demo").glob("replies*.yaml"))], ids=lambda p: p.name if p else "built-in")
def test_the_assistants_own_handoff_says_how_to_take_it_back(path: Path | None) -> None:
    # the German text lacked the English one's hint (say "never mind"), so a German customer handed over after two
    # misses did not learn how to go on asking the assistant
    actions = demo_actions()
    replies = load_replies(path, intent_keys(actions.intents()) | actions.reply_keys()) if path else Replies()

    quoted = re.findall(r"[\"„“]([^\"„“”]+)[\"“”]", replies.escalated)

    assert quoted
    assert all(takes_back_handoff(phrase, staff_replied=False) for phrase in quoted)


def test_the_languages_are_named_in_the_replies_language_and_joined_as_a_list() -> None:
    german = parse_replies({"language.en": "Englisch", "language.de": "Deutsch", "list_pair": "{first} und {second}"}, "t.yaml")

    assert Replies().languages(["en"]) == "English"
    assert Replies().languages(["fr", "en", "de"]) == "German, English and French"
    assert german.languages(["de", "en"]) == "Deutsch und Englisch"


def test_the_replies_of_other_languages_come_from_the_replies_files_beside_them(tmp_path: Path) -> None:
    (tmp_path / "replies.de.yaml").write_text(
        'page_language: de\nother_language: "Nur auf {languages}."\nlanguage.en: Englisch\ngreet: "Hallo!"\n', encoding="utf-8"
    )
    (tmp_path / "replies.xx.yaml").write_text("other_language: [not, a, text]\npage_language: xx\n", encoding="utf-8")

    replies = with_translations(Replies(), tmp_path)
    german = replies.in_language("de")

    assert german.say("other_language", languages=german.languages(["en"])) == "Nur auf Englisch."
    assert german.greet == Replies().greet  # only the keys of that reply are lent
    assert replies.in_language("xx") is replies  # a file that cannot be used is left out (a warning)
    assert replies.in_language("en") is replies
