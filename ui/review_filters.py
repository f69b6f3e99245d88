"""The review page's filter inputs read as a ``LogFilter``: dates, the score threshold and the yes/no
drop-downs. Pure functions; an input that cannot be read is a ValueError that names its field, which the
page shows to the member of staff."""

from __future__ import annotations

from datetime import datetime, timezone

from assistant.store.review import LogFilter, day_after

YES_NO = {"any": None, "yes": True, "no": False}


def parse_day(text: str | None, field_name: str) -> datetime | None:
    """A ``YYYY-MM-DD`` date as midnight UTC; None when blank; ValueError naming the field otherwise."""
    if not text or not text.strip():
        return None
    try:
        return datetime.strptime(text.strip(), "%Y-%m-%d").replace(tzinfo=timezone.utc)
    except ValueError:
        raise ValueError(f"{field_name}: write the date as YYYY-MM-DD, e.g. 2026-11-22") from None


def parse_range(since: str | None, until: str | None) -> tuple[datetime | None, datetime | None]:
    """The From and To days (``parse_day``); ValueError when To is before From, which would show nothing."""
    start, end = parse_day(since, "From"), parse_day(until, "To")
    if start is not None and end is not None and end < start:
        raise ValueError(f"To ({end:%Y-%m-%d}) is before From ({start:%Y-%m-%d})")
    return start, end


def parse_score(text: str | float | None) -> float | None:
    """A retrieval score threshold; None when blank."""
    if text is None or (isinstance(text, str) and not text.strip()):
        return None
    try:
        return float(text)
    except ValueError:
        raise ValueError(f"Retrieval score below: write a number such as 0.4, not {str(text)[:40]!r}") from None


def build_filter(
    search: str, since: str, until: str, intent: str, handoff: str, abstained: str, not_helped: str, feedback: str,
    max_score: str | None, model: str, failed_action: str = "any",
) -> LogFilter:
    """The page's filter inputs as a LogFilter; ``until`` includes that whole day. ``failed_action`` ("Lookup
    failed"): conversations where a business action ran and failed, such as an order lookup that found nothing.
    ValueError, naming the field, for an input that cannot be read."""
    since_day, until_day = parse_range(since, until)
    score = parse_score(max_score)
    return LogFilter(
        text=search or "",
        since=since_day,
        until=day_after(until_day),
        intent=intent or None,
        handoff=YES_NO[handoff or "any"],
        abstained=YES_NO[abstained or "any"],
        not_helped=YES_NO[not_helped or "any"],
        failed_action=YES_NO[failed_action or "any"],
        feedback=feedback or "any",
        max_top_score=score,
        model=model or None,
    )
