"""The staff review pages (mounted at /review, behind a login): find conversations, read each turn's
decision record, label it, turn it into a test, see the analytics and export.

This module builds the Gradio page and holds its handlers; the pure parts live beside it: reading the
filter inputs in ``ui.review_filters``, the tables in ``ui.review_tables``, and the transcript's HTML in
``ui.review_transcript`` (everything a customer typed rendered escaped: as text, never as markup).
"""

from __future__ import annotations

import copy
import functools
import inspect
import html
import json
import re
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import gradio as gr
import pandas as pd
from sqlalchemy import Engine, select
from sqlalchemy.exc import OperationalError

from assistant.store.analytics import turns_without_model
from assistant.store.db import StoreUnavailable
from assistant.store.staff import ADMIN, REVIEWER, StaffUsers
from assistant.store.inbox import (
    INBOX_LIMIT,
    InboxItem,
    NotWithAPerson,
    assign,
    assigned_to,
    conversations_with_a_person,
    count_with_a_person,
    is_with_a_person,
    unassign,
)
from assistant.store.review import (
    LogFilter,
    as_conversation_test,
    as_training_examples,
    day_after,
    filter_choices,
    list_sessions,
    read_transcript,
)
from assistant.store.tables import SessionRow
from dialog.business_rules import SupportHours
from dialog.events import FeedbackGiven
from dialog.manager import DialogManager, InvalidMessage
from dialog.store import ConversationChanged, ConversationStore, UnknownSession
from ui.analytics import PLOT_HEIGHT, count_axis
from ui.errors import is_refused, refuse, refusal
from ui.kb_admin import KnowledgeBaseAdmin
from ui.review_filters import YES_NO, build_filter, parse_range
from ui.review_style import opened_in
from ui.review_tables import (
    LIST_WIDTHS, UNANSWERED_WIDTHS, clicked_session, has_hours, inbox_columns, inbox_table, inbox_widths,
    session_table, waited,
)
from ui.review_transcript import render_transcript

PAGE_SIZE = 50
_MARKDOWN_CHARS = re.compile(r"[\\`*_{}\[\]()#+\-.!<>|~]")  # a login name as typed, not as formatting
LABEL_FIELDS = 4  # the label form: the answer was, your thumbs, correct intent, notes
CONVERSATIONS_TAB, INBOX_TAB = "conversations", "inbox"  # tab ids, for links that open a conversation
# An export is a download: it is deleted from the server (DATA_DIR/review/exports and Gradio's cached copy)
# an hour later, so exports of customers' conversations do not pile up outside retention and erasure.
EXPORT_KEPT_S = 3600
ROLE_CHECK_S = 10  # how often an open page looks whether its login's role changed (``role_changes``)
# how often Gradio looks for cached copies older than EXPORT_KEPT_S: a copy is gone at most this long after
GRADIO_CACHE_CHECK_S = 300


def database_errors_said(handler: Callable[..., Any]) -> Callable[..., Any]:
    """A handler that refuses (raises ``ui.errors.refusal``: a reviewer's login, a filter that cannot be read, nothing
    to export), or whose database cannot be reached, is refused (``ui.errors.refuse``): the reason in a toast (naming
    the database), every output left as it is, no traceback in the server's log, and an error for an API caller and
    for the steps chained after it with ``.success``. (It said the toast and returned ``gr.skip``: an API caller got a
    success with nothing in it, and ``.then`` steps ran.) Anything else that fails is not caught: Gradio shows its
    notice and its "Error" badges, which the pages hide only for a login that ended."""

    @functools.wraps(handler)
    def said(*args: Any, **kwargs: Any) -> Any:
        try:
            return handler(*args, **kwargs)
        except StoreUnavailable as error:
            message = f"{error}. Try again in a moment."
        except OperationalError as error:
            reason = " ".join(str(error.orig).split())
            message = f"The conversation database cannot be reached: {reason}. Try again in a moment."
        except gr.Error as error:
            if is_refused(error):  # by a handler this one called: said once
                raise
            message = error.message
        refuse(message)

    return said


ADMIN_ONLY = (
    "Your login is a reviewer's: changing the knowledge base and exporting the logs need an admin's login "
    "(assistant users role NAME admin)."
)
KB_CHANGES = ("index_uploads", "reindex", "ask_removal", "remove")  # the Knowledge base tab's handlers that change it


def staff_role(engine: Engine, request: gr.Request | None) -> str:
    """The role of the login behind ``request`` (``assistant.store.staff.ROLES``). Pages served without logins
    (no user name: a test, a page built alone) are an admin's, as every page was before roles; a login removed
    meanwhile gets the least."""
    username = getattr(request, "username", None)
    if not username:
        return ADMIN
    return StaffUsers(engine).role(username) or REVIEWER


def admin_only(engine: Engine, handler: Callable[..., Any]) -> Callable[..., Any]:
    """``handler`` refused (a toast, nothing done) for a reviewer's login. Gradio gives the wrapper the request
    (its first parameter, annotated gr.Request), then the handler's own inputs."""

    @functools.wraps(handler)
    def gated(request: gr.Request, *inputs: Any) -> Any:
        if staff_role(engine, request) != ADMIN:
            raise refusal(ADMIN_ONLY)
        return handler(*inputs)

    own = list(inspect.signature(handler).parameters.values())
    request = inspect.Parameter("request", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=gr.Request)
    gated.__signature__ = inspect.Signature([request, *own])  # type: ignore[attr-defined]
    gated.__annotations__ = {"request": gr.Request}  # what Gradio reads to pass the request
    return gated


def read_filter(filters: tuple[Any, ...]) -> LogFilter:
    """The review list's filter from its fields; a field that cannot be read is a ``refusal`` naming it, so the list,
    its count and its page stay as they are (a plain error put Gradio's "Error" badges over them)."""
    try:
        return build_filter(*filters)
    except ValueError as error:
        raise refusal(str(error)) from None


def _count(seen: str | None) -> int | None:
    """The Inbox's count of staff replies seen (a hidden box's text); None when not known."""
    try:
        return max(0, int(str(seen).strip()))
    except ValueError:
        return None


def _as_typed(name: str) -> str:
    """A login name for Markdown, shown as typed: its formatting characters escaped (``_MARKDOWN_CHARS``)."""
    return _MARKDOWN_CHARS.sub(lambda match: "\\" + match.group(0), name)


def _assignment_key(engine: Engine, session_id: str, holder: str) -> str:
    """What the Inbox page notes when it holds a reply back because ``holder`` has the conversation (``send_reply``):
    the conversation, its open handoff and ``holder``; a new handoff, or another holder, is another key."""
    with engine.connect() as db:
        handoff_seq = db.scalar(select(SessionRow.open_handoff_seq).where(SessionRow.id == session_id))
    return f"{session_id} {handoff_seq} {holder}"


def _shortened(text: str, limit: int = 160) -> str:
    """``text`` on one line, cut at ``limit`` characters."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"


def with_a_person_note(session_id: str) -> str:
    """The line above a transcript opened in the Conversations tab while a person has the conversation: a link that
    opens it in the Inbox (``open_linked``), where staff reply and hand back."""
    link = html.escape(f"?conversation={session_id}", quote=True)
    return (
        '<div class="turn staff-entry" id="with-a-person"><div class="staff"><span class="who">A person has this '
        f'conversation now.</span> <a href="{link}">Open it in the Inbox</a> to reply to the customer or hand it back.'
        "</div></div>"
    )


def staff_replies(transcript: Any) -> int:
    """How many staff replies a transcript (or None) holds: the Inbox's ``seen``."""
    return sum(entry.kind == "agent" for entry in transcript.staff) if transcript else 0


def emptied() -> dict[str, Any]:
    """The Download box emptied and hidden (after a refused export)."""
    return gr.update(value=None, visible=False)


def delete_older_files(folder: Path, seconds: float) -> None:
    """Delete the files in ``folder`` last changed more than ``seconds`` ago (none when it does not exist)."""
    cutoff = time.time() - seconds
    for path in folder.iterdir() if folder.is_dir() else ():
        if path.is_file() and path.stat().st_mtime < cutoff:
            path.unlink(missing_ok=True)


def delete_later(path: Path, seconds: float) -> None:
    """Delete ``path`` ``seconds`` from now, whether or not anything else happens meanwhile. The timer dies
    with the server; what it leaves behind goes at the next start or export (``delete_older_files``)."""
    timer = threading.Timer(seconds, path.unlink, kwargs={"missing_ok": True})
    timer.daemon = True
    timer.start()


@dataclass
class ReviewPage:
    """The review Blocks. ``passage_text`` gives an indexed chunk's text (for fine-tuning examples);
    ``analytics`` builds the analytics tab's figures for a date range (see ``build_analytics``)."""

    engine: Engine
    store: ConversationStore
    export_dir: Path
    passage_text: Callable[[int], str | None] = lambda _chunk_id: None
    analytics: Callable[[datetime | None, datetime | None], dict[str, Any]] | None = None
    knowledge_base: KnowledgeBaseAdmin | None = None
    manager: DialogManager | None = None  # staff replies and hand-backs (the Inbox tab); None: no Inbox tab
    intent_labels: Callable[[], list[str]] = list  # the intent model's labels (a label's "correct intent" is one of them)

    # -- handlers (plain functions of the inputs; Gradio wiring below) ------------------------------

    @database_errors_said
    def search(self, *filters: Any) -> tuple[Any, Any, Any]:
        """The first page of the filtered conversations. A filter that cannot be read (From "2026-13-45", a
        score "abc") is refused (``read_filter``): the list shown, and the page it is on, stay as they are."""
        return self._page(read_filter(filters), None)

    @database_errors_said
    def next_page(self, cursor: Any, shown: list[Any] | None, *filters: Any) -> tuple[Any, Any, list[Any], str]:
        """The page after the one shown; after the last one, the list stays as it is. ``shown`` holds where
        each page shown so far starts (None: the first), for ``previous_page``."""
        shown = list(shown or [None])
        if not cursor:
            return gr.update(), None, shown, "That was the last page. Search again to start from the first."
        table, following, status = self._page(read_filter(filters), tuple(cursor))
        return table, following, [*shown, cursor], status

    @database_errors_said
    def previous_page(self, shown: list[Any] | None, *filters: Any) -> tuple[Any, Any, list[Any], str]:
        """The page before the one shown (as the list is now: conversations that were active meanwhile
        move to the first page); on the first page the list stays as it is."""
        shown = list(shown or [None])
        if len(shown) < 2:
            return gr.update(), gr.update(), shown, "This is the first page."
        log_filter = read_filter(filters)
        shown.pop()
        start = shown[-1]
        table, following, status = self._page(log_filter, tuple(start) if start else None)
        return table, following, shown, status

    def _page(self, log_filter: LogFilter, after: tuple[Any, str] | None) -> tuple[pd.DataFrame, Any, str]:
        if after is not None:
            after = (datetime.fromisoformat(after[0]), after[1])
        page = list_sessions(self.engine, log_filter, PAGE_SIZE, after=after)
        cursor = [page.next_cursor[0].isoformat(), page.next_cursor[1]] if page.next_cursor else None
        status = f"{len(page.sessions)} conversation(s)" + (" — more on the next page" if cursor else "")
        # what produced the turns of those that used no model, for their Model cell (``session_table``)
        without_model = turns_without_model(self.engine, [s.id for s in page.sessions if not s.last_model and s.turn_count])
        return session_table(page.sessions, without_model), cursor, status

    def _render(self, transcript: Any) -> str:
        """``render_transcript``, each turn that used no model with the business action it worked on (shown as its
        model: "action: order_status")."""
        if transcript is None:
            return render_transcript(None)
        turns = turns_without_model(self.engine, [transcript.session.id]).get(transcript.session.id, [])
        return render_transcript(transcript, {t.turn_no: t.business_action for t in turns if t.business_action})

    @database_errors_said
    def refresh_choices(self) -> tuple[Any, Any, Any]:
        """The filters' intents and models as in the logs, and the label form's intents (``known_intents``)."""
        intents, models = filter_choices(self.engine)
        return gr.update(choices=[""] + intents), gr.update(choices=[""] + models), gr.update(choices=["", *self.known_intents()])

    @database_errors_said
    def open_transcript(self, session_id: str, request: gr.Request | None = None) -> tuple[Any, ...]:
        """The conversation's transcript, its turn list (the first turn chosen), its id, and this reviewer's labels
        of that turn for the label form (``turn_labels``), from one read of the conversation (it was read a
        second time for the labels)."""
        session_id = (session_id or "").strip()
        transcript = read_transcript(self.engine, session_id) if session_id else None
        numbers = [str(view.turn.turn_no) for view in transcript.turns] if transcript else []
        first = numbers[0] if numbers else None
        shown = self._render(transcript)
        if transcript is not None and self.manager is not None and is_with_a_person(self.engine, session_id):
            shown = with_a_person_note(session_id) + shown  # nothing else here said so, nor offered a reply box
        return (shown, gr.update(choices=numbers, value=first), session_id, *self._labels(transcript, first, request))

    @database_errors_said
    def open_linked(self, request: gr.Request) -> tuple[Any, ...]:
        """A link to ``/review/?conversation=ID`` (as the handoff notices give) opens that conversation: in the
        Inbox while a person has it, in the Conversations tab otherwise. Without one the page stays as it is.
        Gives the tab to show, the Conversations tab's id box, transcript, turn list and open id, (with an
        Inbox) the Inbox's transcript, open id and staff replies seen, and the label form (``open_transcript``)."""
        inbox_outputs = 3 if self.manager is not None else 0
        session_id = (getattr(request, "query_params", None) or {}).get("conversation", "").strip()
        if not session_id:
            return (gr.update(),) * (5 + inbox_outputs + LABEL_FIELDS)
        transcript, turns, opened, *labels = self.open_transcript(session_id, request)
        shown = (gr.update(selected=CONVERSATIONS_TAB), session_id, transcript, turns, opened)
        if inbox_outputs and is_with_a_person(self.engine, session_id):
            plain = read_transcript(self.engine, session_id)  # in the Inbox itself, without the note pointing there
            inbox = (self._render(plain), session_id, str(staff_replies(plain)))
            return (gr.update(selected=INBOX_TAB), *shown[1:], *inbox, *labels)
        return (*shown, *(gr.update(),) * inbox_outputs, *labels)

    @database_errors_said
    def select_row(self, table: pd.DataFrame, event: gr.SelectData, request: gr.Request | None = None) -> tuple[Any, ...]:
        """Clicking a row of the list opens that conversation (``open_transcript``)."""
        return self.open_transcript(clicked_session(table, event), request)

    @database_errors_said
    def save_labels(
        self, session_id: str, turn_no: str, verdict: str, intent: str, notes: str, thumbs: str, request: gr.Request
    ) -> Any:
        """Store a reviewer's labels (and thumbs, as reviewer feedback) for one turn; the transcript again. A form
        with nothing chosen stores nothing (it stored an empty label), unless it clears what this reviewer saved
        before; thumbs "none" takes back this reviewer's earlier thumb (rating 0). Refused (``refusal``), the
        transcript and the form stay as they are."""
        if not session_id or not turn_no:
            raise refusal("Open a conversation and pick a turn first.")
        reviewer = getattr(request, "username", None) or "reviewer"
        correct = {"right": True, "wrong": False}.get(verdict)
        intent, notes = (intent or "").strip() or None, (notes or "").strip() or None
        transcript = read_transcript(self.engine, session_id)
        view = next((v for v in transcript.turns if str(v.turn.turn_no) == str(turn_no)), None) if transcript else None
        if view is None:
            raise refusal(f"This conversation has no turn {turn_no}.")
        unknown = self._unknown_intent(intent)
        if unknown:
            raise refusal(unknown)
        mine = [a for a in view.annotations if a.reviewer == reviewer]
        given = [f.rating for f in view.feedback if f.source == "reviewer" and f.author == reviewer and f.rating is not None]
        had_label = bool(mine) and (mine[-1].answer_correct is not None or mine[-1].correct_intent or mine[-1].notes)
        rating = {"up": 1, "down": -1}.get(thumbs, 0)
        thumb_changed = rating != (given[-1] if given else 0)
        labelled = correct is not None or intent is not None or notes is not None
        if not labelled and not had_label and not thumb_changed:
            raise refusal("Nothing to save: choose whether the answer was right or wrong, a thumb, an intent or a note.")
        if labelled or had_label:  # an empty label after a real one clears it
            self.store.annotate(session_id, int(turn_no), reviewer, correct, intent, notes)
        if thumb_changed:
            event = FeedbackGiven(turn_no=int(turn_no), rating=rating, source="reviewer", author=reviewer)
            self.store.append(session_id, [event])
        gr.Info(f"Saved your labels for turn {turn_no}.")
        return self._render(read_transcript(self.engine, session_id))

    def _unknown_intent(self, intent: str | None) -> str | None:
        """Why ``intent`` cannot be a correct intent (not one the intent model or the logs know); None when it can."""
        if intent is None or not self._model_intents():  # without the model's labels the list is not whole: not checked
            return None
        known = self.known_intents()
        if intent in known:
            return None
        close = [name for name in known if intent.casefold() in name.casefold() or name.casefold() in intent.casefold()]
        hint = f" Did you mean {', '.join(sorted(close)[:3])}?" if close else ""
        return (
            f"\u201c{intent}\u201d is not an intent the assistant knows, so a test or training example with it could never "
            f"pass.{hint} Pick one from the list."
        )

    def known_intents(self) -> list[str]:
        """The intents a correct intent is chosen from: the intent model's labels and those in the logs. Without the
        model's labels a correct intent is not checked (the logs' list is not whole)."""
        logged, _models = filter_choices(self.engine)
        return sorted({*self._model_intents(), *logged} - {""})

    def _model_intents(self) -> list[str]:
        """The intent model's labels (``intent_labels``, else the manager's classifier's); none without a model."""
        labels = list(self.intent_labels())
        if labels:
            return labels
        understander = getattr(self.manager, "understander", None)
        try:  # the manifest's labels (reads no weights); a model folder that cannot be read gives none
            return list(getattr(getattr(understander, "classifier", None), "labels", None) or [])
        except Exception:  # noqa: BLE001 - the model's own problem is said in the decision records
            return []

    @database_errors_said
    def turn_labels(self, session_id: str, turn_no: str | None, request: gr.Request) -> tuple[str, str, str, str]:
        """The label form for a turn as this reviewer last saved it (answer, thumbs, correct intent, notes), or
        empty. Given as a conversation is opened and a turn picked: the form kept the labels of the turn shown
        before, so "Save labels" on another conversation gave it that one's "wrong", notes and intent."""
        transcript = read_transcript(self.engine, session_id) if session_id and turn_no else None
        return self._labels(transcript, turn_no, request)

    @staticmethod
    def _labels(transcript: Any, turn_no: str | None, request: gr.Request | None) -> tuple[str, str, str, str]:
        """``turn_labels`` of a transcript read already (None: the empty form)."""
        reviewer = getattr(request, "username", None) or "reviewer"  # as save_labels stores it
        view = next((v for v in transcript.turns if str(v.turn.turn_no) == str(turn_no)), None) if transcript else None
        if view is None:
            return "not judged", "none", "", ""
        mine = [a for a in view.annotations if a.reviewer == reviewer]
        ratings = [f.rating for f in view.feedback if f.source == "reviewer" and f.author == reviewer and f.rating is not None]
        thumbs = {1: "up", -1: "down"}.get(ratings[-1], "none") if ratings else "none"
        if not mine:
            return "not judged", thumbs, "", ""
        verdict = {True: "right", False: "wrong"}.get(mine[-1].answer_correct, "not judged")  # type: ignore[arg-type]
        return verdict, thumbs, mine[-1].correct_intent or "", mine[-1].notes or ""

    def _write(self, session_id: str, kind: str, suffix: str, text: str) -> str:
        folder = self.export_dir / kind
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{session_id}{suffix}"
        path.write_text(text, encoding="utf-8")
        return str(path)

    @database_errors_said
    def to_conversation_test(self, session_id: str) -> str:
        """Write the open conversation as a scripted conversation test (YAML); the file to download."""
        transcript = read_transcript(self.engine, session_id) if session_id else None
        if transcript is None or not transcript.turns:
            raise refusal("Open a conversation with at least one turn first.")
        path = self._write(session_id, "conversation_tests", ".yaml", as_conversation_test(transcript).to_yaml())
        gr.Info(f"Saved {path}")
        return path

    @database_errors_said
    def to_training_examples(self, session_id: str) -> str:
        """Write the open conversation's answered turns as fine-tuning examples (JSONL)."""
        transcript = read_transcript(self.engine, session_id) if session_id else None
        if transcript is None:
            raise refusal("Open a conversation first.")
        examples = as_training_examples(transcript, self.passage_text)
        if not examples:
            raise refusal("This conversation has no answered turn whose passages are still indexed.")
        lines = "".join(json.dumps(e, ensure_ascii=False) + "\n" for e in examples)
        path = self._write(session_id, "training_examples", ".jsonl", lines)
        gr.Info(f"Saved {len(examples)} example(s) to {path}")
        return path

    @database_errors_said
    def export_as(self, request: gr.Request, fmt: str, *filters: Any) -> str:
        """``export`` for the login behind ``request``: refused for a reviewer's."""
        if staff_role(self.engine, request) != ADMIN:
            raise refusal(ADMIN_ONLY)
        return self.export(fmt, *filters)

    @database_errors_said
    def admin_controls(self, request: gr.Request) -> tuple[Any, Any]:
        """The export controls, shown to an admin's login only (a reviewer's click would be refused)."""
        shown = staff_role(self.engine, request) == ADMIN
        return gr.update(visible=shown), gr.update(visible=shown)

    @database_errors_said
    def kb_controls(self, request: gr.Request) -> tuple[Any, Any]:
        """The Knowledge base tab's upload, re-index and remove controls, shown to an admin's login only; a
        reviewer's sees a line saying why instead (their clicks ended in an "Error" badge over the upload box)."""
        return self._kb_controls(staff_role(self.engine, request) == ADMIN)

    @staticmethod
    def _kb_controls(admin: bool) -> tuple[Any, Any]:
        """``kb_controls`` for an admin's login or not."""
        note = "" if admin else "Uploading, re-indexing and removing documents need an admin's login; yours is a reviewer's."
        return gr.update(value=note, visible=not admin), gr.update(visible=admin)

    def knowledge_base_for_roles(self) -> KnowledgeBaseAdmin | None:
        """The Knowledge base tab's admin with its changing handlers refused for a reviewer's login (its list
        and search stay open to every login)."""
        if self.knowledge_base is None:
            return None
        gated = copy.copy(self.knowledge_base)  # the tab wires ``self.<handler>``: the copy's own attributes
        for name in KB_CHANGES:
            setattr(gated, name, database_errors_said(admin_only(self.engine, getattr(self.knowledge_base, name))))
        return gated

    @database_errors_said
    def export(self, fmt: str, *filters: Any) -> str:
        """The filtered conversations' turns as a CSV, JSONL or Parquet file to download."""
        from assistant.store.export import export_turns

        try:
            log_filter = build_filter(*filters)
        except ValueError as error:
            raise refusal(str(error)) from None
        folder = self.export_dir / "exports"
        folder.mkdir(parents=True, exist_ok=True)
        delete_older_files(folder, EXPORT_KEPT_S)
        path = folder / f"turns-{datetime.now(timezone.utc):%Y%m%d-%H%M%S}-{secrets.token_hex(3)}.{fmt}"  # two in a second: two files
        rows = export_turns(self.engine, log_filter, path, fmt)
        delete_later(path, EXPORT_KEPT_S)
        gr.Info(f"Exported {rows} turn(s).")
        return str(path)

    @database_errors_said
    def show_inbox(self) -> tuple[pd.DataFrame, str]:
        """The conversations a person has, awaiting a reply first; those handed off outside the rules' support hours
        marked "Out of hours"."""
        items = conversations_with_a_person(self.engine)
        awaiting = sum(item.awaiting_reply for item in items)
        status = f"{len(items)} conversation(s) with a person, {awaiting} awaiting a reply" if items else "Nobody is waiting for a person."
        if len(items) >= INBOX_LIMIT:
            status += f" (the {INBOX_LIMIT} longest waiting of {count_with_a_person(self.engine)})"
        return self._inbox_table(items), status

    def _inbox_table(self, items: list[InboxItem]) -> pd.DataFrame:
        """``inbox_table`` by the rules' support hours, in the columns the page shows (``inbox_columns``: without
        "Out of hours" for rules that set none, where it stayed empty)."""
        hours = self._support_hours()
        return inbox_table(items, hours=hours)[inbox_columns(hours)]

    def _support_hours(self) -> SupportHours | None:
        """The rules' ``support_hours`` (None without rules or hours)."""
        return getattr(getattr(self.manager, "rules", None), "support_hours", None)

    def inbox_tab_name(self) -> Any:
        """The Inbox tab's name with how many conversations a person has: "Inbox (3)"; "Inbox" when none. A database
        that cannot be reached leaves the name as it is (the Inbox itself says so)."""
        try:
            count = count_with_a_person(self.engine)
        except (StoreUnavailable, OperationalError):
            return gr.update()
        return gr.update(label=f"Inbox ({count})" if count else "Inbox")

    @database_errors_said
    def select_inbox_row(self, table: pd.DataFrame, event: gr.SelectData) -> tuple[str, str, str]:
        """Clicking a row of the inbox opens that conversation beside the reply box (and the staff replies seen)."""
        session_id = clicked_session(table, event)
        transcript = read_transcript(self.engine, session_id)
        return self._render(transcript), session_id, str(staff_replies(transcript))

    @database_errors_said
    def refresh_inbox(self, session_id: str, shown: str | None = None) -> tuple[Any, ...]:
        """The inbox list and the open conversation, read again (new customer messages show up); the
        transcript is only replaced when it changed (``shown``), so a reader's scroll position stays."""
        table, status = self.show_inbox()
        transcript = self._render(read_transcript(self.engine, session_id)) if session_id else None
        return table, status, gr.update() if transcript is None or transcript == shown else transcript

    @database_errors_said
    def send_reply(
        self, session_id: str, text: str, shown_as: str, request: gr.Request, seen: str | None = None, warned: str | None = None
    ) -> tuple[Any, ...]:
        """Send a staff reply to the customer, under ``shown_as`` (default: the login name); the reply box
        empties once it is stored. A reply that cannot be sent (an empty box, a conversation handed back
        meanwhile by this member of staff, another, or the customer) is refused (``refusal``): the page stays as it
        is, the reply in its box.
        ``seen`` is how many staff replies the transcript had when this member of staff opened it (None or "":
        not known): a reply by someone else since then is shown and this one held back once (two agents answering
        the same customer at once); a second click sends it. A reply to a conversation another login has taken
        (``assign``) is held back once too; one to a conversation nobody has taken takes it for this login.
        ``warned`` is the page's note of that (``_assignment_key``: the conversation, its handoff and who has it), kept in
        the page, not in the server: this page's replies to it go until another handoff, or another agent takes it.
        Gives the reply box, the Inbox (``refresh_inbox``), the staff replies seen now and ``warned``. (A reply held
        back is not refused: the page shows theirs and counts it seen.)"""
        manager = self._staff_manager(session_id)
        login = self._author(request)
        author = " ".join((shown_as or "").split())[:64] or login
        if author != login and author.casefold() in self._other_logins(login):
            raise refusal(f"{author} is another member of staff's login: reply under your own name.")
        transcript = read_transcript(self.engine, session_id)
        replies = [entry for entry in transcript.staff if entry.kind == "agent"] if transcript else []
        newer = [entry for entry in replies[_count(seen):] if entry.author != author] if _count(seen) is not None else []
        holder = assigned_to(self.engine, session_id)
        held_for = _assignment_key(self.engine, session_id, holder) if holder not in (None, login) else ""
        taken = bool(held_for) and held_for != warned
        warned = held_for or warned or ""
        if newer or taken:
            said = []
            if newer:
                last = newer[-1]
                said.append(f"{last.author} replied to this customer {waited(last.at)} ago: \u201c{_shortened(last.text)}\u201d.")
            if taken:
                said.append(f"This conversation is assigned to {holder}.")
            then = "read theirs, then press Send again to send it." if newer else "press Send again to send it anyway."
            gr.Warning(" ".join(said) + f" Yours was not sent: {then}")
            return (gr.update(), *self.refresh_inbox(session_id), str(len(replies)), warned)
        try:
            manager.reply_as_staff(session_id, text, author=author, take_over=False, login=login)  # the Inbox's: for a person's
        except (InvalidMessage, UnknownSession, ConversationChanged) as error:
            raise refusal(str(error)) from None
        try:
            assign(self.engine, session_id, login, only_if_free=True)  # replying takes a conversation nobody has
        except NotWithAPerson:
            pass  # handed back by the customer since the reply: there is nothing to take
        gr.Info("Sent. The customer sees it in their chat.")
        return ("", *self.refresh_inbox(session_id), str(len(replies) + 1), warned)

    @database_errors_said
    def hand_back(self, session_id: str, request: gr.Request) -> tuple[Any, ...]:
        """Give the conversation back to the assistant; it answers the customer's next message. Refused (nothing
        to hand back, no conversation open: ``refusal``), the page left as it is."""
        manager = self._staff_manager(session_id)
        try:
            manager.hand_back(session_id, author=self._author(request))
        except (InvalidMessage, UnknownSession, ConversationChanged) as error:
            raise refusal(str(error)) from None
        gr.Info("Handed back: the assistant answers this customer again.")
        return self.refresh_inbox(session_id)

    @database_errors_said
    def assign_to_me(self, session_id: str, request: gr.Request) -> tuple[Any, ...]:
        """Take the open conversation: the Inbox shows this login under "Assigned to" (replacing whoever had it), and
        other agents' replies to it are held back once. Refused when no person has it. Gives ``refresh_inbox``."""
        self._staff_manager(session_id)
        login = self._author(request)
        try:
            before = assigned_to(self.engine, session_id)
            assign(self.engine, session_id, login)
        except NotWithAPerson as error:
            raise refusal(str(error)) from None
        gr.Info(f"Assigned to you (instead of {before})." if before not in (None, login) else "Assigned to you.")
        return self.refresh_inbox(session_id)

    @database_errors_said
    def unassign_conversation(self, session_id: str, request: gr.Request) -> tuple[Any, ...]:
        """Nobody has the open conversation any more (any login may do it: one away, or assigned by mistake). Refused
        when no person has it. Gives ``refresh_inbox``."""
        self._staff_manager(session_id)
        try:
            before = unassign(self.engine, session_id)
        except NotWithAPerson as error:
            raise refusal(str(error)) from None
        gr.Info(f"Unassigned: {before} no longer has it." if before else "Nobody had it.")
        return self.refresh_inbox(session_id)

    @database_errors_said
    def assignment_note(self, session_id: str, request: gr.Request | None = None) -> str:
        """Who has the open conversation, above the reply box: "Assigned to you", "Assigned to **bo**", or that nobody
        has; nothing when no conversation is open or no person has it."""
        if not session_id or not is_with_a_person(self.engine, session_id):
            return ""
        holder = assigned_to(self.engine, session_id)
        if holder is None:
            return "Not assigned: **Assign to me**, or reply, to take it."
        if holder == self._author(request):
            return "**Assigned to you.**"
        shown = _as_typed(holder)
        return f"Assigned to **{shown}**: they are answering this customer."

    def _staff_manager(self, session_id: str) -> DialogManager:
        """The manager for an Inbox action on ``session_id``; a ``refusal`` when there is none to do."""
        if self.manager is None:
            raise refusal("Staff replies are not available on this server.")
        if not session_id:
            raise refusal("Open a conversation from the inbox first.")
        return self.manager

    def _other_logins(self, login: str) -> set[str]:
        """The other staff logins, case-folded (a reply is not sent under one of them)."""
        return {name.casefold() for name, _role, _at in StaffUsers(self.engine).logins() if name != login}

    @database_errors_said
    def logged_in_as(self, request: gr.Request) -> str:
        """Who is logged in, with the role: with logins in several tabs it was easy to reply as the wrong one."""
        return self._who(request, staff_role(self.engine, request))

    @staticmethod
    def _who(request: gr.Request | None, role: str) -> str:
        """``logged_in_as`` for a role read already ("" for a page served without logins)."""
        username = getattr(request, "username", None)
        if not username:
            return ""
        shown = _as_typed(username)
        return f"Logged in as **{shown}** ({role})"

    def role_changes(self, shown: str | None, request: gr.Request) -> tuple[Any, ...]:
        """On the page's timer: once the login's role is no longer the one ``shown`` (``assistant users role`` while
        the page is open), who is logged in again, the export controls and (with a Knowledge base tab) its controls
        as that role has them, and a toast saying so; nothing changes otherwise. (The server refused a reviewer's
        export at once, but the page said "admin" and offered it until reloaded.) A database that cannot be reached
        leaves the page as it is (the actions say so)."""
        outputs = 3 + (2 if self.knowledge_base is not None else 0)
        try:
            role = staff_role(self.engine, request)
        except (StoreUnavailable, OperationalError):
            return (gr.update(),) * outputs
        who = self._who(request, role)
        if not who or who == (shown or ""):
            return (gr.update(),) * outputs
        if shown:
            gr.Info(f"Your role is now {role}: the page shows what a{'n' if role == ADMIN else ''} {role}'s login can do.")
        admin = role == ADMIN
        kb = self._kb_controls(admin) if self.knowledge_base is not None else ()
        return (who, gr.update(visible=admin), gr.update(visible=admin), *kb)

    @staticmethod
    def _author(request: gr.Request | None) -> str:
        return getattr(request, "username", None) or "staff"

    @database_errors_said
    def show_analytics(self, since: str, until: str) -> tuple[Any, ...]:
        """The Analytics tab's figures for the range (``build_analytics``), in ``ANALYTICS_OUTPUTS``' order: a range
        that cannot be read is refused, the figures shown stay."""
        if self.analytics is None:
            raise refusal("Analytics are not available.")
        try:
            start, end = parse_range(since, until)
        except ValueError as error:  # refused: the figures shown stay
            raise refusal(str(error)) from None
        figures = self.analytics(start, day_after(end))
        for chart in COUNT_CHARTS:  # whole-number ticks for counts, at the height the charts are drawn (``count_axis``)
            figures[chart] = gr.update(value=figures[chart], y_lim=count_axis(figures[chart]["turns"], PLOT_HEIGHT))
        return tuple(figures[name] for name in ANALYTICS_OUTPUTS)

    # -- layout --------------------------------------------------------------------------------

    def build(self) -> gr.Blocks:
        delete_older_files(self.export_dir / "exports", EXPORT_KEPT_S)  # left by a server that stopped meanwhile
        with gr.Blocks(title="Conversation review", analytics_enabled=False, delete_cache=(GRADIO_CACHE_CHECK_S, EXPORT_KEPT_S)) as page:
            with gr.Row(equal_height=True):
                gr.Markdown("# Conversation review", elem_id="review-header")
                who = gr.Markdown(elem_id="review-user")  # who is logged in, beside Log out
                gr.Button("Log out", link="/review/logout", size="sm", scale=0, min_width=90, elem_id="review-logout")
            # tabs that do not fit go on a second row ("wrap"): in Gradio's "More tabs" menu (at 320 px all but one) they
            # were plain buttons, the menu's button had no aria-expanded, and the Inbox's tab lost its id
            with gr.Tabs(overflow_behavior="wrap") as tabs:
                with gr.Tab("Conversations", id=CONVERSATIONS_TAB):
                    with gr.Row():
                        search = gr.Textbox(label="Search the text", placeholder="words in a question or answer", elem_id="review-search", scale=3)
                        since = gr.Textbox(label="From", placeholder="YYYY-MM-DD", scale=1)
                        until = gr.Textbox(label="To", placeholder="YYYY-MM-DD", scale=1)
                    with gr.Row():
                        intent = gr.Dropdown([""], value="", label="Intent", allow_custom_value=True)
                        handoff = gr.Dropdown(list(YES_NO), value="any", label="Handed off")
                        abstained = gr.Dropdown(list(YES_NO), value="any", label="Declined to answer")
                        not_helped = gr.Dropdown(list(YES_NO), value="any", label="Not helped")
                        # a business action that ran and failed (an order lookup that found nothing): neither
                        # declined nor scored, so no other filter finds it
                        failed_action = gr.Dropdown(list(YES_NO), value="any", label="Lookup failed")
                        feedback = gr.Dropdown(["any", "up", "down", "none"], value="any", label="Feedback")
                        max_score = gr.Textbox(label="Retrieval score below", placeholder="e.g. 0.4")
                        model = gr.Dropdown([""], value="", label="Model", allow_custom_value=True)
                    filters = [search, since, until, intent, handoff, abstained, not_helped, feedback, max_score, model, failed_action]  # a new one last: a program that sends the ten of before adds one at the end
                    with gr.Row():
                        find = gr.Button("Search", variant="primary", elem_id="review-find")
                        back = gr.Button("Previous page", elem_id="review-previous")
                        more = gr.Button("Next page", elem_id="review-next")
                        status = gr.Markdown(elem_id="review-status")
                    cursor = gr.State(None)
                    shown = gr.State([None])  # where each page shown so far starts, for "Previous page"
                    table = gr.Dataframe(
                        session_table([]), label="Conversations", show_label=False, interactive=False, wrap=True,
                        elem_id="review-list", max_height=420, column_widths=LIST_WIDTHS,
                    )
                    with gr.Row():
                        session_box = gr.Textbox(label="Conversation id", elem_id="review-session", scale=3)
                        open_button = gr.Button("Open", scale=1, elem_id="review-open")
                    transcript = gr.HTML(elem_id="review-transcript")
                    opened = gr.Textbox("", visible=False, elem_id="review-opened")  # in the page, as the Inbox's (below)
                    with gr.Accordion("Label a turn", open=True):
                        with gr.Row():
                            turn_no = gr.Dropdown([], label="Turn", elem_id="review-turn")
                            verdict = gr.Radio(["right", "wrong", "not judged"], value="not judged", label="The answer was")
                            thumbs = gr.Radio(["up", "down", "none"], value="none", label="Your thumbs")
                            correct_intent = gr.Dropdown(
                                [""], value="", label="Correct intent (if wrong)", allow_custom_value=True, elem_id="review-correct-intent"
                            )
                        notes = gr.Textbox(label="Notes", lines=2)
                        save = gr.Button("Save labels", elem_id="review-save")
                    with gr.Row():
                        as_test = gr.Button("Turn into a conversation test (YAML)", elem_id="review-as-test")
                        as_example = gr.Button("Turn into fine-tuning examples (JSONL)", elem_id="review-as-example")
                        export_format = gr.Dropdown(["csv", "jsonl", "parquet"], value="csv", label="Export format", scale=1)
                        export = gr.Button("Export the filtered conversations", elem_id="review-export")
                    # shown once it holds a file: Gradio's empty file box is a div with aria-label "Empty value" and
                    # no role (axe: aria-prohibited-attr), and a large empty box under the buttons
                    download = gr.File(label="Download", elem_id="review-download", visible=False)

                    # one listener for the opening list and a search: the page sends a search made before the opening
                    # list arrived only after it, so the opening list cannot land late and cover the search's result
                    gr.on(
                        [page.load, find.click, search.submit], self.search, filters, [table, cursor, status], trigger_mode="always_last"
                    ).success(lambda: [None], None, [shown])  # a refused search keeps the page it was on
                    more.click(self.next_page, [cursor, shown, *filters], [table, cursor, shown, status])
                    back.click(self.previous_page, [shown, *filters], [table, cursor, shown, status])
                    label_form = [verdict, thumbs, correct_intent, notes]  # this reviewer's labels of the turn shown
                    table.select(self.select_row, [table], [transcript, turn_no, opened, *label_form]).success(
                        lambda sid: sid, [opened], [session_box]
                    )
                    for trigger in (open_button.click, session_box.submit):
                        trigger(self.open_transcript, [session_box], [transcript, turn_no, opened, *label_form])
                    # change, not input: Gradio's Dropdown sends input on every blur too, the turn unchanged, and a
                    # reply landing after a key pressed in the radios reset the form to its saved labels. Not select:
                    # a turn picked with the arrow keys and Enter sends no select
                    turn_no.change(self.turn_labels, [opened, turn_no], label_form)
                    opened.change(None, [opened], None, js=opened_in("review-list"))
                    save.click(self.save_labels, [opened, turn_no, verdict, correct_intent, notes, thumbs], [transcript])
                    for button, handler, inputs, name in (
                        (as_test, self.to_conversation_test, [opened], None),
                        (as_example, self.to_training_examples, [opened], None),
                        (export, self.export_as, [export_format, *filters], "export"),  # its API name as before roles
                    ):
                        made = button.click(handler, inputs, [download], api_name=name)
                        made.success(lambda path: gr.update(visible=bool(path)), [download], [download])
                        # refused (nothing to export, a reviewer's login): the file of the export before is taken away, not
                        # left beside the notice as if it were this one's
                        made.failure(emptied, None, [download])

                *inbox, inbox_tab = self._build_inbox(page) if self.manager is not None else (None,)

                if self.analytics is not None:
                    with gr.Tab("Analytics") as analytics_tab:
                        with gr.Row():
                            a_since = gr.Textbox(label="From", placeholder="YYYY-MM-DD")
                            a_until = gr.Textbox(label="To", placeholder="YYYY-MM-DD")
                            show = gr.Button("Show", variant="primary", elem_id="analytics-show")
                        rates = gr.Dataframe(label="Rates", interactive=False, elem_id="analytics-rates")
                        with gr.Row():
                            # bars from zero: a line of one day's data draws nothing; PLOT_HEIGHT high, the height
                            # count_axis's ticks are for
                            volume = gr.BarPlot(
                                x="day", y="turns", label="Turns per day", elem_id="analytics-volume", y_lim=[0, None], height=PLOT_HEIGHT
                            )
                            latency = gr.Dataframe(label="Latency", interactive=False, elem_id="analytics-latency")
                        with gr.Row():
                            intents_plot = gr.BarPlot(
                                x="intent", y="turns", label="Top intents", sort="-y", y_lim=[0, None], x_label_angle=-40,
                                elem_id="analytics-intents", height=PLOT_HEIGHT,  # the height count_axis's ticks are for
                            )
                            unanswered = gr.Dataframe(
                                label="Unanswered questions, grouped", interactive=False, wrap=True, column_widths=UNANSWERED_WIDTHS,
                                elem_id="analytics-unanswered",
                            )
                        not_helped = gr.Dataframe(
                            label="Answers the customer said did not help", interactive=False, wrap=True, elem_id="analytics-not-helped"
                        )
                        # a lookup that found nothing is neither declined nor scored: only this table counts it
                        actions = gr.Dataframe(
                            label="Business actions: runs and failures (a lookup that found nothing)", interactive=False,
                            wrap=True, elem_id="analytics-actions",
                        )
                        # computed when the tab is opened, not on every page load: over all the logs it reads every
                        # turn and embeds hundreds of unanswered questions (seconds of the CPU the chat needs too)
                        figures = [rates, volume, latency, intents_plot, not_helped, unanswered, actions]  # ANALYTICS_OUTPUTS
                        for trigger in (show.click, analytics_tab.select):
                            trigger(self.show_analytics, [a_since, a_until], figures)

                knowledge_base = self.knowledge_base_for_roles()
                kb_controls: list[Any] = []
                if knowledge_base is not None:
                    kb_controls = list(knowledge_base.build_tab(page))
                    page.load(self.kb_controls, None, kb_controls)

            if inbox_tab is not None:  # the tab's name counts them, seen from every tab (its own timer runs only in it)
                counter = gr.Timer(10)
                gr.on([page.load, counter.tick], self.inbox_tab_name, None, [inbox_tab], show_progress="hidden")
            page.load(self.refresh_choices, None, [intent, model, correct_intent])
            page.load(self.admin_controls, None, [export_format, export])
            page.load(self.logged_in_as, None, [who])
            role_check = gr.Timer(ROLE_CHECK_S)  # a role changed meanwhile is shown without a reload
            role_check.tick(self.role_changes, [who], [who, export_format, export, *kb_controls], show_progress="hidden")
            page.load(self.open_linked, None, [tabs, session_box, transcript, turn_no, opened, *inbox, *label_form])
        return page


    def _build_inbox(self, page: gr.Blocks) -> tuple[gr.HTML, gr.Textbox, gr.Textbox, gr.Tab]:
        """The Inbox tab; gives its transcript, the open conversation's id and the staff replies seen (for links to
        a conversation), and the tab (its name counts the conversations)."""
        with gr.Tab("Inbox", id=INBOX_TAB, elem_id="inbox-tab") as inbox_tab:
            gr.Markdown(
                "Conversations handed to a person. While a conversation is here, the assistant does not answer "
                "the customer: your replies appear in their chat. Hand it back when you are done."
            )
            with gr.Row():
                refresh = gr.Button("Refresh", scale=0, min_width=100, elem_id="inbox-refresh")
                status = gr.Markdown(elem_id="inbox-status")
            table = gr.Dataframe(
                self._inbox_table([]), label="Conversations with a person", show_label=False, interactive=False, wrap=True,
                # about 5 rows at 1366x768 (at 320 px: 3, the 4th cut in half); the CSS's shares of a narrow screen's
                # width depend on its columns (ui/review_style.py: "without-hours")
                elem_id="inbox-list", max_height=440, column_widths=inbox_widths(self._support_hours()),
                elem_classes=[] if has_hours(self._support_hours()) else ["without-hours"],
            )
            # the open conversation's id is kept in the page, not in the server's memory (gr.State): a restarted
            # server, or another one the load balancer moved the page to, still knows which conversation a reply is for
            opened = gr.Textbox("", visible=False, elem_id="inbox-opened")
            seen = gr.Textbox("", visible=False, elem_id="inbox-seen")  # staff replies in the transcript as opened (send_reply)
            warned = gr.Textbox("", visible=False, elem_id="inbox-warned")  # whose conversation a reply was held back for
            transcript = gr.HTML(elem_id="inbox-transcript")
            assigned = gr.Markdown(elem_id="inbox-assigned")  # who has the open conversation (``assignment_note``)
            reply = gr.Textbox(label="Reply to the customer", lines=3, max_lines=10, elem_id="inbox-reply")
            shown_as = gr.Textbox(
                label="Your name as the customer sees it", placeholder="your login name", max_lines=1, elem_id="inbox-name"
            )
            with gr.Row():
                send = gr.Button("Send to the customer", variant="primary", elem_id="inbox-send")
                give_back = gr.Button("Hand back to the assistant", elem_id="inbox-hand-back")
                take = gr.Button("Assign to me", elem_id="inbox-assign")
                drop = gr.Button("Unassign", elem_id="inbox-unassign")
            every = gr.Timer(10)  # new handoffs and new customer messages appear without a click

            refreshed = [table, status, transcript]
            note = {"fn": self.assignment_note, "inputs": [opened], "outputs": [assigned], "show_progress": "hidden"}
            refresh.click(self.refresh_inbox, [opened], refreshed).success(**note)
            every.tick(self.refresh_inbox, [opened, transcript], refreshed, show_progress="hidden").success(**note)
            table.select(self.select_inbox_row, [table], [transcript, opened, seen])
            for trigger in (send.click, reply.submit):
                trigger(self.send_reply, [opened, reply, shown_as, seen, warned], [reply, *refreshed, seen, warned]).success(**note)
            give_back.click(self.hand_back, [opened], refreshed).success(**note)
            take.click(self.assign_to_me, [opened], refreshed).success(**note)
            drop.click(self.unassign_conversation, [opened], refreshed).success(**note)
            opened.change(None, [opened], None, js=opened_in("inbox-list"))
            opened.change(**note)
            page.load(self.show_inbox, None, [table, status])
            page.load(self._author, None, [shown_as])  # the name the customer sees, the login's until changed
        return transcript, opened, seen, inbox_tab


ANALYTICS_OUTPUTS = ("rates", "volume", "latency", "intents", "not_helped", "unanswered", "actions")
COUNT_CHARTS = ("volume", "intents")  # the bar charts of turns
