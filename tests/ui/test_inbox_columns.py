"""The Inbox's "Out of hours" column is shown only where the rules set support hours: without them it could never say
"yes" and stayed an empty column (on a phone one of the three shown)."""

from __future__ import annotations

from dataclasses import replace
from datetime import time
from pathlib import Path

import pytest

from assistant.app import Assistant
from dialog.business_rules import SupportHours
from ui.review import ReviewPage

WEEKDAYS = SupportHours(timezone="America/New_York", hours={"monday": (time(9), time(17)), "tuesday": None})


@pytest.mark.parametrize(
    ("hours", "shown"), [(None, False), (SupportHours(timezone="UTC"), False), (WEEKDAYS, True)], ids=["none", "no-day", "monday"]
)
def test_the_inbox_has_an_out_of_hours_column_only_with_support_hours(
    assistant: Assistant, tmp_path: Path, hours: SupportHours | None, shown: bool
) -> None:
    manager = assistant.manager
    manager.rules = replace(manager.rules, support_hours=hours)
    session_id = manager.handle(None, "I want to talk to a human").session_id
    page = ReviewPage(assistant.store.engine, assistant.store, tmp_path / "review", manager=manager)

    table, _status = page.show_inbox()
    assert list(table["Session"]) == [session_id]
    assert ("Out of hours" in table.columns) is shown

    built = page.build()  # the list as the page first draws it: the same columns, a width each, filling the table
    inbox = next(block for block in built.blocks.values() if getattr(block, "elem_id", None) == "inbox-list")
    assert inbox.value["headers"] == list(table.columns)
    assert len(inbox.column_widths) == len(table.columns)
    assert sum(int(width.rstrip("%")) for width in inbox.column_widths) == 100
    assert ("without-hours" in (inbox.elem_classes or [])) is not shown  # the narrow screens' CSS for those columns
