"""data_value: DHIS2's category and attribute option combos in the natural key, comment,
followup and storedBy; the unique index leads with (org_unit, period) so reading a page of
one commune's values is a few index ranges

Revision ID: 0007_dhis2
Revises: 0005_mqtt
Create Date: 2026-12-02 04:50:00.000000

Existing values get the default combos (""), so every existing key stays the same key.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007_dhis2"
down_revision: str | Sequence[str] | None = "0006_calendar"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NEW_KEY = [
    "org_unit",
    "period",
    "indicator_code",
    "category_option_combo",
    "attribute_option_combo",
]
OLD_KEY = ["indicator_code", "org_unit", "period"]
# SQLite's unique constraint of 0001 has no name: batch mode names it by this convention
CONVENTION = {"uq": "uq_%(table_name)s_%(column_0_name)s"}


def _old_unique_name() -> str:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        return "uq_data_value_indicator_code"
    for uq in sa.inspect(bind).get_unique_constraints("data_value"):
        if list(uq["column_names"]) == OLD_KEY:
            return str(uq["name"])
    return "data_value_indicator_code_org_unit_period_key"


def upgrade() -> None:
    old = _old_unique_name()
    with op.batch_alter_table("data_value", naming_convention=CONVENTION) as batch_op:
        batch_op.add_column(
            sa.Column("category_option_combo", sa.String(32), nullable=False, server_default="")
        )
        batch_op.add_column(
            sa.Column("attribute_option_combo", sa.String(32), nullable=False, server_default="")
        )
        batch_op.add_column(
            sa.Column("followup", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(sa.Column("stored_by", sa.String(64), nullable=True))
        batch_op.drop_constraint(old, type_="unique")
        batch_op.drop_index("ix_data_value_ou_period")
        batch_op.create_unique_constraint("uq_data_value_key", NEW_KEY)


def downgrade() -> None:
    with op.batch_alter_table("data_value") as batch_op:
        batch_op.drop_constraint("uq_data_value_key", type_="unique")
        batch_op.create_index("ix_data_value_ou_period", ["org_unit", "period"])
        batch_op.create_unique_constraint("uq_data_value_indicator_code", OLD_KEY)
        batch_op.drop_column("stored_by")
        batch_op.drop_column("followup")
        batch_op.drop_column("attribute_option_combo")
        batch_op.drop_column("category_option_combo")
