"""Staff inbox: an index on the event type, so open handoffs are found without scanning every event.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_events_type", "events", ["type", "session_id"])


def downgrade() -> None:
    op.drop_index("ix_events_type", table_name="events")
