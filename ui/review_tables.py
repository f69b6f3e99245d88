"""The review page's tables: the conversation list and the inbox as the DataFrames Gradio shows, the times they show,
what produced a turn that used no model, and which conversation a click on a row picked. Pure functions of the stored
rows."""

from __future__ import annotations

from datetime import datetime, timezone

import gradio as gr
import pandas as pd

from assistant.store.analytics import TurnWithoutModel
from assistant.store.inbox import InboxItem, reason_for_agents, waited
from assistant.store.sql_store import declined
from assistant.store.tables import NOT_HELPED, SessionRow
from dialog.business_rules import SupportHours

LIST_COLUMNS = [
    "Last activity (UTC)", "Session", "First message", "Turns", "Handoff", "Declined", "Not helped", "Lowest score", "Up", "Down", "Model",
]
# shares of the table's width: an "auto" column takes its text's unwrapped width and pushes the rest out of sight;
# a session id (22 characters) fits on one line at 1280 px in 18 % (in 16 % its last letter wrapped)
LIST_WIDTHS = ["11%", "18%", "18%", "5%", "7%", "8%", "7%", "7%", "5%", "5%", "9%"]
# the columns a narrow screen hides (those not in INBOX_NARROW_WIDTHS) come last, and a phone's (INBOX_PHONE_WIDTHS)
# before them: Gradio's grid gives tabindex="0" to its first column's cell only, and a hidden one (display:none) cannot
# take focus: at 1,000 px, the times of handoff first, Tab reached no cell of the list and a keyboard user could open
# no conversation
# "Assigned to": the login that has taken the conversation (``assistant.store.inbox.assign``); "Staff": who wrote last
# "Out of hours" is left out where the rules set no support hours (``inbox_columns``): it could never say "yes"
OUT_OF_HOURS = "Out of hours"
INBOX_COLUMNS = [
    "Waiting", "First message", OUT_OF_HOURS, "Reason", "Assigned to", "Staff", "Needs a reply", "Handed off (UTC)", "Session",
]
INBOX_WIDTHS = ["8%", "18%", "7%", "14%", "8%", "7%", "8%", "12%", "18%"]
UNANSWERED_WIDTHS = ["46%", "18%", "36%"]
# on a narrow screen (ui/review_style.py) the Inbox shows these columns only, at these shares of its box's width (%)
INBOX_NARROW_WIDTHS = {
    "Waiting": 12, "First message": 25, "Out of hours": 9, "Reason": 20, "Assigned to": 13, "Staff": 10, "Needs a reply": 11,
}
# on a phone (390 px) fewer, each on one line: Waiting says "answered" where no reply is needed, the transcript the rest
# (with the five of a narrow screen, "Waiting" read "Wa/it/in/g" and each conversation took five lines)
INBOX_PHONE_WIDTHS = {"Waiting": 30, "First message": 48, "Out of hours": 22}
PHONE_MAX_WIDTH = 600  # px: a screen this wide or narrower shows the Inbox as on a phone
# the narrowest the two tables are drawn (px; narrower screens scroll them sideways): the Session column's 18 % then
# still holds a session id on one line, as every other column its longest word
TABLE_MIN_WIDTH = 1180


def utc_time(value: datetime | None) -> str:
    """A stored time in UTC, as the pages label it: PostgreSQL returns ``timestamptz`` in the connection's
    time zone (the server's ``timezone``, or ``PGTZ``); SQLite returns naive UTC."""
    if value is None:
        return ""
    if value.tzinfo is not None:
        value = value.astimezone(timezone.utc)
    return value.strftime("%Y-%m-%d %H:%M")


# what produced a turn that used no model, said where its model would be (``produced_by``); other actions by their name
PRODUCED_BY = {"business": "action", "relay": "relayed to staff", "hand_back": "handed back"}


def produced_by(turn: TurnWithoutModel) -> str | None:
    """What produced a turn that no model answered: "declined", "action: order_status", "handoff", "small talk", ….
    None for an answer, which names its model: one without is a missing value."""
    if turn.handoff:
        return "handoff"
    if declined(turn.abstained, turn.intent, turn.action):
        return "declined"
    if turn.intent == NOT_HELPED:
        return "not helped"
    if turn.business_action:
        return f"action: {turn.business_action}"
    if turn.action == "answer":
        return None
    return PRODUCED_BY.get(turn.action, turn.action.replace("_", " "))


def produced_without_model(turns: list[TurnWithoutModel]) -> str:
    """A conversation's Model cell when none of its turns used a model: what produced them, each once, in order
    ("action: order_status, handoff"); empty when nothing says (answers whose model is missing)."""
    return ", ".join(dict.fromkeys(word for word in map(produced_by, turns) if word))


def session_table(sessions: list[SessionRow], without_model: dict[str, list[TurnWithoutModel]] | None = None) -> pd.DataFrame:
    """The conversation list: one row a conversation, in ``LIST_COLUMNS``. A conversation that used no model (declines,
    lookups, handoffs) says in the Model column what produced its turns instead (``without_model``: its turns,
    ``assistant.store.analytics.turns_without_model``), so that an empty cell is a missing value."""
    without_model = without_model or {}
    rows = [
        [
            utc_time(s.updated_at),
            s.id,
            s.title or "",
            s.turn_count,
            "yes" if s.any_handoff else "",
            "yes" if s.any_abstained else "",
            "yes" if s.any_not_helped else "",
            "" if s.min_top_score is None else round(s.min_top_score, 2),
            s.thumbs_up or "",
            s.thumbs_down or "",
            s.last_model or produced_without_model(without_model.get(s.id, [])),
        ]
        for s in sessions
    ]
    return pd.DataFrame(rows, columns=LIST_COLUMNS)


def has_hours(hours: SupportHours | None) -> bool:
    """Whether the rules' ``support_hours`` give any day hours (without, nobody is ever said to be away)."""
    return hours is not None and bool(hours.hours)


def inbox_columns(hours: SupportHours | None) -> list[str]:
    """The Inbox's columns: ``INBOX_COLUMNS``, without "Out of hours" where ``hours`` set none (``has_hours``)."""
    return [name for name in INBOX_COLUMNS if name != OUT_OF_HOURS or has_hours(hours)]


def column_shares(shares: dict[str, int], columns: list[str]) -> dict[str, int]:
    """``shares`` (% of a table's width) of the ``columns`` shown; those of the columns left out go to "First message",
    the column with the most to show, so that the shares still fill the table."""
    spare = sum(share for name, share in shares.items() if name not in columns)
    return {name: share + (spare if name == "First message" else 0) for name, share in shares.items() if name in columns}


def inbox_widths(hours: SupportHours | None) -> list[str]:
    """The Inbox's ``column_widths``: ``INBOX_WIDTHS`` of ``inbox_columns(hours)``."""
    shares = column_shares(dict(zip(INBOX_COLUMNS, (int(width.rstrip("%")) for width in INBOX_WIDTHS))), inbox_columns(hours))
    return [f"{share}%" for share in shares.values()]


def inbox_table(items: list[InboxItem], now: datetime | None = None, hours: SupportHours | None = None) -> pd.DataFrame:
    """The inbox: one row a conversation with a person, in ``INBOX_COLUMNS``; "Out of hours" marks a handoff made
    outside ``hours`` (the rules' ``support_hours``), when nobody was at work to take it. The page shows
    ``inbox_columns(hours)`` of it."""
    rows = [
        [
            waited(item.waiting_since, now) if item.waiting_since else "answered",
            item.title or "",
            "yes" if hours is not None and hours.closed(item.handed_off_at) else "",
            reason_for_agents(item.reason),
            item.assigned_to or "",
            item.agent or "",
            "yes" if item.awaiting_reply else "",
            utc_time(item.handed_off_at),
            item.session_id,
        ]
        for item in items
    ]
    return pd.DataFrame(rows, columns=INBOX_COLUMNS)


def clicked_session(table: pd.DataFrame, event: gr.SelectData) -> str:
    """The session id of the row a click selected (the cell's index, or the row's alone)."""
    row = event.index[0] if isinstance(event.index, (list, tuple)) else event.index
    return str(table.iloc[row]["Session"])
