"""The review page's analytics figures: the store's metric queries (``assistant.store.analytics``) as the
tables and plots Gradio shows."""

from __future__ import annotations

import hashlib
import math
import threading
from collections import OrderedDict
from collections.abc import Callable
from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Engine

from assistant.store import analytics

UNANSWERED_SAMPLE = 500  # the newest unanswered questions that are grouped
ANSWERED_SAMPLE = 500  # the newest answered questions since the oldest of those, matched to the groups
GROUP_THRESHOLD = 0.75


class QuestionVectors:
    """``embed`` that remembers the vectors of the last ``size`` questions it embedded (least recently used
    dropped first), so that another look at the analytics (another date range, or again) embeds only the
    questions not seen before: 500 questions take seconds on a CPU. Questions are kept by their sha256, so
    the text of a conversation deleted since is not held here."""

    def __init__(self, embed: Callable[[list[str]], np.ndarray], size: int = 5000) -> None:
        self.embed, self.size = embed, size
        self._vectors: OrderedDict[bytes, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def __call__(self, texts: list[str]) -> np.ndarray:
        keys = [hashlib.sha256(text.encode()).digest() for text in texts]
        with self._lock:
            missing = {key: text for key, text in zip(keys, texts) if key not in self._vectors}
            if missing:
                self._vectors.update(zip(missing, np.asarray(self.embed(list(missing.values())))))
            for key in keys:
                self._vectors.move_to_end(key)
            vectors = np.stack([self._vectors[key] for key in keys]) if keys else np.empty((0, 0))
            while len(self._vectors) > max(self.size, len(set(keys))):
                self._vectors.popitem(last=False)
        return vectors


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{value:.1%}"


def _answered(staff: analytics.StaffReplies) -> str:
    """"3 of 5 (60.0%)": the handoffs staff answered, of those made."""
    return f"{staff.answered} of {staff.handoffs}" + (f" ({staff.answered_rate:.1%})" if staff.handoffs else "")


def _duration(seconds: float | None) -> str:
    """A time in the largest sensible unit: "45 s", "12 min", "3 h 5 min"; "—" for none."""
    if seconds is None:
        return "—"
    whole = round(seconds)
    if whole < 60:
        return f"{whole} s"
    if whole < 3600:
        return f"{whole // 60} min" + (f" {whole % 60} s" if whole < 600 and whole % 60 else "")
    return f"{whole // 3600} h {whole % 3600 // 60} min"


def build_analytics(
    engine: Engine, since: datetime | None, until: datetime | None, embed: Callable[[list[str]], np.ndarray] | None = None
) -> dict[str, Any]:
    """Figures for turns in [since, until): rates (with the staff replies to the handoffs made then), volume per day,
    latency, top intents, the answers customers said did not help, unanswered groups, and the business actions' runs
    and failures (counted from their events in the range)."""
    rates = analytics.rates(engine, since, until)
    staff = analytics.staff_replies(engine, since, until)
    rate_table = pd.DataFrame(
        [
            ["Conversations", str(rates.sessions)],
            ["Containment (no handoff)", _percent(rates.containment)],
            ["Handoff rate", _percent(rates.handoff_rate)],
            ["Decline rate (of answers)", _percent(rates.abstention_rate)],
            ["Thumbs-up rate", _percent(rates.thumbs_up_rate)],
            ["Handoffs answered by staff", _answered(staff)],
            ["Median time to the first staff reply", _duration(staff.median_first_reply_s)],
        ],
        columns=["Metric", "Value"],
    )
    volume = pd.DataFrame(
        [(v.day, v.sessions, v.turns) for v in analytics.volume_per_day(engine, since, until)],
        columns=["day", "sessions", "turns"],
    )
    volume["day"] = day_axis(volume["day"])
    latency = analytics.latency_percentiles(engine, since, until)
    # each value with its unit: under one "ms" column the count of turns read as 25 ms
    latency_table = pd.DataFrame(
        [["Turns timed", str(latency.turns)], ["p50", _milliseconds(latency.p50_ms)], ["p95", _milliseconds(latency.p95_ms)]],
        columns=["Latency", "Value"],
    )
    intents = pd.DataFrame(
        [(i.intent, i.turns) for i in analytics.top_intents(engine, since, until, limit=10)], columns=["intent", "turns"]
    )
    # "thanks, that's all wrong" is stored as a turn without an answer, but it is an answer that failed: listed
    # apart, with the question that answer was for, not among the questions the assistant could not answer
    unhelpful = analytics.unhelpful_answers(engine, since, until, limit=UNANSWERED_SAMPLE)
    not_helped = pd.DataFrame([(u.question, u.said) for u in unhelpful], columns=["question answered", "customer said"])
    unanswered = unanswered_table(engine, since, until, embed)
    # a lookup that found nothing is neither declined nor scored: only this table counts it
    actions = action_runs_table(analytics.action_runs(engine, since, until))
    return {
        "rates": rate_table, "volume": volume, "latency": latency_table, "intents": intents, "not_helped": not_helped,
        "unanswered": unanswered, "actions": actions,
    }


UNANSWERED_COLUMNS = ["question", "times asked", "answered since"]  # a time in UTC, or NOT_SINCE
NOT_SINCE = "no"  # "answered since": no similar question answered after the group's last decline (still a gap)


def unanswered_table(
    engine: Engine, since: datetime | None, until: datetime | None, embed: Callable[[list[str]], np.ndarray] | None = None
) -> pd.DataFrame:
    """The questions declined in [since, until), grouped by similarity (with ``embed``; else one row each), in
    ``UNANSWERED_COLUMNS``: with the latest time a question of the group (the same rule as grouping; without
    ``embed`` the same text) was answered after the group's latest decline, up to now. The open gaps come first,
    the fixed ones ("answered since" a time) after them, each largest group first."""
    declined = analytics.declined_questions(engine, since, until, limit=UNANSWERED_SAMPLE)
    if not declined:
        return pd.DataFrame([], columns=UNANSWERED_COLUMNS)
    answered = analytics.answered_questions(engine, min(q.at for q in declined), limit=ANSWERED_SAMPLE)
    newest: dict[str, datetime] = {}
    for question in declined:  # newest first: a text's first time is its latest
        newest.setdefault(question.text, question.at)
    if embed is not None:
        groups = analytics.group_by_similarity([q.text for q in declined], embed, threshold=GROUP_THRESHOLD)
        rows = [(g.representative, g.count, max(newest[m] for m in g.members)) for g in groups]
        fixed_at = analytics.latest_similar(answered, [g.representative for g in groups], embed, threshold=GROUP_THRESHOLD)
    else:
        rows = [(q.text, 1, q.at) for q in declined]
        latest: dict[str, datetime] = {}
        for question in answered:
            latest.setdefault(_same_text(question.text), question.at)
        fixed_at = [latest.get(_same_text(text)) for text, _, _ in rows]
    table = [
        (text, count, _utc_minute(answered_at) if answered_at and answered_at > declined_at else NOT_SINCE)
        for (text, count, declined_at), answered_at in zip(rows, fixed_at)
    ]
    table.sort(key=lambda row: row[2] != NOT_SINCE)  # stable: open gaps first, each part largest group first
    return pd.DataFrame(table, columns=UNANSWERED_COLUMNS)


def _same_text(text: str) -> str:
    """A question's text as compared without an embedder: case and surrounding spaces aside."""
    return " ".join(text.casefold().split())


def _utc_minute(moment: datetime) -> str:
    return analytics.as_utc(moment).strftime("%Y-%m-%d %H:%M")


ACTION_COLUMNS = ["action", "runs", "failed"]


def action_runs_table(runs: list[analytics.ActionRuns]) -> pd.DataFrame:
    """The business actions: how often each ran and failed (an order lookup that found nothing), in ``ACTION_COLUMNS``,
    most failures first as ``action_runs`` gives them."""
    return pd.DataFrame([(r.name, r.runs, r.failed) for r in runs], columns=ACTION_COLUMNS)


# The Analytics tab's bar charts of turns are drawn this high (px, their label and axes included: ui/review.py), not
# at Gradio's default, which a later Gradio may change
PLOT_HEIGHT = 320
# Vega-Lite draws a y tick about every 40 px of a plot's height (its tickCount: ceil(height / 40)); each step is a
# whole number once the axis reaches that many turns, else it made steps of 0.5 ("1.5 turns")
TICK_SPACING = 40


def most_ticks(height: int) -> int:
    """The most y ticks Vega-Lite draws on a chart ``height`` px high (its plot, inside the label and axes, is lower)."""
    return math.ceil(height / TICK_SPACING)


def count_axis(counts: pd.Series, height: int) -> list[float | None]:
    """The y limits of a bar chart of counts ``height`` px high (``y_lim``): from 0 to the chart's own top when the counts
    reach ``most_ticks(height)``, else to that, so that every tick is a whole number (0, 1, 2, ... not 0.5)."""
    top = counts.max() if len(counts) else 0
    ticks = most_ticks(height)
    return [0, None] if top >= ticks else [0, ticks]


DAYS_AS_LABELS = 14  # up to this many days with turns, each its own labelled bar; more, a time axis


def day_axis(days: pd.Series) -> pd.Series:
    """The turns-per-day chart's x values. A few days as text ("2026-12-04"): a bar and a label each (on a time axis
    two days were two slivers at its ends, labelled by the hour: "03 AM", "06 AM", ...). More as dates: a time axis
    with a few readable ticks (as text, each of 90 days was a label, all overlapping)."""
    dates = pd.to_datetime(days)
    return dates.dt.strftime("%Y-%m-%d") if len(dates) <= DAYS_AS_LABELS else dates


def _milliseconds(value: float | None) -> str:
    return "—" if value is None else f"{value:,.1f} ms"
