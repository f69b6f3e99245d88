"""Erasures and purges are noted in the database, so that every server sharing it knows them: ``erased_conversations``
(the SHA-256 of an erased conversation's id, and when) and ``log_purges`` (each purge's cutoff). A server's spool replay
drops the writes of an erased conversation, and those spooled before the latest purge's cutoff of a conversation the
database no longer has, instead of storing them again.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "erased_conversations",
        sa.Column("digest", sa.String(64), primary_key=True),
        sa.Column("erased_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "log_purges",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("cutoff", sa.DateTime(timezone=True), nullable=False),
        sa.Column("purged_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sessions", sa.Integer, nullable=False),
    )


def downgrade() -> None:
    """The previous version reads neither table: erasures are known again only to the data folder they ran on."""
    op.drop_table("log_purges")
    op.drop_table("erased_conversations")
