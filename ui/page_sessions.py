"""The web pages' per-tab state, forgotten once a tab has been idle for an hour.

Gradio keeps a ``SessionState`` for every browser tab that ever ran one of a page's events (the chat page's
load event runs for every visitor): a copy of the page's component configuration, about 40 KB for the chat
page, plus the tab's ``gr.State`` values and the chatbot's last contents. Its own expiry empties only the
``gr.State`` values; the rest stays until 10,000 tabs have come since (its LRU capacity), so a server
that runs for weeks grows by some 400 MB, and keeps customers' messages in memory past the retention and
erasure of the logs. ``ExpiringStateHolder`` forgets, whenever a new tab arrives, the tabs unused for
``max_idle``. An open chat tab with a conversation polls every 15 s and an open review page every 10 s,
so only closed tabs (and tabs that never started a conversation) go; a forgotten tab that comes back starts
a new state, and the chat page finds its conversation again through the id the browser keeps. Gradio's queue
keeps per tab too: a message queue (until 2,000 tabs have come since) and the set of its events under way (never
dropped once empty); a forgotten tab's go with it, unless an event of it is still under way.

These are Gradio's private structures: Gradio 6.31 has no public way to forget a tab (``gr.State(time_to_live=)``
empties only State values, ``launch(state_session_capacity=)`` counts tabs, ``Blocks.unload`` marks a closed
tab's State values for deletion an hour later). ``tests/ui/test_page_sessions.py`` names every mapping or set of
the app, its Blocks, its queue and the state holder that still holds a forgotten tab, so a Gradio release that
renames one or adds another fails there.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from gradio.state_holder import SessionState, StateHolder

TAB_IDLE_LIMIT = timedelta(hours=1)


class ExpiringStateHolder(StateHolder):
    """Gradio's state holder, less the tabs idle for longer than ``max_idle`` (checked as each new tab arrives)."""

    def __init__(self, max_idle: timedelta = TAB_IDLE_LIMIT, clock: Callable[[], datetime] = datetime.now) -> None:
        super().__init__()
        self.max_idle, self.clock = max_idle, clock

    def __getitem__(self, session_id: str) -> SessionState:
        if session_id not in self.session_data:
            self.forget_idle()
        state = super().__getitem__(session_id)
        self.time_last_used[session_id] = self.clock()  # the parent's datetime.now(), from our clock
        return state

    def forget_idle(self) -> int:
        """Drop the tabs not used within ``max_idle``; how many went. Tabs are kept least recently used first."""
        cutoff = self.clock() - self.max_idle
        forgotten: list[str] = []
        with self.lock:
            while self.session_data:
                oldest = next(iter(self.session_data))
                used = self.time_last_used.get(oldest)
                if used is not None and used > cutoff:
                    break
                del self.session_data[oldest]
                self.time_last_used.pop(oldest, None)
                forgotten.append(oldest)
        self._forget_in_queue(forgotten)
        return len(forgotten)

    def _forget_in_queue(self, tabs: list[str]) -> None:
        """Drop what Gradio's queue keeps for ``tabs`` (a message queue, an empty set of events under way)."""
        queue = getattr(getattr(self, "blocks", None), "_queue", None)
        if queue is None:
            return
        for tab in tabs:
            if queue.pending_event_ids_session.get(tab):  # an event of the tab is still under way
                continue
            queue.pending_event_ids_session.pop(tab, None)
            queue.pending_messages_per_session.pop(tab, None)


def forget_idle_tabs(gradio_app: Any, max_idle: timedelta = TAB_IDLE_LIMIT) -> ExpiringStateHolder:
    """Give the mounted Gradio app ``gradio_app`` (``ui.server.mounted_app``) an ``ExpiringStateHolder`` in
    place of its own, keeping the tabs it already holds."""
    old: StateHolder = gradio_app.state_holder
    holder = ExpiringStateHolder(max_idle)
    holder.set_blocks(old.blocks)
    holder.session_data.update(old.session_data)
    holder.time_last_used.update(old.time_last_used)
    gradio_app.state_holder = holder
    return holder
