"""field reports keep the Zalo user id encrypted and how the answer went back

Revision ID: 0016_fieldreport_answer_delivery
Revises: 0015_fieldreport_photos

`sender_sealed` holds the Zalo sender id as a Fernet token (coc.fieldreports.contact);
reports received before this revision have none, so their answer is "not sendable".
`answer_delivery`, `answer_delivery_note` and `answer_delivery_at` record the outcome of
sending the published answer back (coc.fieldreports.answers).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import coc.store.types

revision: str = "0016_fieldreport_answer_delivery"
down_revision: str | Sequence[str] | None = "0015_fieldreport_photos"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = ("sender_sealed", "answer_delivery", "answer_delivery_note", "answer_delivery_at")


def upgrade() -> None:
    # Plain ADD COLUMN on every dialect: a batch copy of field_report would break the
    # foreign key of field_report_photo on SQLite.
    op.add_column("field_report", sa.Column("sender_sealed", sa.Text(), nullable=True))
    op.add_column("field_report", sa.Column("answer_delivery", sa.String(16), nullable=True))
    op.add_column("field_report", sa.Column("answer_delivery_note", sa.String(500), nullable=True))
    op.add_column(
        "field_report",
        sa.Column("answer_delivery_at", coc.store.types.UTCDateTime(), nullable=True),
    )


def downgrade() -> None:
    for name in reversed(COLUMNS):
        if op.get_bind().dialect.name == "sqlite":  # in place (SQLite ≥ 3.35)
            op.execute(f"ALTER TABLE field_report DROP COLUMN {name}")
        else:
            op.drop_column("field_report", name)
