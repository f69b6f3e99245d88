"""`assistant chat` in a terminal: options picked by number, staff replies shown after a handoff."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from assistant.app import Assistant
from assistant.cli import app
from assistant.store import SqlStore, make_engine
from assistant.terminal_chat import BoldText, StaffReplies, bold_text, chosen_option, options_hint

from cli_helpers import FAKES, flat, ingested, runner  # noqa: F401 (fixtures)


def test_a_typed_number_picks_that_option() -> None:
    """The web page has buttons; in a terminal "2" was read as a new question ("Sorry, I didn't understand")."""
    options = ["Cancel Northwind Plus", "Cancelling an order"]

    assert chosen_option("2", options) == "Cancelling an order"
    assert chosen_option(" 1. ", options) == "Cancel Northwind Plus"
    assert chosen_option("3", options) == "3" and chosen_option("2", []) == "2"
    assert chosen_option("2 items", options) == "2 items"
    assert chosen_option("the first one", options) == "Cancel Northwind Plus"  # the places the dialog reads
    assert "1 or 2" in options_hint(options) and "1-4" in options_hint(["a", "b", "c", "d"])


def test_bold_markers_become_bold_text_also_when_split_between_streamed_pieces() -> None:
    shown = BoldText()
    pieces = [shown.feed(piece) for piece in ("Go to *", "*Orders*", "* and press **Return", " items**. [1]")] + [shown.finish()]

    plain = "".join(piece.plain for piece in pieces)
    bold = [piece.plain[span.start:span.end] for piece in pieces for span in piece.spans if span.style == "bold"]
    assert plain == "Go to Orders and press Return items. [1]"  # was printed with its asterisks
    assert bold == ["Orders", "Return", " items"]
    assert bold_text("A * B, 2*3 and **x**").plain == "A * B, 2*3 and x"  # a lone asterisk stays


def test_staff_replies_and_the_hand_back_are_shown_once_each(assistant: Assistant) -> None:
    manager = assistant.manager
    session_id = manager.start_session("terminal")
    manager.request_handoff(session_id, "the customer asked for a human")
    lines: list[str] = []
    staff = StaffReplies(manager.store.load_events, lines.append)
    staff.watch(session_id)

    assert staff.show_new() == 0
    manager.reply_as_staff(session_id, "Hi, Ana here.", "ana")
    assert staff.show_new() == 1 and staff.show_new() == 0
    manager.hand_back(session_id, "ana")
    staff.show_new()

    assert lines[0] == "ana> Hi, Ana here.\n"
    assert lines[1].startswith("bot> You're back with the assistant") and len(lines) == 2


def test_chat_shows_what_staff_write_after_a_handoff(runner: CliRunner, ingested: Path, isolated: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The bot told the terminal customer "a member of our support team will reply here", and nothing ever did."""
    import assistant.terminal_chat as terminal_chat
    from assistant.config import load_settings

    store = SqlStore(make_engine(f"sqlite:///{isolated / 'assistant.db'}"))
    staff = Assistant(load_settings(embedder="hash", generator="scripted")).manager  # another process: the Inbox

    calls: list[str] = []

    def scripted_input(prompt: str) -> str:
        calls.append(prompt)
        if len(calls) == 1:
            return "I want to talk to a human"
        if len(calls) == 2:  # while the customer waits, Ana replies from the Inbox
            [turn] = store.turns()
            staff.reply_as_staff(turn.session_id, "Hi, Ana here.", "ana")
            return "Thanks Ana"
        return ""

    monkeypatch.setattr(terminal_chat, "input", scripted_input, raising=False)
    result = runner.invoke(app, [*FAKES, "chat"])

    assert result.exit_code == 0, result.output
    [session_id] = {turn.session_id for turn in store.turns()}
    text = flat(result.stdout)
    assert text.count(f"assistant inbox reply {session_id}") == 1  # said once, not after every message
    assert "ana> Hi, Ana here." in text and "(passed on to staff)" in text  # staff have written: the assistant is quiet


def test_chat_session_continues_a_conversation_and_shows_the_staff_replies_missed(runner: CliRunner, ingested: Path, isolated: Path) -> None:
    """A customer who had left the terminal chat after a handoff had no way back to it, nor to the reply."""
    from assistant.config import load_settings

    first = runner.invoke(app, [*FAKES, "chat"], input="I want to talk to a human\n\n")
    assert first.exit_code == 0, first.output
    store = SqlStore(make_engine(f"sqlite:///{isolated / 'assistant.db'}"))
    [session_id] = {turn.session_id for turn in store.turns()}
    Assistant(load_settings(embedder="hash", generator="scripted")).manager.reply_as_staff(session_id, "Hi, Ana here.", "ana")

    again = runner.invoke(app, [*FAKES, "chat", "--session", session_id], input="Thanks Ana\n\n")

    assert again.exit_code == 0, again.output
    assert "ana> Hi, Ana here." in flat(again.stdout) and "(passed on to staff)" in flat(again.stdout)
    assert {turn.session_id for turn in store.turns()} == {session_id} and len(store.turns()) == 2
    unknown = runner.invoke(app, [*FAKES, "chat", "--session", "nosuchconversation"], input="hello\n")
    assert unknown.exit_code == 1 and "nosuchconversation" in flat(unknown.output)
    assert isinstance(unknown.exception, SystemExit)  # one line, not a traceback


def test_chat_in_a_terminal_that_is_not_utf8_replaces_what_it_cannot_carry(ingested: Path) -> None:
    """In an ASCII terminal (PYTHONIOENCODING=ascii, or LANG=C on an older Python), typing "Größe" ended the
    chat with a UnicodeDecodeError traceback."""
    import os
    import subprocess
    import sys

    env = {**os.environ, "PYTHONIOENCODING": "ascii"}
    run = subprocess.run([sys.executable, "-m", "assistant.cli", *FAKES, "chat"], input="Größe ändern, wie?\nHow long is a password reset link valid?\n\n".encode(),
                         capture_output=True, env=env, timeout=120)

    assert run.returncode == 0, run.stderr.decode()
    assert b"Traceback" not in run.stderr and b"30 minutes" in run.stdout
