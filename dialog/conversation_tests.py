"""Scripted conversation tests: a conversation's turns with what the assistant must do at each, in YAML.

    name: refund question handed off
    turns:
      - user: How do I get a refund?
        expect: {action: answer, cites: [returns/refunds]}
      - user: I want to talk to a person
        expect: {action: handoff, handoff: true}

``expect`` may hold ``action``, ``intent``, ``handoff``, ``abstained``, ``cites`` (document ids the answer
must cite, each matching a cited document id or its prefix before ``#``) and ``answer_contains``
(phrases, case-insensitive). The review pages write such files from stored conversations.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from dialog.manager import DialogManager, TurnResult

EXPECTATIONS = ("action", "intent", "handoff", "abstained", "cites", "answer_contains")


@dataclass
class ScriptedTurn:
    user: str
    expect: dict[str, Any] = field(default_factory=dict)


@dataclass
class ConversationTest:
    name: str
    turns: list[ScriptedTurn]
    source_session: str | None = None

    def to_yaml(self) -> str:
        data: dict[str, Any] = {"name": self.name}
        if self.source_session:
            data["source_session"] = self.source_session
        data["turns"] = [{"user": t.user, "expect": t.expect} for t in self.turns]
        return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)


def parse(text: str, origin: str = "<text>") -> ConversationTest:
    """A conversation test from YAML; ValueError naming ``origin`` when it is malformed."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise ValueError(f"{origin}: not valid YAML ({error})") from None
    if not isinstance(data, dict) or not isinstance(data.get("turns"), list) or not data["turns"]:
        raise ValueError(f"{origin}: expected a mapping with a non-empty list 'turns'")
    turns = []
    for number, item in enumerate(data["turns"], start=1):
        if not isinstance(item, dict) or not isinstance(item.get("user"), str):
            raise ValueError(f"{origin}: turn {number} needs a 'user' message")
        expect = item.get("expect") or {}
        unknown = set(expect) - set(EXPECTATIONS)
        if unknown:
            raise ValueError(f"{origin}: turn {number} expects unknown field(s) {sorted(unknown)}; known: {', '.join(EXPECTATIONS)}")
        turns.append(ScriptedTurn(item["user"], dict(expect)))
    return ConversationTest(str(data.get("name") or origin), turns, data.get("source_session"))


def load(path: Path) -> ConversationTest:
    return parse(Path(path).read_text(encoding="utf-8"), origin=str(path))


def _cited_documents(result: TurnResult) -> list[str]:
    return [str(s["doc_id"]) for s in result.sources if s.get("cited")]


def check_turn(result: TurnResult, expect: dict[str, Any]) -> list[str]:
    """What differs between a turn's result and its expectations (empty when it passes)."""
    problems = []
    for key in ("action", "intent", "handoff", "abstained"):
        if key in expect and getattr(result, key) != expect[key]:
            problems.append(f"{key}: expected {expect[key]!r}, got {getattr(result, key)!r}")
    cited = _cited_documents(result)
    for doc_id in expect.get("cites", []):
        if not any(c == doc_id or c.split("#")[0] == doc_id for c in cited):
            problems.append(f"cites: expected {doc_id!r} among {cited}")
    for phrase in expect.get("answer_contains", []):
        if phrase.lower() not in result.text.lower():
            problems.append(f"answer_contains: {phrase!r} not in {result.text[:120]!r}")
    return problems


def run(manager: DialogManager, test: ConversationTest, channel: str = "test") -> list[str]:
    """Play the conversation through ``manager`` in a new session; the failures, as 'turn N: …' lines."""
    failures: list[str] = []
    session_id: str | None = None
    for number, turn in enumerate(test.turns, start=1):
        result = manager.handle(session_id, turn.user, channel=channel)
        session_id = result.session_id
        failures.extend(f"turn {number}: {problem}" for problem in check_turn(result, turn.expect))
    return failures
