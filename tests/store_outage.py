"""A conversation store as the spooling store is while the database is down, for conversations this server never saw."""

from __future__ import annotations

from assistant.store.db import StoreUnavailable
from dialog.events import Event
from dialog.store import InMemoryStore


class DatabaseDown(InMemoryStore):
    """Every conversation's history is out of reach: ``load_events`` raises StoreUnavailable."""

    def load_events(self, session_id: str) -> list[Event]:
        raise StoreUnavailable(f"The database is unavailable and this process does not know session {session_id!r}'s history.")
