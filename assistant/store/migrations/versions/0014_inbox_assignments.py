"""Inbox assignments: ``inbox_assignments`` notes which member of staff has taken a conversation a person has (its
session, the handoff it was taken for, the review login and when), so that two agents do not answer the same customer.
An assignment counts only while its handoff is the session's open one; it is deleted with its session.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "inbox_assignments",
        sa.Column("session_id", sa.String(64), primary_key=True),
        sa.Column("handoff_seq", sa.Integer, nullable=False),
        sa.Column("agent", sa.String(64), nullable=False),
        sa.Column("assigned_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["session_id"], ["sessions.id"], ondelete="CASCADE"),
    )


def downgrade() -> None:
    """The previous version reads no assignments: the Inbox shows nobody as having taken a conversation."""
    op.drop_table("inbox_assignments")
