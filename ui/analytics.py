"""The review page's analytics figures: the store's metric queries (``assistant.store.analytics``) as the
tables and plots Gradio shows."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Engine

from assistant.store import analytics

UNANSWERED_SAMPLE = 500  # the newest unanswered questions that are grouped
GROUP_THRESHOLD = 0.75


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{value:.1%}"


def build_analytics(
    engine: Engine, since: datetime | None, until: datetime | None, embed: Callable[[list[str]], np.ndarray] | None = None
) -> dict[str, Any]:
    """Figures for turns in [since, until): rates, volume per day, latency, top intents, unanswered groups."""
    rates = analytics.rates(engine, since, until)
    rate_table = pd.DataFrame(
        [
            ["Conversations", str(rates.sessions)],
            ["Containment (no handoff)", _percent(rates.containment)],
            ["Handoff rate", _percent(rates.handoff_rate)],
            ["Abstention rate (of answers)", _percent(rates.abstention_rate)],
            ["Thumbs-up rate", _percent(rates.thumbs_up_rate)],
        ],
        columns=["Metric", "Value"],
    )
    volume = pd.DataFrame(
        [(v.day.isoformat(), v.sessions, v.turns) for v in analytics.volume_per_day(engine, since, until)],
        columns=["day", "sessions", "turns"],
    )
    latency = analytics.latency_percentiles(engine, since, until)
    latency_table = pd.DataFrame(
        [["turns", latency.turns], ["p50", _round(latency.p50_ms)], ["p95", _round(latency.p95_ms)]],
        columns=["Latency", "ms"],
    )
    intents = pd.DataFrame(
        [(i.intent, i.turns) for i in analytics.top_intents(engine, since, until, limit=10)], columns=["intent", "turns"]
    )
    questions = analytics.unanswered_questions(engine, since, until, limit=UNANSWERED_SAMPLE)
    if embed is not None and questions:
        groups = analytics.group_by_similarity(questions, embed, threshold=GROUP_THRESHOLD)
        unanswered = pd.DataFrame([(g.representative, g.count) for g in groups], columns=["question", "times asked"])
    else:
        unanswered = pd.DataFrame([(q, 1) for q in questions], columns=["question", "times asked"])
    return {"rates": rate_table, "volume": volume, "latency": latency_table, "intents": intents, "unanswered": unanswered}


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)
