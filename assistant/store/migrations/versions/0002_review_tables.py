"""Review: feedback, annotations and staff logins; per-session summaries and per-turn facts for filtering;
full-text search over turns (SQLite FTS5 kept in step by triggers, PostgreSQL a GIN index).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from assistant.store.search import create_full_text_search, drop_full_text_search

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ADD COLUMN, never a batch (copy-and-swap) on SQLite: dropping the old sessions table would
    # cascade-delete every event.
    op.add_column("sessions", sa.Column("title", sa.Text(), nullable=True))
    op.add_column("sessions", sa.Column("turn_count", sa.Integer(), nullable=False, server_default="0"))
    op.add_column("sessions", sa.Column("any_handoff", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.add_column("sessions", sa.Column("any_abstained", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.add_column("sessions", sa.Column("min_top_score", sa.Float(), nullable=True))
    op.add_column("sessions", sa.Column("last_model", sa.String(length=128), nullable=True))
    op.add_column("sessions", sa.Column("thumbs_up", sa.Integer(), nullable=False, server_default="0"))
    op.add_column("sessions", sa.Column("thumbs_down", sa.Integer(), nullable=False, server_default="0"))
    op.create_index("ix_sessions_updated_at", "sessions", ["updated_at"])

    op.add_column("turns", sa.Column("turn_no", sa.Integer(), nullable=True))
    op.add_column("turns", sa.Column("index_version", sa.String(length=64), nullable=True))
    op.add_column("turns", sa.Column("top_score", sa.Float(), nullable=True))
    op.add_column("turns", sa.Column("latency_ms", sa.Float(), nullable=True))
    op.create_index("ix_turns_intent", "turns", ["intent", "session_id"])

    op.create_table(
        "feedback",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("session_id", sa.String(length=64), nullable=False),
        sa.Column("turn_no", sa.Integer(), nullable=False),
        sa.Column("rating", sa.Integer(), nullable=True),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("author", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["session_id"], ["sessions.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_feedback_session_id", "feedback", ["session_id"])

    op.create_table(
        "annotations",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("session_id", sa.String(length=64), nullable=False),
        sa.Column("turn_no", sa.Integer(), nullable=False),
        sa.Column("reviewer", sa.String(length=64), nullable=False),
        sa.Column("answer_correct", sa.Boolean(), nullable=True),
        sa.Column("correct_intent", sa.String(length=64), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["session_id"], ["sessions.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_annotations_session_id", "annotations", ["session_id"])

    op.create_table(
        "staff_users",
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("password_hash", sa.String(length=256), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("username"),
    )
    create_full_text_search(op.get_bind())


def downgrade() -> None:
    drop_full_text_search(op.get_bind())
    op.drop_table("staff_users")
    op.drop_table("annotations")
    op.drop_table("feedback")
    op.drop_index("ix_turns_intent", table_name="turns")
    for column in ("latency_ms", "top_score", "index_version", "turn_no"):
        op.drop_column("turns", column)  # SQLite 3.35+ drops columns in place
    op.drop_index("ix_sessions_updated_at", table_name="sessions")
    for column in ("thumbs_down", "thumbs_up", "last_model", "min_top_score", "any_abstained", "any_handoff", "turn_count", "title"):
        op.drop_column("sessions", column)
