"""The conversation list's Declined column and filter mean only turns the assistant declined: a customer's
"that didn't help" (intent ``not_helped``) is stored as an abstained turn (its reply gives no answer), so it
set the session's ``any_abstained`` and the conversation showed as declined. Such turns get their own flag,
``any_not_helped`` (the list's Not helped column and filter), and both flags are worked out again from the
stored turns.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-05
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # a plain ADD COLUMN, never a batch (copy-and-swap) on SQLite: dropping the old sessions table would
    # cascade-delete every event
    op.add_column("sessions", sa.Column("any_not_helped", sa.Boolean(), nullable=False, server_default=sa.false()))
    # both through the index on (intent, session_id) of the turns
    op.execute(
        "UPDATE sessions SET any_not_helped = true WHERE id IN (SELECT session_id FROM turns WHERE intent = 'not_helped')"
    )
    op.execute(
        "UPDATE sessions SET any_abstained = false WHERE any_abstained = true AND NOT EXISTS "
        "(SELECT 1 FROM turns WHERE turns.session_id = sessions.id AND turns.abstained = true AND turns.intent <> 'not_helped')"
    )


def downgrade() -> None:
    """The previous version counts a "that didn't help" turn as declined."""
    op.execute("UPDATE sessions SET any_abstained = true WHERE any_not_helped = true")
    op.drop_column("sessions", "any_not_helped")  # SQLite 3.35+ drops columns in place
