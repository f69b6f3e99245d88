"""The conversation list's thumbs count each answer once, as the customer last rated it: a changed
thumb moved from one count to the other, a thumb taken back leaves both, and reviewers' thumbs are not
counted. Before, every rating was added, so one answer rated up then down counted in both. The counts are
recomputed from the feedback.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# a session's answers whose latest customer rating is {rating}
_RATED = """(SELECT count(*) FROM feedback AS f WHERE f.session_id = sessions.id AND f.rating = {rating}
  AND f.id IN (SELECT max(id) FROM feedback AS g WHERE g.session_id = sessions.id AND g.source = 'customer'
               AND g.rating IS NOT NULL GROUP BY g.turn_no))"""


def upgrade() -> None:
    op.execute(
        f"UPDATE sessions SET thumbs_up = {_RATED.format(rating=1)}, thumbs_down = {_RATED.format(rating=-1)} "
        "WHERE thumbs_up > 0 OR thumbs_down > 0"
    )


def downgrade() -> None:
    """Nothing to undo: the counts stay as recomputed."""
