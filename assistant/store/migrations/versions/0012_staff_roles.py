"""Staff logins get a role: ``admin`` (everything, as every login could before) or ``reviewer`` (review,
label and reply in the Inbox; not change the knowledge base or export the logs). Existing logins become
admins, so nothing that worked stops working.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-05
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # a plain ADD COLUMN, never a batch (copy-and-swap) on SQLite: dropping the old table would cascade-delete
    # the logins' sessions
    op.add_column("staff_users", sa.Column("role", sa.String(16), nullable=False, server_default="admin"))


def downgrade() -> None:
    """The previous version has no roles: every login may do everything again."""
    op.drop_column("staff_users", "role")  # SQLite 3.35+ drops columns in place
