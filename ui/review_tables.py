"""The review page's tables: the conversation list and the inbox as the DataFrames Gradio shows, the
times they show, and which conversation a click on a row picked. Pure functions of the stored rows."""

from __future__ import annotations

from datetime import datetime, timezone

import gradio as gr
import pandas as pd

from assistant.store.inbox import InboxItem, reason_for_agents, waited
from assistant.store.tables import SessionRow

LIST_COLUMNS = [
    "Last activity (UTC)", "Session", "First message", "Turns", "Handoff", "Declined", "Not helped", "Lowest score", "Up", "Down", "Model",
]
# shares of the table's width: an "auto" column takes its text's unwrapped width and pushes the rest out of sight;
# a session id (22 characters) fits on one line at 1280 px in 18 % (in 16 % its last letter wrapped)
LIST_WIDTHS = ["11%", "18%", "18%", "5%", "7%", "8%", "7%", "7%", "5%", "5%", "9%"]
INBOX_COLUMNS = ["Handed off (UTC)", "Waiting", "Session", "First message", "Reason", "Staff", "Needs a reply"]
INBOX_WIDTHS = ["12%", "8%", "18%", "28%", "18%", "8%", "8%"]
UNANSWERED_WIDTHS = ["80%", "20%"]
# on a narrow screen (ui/review_style.py) the Inbox shows these columns only, at these shares of its box's width (%)
INBOX_NARROW_WIDTHS = {"Waiting": 12, "First message": 40, "Reason": 26, "Staff": 11, "Needs a reply": 11}
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


def session_table(sessions: list[SessionRow]) -> pd.DataFrame:
    """The conversation list: one row a conversation, in ``LIST_COLUMNS``."""
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
            s.last_model or "",
        ]
        for s in sessions
    ]
    return pd.DataFrame(rows, columns=LIST_COLUMNS)


def inbox_table(items: list[InboxItem], now: datetime | None = None) -> pd.DataFrame:
    """The inbox: one row a conversation with a person, in ``INBOX_COLUMNS``."""
    rows = [
        [
            utc_time(item.handed_off_at),
            waited(item.waiting_since, now) if item.waiting_since else "answered",
            item.session_id,
            item.title or "",
            reason_for_agents(item.reason),
            item.agent or "",
            "yes" if item.awaiting_reply else "",
        ]
        for item in items
    ]
    return pd.DataFrame(rows, columns=INBOX_COLUMNS)


def clicked_session(table: pd.DataFrame, event: gr.SelectData) -> str:
    """The session id of the row a click selected (the cell's index, or the row's alone)."""
    row = event.index[0] if isinstance(event.index, (list, tuple)) else event.index
    return str(table.iloc[row]["Session"])
