"""Running the `assistant` command in tests: typer's runner with the fakes selected, and its fixtures.

Test modules import the fixtures (``runner``, ``ingested``) from here, so they are defined once.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from assistant import cli
from assistant.cli import app
from conftest import HASH_MIN_SCORE

FAKES = ["--embedder", "hash", "--generator", "scripted", "--answer-mode", "generative"]


@pytest.fixture
def runner(monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    # wide consoles, so that rich does not wrap paths and messages in the middle
    monkeypatch.setattr(cli.out, "_width", 300)
    monkeypatch.setattr(cli.err, "_width", 300)
    monkeypatch.setenv("ASSISTANT_MIN_RETRIEVAL_SCORE", str(HASH_MIN_SCORE))
    return CliRunner()


def invoke(runner: CliRunner, *args: str):  # type: ignore[no-untyped-def]
    """Run ``assistant --embedder hash --generator scripted --answer-mode generative ARGS...``."""
    return runner.invoke(app, [*FAKES, *args])


def flat(text: str) -> str:
    """Whitespace collapsed, so assertions do not depend on line wrapping."""
    return " ".join(text.split())


@pytest.fixture
def ingested(runner: CliRunner, kb_dir: Path) -> Path:
    result = invoke(runner, "ingest", str(kb_dir))
    assert result.exit_code == 0, result.output
    return kb_dir
