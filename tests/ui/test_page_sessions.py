"""Per-tab state of the web pages (ui/page_sessions.py): a tab idle for an hour is forgotten, so a server that
runs for weeks does not keep every visitor's tab (Gradio kept about 40 KB each until 10,000 more had come)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

from fastapi.testclient import TestClient

from assistant.app import Assistant
from ui.chat import ChatPage
from ui.page_sessions import ExpiringStateHolder
from ui.server import mounted_app


def open_chat_tab(client: TestClient, tab: str) -> None:
    """What a browser does when it shows the chat page: run the page's load event, as tab ``tab``."""
    config = client.get("/config").json()
    restore = next(n for n, dependency in enumerate(config["dependencies"]) if dependency.get("api_name") == "restore")
    assert client.post("/gradio_api/queue/join", json={"data": [None], "fn_index": restore, "session_hash": tab}).status_code == 200
    with client.stream("GET", f"/gradio_api/queue/data?session_hash={tab}") as events:
        for line in events.iter_lines():
            if line.startswith("data: ") and json.loads(line.removeprefix("data: ")).get("msg") == "process_completed":
                return
    raise AssertionError("the load event did not complete")


def test_the_chat_page_forgets_a_tab_idle_for_an_hour_when_another_comes(assistant: Assistant) -> None:
    with TestClient(assistant.web_app()) as client:
        holder = mounted_app(client.app, "").state_holder  # type: ignore[arg-type]
        open_chat_tab(client, "closed-yesterday")
        open_chat_tab(client, "open-now")
        assert {"closed-yesterday", "open-now"} <= set(holder.session_data)
        holder.time_last_used["closed-yesterday"] -= timedelta(hours=2)  # its last event, two hours ago

        open_chat_tab(client, "new-visitor")

        assert "closed-yesterday" not in holder.session_data and "closed-yesterday" not in holder.time_last_used
        assert {"open-now", "new-visitor"} <= set(holder.session_data)


def test_gradio_s_queue_forgets_an_idle_tab_with_it(assistant: Assistant) -> None:
    """Gradio's queue kept a message queue per tab (until 2,000 tabs had come since) and an empty set of the tab's
    events under way (for ever): about 3.5 KB a visitor that the tab expiry did not reach."""
    with TestClient(assistant.web_app()) as client:
        page = mounted_app(client.app, "")
        queue = page.get_blocks()._queue
        open_chat_tab(client, "closed-yesterday")
        open_chat_tab(client, "open-now")
        page.state_holder.time_last_used["closed-yesterday"] -= timedelta(hours=2)

        open_chat_tab(client, "new-visitor")

        assert "closed-yesterday" not in queue.pending_messages_per_session
        assert "closed-yesterday" not in queue.pending_event_ids_session
        assert {"open-now", "new-visitor"} <= set(queue.pending_messages_per_session) & set(queue.pending_event_ids_session)


def keyed_by(tab: str, *owners: object) -> list[str]:
    """The attributes of ``owners`` (a mapping or a set each) that hold ``tab`` as a key."""
    held = []
    for owner in owners:
        for name, value in vars(owner).items():
            keys = value.keys() if hasattr(value, "keys") else value if isinstance(value, (set, frozenset)) else ()
            try:
                if tab in keys:
                    held.append(f"{type(owner).__name__}.{name}")
            except TypeError:  # a container of unhashable things
                continue
    return held


def test_nothing_of_gradio_s_holds_a_forgotten_tab(assistant: Assistant) -> None:
    """ExpiringStateHolder reaches into Gradio's private per-tab structures (Gradio 6 has no public way to forget a
    tab: ``gr.State(time_to_live=)`` empties only State values, ``state_session_capacity`` counts tabs, ``unload``
    marks a closed tab's State values for deletion). A Gradio release that renames one of them, or keeps tabs in a
    new one, fails here by name: every mapping and set of the app, its Blocks, its queue and the state holder that
    held the tab before it was forgotten, or holds it after."""
    with TestClient(assistant.web_app()) as client:
        page = mounted_app(client.app, "")
        blocks = page.get_blocks()
        open_chat_tab(client, "closed-yesterday")
        open_chat_tab(client, "open-now")
        owners = (page, blocks, blocks._queue, page.state_holder)
        assert set(keyed_by("closed-yesterday", *owners)) == {
            "ExpiringStateHolder.session_data", "ExpiringStateHolder.time_last_used",
            "Queue.pending_messages_per_session", "Queue.pending_event_ids_session",
        }
        assert blocks.state_holder is page.state_holder  # the events' own look-ups (route_utils) go through it too
        page.state_holder.time_last_used["closed-yesterday"] -= timedelta(hours=2)

        open_chat_tab(client, "new-visitor")

        assert keyed_by("closed-yesterday", *owners) == []


def test_the_review_pages_forget_idle_tabs_too(assistant: Assistant) -> None:
    with TestClient(assistant.web_app()) as client:
        holder = mounted_app(client.app, "/review").state_holder  # type: ignore[arg-type]
        holder["staff-tab"]
        holder.time_last_used["staff-tab"] -= timedelta(hours=2)

        holder["another-staff-tab"]

        assert list(holder.session_data) == ["another-staff-tab"]


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 12, 1, 9, 0)

    def __call__(self) -> datetime:
        return self.now


def test_a_tab_used_within_the_hour_is_kept_however_old_it_is(assistant: Assistant) -> None:
    clock = Clock()
    holder = ExpiringStateHolder(timedelta(hours=1), clock)
    holder.set_blocks(ChatPage(assistant.manager).build())
    holder["open-tab"]
    for _ in range(10):  # open since 9:00, and used at least once an hour; a new visitor each time
        clock.now += timedelta(minutes=50)
        holder["open-tab"]
        holder[f"visitor-{clock.now:%H%M}"]

    clock.now += timedelta(minutes=50)  # 18:10
    holder["last-visitor"]

    assert list(holder.session_data) == ["open-tab", "visitor-1720", "last-visitor"]


def test_gradio_does_not_summarise_its_event_log_after_every_event(assistant: Assistant) -> None:
    """Gradio rebuilt a pandas summary of its last 10,000 events after each event (10 ms of CPU each here), for
    a monitoring page these pages do not use."""
    queue = ChatPage(assistant.manager).build()._queue
    records = [{"time": 0.0, "status": "success", "process_time": 0.1, "function": "respond", "session_hash": "s"}] * 50

    queue.events_recorded += 1
    first = queue.compute_analytics_summary(records)
    queue.events_recorded += 1
    second = queue.compute_analytics_summary(records + records)

    assert queue.ANALYTICS_MAX_EVENTS == 1000
    assert second is first  # the second event did not rebuild the summary
