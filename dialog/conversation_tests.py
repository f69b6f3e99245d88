"""Scripted conversation tests: a conversation's turns with what the assistant must do at each, in YAML.

    name: refund question handed off
    turns:
      - user: How do I get a refund?
        expect: {action: answer, cites: [returns/refunds]}
      - user: I want to talk to a person
        expect: {action: handoff, handoff: true}

``expect`` may hold:

- ``action``: answer, clarify, handoff, small_talk, business, decline or fallback;
- ``intent``, ``handoff`` (true/false), ``abstained`` (true/false);
- ``cites``: document ids the answer must cite, each matching a cited document id, its part before ``#``,
  or, when it ends with ``/``, any document in that folder (``returns/``);
- ``answer_contains`` (or ``text_contains``): phrases the reply must contain, case-insensitive;
- ``slots``: slot values the conversation must hold after the turn (``null``: the slot must be empty);
- ``asks_for``: the slot a business action asks for in this reply;
- ``options``: labels the clarifying question must offer (or ``options_count``: how many);
- ``query_contains``: phrases the searched query must contain (checks follow-up rewriting).

A script's ``at`` (an ISO time with its zone, ``at: 2026-12-07T10:00:00-05:00``) holds the conversation at that
time, so that the rules' support hours apply as then (a handoff outside them differs); left out, now.

A turn's ``user`` may be ``{option: N}`` instead of text: the N-th (1-based) option of the previous
reply's clarifying question, as a click on its button sends it. The review pages write such files from
stored conversations; ``assistant test conversations PATH`` runs them.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from dialog.text_files import NotUtf8, decode_utf8, parse_yaml, unknown_keys

if TYPE_CHECKING:  # the manager is imported where a test runs: the command's --help reads the tables below
    from dialog.manager import DialogManager, TurnResult

ACTIONS = ("answer", "clarify", "handoff", "small_talk", "business", "decline", "fallback", "relay", "hand_back", "other_language")
# The keys the runner accepts, with what each means: parse() refuses any other key, and the command's help lists
# these (keys_help), so the help cannot leave out a key the runner takes.
TEST_KEYS: dict[str, str] = {
    "name": "what the test is called (left out: the file name)",
    "description": "a note for whoever reads the script",
    "source_session": "the stored conversation the script was written from (the review pages set it)",
    "at": "a time with its zone (2026-12-07T10:00:00-05:00): the conversation is held then, for the support hours "
    "(what --use-database stores keeps the real time); left out, now",
    "turns": "the customer's turns, in order, each with 'user' and 'expect'",
}
TURN_KEYS: dict[str, str] = {
    "user": "the customer's message (quote 'yes', '12:30'), or {option: N}: a click on the N-th button offered",
    "expect": "what the assistant must do at this turn (the expectations below, all optional)",
}
EXPECTATIONS: dict[str, str] = {
    "action": "one of " + ", ".join(ACTIONS),
    "intent": "the intent recognised",
    "handoff": "true or false: handed to a person",
    "abstained": "true or false: declined to answer",
    "cites": "document ids the answer must cite ('folder/' matches any document in it)",
    "answer_contains": "phrases the reply must contain, any case",
    "text_contains": "the same as answer_contains",
    "slots": "slot values held after the turn (name: value; null: empty)",
    "asks_for": "the slot a business action asks for",
    "options": "labels the clarifying question must offer",
    "options_count": "how many options it offers",
    "query_contains": "phrases the searched query must contain (after follow-up rewriting)",
}


def keys_help() -> str:
    """Every key a script, a turn and an ``expect`` may hold, one per line with what it means, for the command's help."""
    sections = (("Keys of a script", TEST_KEYS), ("Keys of a turn", TURN_KEYS), ("Expectations (expect:)", EXPECTATIONS))
    return "\n\n".join(
        "\b\n" + heading + ":\n" + "\n".join(f"  {key}: {meaning}" for key, meaning in keys.items())
        for heading, keys in sections
    )


@dataclass
class ScriptedTurn:
    user: str | dict[str, int]  # text, or {"option": N}: the N-th option of the last clarifying question
    expect: dict[str, Any] = field(default_factory=dict)


@dataclass
class ConversationTest:
    name: str
    turns: list[ScriptedTurn]
    source_session: str | None = None
    description: str | None = None
    at: datetime | None = None  # when the conversation is held (support hours); None: now

    def to_yaml(self) -> str:
        data: dict[str, Any] = {"name": self.name}
        if self.description:
            data["description"] = self.description
        if self.source_session:
            data["source_session"] = self.source_session
        if self.at is not None:
            data["at"] = self.at  # written as a YAML timestamp with its offset, read back as the same time
        data["turns"] = [{"user": t.user, "expect": t.expect} for t in self.turns]
        return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)


_PHRASES = ("cites", "answer_contains", "text_contains", "options", "query_contains")


def _is_phrases(value: Any) -> bool:
    return isinstance(value, str) or (isinstance(value, list) and all(isinstance(v, str) for v in value))


def _expectation_problem(key: str, value: Any) -> str | None:
    """Why ``value`` cannot be expected for ``key`` (None when it can), so that a typo fails when the file
    is read, not as a test that can never pass (or a traceback) when it runs."""
    if key == "action" and value not in ACTIONS:
        return f"action must be one of {', '.join(ACTIONS)}, not {value!r}"
    if key in ("handoff", "abstained") and not isinstance(value, bool):
        return f"{key} must be true or false, not {value!r}"
    if key in ("intent", "asks_for") and not (value is None or isinstance(value, str)):
        return f"{key} must be a name (text), not {value!r}"
    if key in _PHRASES and not _is_phrases(value):
        return f"{key} must be a text or a list of texts (quote numbers), not {value!r}"
    if key == "options_count" and (isinstance(value, bool) or not isinstance(value, int) or value < 0):
        return f"options_count must be a whole number, not {value!r}"
    if key == "slots" and not (
        isinstance(value, dict) and all(isinstance(v, (str, bool)) or v is None for v in value.values())
    ):
        return f"slots must map slot names to texts, true/false or null (quote numbers and dates: order_number: '20481736', day: '2026-12-10'), not {value!r}"
    return None


def _not_text(value: Any) -> str | None:
    """What YAML made of a message written without quotes that is not text ("a number"), or None."""
    if isinstance(value, bool):
        return "true or false"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, (date, datetime)):
        return "a date"
    return None


def _written_users(text: str) -> dict[int, str]:
    """The ``user`` messages of the turns as written in the file, by turn index (0-based), for an error to quote
    them: YAML turns ``12:30`` into 750 and ``0x1F`` into 31."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return {}
    turns = next((v for k, v in getattr(root, "value", ()) if isinstance(root, yaml.MappingNode) and k.value == "turns"), None)
    written = {}
    for index, item in enumerate(turns.value if isinstance(turns, yaml.SequenceNode) else ()):
        if isinstance(item, yaml.MappingNode):
            user = next((v for k, v in item.value if getattr(k, "value", None) == "user"), None)
            if isinstance(user, yaml.ScalarNode):
                written[index] = user.value
    return written


def parse(text: str, origin: str = "<text>") -> ConversationTest:
    """A conversation test from YAML; ValueError naming ``origin`` when it is malformed: also a key or an
    expectation it does not know, or a value of the wrong kind (a misspelt key would otherwise be
    skipped, and the test pass without checking it)."""
    try:
        data = parse_yaml(text, origin, yaml.SafeLoader)
    except yaml.YAMLError as error:
        raise ValueError(f"{origin}: not valid YAML ({error})") from None
    if not isinstance(data, dict) or not isinstance(data.get("turns"), list) or not data["turns"]:
        raise ValueError(f"{origin}: expected a mapping with a non-empty list 'turns'")
    unknown = set(map(str, data)) - set(TEST_KEYS)
    if unknown:
        raise ValueError(f"{origin}: {unknown_keys(unknown, tuple(TEST_KEYS))}")
    written = _written_users(text)
    turns = []
    for number, item in enumerate(data["turns"], start=1):
        unknown = set(map(str, item)) - set(TURN_KEYS) if isinstance(item, dict) else set()
        if unknown:  # before the 'user' check: "usr:" is a misspelt key, not a missing message
            raise ValueError(f"{origin}: turn {number} has {unknown_keys(unknown, tuple(TURN_KEYS))}")
        user = item.get("user") if isinstance(item, dict) else None
        is_option = isinstance(user, dict) and set(user) == {"option"} and isinstance(user["option"], int) and user["option"] >= 1
        kind = _not_text(user)
        if kind is not None:  # "user: yes" is true to YAML, "user: 2026-12-10" a date, "user: 12:30" the number 750
            shown = written.get(number - 1, user)
            raise ValueError(f"{origin}: turn {number}: quote a message that YAML reads as {kind} (user: '{shown}'), or it is not the text written")
        if not (isinstance(user, str) or is_option):
            raise ValueError(f"{origin}: turn {number} needs a 'user' message (text, or {{option: N}} for a button)")
        expect = item.get("expect") or {}
        if not isinstance(expect, dict):
            raise ValueError(f"{origin}: turn {number}: 'expect' must be a mapping such as {{action: answer}}, not {expect!r}")
        unknown = set(map(str, expect)) - set(EXPECTATIONS)
        if unknown:
            raise ValueError(f"{origin}: turn {number} expects {unknown_keys(unknown, tuple(EXPECTATIONS), what='field', list_up_to=len(EXPECTATIONS))}")
        for key, value in expect.items():
            problem = _expectation_problem(key, value)
            if problem:
                raise ValueError(f"{origin}: turn {number}: {problem}")
        turns.append(ScriptedTurn(item["user"], dict(expect)))
    at = data.get("at")
    if at is not None and not (isinstance(at, datetime) and at.tzinfo is not None):
        raise ValueError(f"{origin}: 'at' must be a time with its zone (at: 2026-12-07T10:00:00-05:00), not {at!r}")
    return ConversationTest(str(data.get("name") or origin), turns, data.get("source_session"), data.get("description"), at)


def load(path: Path) -> ConversationTest:
    """The conversation test in a YAML file (UTF-8); ValueError naming the file when it cannot be used."""
    try:
        text = decode_utf8(Path(path).read_bytes())
    except NotUtf8 as error:
        raise ValueError(f"{path}: {error}; save it as UTF-8") from None
    return parse(text, origin=str(path))


def load_each(paths: list[Path]) -> list[tuple[Path, ConversationTest | str]]:
    """The test in each file of ``paths``, or, for a file that cannot be used, what is wrong with it (without its
    path): one malformed script is one failed test, and the others still run."""
    loaded: list[tuple[Path, ConversationTest | str]] = []
    for path in paths:
        try:
            loaded.append((path, load(path)))
        except (ValueError, OSError) as error:
            loaded.append((path, str(error).removeprefix(f"{path}: ")))
    return loaded


def find_scripts(path: Path) -> list[Path]:
    """The YAML scripts at ``path``: the file itself, or every ``*.yaml``/``*.yml`` under the folder, sorted."""
    path = Path(path)
    if path.is_dir():
        return sorted(p for p in path.rglob("*") if p.suffix in (".yaml", ".yml") and p.is_file())
    if path.is_file():
        return [path]
    raise FileNotFoundError(f"no conversation test file or folder at {path}")


def _cited_documents(result: TurnResult) -> list[str]:
    return [str(s["doc_id"]) for s in result.sources if s.get("cited")]


def _cited_ids_before(result: TurnResult) -> list[str]:
    """The cited FAQ entries' ids of before accented letters were kept (``slugify_dropping_accents`` of the question,
    ``faq#env-an-a-espa-a``): a script exported from a turn of then names the entry so."""
    from retrieval.loaders import slugify_dropping_accents  # here: the command's --help loads this module, not numpy

    return [
        f"{str(s['doc_id']).rpartition('#')[0]}#{slugify_dropping_accents(str(s['title']))}"
        for s in result.sources if s.get("cited") and "#" in str(s["doc_id"]) and s.get("title")
    ]


def _cites(cited: list[str], doc_id: str) -> bool:
    if doc_id.endswith("/"):
        return any(c.startswith(doc_id) for c in cited)
    return any(c == doc_id or c.split("#")[0] == doc_id for c in cited)


def _phrases(value: Any) -> list[str]:
    return [value] if isinstance(value, str) else list(value or [])


def check_turn(result: TurnResult, expect: dict[str, Any]) -> list[str]:
    """What differs between a turn's result and its expectations (empty when it passes)."""
    problems = []
    for key in ("action", "intent", "handoff", "abstained"):
        if key in expect and getattr(result, key) != expect[key]:
            problems.append(f"{key}: expected {expect[key]!r}, got {getattr(result, key)!r}")
    cited = _cited_documents(result)
    for doc_id in _phrases(expect.get("cites")):
        if not _cites(cited + _cited_ids_before(result), doc_id):
            problems.append(f"cites: expected {doc_id!r} among {cited}")
    for key in ("answer_contains", "text_contains"):  # each reported under the key the script used
        for phrase in _phrases(expect.get(key)):
            if phrase.lower() not in result.text.lower():
                problems.append(f"{key}: {phrase!r} not in {result.text[:160]!r}")
    for name, value in (expect.get("slots") or {}).items():
        if result.slots.get(name) != value:
            problems.append(f"slots: expected {name}={value!r}, got {result.slots.get(name)!r}")
    if "asks_for" in expect and result.requested_slot != expect["asks_for"]:
        problems.append(f"asks_for: expected {expect['asks_for']!r}, got {result.requested_slot!r}")
    offered = [o.lower() for o in result.options]
    for option in _phrases(expect.get("options")):
        if option.lower() not in offered:
            problems.append(f"options: expected {option!r} among {result.options}")
    if "options_count" in expect and len(result.options) != expect["options_count"]:
        problems.append(f"options_count: expected {expect['options_count']}, got {len(result.options)} ({result.options})")
    for phrase in _phrases(expect.get("query_contains")):
        if phrase.lower() not in (result.query or "").lower():
            problems.append(f"query_contains: {phrase!r} not in the query {result.query!r}")
    return problems


# the error a turn's reason names in brackets when its action raised: "... (RuntimeError: the index file is truncated)"
_ERROR_IN_REASON = re.compile(r"\(([A-Z][\w.]*(?:Error|Exception|Unavailable|Timeout|Exit)\w*: [^)]*)\)")


def run(manager: DialogManager, test: ConversationTest, channel: str = "test") -> list[str]:
    """Play the conversation through ``manager`` in a new session (at the test's time, ``at``, when it has one); the
    failures, as 'turn N: …' lines."""
    clock = manager.clock
    if test.at is not None:
        at: datetime = test.at
        manager.clock = lambda: at
    try:
        return _play(manager, test, channel)
    finally:
        manager.clock = clock


def _play(manager: DialogManager, test: ConversationTest, channel: str) -> list[str]:
    from dialog.manager import InvalidMessage

    failures: list[str] = []
    session_id: str | None = None
    options: list[str] = []
    for number, turn in enumerate(test.turns, start=1):
        if isinstance(turn.user, dict):
            choice = turn.user["option"]
            if choice > len(options):
                failures.append(f"turn {number}: option {choice} asked for, but the previous reply offered {options}")
                break
            text = options[choice - 1]
        else:
            text = turn.user
        try:
            result = manager.handle(session_id, text, channel=channel)
        except InvalidMessage as refused:  # an empty or over-long message: this test fails, the others still run
            failures.append(f"turn {number}: the assistant refuses the message: {refused}")
            break
        session_id, options = result.session_id, result.options
        problems = check_turn(result, turn.expect)
        failures.extend(f"turn {number}: {problem}" for problem in problems)
        broke = _ERROR_IN_REASON.search(result.reason) if problems and result.action == "fallback" else None
        if broke:  # something raised (the reason names the error): say what, as the log does
            failures.append(f"turn {number}: the turn failed: {broke.group(1)}")
    return failures


@dataclass
class ScriptResult:
    """One script's outcome, as the reports give it. ``turns`` and ``ms`` are None for a file that cannot be read
    (``failures`` then says why)."""

    name: str
    file: str
    classname: str  # the script's path under the folder that was run, dotted, without its suffix: "more.b-wrong"
    passed: bool
    turns: int | None
    ms: int | None
    failures: list[str]

    @property
    def unreadable(self) -> bool:
        return self.turns is None

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "file": self.file, "passed": self.passed, "turns": self.turns, "ms": self.ms, "failures": self.failures}


def json_report(results: Sequence[ScriptResult]) -> dict[str, Any]:
    """The run as JSON: the counts, and per script its name, file, passed, turns, ms and failures."""
    passed = sum(result.passed for result in results)
    return {"total": len(results), "passed": passed, "failed": len(results) - passed, "scripts": [r.to_dict() for r in results]}


# characters XML 1.0 cannot hold, even escaped (a reply may carry one from a knowledge-base file)
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _xml_text(text: str) -> str:
    return _NOT_XML.sub("", text)


def junit_xml(results: Sequence[ScriptResult], suite: str) -> str:
    """The run as JUnit XML, which CI systems read: one testsuite, one testcase per script; a failing script has a
    <failure> with its failing turns, one per line, a script that cannot be read an <error> that says why."""
    errors = sum(result.unreadable for result in results)
    counts = {
        "tests": str(len(results)),
        "failures": str(sum(not result.passed for result in results) - errors),
        "errors": str(errors),
        "skipped": "0",
        "time": f"{sum(result.ms or 0 for result in results) / 1000:.3f}",
    }
    root = ET.Element("testsuites", {"name": _xml_text(suite), **counts})
    suite_element = ET.SubElement(root, "testsuite", {"name": _xml_text(suite), **counts})
    for result in results:
        case = ET.SubElement(suite_element, "testcase", {
            "classname": _xml_text(result.classname), "name": _xml_text(result.name), "file": _xml_text(result.file),
            "time": f"{(result.ms or 0) / 1000:.3f}",
        })
        if result.passed:
            continue
        more = len(result.failures) - 1
        message = result.failures[0] + (f" (and {more} more)" if more else "") if result.failures else "failed"
        kind = ("error", "unreadable script") if result.unreadable else ("failure", "expectation")
        problem = ET.SubElement(case, kind[0], {"message": _xml_text(message), "type": kind[1]})
        problem.text = _xml_text("\n".join(result.failures))
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
