"""Each session counts its events, so that concurrent appends to one conversation (several servers, or a
customer and a member of staff at once) number their events without colliding, and a write can be made
on condition that nothing changed since it was read.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("sessions", sa.Column("event_count", sa.Integer(), server_default="0", nullable=False))
    # events are numbered 0, 1, 2, … in each session: the count is the next number
    op.execute(
        "UPDATE sessions SET event_count = "
        "(SELECT coalesce(max(seq), -1) + 1 FROM events WHERE events.session_id = sessions.id)"
    )


def downgrade() -> None:
    # in place (SQLite 3.35+), never a batch copy-and-swap: dropping the old sessions table would cascade
    # to its events, turns and feedback
    op.drop_column("sessions", "event_count")
