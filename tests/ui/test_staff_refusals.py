"""A refused action on the staff pages (``ui.errors.refuse``) is an error, not a success with nothing in it: for an
API caller of the page's endpoints (``gradio_client``), and for the steps chained after it, which run only when the
one before succeeded. (The browser's side, a toast and the page as it was: test_browser_review.)"""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.app import Assistant
from ui.review import ReviewPage

from test_browser import serving

PASSWORD = "a long enough password"


def built_page(assistant: Assistant) -> ReviewPage:
    """The staff pages with every tab, as the server builds them."""
    return ReviewPage(
        assistant.sql_store.engine,
        assistant.store,
        export_dir=assistant.settings.data_dir / "review",
        passage_text=assistant.passage_text,
        analytics=assistant.analytics,
        knowledge_base=assistant.knowledge_base,
        manager=assistant.manager,
    )


def test_every_step_chained_on_the_staff_pages_runs_only_after_the_step_before_succeeded(assistant: Assistant) -> None:
    # with .then, a refused search still set the pages shown back to the first (its "Previous page" then went
    # nowhere), a refused row click still put its id in the box, a refused upload or removal still re-read the index
    page = built_page(assistant).build()

    chained = [fn for fn in page.fns.values() if fn.trigger_after is not None]

    assert len(chained) >= 7  # search, row click, 3 downloads, upload, re-index, removal (2 steps)
    # a step for a refusal (the Download box emptied after a refused export) runs only after a failure
    assert [fn.name for fn in chained if not (fn.trigger_only_on_success or fn.trigger_only_on_failure)] == []
    assert {fn.name for fn in chained if fn.trigger_only_on_failure} <= {"emptied"}


def test_an_api_caller_of_a_refused_export_gets_the_error_not_a_success_without_a_file(assistant: Assistant) -> None:
    from gradio_client import Client
    from gradio_client.exceptions import AppError

    assistant.staff.set("ana", PASSWORD)  # an admin
    assistant.staff.set("bo", PASSWORD, role="reviewer")
    assistant.manager.handle(None, "How long do password reset links work?")
    no_filter = ("", "", "", "", "any", "any", "any", "any", "", "")

    with serving(assistant) as url:
        reviewer = Client(url + "/review/", auth=("bo", PASSWORD), verbose=False)
        with pytest.raises(AppError, match="Your login is a reviewer's: changing the knowledge base and exporting"):
            reviewer.predict("csv", *no_filter, api_name="/export")  # returned None
        with pytest.raises(AppError, match="From: write the date as YYYY-MM-DD"):
            reviewer.predict("", "2026-13-45", *no_filter[2:], api_name="/search")

        admin = Client(url + "/review/", auth=("ana", PASSWORD), verbose=False)
        exported = admin.predict("csv", *no_filter, api_name="/export")
        with pytest.raises(AppError, match="From: write the date as YYYY-MM-DD"):
            admin.predict("csv", "", "2026-13-45", *no_filter[2:], api_name="/export")

    assert "How long do password reset links work?" in Path(exported).read_text(encoding="utf-8")
