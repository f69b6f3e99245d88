"""`assistant test conversations` in CI: the JUnit XML and JSON reports (--junit, --json), a help that lists every key
the runner accepts, and the message for a folder without scripts."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from assistant import cli
from dialog import conversation_tests

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


def write_script(folder: Path, file_name: str, name: str, turns: list[dict]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / file_name).write_text(yaml.safe_dump({"name": name, "turns": turns}), encoding="utf-8")


@pytest.fixture
def scripts(tmp_path: Path) -> Path:
    """A passing script, one failing at two turns (one of them a .yml file in a subfolder), and a malformed one."""
    folder = tmp_path / "scripts"
    write_script(folder, "a-greeting.yaml", "greeting is small talk", [{"user": "hello", "expect": {"action": "small_talk"}}])
    write_script(
        folder / "more",
        "b-wrong.yml",
        "greeting expected as a handoff",
        [
            {"user": "hello", "expect": {"action": "handoff"}},
            {"user": "thanks", "expect": {"action": "small_talk"}},
            {"user": "hello again", "expect": {"handoff": True}},
        ],
    )
    (folder / "c-bad.yaml").write_text("name: bad\nturns:\n  - usr: hello\n", encoding="utf-8")
    return folder


def test_junit_and_json_reports_of_a_run_with_a_failing_and_a_malformed_script(runner, scripts: Path, tmp_path: Path) -> None:
    junit, report = tmp_path / "reports" / "junit.xml", tmp_path / "reports" / "conversations.json"  # the folder is made

    result = invoke(runner, "test", "conversations", str(scripts), "--junit", str(junit), "--json", str(report))

    assert result.exit_code == 1, result.output  # the exit code is as without the reports
    assert "1 of 3 conversation test(s) passed." in flat(result.output)
    root = ET.parse(junit).getroot()
    suites = [root] if root.tag == "testsuite" else root.findall("testsuite")
    assert len(suites) == 1
    suite = suites[0]
    assert (suite.get("tests"), suite.get("failures"), suite.get("errors"), suite.get("skipped")) == ("3", "1", "1", "0")
    cases = {case.get("name"): case for case in suite.findall("testcase")}
    assert set(cases) == {"greeting is small talk", "greeting expected as a handoff", "c-bad"}
    passed, failing, bad = cases["greeting is small talk"], cases["greeting expected as a handoff"], cases["c-bad"]
    assert list(passed) == [] and float(passed.get("time")) >= 0
    assert passed.get("file") == str(scripts / "a-greeting.yaml") and passed.get("classname") == "a-greeting"
    assert failing.get("classname") == "more.b-wrong"
    failure = failing.find("failure")
    assert failure is not None and failing.find("error") is None
    assert failure.get("message") == "turn 1: action: expected 'handoff', got 'small_talk' (and 1 more)"
    assert failure.text.splitlines() == [
        "turn 1: action: expected 'handoff', got 'small_talk'",
        "turn 3: handoff: expected True, got False",
    ]
    error = bad.find("error")
    assert error is not None and bad.find("failure") is None
    assert "cannot be read: turn 1 has unknown key(s) ['usr']" in error.get("message")

    data = json.loads(report.read_text(encoding="utf-8"))
    assert (data["total"], data["passed"], data["failed"]) == (3, 1, 2)
    by_file = {Path(row["file"]).name: row for row in data["scripts"]}
    assert set(by_file) == {"a-greeting.yaml", "b-wrong.yml", "c-bad.yaml"}
    for row in data["scripts"]:
        assert set(row) == {"name", "file", "passed", "turns", "ms", "failures"}
    assert by_file["a-greeting.yaml"]["passed"] is True and by_file["a-greeting.yaml"]["failures"] == []
    assert by_file["a-greeting.yaml"]["turns"] == 1 and isinstance(by_file["a-greeting.yaml"]["ms"], int)
    assert by_file["b-wrong.yml"] == {
        **by_file["b-wrong.yml"],
        "name": "greeting expected as a handoff", "passed": False, "turns": 3,
        "failures": ["turn 1: action: expected 'handoff', got 'small_talk'", "turn 3: handoff: expected True, got False"],
    }
    assert by_file["c-bad.yaml"]["passed"] is False and by_file["c-bad.yaml"]["turns"] is None
    assert by_file["c-bad.yaml"]["ms"] is None and by_file["c-bad.yaml"]["name"] == "c-bad"
    assert by_file["c-bad.yaml"]["failures"][0].startswith("cannot be read: turn 1 has unknown key(s) ['usr']")


def test_reports_of_a_run_that_passes(runner, scripts: Path, tmp_path: Path) -> None:
    junit, report = tmp_path / "junit.xml", tmp_path / "report.json"

    result = invoke(runner, "test", "conversations", str(scripts / "a-greeting.yaml"), "--junit", str(junit), "--json", str(report))

    assert result.exit_code == 0, result.output
    suite = ET.parse(junit).getroot().find("testsuite")
    assert (suite.get("tests"), suite.get("failures"), suite.get("errors")) == ("1", "0", "0")
    assert json.loads(report.read_text(encoding="utf-8"))["passed"] == 1


def test_junit_report_holds_text_that_xml_cannot_carry() -> None:
    """A reply with a control character (from a knowledge-base file) would make an XML file no CI system can read."""
    results = [
        conversation_tests.ScriptResult("odd \x07 reply", "x.yaml", "x", False, 1, 3, ["turn 1: answer_contains: 'a' not in 'b\x00\x1b[0m <&>'"]),
    ]

    root = ET.fromstring(conversation_tests.junit_xml(results, "suite"))

    case = root.find("testsuite/testcase")
    assert case.get("name") == "odd  reply"
    assert case.find("failure").text == "turn 1: answer_contains: 'a' not in 'b[0m <&>'"


def test_reports_are_not_written_for_a_bad_path(runner, tmp_path: Path) -> None:
    junit = tmp_path / "junit.xml"

    result = invoke(runner, "test", "conversations", str(tmp_path / "nowhere"), "--junit", str(junit))

    assert result.exit_code == 1 and "no conversation test file or folder at" in flat(result.output)
    assert not junit.exists()


def test_an_unwritable_report_is_one_line_and_the_run_fails(runner, scripts: Path, tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("", encoding="utf-8")

    result = invoke(runner, "test", "conversations", str(scripts / "a-greeting.yaml"), "--json", str(blocker / "report.json"))

    assert result.exit_code == 1
    assert "Traceback" not in result.output and "cannot write the report" in flat(result.output)


def test_the_help_lists_every_key_the_runner_accepts(runner) -> None:
    """docs/dialog.md documents answer_contains and a script's at:, which the help did not list."""
    shown = invoke(runner, "test", "conversations", "--help")

    assert shown.exit_code == 0, shown.output
    accepted = [*conversation_tests.TEST_KEYS, *conversation_tests.TURN_KEYS, *conversation_tests.EXPECTATIONS]
    assert {"answer_contains", "at", "text_contains", "query_contains"} <= set(accepted)
    for key in accepted:
        assert re.search(rf"^\W*{key}: \w", shown.output, re.MULTILINE), key
    for action in conversation_tests.ACTIONS:
        assert action in shown.output, action
    assert "--junit" in shown.output and "--json" in shown.output


def test_a_folder_without_scripts_names_both_suffixes(runner, tmp_path: Path) -> None:
    (tmp_path / "scripts").mkdir()
    (tmp_path / "scripts" / "notes.txt").write_text("not a script", encoding="utf-8")

    result = invoke(runner, "test", "conversations", str(tmp_path / "scripts"))

    assert result.exit_code == 1
    assert "no conversation tests (*.yaml or *.yml files) in" in flat(result.output)
