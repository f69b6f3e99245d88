"""`assistant --help` and the sub-commands' help load only the command line's own modules: the web framework,
SQLAlchemy, numpy and the model libraries are imported by the commands that use them (each command spent about
4 s importing them before it did anything)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
HEAVY = (
    "torch", "transformers", "sentence_transformers", "gradio", "faiss", "sqlalchemy", "alembic", "fastapi", "numpy",
    "assistant.app", "assistant.config", "dialog.manager", "retrieval.index",
)
# what a child process reports: the heavy modules it imported while running ARGS through typer
PROBE = """
import json, sys
from typer.testing import CliRunner
from assistant.cli import app
result = CliRunner().invoke(app, sys.argv[1:])
heavy = [name for name in {heavy!r} if name in sys.modules]
print(json.dumps({{"exit_code": result.exit_code, "output": result.output, "heavy": heavy}}))
"""


def run_cli(*args: str) -> dict:
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "PYTHONPATH": str(REPO_ROOT)}
    done = subprocess.run(
        [sys.executable, "-c", PROBE.format(heavy=HEAVY), *args], capture_output=True, text=True, env=env, cwd=REPO_ROOT, check=True
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize(
    "args",
    [["--help"], ["ingest", "--help"], ["serve", "--help"], ["users", "add", "--help"], ["train", "intents", "--help"],
     ["eval", "intents", "--help"], ["test", "conversations", "--help"], ["inbox", "--help"], ["logs", "export", "--help"]],
)
def test_help_imports_no_heavy_module(args: list[str]) -> None:
    shown = run_cli(*args)

    assert shown["exit_code"] == 0, shown["output"]
    assert shown["heavy"] == []


def test_every_command_is_still_registered() -> None:
    shown = run_cli("--help")["output"]

    for command in ("ingest", "ask", "chat", "serve", "models", "index", "eval", "users", "inbox", "db", "logs", "train", "test",
                    "backup", "restore"):
        assert f" {command} " in shown, command


def test_the_values_written_out_for_the_help_agree_with_their_modules() -> None:
    from assistant.cli_train_intents import DEFAULT_THRESHOLD
    from assistant.cli_users import Role
    from assistant.store.staff import ROLES
    from dialog.nlu import threshold

    assert DEFAULT_THRESHOLD == threshold.DEFAULT_THRESHOLD
    assert tuple(role.value for role in Role) == ROLES


def test_a_command_that_fails_still_says_so_in_one_line(tmp_path: Path) -> None:
    """The user-fixable errors are imported when first needed; a missing index is still one line, not a traceback."""
    shown = run_cli("--data-dir", str(tmp_path), "--embedder", "hash", "index", "search", "refund")

    assert shown["exit_code"] == 1 and "Traceback" not in shown["output"] and shown["output"].startswith("Error:")
