"""The conversation list's Handoff column and filter count a handoff without a turn record too: versions
before 2026-12-03 set a session's ``any_handoff`` only from turns that handed off, so a conversation
handed to a person through the API (``POST /api/sessions/ID/handoff``) showed no handoff in the list and
was missed by its "handed off" filter, while the Inbox and the analytics counted it. The flag is worked
out again from the handoff events.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # through the index on (type, session_id) of migration 0003
    op.execute(
        "UPDATE sessions SET any_handoff = true WHERE any_handoff = false AND id IN "
        "(SELECT session_id FROM events WHERE type = 'handoff')"
    )


def downgrade() -> None:
    """Nothing to undo: the flags stay as worked out."""
