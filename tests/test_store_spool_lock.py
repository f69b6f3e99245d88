"""The error of a second process on a server's spool gives advice that works as written."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
from typer.testing import CliRunner

from assistant.cli import app
from assistant.store.spool import SpoolInUse, hold_spool


def test_the_spool_lock_error_names_a_command_the_cli_takes(tmp_path: Path) -> None:
    """It said '--data-dir', which 'assistant serve --data-dir DIR' refuses (No such option): it is a global option."""
    spool = tmp_path / "spool" / "turns.jsonl"
    with hold_spool(spool):
        with pytest.raises(SpoolInUse) as refused:
            hold_spool(spool)
    message = str(refused.value)
    assert "wait until it has exited" in message
    commands = re.findall(r"`(assistant [^`]+)`", message)
    assert commands, message
    for command in commands:
        args = shlex.split(command.replace("DIR", str(tmp_path / "other")))[1:]
        result = CliRunner().invoke(app, [*args, "--help"])
        assert result.exit_code == 0, (command, result.output)
