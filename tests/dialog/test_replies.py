"""A team's own fixed replies (replies_file): every key it sets is used, every mistake is refused at start-up."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest

from assistant.app import Assistant
from assistant.config import load_settings
from conftest import HASH_MIN_SCORE
from dialog.business_rules import parse_rules
from dialog.manager import DialogManager
from dialog.replies import KEYS, Replies, RepliesError, load_replies
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
        ("gret: Hallo\n", "unknown key(s) ['gret']; known: not_found, human_offer"),
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
