"""Alembic migrations of the conversation-log schema; run them through ``assistant.store.migrate``."""
