"""alert.org_unit: whose figures or devices an alert is about (users bound to org units)

Revision ID: 0014_alert_units
Revises: 0013_reports
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014_alert_units"
down_revision: str | Sequence[str] | None = "0013_reports"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("alert") as batch_op:
        batch_op.add_column(sa.Column("org_unit", sa.String(length=16), nullable=True))
        batch_op.create_index(batch_op.f("ix_alert_org_unit"), ["org_unit"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("alert") as batch_op:
        batch_op.drop_index(batch_op.f("ix_alert_org_unit"))
        batch_op.drop_column("org_unit")
