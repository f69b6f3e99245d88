"""In-process commands close the Assistant they build: its spool is let go and its retry thread stopped.

A command left running in a test process kept a 'spool-flush' thread alive, and with it connections to a database
named by a relative path (data/assistant.db): once a later test had changed folder, those reached that test's files.
"""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from cli_helpers import ingested, invoke, runner  # noqa: F401 - fixtures

SPOOL_THREAD = "spool-flush"


def greeting_script(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    turns = [{"user": "hello", "expect": {"action": "small_talk"}}]
    (folder / "greeting.yaml").write_text(yaml.safe_dump({"name": "greeting", "turns": turns}), encoding="utf-8")
    return folder


def spool_threads() -> set[threading.Thread]:
    return {thread for thread in threading.enumerate() if thread.name == SPOOL_THREAD}


def test_conversation_tests_on_the_database_close_its_connections(runner: CliRunner, ingested: Path, isolated: Path, tmp_path: Path) -> None:
    # the command never closed its Assistant: its connections stayed open, the turns it logged in assistant.db-wal,
    # for whichever connection closed last (in a test process: another test's) to move into the file
    result = invoke(runner, "test", "conversations", "--use-database", str(greeting_script(tmp_path / "scripts")))
    assert result.exit_code == 0, result.output
    assert "1 of 1 conversation test(s) passed." in " ".join(result.output.split())

    assert (isolated / "assistant.db").is_file()
    assert not (isolated / "assistant.db-wal").exists()  # the last connection closed has checkpointed and removed it


@pytest.mark.parametrize("command", [("ask", "hello"), ("test", "conversations", "--use-database", "scripts")])
def test_a_command_leaves_no_spool_thread_running(runner: CliRunner, ingested: Path, tmp_path: Path, command: tuple[str, ...]) -> None:
    greeting_script(tmp_path / "scripts")  # the command runs in tmp_path
    before = spool_threads()

    result = invoke(runner, *command)

    assert result.exit_code == 0, result.output
    assert spool_threads() - before == set()
