"""field-report photos sent by link (Zalo OA) become photo rows the fetch job downloads

Revision ID: 0015_fieldreport_photos
Revises: 0014_alert_units

The links kept in `field_report.photo_links` move into `field_report_photo` as `pending`
rows (their seq after the report's uploaded photos), then the column goes.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import coc.store.types

revision: str = "0015_fieldreport_photos"
down_revision: str | Sequence[str] | None = "0014_alert_units"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

REPORT = sa.table("field_report", sa.column("id", sa.Integer), sa.column("photo_links", sa.JSON))
PHOTO = sa.table(
    "field_report_photo",
    sa.column("report_id", sa.Integer),
    sa.column("seq", sa.Integer),
    sa.column("public", sa.Boolean),
    sa.column("fetch_state", sa.String),
    sa.column("source_url", sa.String),
    sa.column("fetch_attempts", sa.Integer),
)


def _links(value: object) -> list[str]:
    if isinstance(value, str):  # a JSON text on a driver that does not decode it
        try:
            value = json.loads(value)
        except ValueError:
            return []
    return [u for u in value or [] if isinstance(u, str)] if isinstance(value, list) else []


def upgrade() -> None:
    with op.batch_alter_table("field_report_photo") as batch_op:
        batch_op.add_column(
            sa.Column("fetch_state", sa.String(8), server_default="stored", nullable=False)
        )
        batch_op.add_column(sa.Column("source_url", sa.String(1000), nullable=True))
        batch_op.add_column(sa.Column("fetch_error", sa.String(300), nullable=True))
        batch_op.add_column(
            sa.Column("fetch_attempts", sa.Integer(), server_default="0", nullable=False)
        )
        batch_op.add_column(sa.Column("fetch_after", coc.store.types.UTCDateTime(), nullable=True))
        batch_op.alter_column("data", existing_type=sa.LargeBinary(), nullable=True)
        batch_op.alter_column("width", existing_type=sa.Integer(), nullable=True)
        batch_op.alter_column("height", existing_type=sa.Integer(), nullable=True)
        batch_op.create_index("ix_field_report_photo_fetch_state", ["fetch_state"], unique=False)

    conn = op.get_bind()
    photo = sa.table("field_report_photo", sa.column("report_id"), sa.column("seq"))
    for report_id, links in conn.execute(sa.select(REPORT.c.id, REPORT.c.photo_links)).all():
        urls = _links(links)
        if not urls:
            continue
        last = conn.scalar(
            sa.select(sa.func.max(photo.c.seq)).where(photo.c.report_id == report_id)
        )
        conn.execute(
            PHOTO.insert(),
            [
                {"report_id": report_id, "seq": (last or 0) + i, "public": False,
                 "fetch_state": "pending", "source_url": url[:1000], "fetch_attempts": 0}
                for i, url in enumerate(dict.fromkeys(urls), 1)
            ],
        )  # fmt: skip

    if conn.dialect.name == "sqlite":  # in place (SQLite ≥ 3.35): a batch copy of the
        op.execute("ALTER TABLE field_report DROP COLUMN photo_links")  # table breaks the FK
    else:
        op.drop_column("field_report", "photo_links")


def downgrade() -> None:
    op.add_column("field_report", sa.Column("photo_links", sa.JSON(), nullable=True))
    conn = op.get_bind()
    photo = sa.table(
        "field_report_photo",
        sa.column("report_id"),
        sa.column("seq"),
        sa.column("source_url"),
        sa.column("data"),
    )
    links: dict[int, list[str]] = {}
    for report_id, url in conn.execute(
        sa.select(photo.c.report_id, photo.c.source_url)
        .where(photo.c.source_url.is_not(None))
        .order_by(photo.c.report_id, photo.c.seq)
    ).all():
        links.setdefault(report_id, []).append(url)
    for report_id, urls in links.items():
        conn.execute(REPORT.update().where(REPORT.c.id == report_id).values(photo_links=urls))
    conn.execute(photo.delete().where(photo.c.data.is_(None)))  # a link never fetched
    with op.batch_alter_table("field_report_photo") as batch_op:
        batch_op.drop_index("ix_field_report_photo_fetch_state")
        batch_op.alter_column("height", existing_type=sa.Integer(), nullable=False)
        batch_op.alter_column("width", existing_type=sa.Integer(), nullable=False)
        batch_op.alter_column("data", existing_type=sa.LargeBinary(), nullable=False)
        batch_op.drop_column("fetch_after")
        batch_op.drop_column("fetch_attempts")
        batch_op.drop_column("fetch_error")
        batch_op.drop_column("source_url")
        batch_op.drop_column("fetch_state")
