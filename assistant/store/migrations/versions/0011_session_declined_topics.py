"""The conversation list's Declined column and filter include a topic the rules never answer ("I want to sue
you": action ``decline``). Such a turn is not stored as abstained (the rules' reply is given on purpose), so
it never set the session's ``any_abstained``: the conversation showed as not declined. New turns set it
(``sql_store.declined``); here the sessions that already hold one are marked.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-05
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute(
        "UPDATE sessions SET any_abstained = true WHERE any_abstained = false AND id IN "
        "(SELECT session_id FROM turns WHERE action = 'decline')"
    )


def downgrade() -> None:
    """The previous version counts only abstained turns (not "that didn't help") as declined."""
    op.execute(
        "UPDATE sessions SET any_abstained = false WHERE any_abstained = true AND NOT EXISTS "
        "(SELECT 1 FROM turns WHERE turns.session_id = sessions.id AND turns.abstained = true AND turns.intent <> 'not_helped')"
    )
