"""A conversation as the review pages show it: each turn with its decision record, feedback and labels,
and the staff replies and hand-backs between turns, as HTML.

Everything a customer typed is rendered escaped: a transcript is shown as text, never as markup. The
assistant's answers are escaped too, with one exception: their **bold** (the help centre's button names) is
shown bold, as the customer saw it, not between asterisks.
"""

from __future__ import annotations

import html
import re
from typing import Any

from assistant.store.analytics import TurnWithoutModel
from assistant.store.review import StaffEntry, Transcript, TurnView
from assistant.store.sql_store import declined
from assistant.store.tables import NOT_HELPED, TurnRow
from ui.review_tables import produced_by, utc_time

THUMB_WORDS = {1: "thumbs up", -1: "thumbs down", 0: "thumb taken back"}
# Readable in the light and the dark mode alike (the staff page follows the computer's setting): the decision record in
# the theme's subdued text colour (a fixed grey was 2.56:1 on the dark page), and the flags and staff lines, which
# have a light background of their own, in a dark text of their own (they took the dark mode's light text, 1.06:1).
TRANSCRIPT_CSS = """
.turn { border: 1px solid var(--border-color-primary); border-radius: 8px; padding: .6rem .9rem; margin: .6rem 0; }
.turn .who { font-weight: 600; margin-right: .4rem; }
.turn .record { font-size: .85em; color: var(--body-text-color-subdued); margin-top: .4rem; }
.turn summary { cursor: pointer; }
.turn .text { white-space: pre-wrap; }
.turn .staff { background: #eef6ee; color: #1a2e1a; border-radius: 6px; padding: .2rem .5rem; margin-top: .3rem; }
/* its words too: in the dark mode Gradio gave them the page's light text (1.0:1); the background is the line's, said
   for the colour check (tests/ui/test_colours.py) */
.turn .staff * { color: #1a2e1a; background: #eef6ee; }
/* read by screen readers only: the separators between a speaker, a turn's flags and the words (``SAID``) */
.sr-only { position: absolute; width: 1px; height: 1px; margin: -1px; padding: 0; overflow: hidden; clip: rect(0 0 0 0);
  clip-path: inset(50%); white-space: nowrap; border: 0; }
.flag { display: inline-block; padding: 0 .4rem; border-radius: 4px; background: #fde8e8; color: #6b1010; margin-right: .3rem; }
"""


# between a speaker (and a turn's flags) and their words, for screen readers: "Turn 1 · customer" and "Where is my order?"
# side by side in their own spans were read "customerWhere is my order?". Shown as before: the who is bold, with a margin.
SAID = '<span class="sr-only">: </span>'
AND = '<span class="sr-only">, </span>'  # before each of a turn's flags


def _escape(value: Any) -> str:
    return html.escape(str(value), quote=True)


_BOLD = re.compile(r"\*\*([^*\n]+?)\*\*")


def answer_html(text: str) -> str:
    """The assistant's answer escaped, with its ``**bold**`` shown bold."""
    return _BOLD.sub(r"<strong>\1</strong>", _escape(text))


def latest_labels(annotations: list[Any]) -> list[Any]:
    """Each reviewer's latest label, in the order they were first given, less those that say nothing (a label
    cleared by its reviewer): every save was listed, and which one counted was unclear."""
    latest: dict[str, Any] = {}
    for label in annotations:
        latest[label.reviewer] = label
    return [a for a in latest.values() if a.answer_correct is not None or a.correct_intent or a.notes]


def turn_flags(turn: TurnRow) -> list[str]:
    """A turn's flags in the list's words: "handoff", "declined" (the list's Declined: no answer found, or a topic the
    rules never answer), "not helped" ("that didn't help", stored as abstained too, is the list's Not helped), "error"."""
    return [
        name
        for name, on in (
            ("handoff", turn.handoff),
            ("declined", declined(turn.abstained, turn.intent, turn.action)),
            ("not helped", turn.intent == NOT_HELPED),
            ("error", bool(turn.error)),
        )
        if on
    ]


def model_shown(turn: TurnRow, business_action: str | None = None) -> str:
    """The record's model: the turn's, or what produced a turn that used none (``produced_by``: "declined", "action:
    order_status", "handoff"); "—" for an answer whose model is missing."""
    if turn.model:
        return turn.model
    plain = TurnWithoutModel(turn.turn_no or 0, turn.action, turn.intent, turn.abstained, turn.handoff, business_action)
    return produced_by(plain) or "—"


def render_turn(view: TurnView, business_action: str | None = None) -> str:
    """One turn as escaped HTML: the exchange, then its decision record, feedback and labels. ``business_action``: the
    one the turn worked on (``assistant.store.analytics.turns_without_model``), said where a model would be."""
    turn = view.turn
    flags = "".join(f'{AND}<span class="flag">{name}</span>' for name in turn_flags(turn))
    sources = "".join(
        f"<li>[{_escape(s['n'])}] {_escape(s.get('heading') or s.get('title') or s['doc_id'])} "
        f"<code>{_escape(s['doc_id'])}</code> score {_escape(s.get('score', ''))}{' · cited' if s.get('cited') else ''}</li>"
        for s in turn.sources
    )
    retrieved = ", ".join(f"{_escape(p['doc_id'])} ({_escape(p['score'])})" for p in turn.retrieved)
    timings = ", ".join(f"{_escape(k.removesuffix('_ms'))} {_escape(v)} ms" for k, v in turn.timings_ms.items())
    feedback = "".join(
        f"<li>{_escape(f.source)}{' ' + _escape(f.author) if f.author else ''}: "
        f"{THUMB_WORDS.get(f.rating, '')} {_escape(f.comment or '')}</li>"
        for f in view.feedback
    )
    labels = "".join(
        f"<li>{_escape(a.reviewer)}: answer {'right' if a.answer_correct else 'wrong' if a.answer_correct is False else 'not judged'}"
        f"{', intent ' + _escape(a.correct_intent) if a.correct_intent else ''}{' — ' + _escape(a.notes) if a.notes else ''}</li>"
        for a in latest_labels(view.annotations)
    )
    # a turn the assistant did not answer (relayed to the person who has the conversation) said "assistant" and nothing
    answer = answer_html(turn.answer) if turn.answer else '<span class="record">(no reply from the assistant)</span>'
    # the decision record folded to one line (time, intent, action), opened with a click: in full, a long
    # conversation was mostly records; feedback and labels stay open below it
    said = "".join(
        f"<div><b>{title}</b></div><ul>{items}</ul>" for title, items in (("Feedback", feedback), ("Labels", labels)) if items
    )
    labelled = f'<div class="record">{said}</div>' if said else ""
    return (
        f'<div class="turn" id="turn-{_escape(turn.turn_no)}">'
        f'<div><span class="who">Turn {_escape(turn.turn_no)} · customer</span>{flags}{SAID}<span class="text">{_escape(turn.user_text)}</span></div>'
        f'<div><span class="who">assistant</span>{SAID}<span class="text">{answer}</span></div>'
        f'<details class="record"><summary>{_escape(utc_time(turn.created_at))} · intent <b>{_escape(turn.intent)}</b> '
        f"({turn.intent_confidence:.2f}) · action <b>{_escape(turn.action)}</b>{' · <b>error</b>' if turn.error else ''}</summary><div>"
        f"{_escape(turn.reason)}<br>"
        f"query: {_escape(turn.query or '—')} · retrieved: {retrieved or '—'}<br>"
        f"model: {_escape(model_shown(turn, business_action))} · index: {_escape(turn.index_version or '—')} · {timings}"
        f"{'<br>error: ' + _escape(turn.error) if turn.error else ''}"
        f"{'<ul>' + sources + '</ul>' if sources else ''}</div></details>"
        f"{labelled}</div>"
    )


def render_staff_entry(entry: StaffEntry) -> str:
    """A handoff outside a turn, a staff reply or a hand-back, escaped like everything else."""
    if entry.kind == "agent":
        body = f'<span class="who">{_escape(entry.author)} · staff</span>{SAID}<span class="text">{_escape(entry.text)}</span>'
    elif entry.kind == "handoff":
        body = f'<span class="who">Handed to a person</span>{SAID}<span class="text">{_escape(entry.text)}</span>'
    else:
        body = f'<span class="who">{_escape(entry.author)} handed the conversation back to the assistant</span>'
    return f'<div class="turn staff-entry"><div class="staff">{body} <small>{_escape(utc_time(entry.at))}</small></div></div>'


def render_transcript(transcript: Transcript | None, business_actions: dict[int, str] | None = None) -> str:
    """The whole conversation: its heading, then each turn followed by the staff entries after it. ``business_actions``:
    by turn number, the business action a turn that used no model worked on (``render_turn``)."""
    business_actions = business_actions or {}
    if transcript is None:
        return "<p>No conversation with that id.</p>"
    session = transcript.session
    head = (
        f"<h2>Conversation <code>{_escape(session.id)}</code></h2>"
        f"<p>{_escape(session.channel)} · started {_escape(utc_time(session.created_at))} · {len(transcript.turns)} turn(s)</p>"
    )
    # before the first turn: a handoff through the API (a "contact us" button) and staff replies, shown also when the
    # customer has written nothing (they were left out then: staff could not see their own reply in the Inbox)
    parts = ["<p>No turns yet.</p>"] if not transcript.turns else []
    parts += [render_staff_entry(entry) for entry in transcript.staff_after(0)]
    for position, view in enumerate(transcript.turns, start=1):
        parts.append(render_turn(view, business_actions.get(view.turn.turn_no or position)))
        parts += [render_staff_entry(entry) for entry in transcript.staff_after(view.turn.turn_no or position)]
    return head + "".join(parts)
