"""Analytics: one index on the turns' time and the few columns the analytics queries read (conversation,
intent, action, abstained and handoff flags, latency), so that the rates, volume per day, latency and top
intents are read from the index instead of the wide turn rows with their JSON. It takes the place of the
index on the time alone, which it also serves. Building it takes a few seconds per million turns, during
which turns wait to be written.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = ["created_at", "session_id", "intent", "action", "abstained", "handoff", "latency_ms"]


def upgrade() -> None:
    op.create_index("ix_turns_analytics", "turns", COLUMNS)
    op.drop_index("ix_turns_created_at", table_name="turns")


def downgrade() -> None:
    op.create_index("ix_turns_created_at", "turns", ["created_at"])
    op.drop_index("ix_turns_analytics", table_name="turns")
