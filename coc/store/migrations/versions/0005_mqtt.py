"""quarantine keeps every message (a dedupe key per message, MQTT redelivery matching);
service status data (the ingester's liveness for health)

Revision ID: 0005_mqtt
Revises: 0004_hard
Create Date: 2026-12-01 22:40:00.000000

Rows already held get the key "legacy:<id>", so none of them is merged with another; a
source that sends one of them again after the upgrade adds it once more under the new key.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005_mqtt"
down_revision: str | Sequence[str] | None = "0004_hard"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("quarantine", schema=None) as batch_op:
        batch_op.add_column(sa.Column("dedupe_key", sa.String(length=80), nullable=True))
        batch_op.add_column(sa.Column("message_key", sa.String(length=64), nullable=True))
    op.execute("UPDATE quarantine SET dedupe_key = 'legacy:' || CAST(id AS VARCHAR)")
    with op.batch_alter_table("quarantine", schema=None) as batch_op:
        batch_op.alter_column("dedupe_key", existing_type=sa.String(length=80), nullable=False)
        batch_op.create_index(batch_op.f("ix_quarantine_message_key"), ["message_key"])
        batch_op.create_unique_constraint("uq_quarantine_dedupe", ["source", "dedupe_key"])
    with op.batch_alter_table("service_status", schema=None) as batch_op:
        batch_op.add_column(sa.Column("data", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("service_status", schema=None) as batch_op:
        batch_op.drop_column("data")
    with op.batch_alter_table("quarantine", schema=None) as batch_op:
        batch_op.drop_constraint("uq_quarantine_dedupe", type_="unique")
        batch_op.drop_index(batch_op.f("ix_quarantine_message_key"))
        batch_op.drop_column("message_key")
        batch_op.drop_column("dedupe_key")
