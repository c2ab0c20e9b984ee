"""Sync bookkeeping in the connector tables: each push or pull is a ConnectorRun (so health
shows it next to the connectors) and each watermark a ConnectorCursor.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from coc.store.db import Store
from coc.store.models import ConnectorCursor, ConnectorRun
from coc.store.upsert import upsert_rows
from coc.timeutil import iso_utc, parse_datetime, utcnow

PUSH = "sync:push"


def pull_name(code: str) -> str:
    return f"sync:pull:{code}"


def get_watermark(store: Store, name: str) -> datetime | None:
    with store.session() as session:
        row = session.get(ConnectorCursor, name)
    return parse_datetime(row.cursor) if row and row.cursor else None


def set_watermark(store: Store, name: str, value: datetime) -> None:
    with store.write_conn() as conn:
        upsert_rows(
            conn, ConnectorCursor, [{"connector": name, "cursor": iso_utc(value)}], ["connector"]
        )


def start_run(store: Store, name: str) -> int:
    """Open a run; a run of the same job left `running` by a killed process is closed."""
    with store.write() as session:
        stale = session.scalars(
            select(ConnectorRun).where(
                ConnectorRun.connector == name, ConnectorRun.status == "running"
            )
        )
        for old in stale:
            old.status, old.message, old.finished_at = "failed", "bị gián đoạn", utcnow()
            session.add(old)
        run = ConnectorRun(connector=name, status="running")
        session.add(run)
        session.flush()
        assert run.id is not None
        return run.id


def finish_run(
    store: Store,
    run_id: int,
    status: str,
    *,
    records: int = 0,
    errors: int = 0,
    pages: int = 0,
    message: str | None = None,
) -> None:
    with store.write() as session:
        run = session.get(ConnectorRun, run_id)
        if run is None:
            return
        run.status, run.records, run.errors, run.pages = status, records, errors, pages
        run.message, run.finished_at = message, utcnow()
        session.add(run)


def last_run(store: Store, name: str) -> ConnectorRun | None:
    with store.session() as session:
        stmt = (
            select(ConnectorRun)
            .where(ConnectorRun.connector == name)
            .order_by(ConnectorRun.id.desc())
            .limit(1)
        )
        return session.scalars(stmt).first()
