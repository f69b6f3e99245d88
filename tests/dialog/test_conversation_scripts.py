"""Scripted conversation tests: the YAML format, the checks, the `assistant test conversations` command,
and the demo scripts in demo/conversations run through the real packaged embedder (slow)."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
import yaml

from typer.testing import CliRunner

from assistant import cli
from dialog import conversation_tests
from dialog.business import demo_actions
from dialog.business_rules import parse_rules
from dialog.manager import DialogManager, TurnResult
from dialog.nlu.base import Understanding
from dialog.nlu.combine import Understander
from dialog.store import InMemoryStore

# (no imports from conftest / cli_helpers: tests/dialog/nlu has a conftest.py of its own, which takes
# the module name "conftest" when both folders are collected together)
REPO_ROOT = Path(__file__).resolve().parents[2]
DEMO_SCRIPTS = REPO_ROOT / "demo" / "conversations"
FAKES = ["--embedder", "hash", "--generator", "scripted"]


@pytest.fixture
def runner(assistant, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    """The command's runner with wide consoles and the fixture assistant's threshold."""
    monkeypatch.setattr(cli.out, "_width", 300)
    monkeypatch.setattr(cli.err, "_width", 300)
    monkeypatch.setenv("ASSISTANT_MIN_RETRIEVAL_SCORE", str(assistant.settings.min_retrieval_score))
    return CliRunner()


def invoke(runner: CliRunner, *args: str):  # type: ignore[no-untyped-def]
    return runner.invoke(cli.app, [*FAKES, *args])


def flat(text: str) -> str:
    return " ".join(text.split())
ACTIONS = {"answer", "clarify", "handoff", "small_talk", "business", "decline", "fallback"}


def test_parse_reads_the_new_expectations_and_option_clicks() -> None:
    test = conversation_tests.parse(
        """
name: demo
description: a click on a button
turns:
  - user: How do I cancel?
    expect: {action: clarify, options_count: 2, query_contains: cancel}
  - user: {option: 2}
    expect: {action: answer, cites: [subscriptions/], slots: {order_number: null}}
"""
    )

    assert test.description == "a click on a button"
    assert test.turns[1].user == {"option": 2}
    assert conversation_tests.parse(test.to_yaml()) == test


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("turns: [{user: hi, expect: {colour: red}}]", "unknown field(s) ['colour']"),
        ("turns: [{user: {option: 0}}]", "turn 1 needs a 'user' message"),
        ("turns: []", "non-empty list 'turns'"),
        # typos that used to be skipped (the test passed without checking) or failed only when run
        ("turns: [{user: hi, expcet: {action: answer}}]", "turn 1 has unknown key(s) ['expcet'] (expcet: did you mean expect?); known: user, expect"),
        ("turns: [{usr: hi}]", "turn 1 has unknown key(s) ['usr'] (usr: did you mean user?)"),  # it said "needs a 'user' message"
        ("turns: [{user: hi, expect: {acton: answer}}]", "unknown field(s) ['acton'] (acton: did you mean action?)"),
        ("name: x\nturn: []\nturns: [{user: hi}]", "unknown key(s) ['turn']"),
        ("turns: [{user: hi, expect: action answer}]", "turn 1: 'expect' must be a mapping such as {action: answer}"),
        ("turns: [{user: hi, expect: {action: answr}}]", "action must be one of answer, clarify, handoff"),
        ("turns: [{user: hi, expect: {handoff: 'yes'}}]", "handoff must be true or false, not 'yes'"),
        ("turns: [{user: hi, expect: {slots: order_number}}]", "slots must map slot names to texts, true/false or null"),
        ("turns: [{user: hi, expect: {slots: {order_number: 20481736}}}]", "(quote numbers and dates: order_number: '20481736'"),
        ("turns: [{user: hi, expect: {text_contains: 89}}]", "text_contains must be a text or a list of texts"),
        ("turns: [{user: hi, expect: {cites: [{a: 1}]}}]", "cites must be a text or a list of texts"),
        ("turns: [{user: hi, expect: {options_count: two}}]", "options_count must be a whole number"),
        ("turns: [{user: 20481736}]", "turn 1: quote a message that YAML reads as a number (user: '20481736')"),
        # these said "turn N needs a 'user' message", or quoted another message than the one written
        ("turns: [{user: hi}, {user: yes}]", "turn 2: quote a message that YAML reads as true or false (user: 'yes')"),
        ("turns:\n  - user: no\n", "turn 1: quote a message that YAML reads as true or false (user: 'no')"),
        ("turns: [{user: 2026-12-10}]", "turn 1: quote a message that YAML reads as a date (user: '2026-12-10')"),
        ("turns: [{user: '12:30'}, {user: 12:30}]", "turn 2: quote a message that YAML reads as a number (user: '12:30')"),
        ("turns: [{user: hi, expect: {slots: {day: 2026-12-10}}}]", "(quote numbers and dates: order_number: '20481736', day: '2026-12-10')"),
    ],
)
def test_parse_errors(text: str, problem: str) -> None:
    with pytest.raises(ValueError, match=re.escape(problem)):
        conversation_tests.parse(text, origin="t.yaml")


def test_a_script_that_is_not_utf8_names_the_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "rückgabe.yaml"
    path.write_bytes("name: Rückgabe\nturns:\n  - user: Ich möchte zurückgeben\n".encode("latin-1"))

    with pytest.raises(ValueError, match=re.escape(f"{path}: not UTF-8 text (byte 0xfc on line 1)")):
        conversation_tests.load(path)


def test_check_turn_reports_each_difference() -> None:
    result = TurnResult(
        "s", "Your order is Shipped.", "business", "why", "order_status", slots={"order_number": "NW-1"},
        options=["A"], query="where is my order", requested_slot=None,
        sources=[{"n": 1, "doc_id": "orders/order-status", "cited": True}],
    )

    assert conversation_tests.check_turn(
        result,
        {"action": "business", "slots": {"order_number": "NW-1", "email": None}, "text_contains": "shipped",
         "cites": ["orders/"], "options": ["a"], "query_contains": ["order"]},
    ) == []
    assert conversation_tests.check_turn(
        result, {"slots": {"order_number": "NW-2"}, "asks_for": "order_number", "options_count": 2, "cites": ["returns/"]}
    ) == [
        "cites: expected 'returns/' among ['orders/order-status']",
        "slots: expected order_number='NW-2', got 'NW-1'",
        "asks_for: expected 'order_number', got None",
        "options_count: expected 2, got 1 (['A'])",
    ]


def test_a_turn_that_failed_says_why(assistant, monkeypatch: pytest.MonkeyPatch) -> None:
    # a broken search made every answer "Sorry, I can't search our help centre right now" and the script failed
    # with "action: expected 'answer', got 'fallback'", which named no cause (the exception went to the log only)
    def broken(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise RuntimeError("the index file is truncated")

    monkeypatch.setattr(assistant.manager.answer_action, "run", broken)
    test = conversation_tests.parse("turns: [{user: 'how much is shipping?', expect: {action: answer}}]")

    failures = conversation_tests.run(assistant.manager, test)

    assert failures == ["turn 1: action: expected 'answer', got 'fallback'", "turn 1: the turn failed: RuntimeError: the index file is truncated"]


def test_a_fallback_without_an_error_is_no_failed_turn(assistant) -> None:
    # "the message has no words to understand" is a fallback, not something that broke
    test = conversation_tests.parse("turns: [{user: '?!', expect: {action: answer}}]")

    assert conversation_tests.run(assistant.manager, test) == ["turn 1: action: expected 'answer', got 'fallback'"]


class CloseIntents:
    name = "fake"

    def understand(self, text: str) -> Understanding:
        return Understanding("refund", 0.45, ranking=(("refund", 0.45), ("order_status", 0.4)), source="classifier")


def test_run_clicks_an_option_of_the_previous_reply(assistant) -> None:
    manager = DialogManager(
        InMemoryStore(), assistant.manager.answer_action, actions=demo_actions(), understander=Understander(CloseIntents())
    )
    test = conversation_tests.parse(
        """
turns:
  - user: my money
    expect: {action: clarify, options: [Get a refund, Check the status of an order]}
  - user: {option: 2}
    expect: {action: business, asks_for: order_number}
  - user: {option: 1}
"""
    )

    assert conversation_tests.run(manager, test) == ["turn 3: option 1 asked for, but the previous reply offered []"]


def test_a_script_held_at_a_time_runs_with_the_support_hours_of_that_time(assistant) -> None:
    # an expectation that depends on the support hours (the assistant's own handoff) passed or failed by the time of day
    rules = parse_rules({"support_hours": {"timezone": "UTC", "hours": {"monday": "09:00-17:00"}}})
    manager = DialogManager(InMemoryStore(), assistant.manager.answer_action, rules=rules, handoff_after_failures=1)
    script = "turns: [{user: xylophone quantum zebra, expect: {action: handoff}}]"
    closed = conversation_tests.parse(f"at: 2026-12-06T12:00:00+00:00\n{script}")
    open_ = conversation_tests.parse(f"at: 2026-12-07T12:00:00+00:00\n{script}")
    clock = manager.clock

    assert conversation_tests.run(manager, open_) == []
    assert conversation_tests.run(manager, closed) == ["turn 1: action: expected 'handoff', got 'answer'"]
    assert manager.clock is clock  # the manager's own clock again for the next script
    with pytest.raises(ValueError, match="'at' must be a time with its zone"):
        conversation_tests.parse(f"at: 2026-12-07\n{script}", origin="t.yaml")


def test_a_script_held_at_a_time_is_written_back_with_its_time() -> None:
    # a script saved again (to_yaml) lost its 'at', and ran at the time of day it was run again
    test = conversation_tests.parse("at: 2026-12-06T12:00:00-05:00\nturns: [{user: hello, expect: {action: small_talk}}]")

    again = conversation_tests.parse(test.to_yaml())

    assert again.at == test.at and again.at is not None and again.at.utcoffset() == test.at.utcoffset()
    assert again == test


def test_the_demo_scripts_cover_every_action_and_follow_ups() -> None:
    scripts = conversation_tests.find_scripts(DEMO_SCRIPTS)
    tests = [conversation_tests.load(path) for path in scripts]
    expected = {t.expect.get("action") for test in tests for t in test.turns}
    handoff_reasons = {p.stem for p in scripts if p.stem.startswith("handoff-")}

    assert len(scripts) >= 30
    assert ACTIONS <= expected
    assert {"handoff-on-request", "handoff-repeated-failure", "handoff-out-of-scope", "handoff-frustration", "handoff-rules-fraud"} <= handoff_reasons
    assert sum(any("query_contains" in t.expect for t in test.turns) for test in tests) >= 4
    assert any(t.expect.get("asks_for") for test in tests for t in test.turns)


def write_script(folder: Path, name: str, turns: list[dict]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{name}.yaml").write_text(yaml.safe_dump({"name": name, "turns": turns}), encoding="utf-8")


def test_the_command_prints_a_table_and_fails_on_a_failing_script(runner, assistant, tmp_path: Path) -> None:
    scripts = tmp_path / "scripts"
    write_script(scripts, "greeting", [{"user": "hello", "expect": {"action": "small_talk"}}])
    write_script(scripts / "more", "human", [{"user": "I want to talk to a human", "expect": {"handoff": True}}])

    passed = invoke(runner, "test", "conversations", str(scripts))
    write_script(scripts, "wrong", [{"user": "hello", "expect": {"action": "handoff"}}])
    failed = invoke(runner, "test", "conversations", str(scripts / "wrong.yaml"))

    assert passed.exit_code == 0, passed.output
    assert "greeting" in passed.output and "human" in passed.output
    assert "2 of 2 conversation test(s) passed." in flat(passed.output)
    assert failed.exit_code == 1
    assert "turn 1: action: expected 'handoff', got 'small_talk'" in flat(failed.output)
    assert "0 of 1 conversation test(s) passed." in flat(failed.output)
    assert assistant.store.session_count() == 0  # the tests ran in memory, not in the conversation log


def test_a_message_the_assistant_refuses_fails_its_test_and_the_others_run(runner, assistant, tmp_path: Path) -> None:
    # an empty message stopped the whole run with "Error: Please type a question: the message is empty.", naming no file
    scripts = tmp_path / "scripts"
    write_script(scripts, "a-empty", [{"user": " ", "expect": {"action": "fallback"}}])
    write_script(scripts, "b-greeting", [{"user": "hello", "expect": {"action": "small_talk"}}])

    result = invoke(runner, "test", "conversations", str(scripts))

    assert result.exit_code == 1, result.output
    assert "turn 1: the assistant refuses the message: Please type a question: the message is empty." in flat(result.output)
    assert "1 of 2 conversation test(s) passed." in flat(result.output)


def test_a_malformed_script_fails_with_its_problem_and_the_others_run(runner, assistant, tmp_path: Path) -> None:
    # one script with "usr:" stopped the whole run with "Error: bad.yaml: ...", with no table and no other test run
    scripts = tmp_path / "scripts"
    write_script(scripts, "a-greeting", [{"user": "hello", "expect": {"action": "small_talk"}}])
    (scripts / "b-bad.yaml").write_text("name: bad\nturns:\n  - usr: hello\n", encoding="utf-8")
    (scripts / "c-broken.yaml").write_text("name: broken\nturns: [{user: hi\n", encoding="utf-8")
    write_script(scripts, "d-human", [{"user": "I want to talk to a human", "expect": {"handoff": True}}])

    result = invoke(runner, "test", "conversations", str(scripts))

    shown = flat(result.output)
    assert result.exit_code == 1, result.output
    assert "b-bad" in shown and "turn 1 has unknown key(s) ['usr']" in shown
    assert "c-broken" in shown and "not valid YAML" in shown
    assert re.search(r"pass\W+a-greeting", shown) and re.search(r"pass\W+d-human", shown)
    assert "2 of 4 conversation test(s) passed." in shown


def test_the_command_says_which_test_runs_on_a_terminal(runner, assistant, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The demo suite ran for minutes on a CPU with nothing on the screen until the table at the end."""
    import io

    from rich.console import Console

    import assistant.cli_dialog as cli_dialog

    screen = io.StringIO()
    monkeypatch.setattr(cli_dialog, "err", Console(file=screen, force_terminal=True, width=120))
    scripts = tmp_path / "scripts"
    write_script(scripts, "greeting", [{"user": "hello", "expect": {"action": "small_talk"}}])
    write_script(scripts, "human", [{"user": "I want to talk to a human", "expect": {"handoff": True}}])

    result = invoke(runner, "test", "conversations", str(scripts))

    assert result.exit_code == 0, result.output
    shown = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", screen.getvalue())
    assert "conversation test 1 of 2: greeting" in shown and "conversation test 2 of 2: human" in shown


def test_the_command_without_an_index_says_so_once(runner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Before, each script's answers failed with a traceback in the log and "expected 'answer', got 'fallback'".
    write_script(tmp_path / "scripts", "refund", [{"user": "How long do refunds take?", "expect": {"action": "answer"}}])
    monkeypatch.setenv("ASSISTANT_INDEX_DIR", str(tmp_path / "no-index"))

    result = invoke(runner, "test", "conversations", str(tmp_path / "scripts"))

    assert result.exit_code == 1
    assert "No search index in" in flat(result.output) and "assistant ingest" in result.output
    assert "Traceback" not in result.output and "conversation test(s) passed" not in result.output


def test_the_command_explains_the_format_and_reports_a_bad_path(runner, tmp_path: Path) -> None:
    shown = invoke(runner, "test", "conversations", "--help")
    missing = invoke(runner, "test", "conversations", str(tmp_path / "nowhere"))

    assert shown.exit_code == 0 and "asks_for" in shown.output and "{option: 1}" in shown.output
    assert missing.exit_code == 1 and "no conversation test file or folder at" in flat(missing.output)


@pytest.fixture(scope="module")
def demo_index(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The demo knowledge base indexed with the packaged MiniLM: (data folder, model cache)."""
    from assistant.models import REGISTRY, is_installed, prepare
    from retrieval.ingest import ingest

    if not is_installed(REGISTRY["all-minilm-l6-v2"]):
        pytest.skip(f"model package for all-minilm-l6-v2 is not installed ({REGISTRY['all-minilm-l6-v2'].install_command})")
    cache = Path(os.environ.get("ASSISTANT_TEST_MODEL_CACHE", Path.home() / ".cache" / "support-assistant" / "models"))
    prepare("all-minilm-l6-v2", cache, show_progress=False)
    data_dir = tmp_path_factory.mktemp("demo")
    assistant = demo_assistant(data_dir, cache, data_dir / "no-intent-model")
    ingest([REPO_ROOT / "demo" / "knowledge_base"], assistant.embedder, assistant.settings.index_dir)
    return data_dir, cache


def demo_assistant(data_dir: Path, cache: Path, intent_model: Path):  # type: ignore[no-untyped-def]
    from assistant.app import Assistant
    from assistant.config import load_settings

    settings = load_settings(
        data_dir=data_dir, model_cache_dir=cache, answer_mode="extractive", device="cpu", intent_model=intent_model
    )
    return Assistant(settings)


def failing_demo_scripts(assistant) -> dict[str, list[str]]:  # type: ignore[no-untyped-def]
    manager = assistant.build_manager(InMemoryStore())
    return {
        path.stem: problems
        for path in conversation_tests.find_scripts(DEMO_SCRIPTS)
        if (problems := conversation_tests.run(manager, conversation_tests.load(path)))
    }


@pytest.mark.slow
def test_the_demo_scripts_pass_with_the_packaged_embedder(demo_index: tuple[Path, Path]) -> None:
    """Every script in demo/conversations, through MiniLM, the demo knowledge base and extractive answers,
    without a trained intent model (about 20 s on 2 cores)."""
    data_dir, cache = demo_index
    assistant = demo_assistant(data_dir, cache, data_dir / "no-intent-model")

    assert assistant.understander.classifier is None
    assert failing_demo_scripts(assistant) == {}


def makefile_value(name: str) -> float:
    """A number the Makefile sets (``NAME ?= 0.29``)."""
    line = next(line for line in (REPO_ROOT / "Makefile").read_text().splitlines() if line.split("?=")[0].strip() == name)
    return float(line.split("?=")[1].split("#")[0])


@pytest.mark.slow
def test_the_demo_scripts_pass_with_an_intent_classifier_trained_on_the_demo_intents(demo_index: tuple[Path, Path]) -> None:
    """The same scripts with a classifier trained on demo/intents.csv for 2 epochs (`make demo` trains 5) with
    the demo's out-of-scope threshold, set by hand as the Makefile sets it (its 3 out-of-scope validation
    examples are too few to choose one): about 25 s of training and 20 s of scripts on 2 cores."""
    from dialog.nlu.data import read_csv
    from dialog.nlu.training import TrainSettings, train_intents

    data_dir, cache = demo_index
    model = data_dir / "intents"
    train_intents(read_csv(REPO_ROOT / "demo" / "intents.csv"), model, settings=TrainSettings(epochs=2, device="cpu", oos_threshold=makefile_value("INTENT_OOS_THRESHOLD")), progress=False)
    assistant = demo_assistant(data_dir, cache, model)

    assert assistant.understander.classifier is not None
    assert failing_demo_scripts(assistant) == {}
