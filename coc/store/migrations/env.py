"""Alembic environment: runs on the connection COC hands over (see db.upgrade_schema)."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine
from sqlmodel import SQLModel

import coc.store.models  # noqa: F401  (registers every table)

target_metadata = SQLModel.metadata


def _run(connection) -> None:  # type: ignore[no-untyped-def]
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=False,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = context.config.attributes.get("connection")
if connection is not None:
    _run(connection)
else:  # `alembic revision --autogenerate` from a shell, with -x url=...
    url = context.get_x_argument(as_dictionary=True).get("url", "sqlite:///migrations.sqlite3")
    with create_engine(url).connect() as conn:
        _run(conn)
        conn.commit()
