"""Each session keeps the event number of the handoff a person has now, so that the staff inbox reads the
few open conversations instead of every handoff ever made (its cost grew with the history).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("sessions", sa.Column("open_handoff_seq", sa.Integer(), nullable=True))
    op.create_index("ix_sessions_open_handoff_seq", "sessions", ["open_handoff_seq"])
    # the last handoff of each session, when no hand-back came after it (through the index on the event type)
    last_handoff = "(SELECT max(seq) FROM events WHERE events.session_id = sessions.id AND events.type = '{}')"
    op.execute(
        f"UPDATE sessions SET open_handoff_seq = {last_handoff.format('handoff')} "
        f"WHERE {last_handoff.format('handoff')} > coalesce({last_handoff.format('handoff_resolved')}, -1)"
    )


def downgrade() -> None:
    op.drop_index("ix_sessions_open_handoff_seq", table_name="sessions")
    op.drop_column("sessions", "open_handoff_seq")  # in place: a batch copy would cascade to the events
