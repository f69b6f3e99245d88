"""The Inbox marks the handoffs that arrived outside the rules' support hours (nobody was at work to take them)."""

from __future__ import annotations

from datetime import datetime, time, timezone

from assistant.store.inbox import InboxItem
from dialog.business_rules import SupportHours
from ui.review_tables import inbox_table

# Monday to Friday 09:00-17:00 in New York (UTC-5 in December)
HOURS = SupportHours(
    timezone="America/New_York", label="ET", hours={day: (time(9), time(17)) for day in ("monday", "tuesday", "wednesday", "thursday", "friday")}
)


def _item(session_id: str, handed_off_at: datetime) -> InboxItem:
    return InboxItem(
        session_id=session_id, title="I want to talk to a human", handed_off_at=handed_off_at, last_activity=handed_off_at,
        reason="the customer asked for a human", agent=None, awaiting_reply=True, waiting_since=handed_off_at,
    )


def test_handoffs_outside_the_support_hours_are_marked_in_the_inbox() -> None:
    # Before, nothing said that a customer waiting 14 h had asked at 23:00, when nobody was at work
    items = [
        _item("in-hours", datetime(2026, 12, 7, 15, 0, tzinfo=timezone.utc)),  # Monday 10:00 ET
        _item("late-evening", datetime(2026, 12, 8, 4, 0, tzinfo=timezone.utc)),  # Monday 23:00 ET
        _item("saturday", datetime(2026, 12, 12, 16, 0, tzinfo=timezone.utc)),  # Saturday 11:00 ET
    ]
    table = inbox_table(items, now=datetime(2026, 12, 14, 12, 0, tzinfo=timezone.utc), hours=HOURS)
    assert dict(zip(table["Session"], table["Out of hours"])) == {"in-hours": "", "late-evening": "yes", "saturday": "yes"}


def test_without_support_hours_no_handoff_is_marked() -> None:
    item = _item("late-evening", datetime(2026, 12, 8, 4, 0, tzinfo=timezone.utc))
    assert list(inbox_table([item], now=datetime(2026, 12, 8, 5, 0, tzinfo=timezone.utc))["Out of hours"]) == [""]
    assert list(inbox_table([item], hours=SupportHours(timezone="UTC"))["Out of hours"]) == [""]  # no hours set: not closed
