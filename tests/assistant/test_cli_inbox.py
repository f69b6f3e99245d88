"""`assistant inbox`: list handed-off conversations, reply to a customer, hand back, through the CLI runner."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from assistant.store import SqlStore, make_engine

from cli_helpers import flat, ingested, invoke, runner  # noqa: F401 (fixtures)
from dialog.events import AgentMessage, BotAnswer


def ask(runner: CliRunner, text: str, session_id: str | None = None) -> dict:
    args = ["ask", "--json", *(["--session", session_id] if session_id else []), text]
    return json.loads(invoke(runner, *args).stdout)


def test_list_reply_and_hand_back_from_the_command_line(runner: CliRunner, ingested: Path) -> None:
    before = invoke(runner, "inbox", "list")  # nothing asked yet, so there is no database to read
    assert before.exit_code == 1 and "No database at" in flat(before.stderr)
    handed = ask(runner, "I want to talk to a human")

    listed = invoke(runner, "inbox", "list")
    replied = invoke(runner, "inbox", "reply", handed["session_id"], "Hi, Ana here.", "--as", "ana")
    relayed = ask(runner, "Thanks Ana", handed["session_id"])
    back = invoke(runner, "inbox", "hand-back", handed["session_id"], "--as", "ana")
    answered = ask(runner, "Do you offer gift wrapping?", handed["session_id"])

    assert handed["session_id"] in flat(listed.stdout) and "Asked for a person" in flat(listed.stdout)
    assert replied.exit_code == 0 and "the customer's chat shows it" in flat(replied.stdout)
    assert relayed["action"] == "relay" and relayed["answer"] == ""  # staff have written: the assistant is quiet
    assert back.exit_code == 0 and "Nobody is waiting" in invoke(runner, "inbox", "list").stdout
    assert answered["action"] == "answer" and "3.99" in answered["answer"]


def test_the_list_shows_the_whole_date_and_session_in_80_columns(
    runner: CliRunner, ingested: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from datetime import datetime, timezone

    from assistant import cli

    handed = ask(runner, "I want to talk to a human about my order that never arrived at all")
    monkeypatch.setattr(cli.out, "_width", 80)  # a standard terminal: the date was cut to "2026-12-…"

    listed = invoke(runner, "inbox", "list")

    assert listed.exit_code == 0, listed.output
    assert max(len(line) for line in listed.stdout.splitlines()) <= 80
    assert f"{datetime.now(timezone.utc):%Y-%m-%d} " in listed.stdout  # whole (the first message may be shortened)
    assert handed["session_id"] in listed.stdout  # whole, on one line, to copy into `inbox reply`


def test_staff_commands_explain_what_went_wrong(runner: CliRunner, ingested: Path) -> None:
    session_id = ask(runner, "Do you offer gift wrapping?")["session_id"]

    unknown = invoke(runner, "inbox", "reply", "no-such-id", "Hi")
    empty = invoke(runner, "inbox", "reply", session_id, "   ")
    not_handed = invoke(runner, "inbox", "hand-back", session_id)

    assert unknown.exit_code == 1 and "No conversation with id 'no-such-id'" in flat(unknown.stderr)
    assert empty.exit_code == 1 and "The reply is empty" in flat(empty.stderr)
    assert not_handed.exit_code == 1 and "nothing to hand back" in flat(not_handed.stderr)
    assert ask(runner, "Do you offer gift wrapping?", session_id)["action"] == "answer"  # nothing changed


def test_hand_back_tells_the_customer_in_the_teams_own_words(
    runner: CliRunner, ingested: Path, isolated: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    replies = tmp_path / "replies.yaml"
    replies.write_text('handed_back: "Sie sind wieder beim Assistenten."\n', encoding="utf-8")
    monkeypatch.setenv("ASSISTANT_REPLIES_FILE", str(replies))
    handed = ask(runner, "I want to talk to a human")

    back = invoke(runner, "inbox", "hand-back", handed["session_id"], "--as", "ana")

    assert back.exit_code == 0, back.output
    events = SqlStore(make_engine(f"sqlite:///{isolated / 'assistant.db'}")).load_events(handed["session_id"])
    assert [e.text for e in events if isinstance(e, BotAnswer)][-1] == "Sie sind wieder beim Assistenten."


def test_hand_back_every_conversation_idle_longer_than_an_age(runner: CliRunner, ingested: Path, isolated: Path) -> None:
    """After upgrading from a release without the Inbox, each handoff it ever made is waiting there (none
    was ever handed back), the oldest first: they are handed back at once, leaving the recent ones."""
    from datetime import datetime, timedelta, timezone

    from sqlalchemy import text

    old = ask(runner, "I want to talk to a human")["session_id"]
    recent = ask(runner, "I want to talk to a human")["session_id"]
    engine = make_engine(f"sqlite:///{isolated / 'assistant.db'}")
    with engine.begin() as connection:
        connection.execute(
            text("UPDATE sessions SET updated_at = :then WHERE id = :id"),
            {"then": datetime.now(timezone.utc) - timedelta(days=40), "id": old},
        )

    counted = invoke(runner, "inbox", "hand-back", "--older-than", "30d", "--dry-run")
    listed_before = invoke(runner, "inbox", "list")
    handed = invoke(runner, "inbox", "hand-back", "--older-than", "30d", "--as", "ana")
    listed_after = invoke(runner, "inbox", "list")
    neither = invoke(runner, "inbox", "hand-back")
    both = invoke(runner, "inbox", "hand-back", recent, "--older-than", "30d")

    assert counted.exit_code == 0 and "Would hand back 1 conversation(s)" in flat(counted.stdout)
    assert old in listed_before.stdout and recent in listed_before.stdout  # the dry run changed nothing
    assert handed.exit_code == 0 and "Handed back 1 of 1 conversation(s)" in flat(handed.stdout)
    assert old not in listed_after.stdout and recent in listed_after.stdout
    assert ask(runner, "Do you offer gift wrapping?", old)["action"] == "answer"  # the assistant answers again
    assert neither.exit_code == 2 and "one conversation's id or" in flat(neither.output)
    assert both.exit_code == 2 and recent in invoke(runner, "inbox", "list").stdout


def test_the_list_fits_80_columns_one_line_a_conversation_with_how_long_it_waited_and_json_for_scripts(
    runner: CliRunner, ingested: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # at 80 columns the first message and the reason wrapped a word a line, breaking words ("NW-20481 / 736"); no
    # Waiting column, and no --json
    from assistant import cli

    handed = ask(runner, "I want to talk to a human about order NW-20481736 that never arrived, it has been weeks now")
    monkeypatch.setattr(cli.out, "_width", 80)

    listed = invoke(runner, "inbox", "list")
    scripted = invoke(runner, "inbox", "list", "--json")

    lines = [line for line in listed.stdout.splitlines() if handed["session_id"] in line]
    assert listed.exit_code == 0 and len(lines) == 1 and "…" in lines[0]  # one line, the message shortened
    assert max(len(line) for line in listed.stdout.splitlines()) <= 80
    assert "waiting" in listed.stdout and (" s " in lines[0] or " min " in lines[0])
    [row] = [json.loads(line) for line in scripted.stdout.splitlines()]
    assert row["session_id"] == handed["session_id"] and row["awaiting_reply"] and row["waiting_since"]
    assert row["title"].startswith("I want to talk to a human about order NW-")
    assert row["reason"] == "the customer asked for a human"


def test_hand_back_older_than_takes_minutes(runner: CliRunner, ingested: Path) -> None:
    # "--older-than 1m" was refused ("cannot read the age '1m'"): hours were the smallest unit
    ask(runner, "I want to talk to a human")
    counted = invoke(runner, "inbox", "hand-back", "--older-than", "30min", "--dry-run")
    also = invoke(runner, "inbox", "hand-back", "--older-than", "1m", "--dry-run")
    assert counted.exit_code == 0 and "Would hand back 0 conversation(s)" in flat(counted.stdout)
    assert also.exit_code == 0 and "Would hand back 0 conversation(s)" in flat(also.stdout)


def test_hand_back_refuses_an_age_too_large_with_a_message(runner: CliRunner, ingested: Path) -> None:
    # minutes past what a date can hold ended in an OverflowError traceback
    minutes = invoke(runner, "inbox", "hand-back", "--older-than", "99999999999999min", "--dry-run")
    days = invoke(runner, "inbox", "hand-back", "--older-than", "3000000d", "--dry-run")
    assert minutes.exit_code != 0 and "too large" in flat(minutes.output) and "Traceback" not in minutes.output
    assert days.exit_code != 0 and "too large" in flat(days.output) and "30min" not in flat(days.output)


def test_a_reply_from_the_command_line_records_the_operator(
    runner: CliRunner, ingested: Path, isolated: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # `inbox reply --as NAME` stored only the free-text name (the export said login: null): the reply now says it came
    # from the command line, and which operating-system user ran it, beside the name the customer sees.
    import getpass

    monkeypatch.setattr(getpass, "getuser", lambda: "ops")
    handed = ask(runner, "I want to talk to a human")

    replied = invoke(runner, "inbox", "reply", handed["session_id"], "Hi, Ana here.", "--as", "Ana")

    assert replied.exit_code == 0, replied.output
    events = SqlStore(make_engine(f"sqlite:///{isolated / 'assistant.db'}")).load_events(handed["session_id"])
    [reply] = [e for e in events if isinstance(e, AgentMessage)]
    assert (reply.author, reply.login) == ("Ana", "cli:ops")


def test_a_reply_from_the_command_line_without_a_user_name_still_says_cli(
    runner: CliRunner, ingested: Path, isolated: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import getpass

    def no_user() -> str:
        raise OSError("No username set in the environment")  # a container with no passwd entry and no $USER

    monkeypatch.setattr(getpass, "getuser", no_user)
    handed = ask(runner, "I want to talk to a human")

    replied = invoke(runner, "inbox", "reply", handed["session_id"], "Hi.", "--as", "Ana")

    assert replied.exit_code == 0, replied.output
    events = SqlStore(make_engine(f"sqlite:///{isolated / 'assistant.db'}")).load_events(handed["session_id"])
    assert [e.login for e in events if isinstance(e, AgentMessage)] == ["cli"]
