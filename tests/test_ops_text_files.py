"""A team's rules and replies files are checked before the intent model is looked at: a YAML mistake or a wrong key
stops `assistant serve`, `ask` and `test conversations` at once, naming the file and the line."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from typer.testing import CliRunner

import assistant.app as app_module
from assistant.app import Assistant
from assistant.config import load_settings
from cli_helpers import flat, ingested, invoke, runner  # noqa: F401  fixtures
from dialog.business_rules import RulesError, load_rules
from dialog.replies import RepliesError, check_replies_file, load_replies

BROKEN = {
    "replies": ("replies_file", "greet: Hallo\nthanks: [unclosed\n", 'line 2'),
    "replies key": ("replies_file", "greet: Hallo\nthanks: ''\n", "replies.yaml, line 2: thanks must be a non-empty text"),
    "rules": ("rules_file", "products: [bike]\nhandoff:\n  intent: [refund]\n", "rules.yaml, line 2: handoff: unknown key(s) ['intent']"),
}


@pytest.fixture
def intent_model_looked_at(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """The folders the wiring asked the intent model of (where its libraries load)."""
    calls: list[Path] = []

    def record(path: Path, device: str = "auto"):  # type: ignore[no-untyped-def]
        calls.append(path)
        return None, "not loaded in this test"

    monkeypatch.setattr(app_module, "load_intent_classifier", record)
    return calls


def _free_port() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return str(probe.getsockname()[1])


@pytest.mark.parametrize("kind", BROKEN)
@pytest.mark.parametrize("command", ["serve", "ask", "test"])
def test_a_broken_rules_or_replies_file_stops_a_command_before_the_intent_model(
    runner: CliRunner, ingested: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,  # noqa: F811
    intent_model_looked_at: list[Path], kind: str, command: str,
) -> None:
    setting, content, message = BROKEN[kind]
    path = tmp_path / f"{setting.split('_')[0]}.yaml"
    path.write_text(content, encoding="utf-8")
    monkeypatch.setenv(f"ASSISTANT_{setting.upper()}", str(path))
    (tmp_path / "script.yaml").write_text("name: t\nturns:\n  - user: hello\n", encoding="utf-8")
    arguments = {
        "serve": ["serve", "--no-warm-up", "--port", _free_port()],
        "ask": ["ask", "How long is a password reset link valid?"],
        "test": ["test", "conversations", str(tmp_path / "script.yaml")],
    }[command]

    result = invoke(runner, *arguments)

    assert result.exit_code == 1, result.output
    assert str(path) in flat(result.output) and message in flat(result.output)
    assert intent_model_looked_at == []  # told before the model (its torch and transformers imports) was looked at


def test_an_intent_label_is_checked_once_the_model_has_loaded(tmp_path: Path) -> None:
    """Which intent.NAME keys exist is the model's to say: the early check takes any, the full load refuses a name
    no intent has (with its line)."""
    path = tmp_path / "replies.yaml"
    path.write_text("greet: Hallo\nintent.bookng: Change a booking\n", encoding="utf-8")

    check_replies_file(path)  # its syntax and texts are right
    with pytest.raises(RepliesError, match=r"replies\.yaml, line 2: unknown key\(s\) \['intent\.bookng'\]"):
        load_replies(path)


def test_the_early_check_still_refuses_a_bad_text_of_an_intent_label(tmp_path: Path) -> None:
    path = tmp_path / "replies.yaml"
    path.write_text("greet: Hallo\n\nintent.booking: ''\n", encoding="utf-8")

    with pytest.raises(RepliesError, match=r"replies\.yaml, line 3: intent\.booking must be a non-empty text"):
        check_replies_file(path)


def test_a_rules_mistake_names_the_line_of_its_section(tmp_path: Path) -> None:
    path = tmp_path / "rules.yaml"
    path.write_text(
        "products: [bike]\n\nsupport_hours:\n  timezone: Mars/Olympus\n  hours: {monday: '09:00-17:00'}\n", encoding="utf-8"
    )
    with pytest.raises(RulesError) as raised:
        load_rules(path)
    assert str(raised.value).startswith(f"{path}, line 3: support_hours.timezone: unknown time zone")

    path.write_text("products: [bike]\nhandof: {intents: [refund]}\n", encoding="utf-8")
    with pytest.raises(RulesError) as raised:
        load_rules(path)
    assert str(raised.value).startswith(f"{path}, line 2: unknown section(s) ['handof']")


def test_good_files_load_as_before(tmp_path: Path) -> None:
    """The demo's own rules and a replies file with an intent label of the demo's: no error, the texts taken."""
    (tmp_path / "replies.yaml").write_text('greet: "Hallo!"\nintent.refund: "Geld zurück"\n', encoding="utf-8")
    app = Assistant(load_settings(data_dir=tmp_path / "data", embedder="hash", generator="scripted", replies_file=tmp_path / "replies.yaml"))

    app.check_files()
    assert app.replies.greet == "Hallo!" and app.replies.intent_label("refund") == "Geld zurück"
