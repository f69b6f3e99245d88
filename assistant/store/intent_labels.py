"""The intents reviewers gave turns on the review pages (Label a turn → Correct intent), as training examples.

Each labelled turn gives one example: the customer's text of that turn with the reviewer's intent. When
several reviewers labelled one turn, the latest label stands and the others are reported. The stored text
is redacted (``[EMAIL]``); the classifier sees what the customer typed, so each placeholder of a known
kind becomes a stand-in of that kind (``customer@example.com``), as in the review pages' conversation
tests. `assistant logs export-intents` writes them as a `text,label` CSV (``dialog.nlu.relabel``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy import Engine, and_, select

from assistant.store.db import store_errors
from assistant.store.review import with_stand_ins
from assistant.store.tables import AnnotationRow, TurnRow
from dialog.business import REDACTED_VALUE
from dialog.nlu.relabel import label_key

SESSIONS_PER_QUERY = 500  # the labelled conversations' turns are read this many conversations at a time


@dataclass(frozen=True)
class LabelledTurn:
    """A turn with the intent a reviewer gave it."""

    session_id: str
    turn_no: int
    text: str  # the customer's text, redacted values replaced by stand-ins, whitespace collapsed
    label: str  # the latest reviewer's intent, as typed (trimmed)
    reviewer: str
    labelled_at: datetime
    predicted: str  # the intent the assistant gave the turn
    other_labels: tuple[tuple[str, str], ...] = ()  # other reviewers' earlier, different labels: (reviewer, label)
    placeholders: tuple[str, ...] = ()  # redaction placeholders of the operator's own kinds left in ``text``

    @property
    def where(self) -> str:
        return f"conversation {self.session_id} turn {self.turn_no}"


@dataclass(frozen=True)
class _Label:
    reviewer: str
    label: str
    at: datetime


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


def _chunks(items: list[str], size: int) -> Iterator[list[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _labels(engine: Engine, since: datetime | None, until: datetime | None) -> dict[tuple[str, int], list[_Label]]:
    """The intent labels given from ``since`` (inclusive) to ``until`` (exclusive), per (conversation, turn), oldest first."""
    conditions = [AnnotationRow.correct_intent.is_not(None), AnnotationRow.correct_intent != ""]
    if since is not None:
        conditions.append(AnnotationRow.created_at >= since)
    if until is not None:
        conditions.append(AnnotationRow.created_at < until)
    query = (
        select(AnnotationRow.session_id, AnnotationRow.turn_no, AnnotationRow.reviewer, AnnotationRow.correct_intent, AnnotationRow.created_at)
        .where(and_(*conditions))
        .order_by(AnnotationRow.created_at, AnnotationRow.id)
    )
    labels: dict[tuple[str, int], list[_Label]] = defaultdict(list)
    with engine.connect() as connection:
        for session_id, turn_no, reviewer, intent, at in connection.execute(query):
            if intent.strip():
                labels[(session_id, turn_no)].append(_Label(reviewer, intent.strip(), _utc(at)))
    return labels


def _turns(engine: Engine, session_ids: list[str]) -> dict[tuple[str, int], tuple[str, str]]:
    """(customer text, predicted intent) of every turn of these conversations, by (conversation, turn number).
    A turn recorded before turns were numbered has its position as its number, as on the review pages."""
    turns: dict[tuple[str, int], tuple[str, str]] = {}
    with engine.connect() as connection:
        for chunk in _chunks(session_ids, SESSIONS_PER_QUERY):
            query = (
                select(TurnRow.session_id, TurnRow.turn_no, TurnRow.user_text, TurnRow.intent)
                .where(TurnRow.session_id.in_(chunk))
                .order_by(TurnRow.session_id, TurnRow.id)
            )
            position: dict[str, int] = defaultdict(int)
            for session_id, turn_no, text, intent in connection.execute(query):
                position[session_id] += 1
                turns[(session_id, turn_no or position[session_id])] = (text or "", intent or "")
    return turns


def labelled_turns(engine: Engine, since: datetime | None = None, until: datetime | None = None) -> list[LabelledTurn]:
    """The turns reviewers gave an intent, in the order of their latest label (oldest first). Only labels
    given from ``since`` to ``until`` count; a label whose turn is gone, or whose text is empty, is left out."""
    with store_errors(engine.url):
        labels = _labels(engine, since, until)
        turns = _turns(engine, sorted({session_id for session_id, _ in labels}))
    found = []
    for (session_id, turn_no), given in labels.items():
        turn = turns.get((session_id, turn_no))
        if turn is None:
            continue
        stored_text, predicted = turn
        text, _ = with_stand_ins(" ".join(stored_text.split()))
        if not text:
            continue
        latest = given[-1]
        others = tuple(
            dict.fromkeys(
                (g.reviewer, g.label) for g in given[:-1] if g.reviewer != latest.reviewer and label_key(g.label) != label_key(latest.label)
            )
        )
        placeholders = tuple(dict.fromkeys(match.group() for match in REDACTED_VALUE.finditer(text)))
        found.append(
            LabelledTurn(session_id, turn_no, text, latest.label, latest.reviewer, latest.at, predicted, others, placeholders)
        )
    found.sort(key=lambda turn: turn.labelled_at)
    return found
