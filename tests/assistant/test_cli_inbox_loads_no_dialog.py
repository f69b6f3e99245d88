"""`assistant inbox` is a staff command: it loads neither the dialog's intent model nor the business actions.

With a replies file that labels an intent and words a business action's text (as a team integrating its own actions
writes it), `assistant inbox list` read the replies the way the dialog does: that checks the file's ``intent.NAME`` and
``ACTION.TEXT`` keys, so it imported the team's business actions and loaded the intent model, and warned "no intent
model in ..." and "intent(s) book_repair are not intents of the keyword rules (no intent model is loaded)". Through
the CLI runner on the SQLite store; the listing and the hand-back in the team's words are as before."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from typer.testing import CliRunner

from assistant.store import SqlStore, make_engine
from cli_helpers import flat, ingested, invoke, runner  # noqa: F401 (fixtures)
from dialog.events import BotAnswer
from test_cli_inbox import ask

ACTIONS = '''
from pathlib import Path
from dialog.business import ActionResult, BusinessActions

Path(__file__).with_suffix(".loaded").open("a").write("loaded\\n")  # each import leaves a line
actions = BusinessActions()

@actions.register(intents=["book_repair"], texts={"booked": "Booked."})
def book_repair(bike_model: str) -> ActionResult:
    return ActionResult("ok")
'''
REPLIES = '''handed_back: "You're back with the workshop's assistant."
intent.book_repair: "Book a repair"
book_repair.booked: "Your {bike_model} is booked in."
book_repair.bike_model: "Which bike is it?"
'''


@pytest.fixture
def team_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The team's own actions and replies file, and no intent model where the settings look for one; returns the file
    the actions' module writes a line to each time it is imported."""
    (tmp_path / "workshop_actions.py").write_text(ACTIONS, encoding="utf-8")
    (tmp_path / "replies.yaml").write_text(REPLIES, encoding="utf-8")
    monkeypatch.setenv("ASSISTANT_BUSINESS_ACTIONS", f"{tmp_path / 'workshop_actions.py'}:actions")
    monkeypatch.setenv("ASSISTANT_REPLIES_FILE", str(tmp_path / "replies.yaml"))
    monkeypatch.setenv("ASSISTANT_INTENT_MODEL", str(tmp_path / "no_intent_model"))
    return tmp_path / "workshop_actions.loaded"


def test_inbox_list_and_hand_back_load_no_intent_model_and_no_business_actions(
    runner: CliRunner, ingested: Path, isolated: Path, team_files: Path, caplog: pytest.LogCaptureFixture
) -> None:
    handed = ask(runner, "I want to talk to a human")  # the dialog loads them, as it should
    assert team_files.read_text(encoding="utf-8").count("loaded") == 1
    caplog.clear()

    with caplog.at_level(logging.INFO):
        listed = invoke(runner, "inbox", "list")
        back = invoke(runner, "inbox", "hand-back", handed["session_id"], "--as", "ana")

    assert listed.exit_code == 0 and handed["session_id"] in flat(listed.stdout) and "Asked for a person" in flat(listed.stdout)
    assert back.exit_code == 0, back.output
    told = f"{caplog.text} {listed.output} {back.output}"
    assert "intent model" not in told and "book_repair" not in told  # before: two warnings about them
    assert team_files.read_text(encoding="utf-8").count("loaded") == 1  # not imported again
    events = SqlStore(make_engine(f"sqlite:///{isolated / 'assistant.db'}")).load_events(handed["session_id"])
    assert [e.text for e in events if isinstance(e, BotAnswer)][-1] == "You're back with the workshop's assistant."


def test_a_staff_command_still_refuses_a_wrong_built_in_key_of_the_replies_file(
    runner: CliRunner, ingested: Path, team_files: Path, tmp_path: Path
) -> None:
    """Guard: only the dialog's own keys are left to the dialog; an empty built-in text is still an error naming the
    file and the key."""
    ask(runner, "I want to talk to a human")
    wrong = REPLIES.replace('"You\'re back with the workshop\'s assistant."', '""')
    (tmp_path / "replies.yaml").write_text(wrong, encoding="utf-8")

    listed = invoke(runner, "inbox", "list")

    assert listed.exit_code == 1 and "handed_back" in flat(listed.output) and "replies.yaml" in flat(listed.output)
