"""Conversation logs in SQL (SQLAlchemy): sessions, events and one decision record per turn."""

from assistant.store.db import StoreUnavailable, check_database_exists, make_engine
from assistant.store.spool import SpoolingStore
from assistant.store.sql_store import SqlStore

__all__ = ["SpoolingStore", "SqlStore", "StoreUnavailable", "check_database_exists", "make_engine"]
