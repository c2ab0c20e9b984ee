"""Start and finish a ConnectorRun record, and read and save a job's cursor: the one
bookkeeping path for connector pulls and sync push/pull jobs, so health and the dashboards
read every job the same way.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.engine import Connection

from coc.store.db import Store
from coc.store.models import ConnectorCursor, ConnectorRun
from coc.store.upsert import upsert_rows
from coc.timeutil import utcnow

INTERRUPTED = "bị gián đoạn"


def start_run(
    store: Store,
    name: str,
    *,
    stale_after: timedelta | None = None,
    reason: str = INTERRUPTED,
) -> int:
    """Open a `running` run and return its id. Runs of the same job still `running` were
    left by a killed process and are closed as failed with `reason`: all of them, or only
    those older than `stale_after` when another process may be running the job now."""
    now = utcnow()
    where = [ConnectorRun.connector == name, ConnectorRun.status == "running"]
    if stale_after is not None:
        where.append(ConnectorRun.started_at < now - stale_after)
    with store.write() as session:
        session.execute(
            update(ConnectorRun)
            .where(*where)
            .values(status="failed", message=reason, finished_at=now)
        )
        run = ConnectorRun(connector=name, status="running")
        session.add(run)
        session.flush()
        return int(run.id or 0)


def finish_run(
    store: Store,
    run_id: int | None,
    status: str,
    *,
    records: int = 0,
    rejected: int = 0,
    errors: int = 0,
    pages: int = 0,
    message: str | None = None,
    finished_at: datetime | None = None,
) -> None:
    """Close a run with its outcome and counts (finished now unless `finished_at` is given)."""
    if run_id is None:
        return
    with store.write() as session:
        run = session.get(ConnectorRun, run_id)
        if run is None:
            return
        run.status, run.records, run.rejected = status, records, rejected
        run.errors, run.pages, run.message = errors, pages, message
        run.finished_at = finished_at or utcnow()
        session.add(run)


def last_run(store: Store, name: str) -> ConnectorRun | None:
    """The newest run of one job, whatever its status."""
    with store.session() as session:
        stmt = (
            select(ConnectorRun)
            .where(ConnectorRun.connector == name)
            .order_by(ConnectorRun.id.desc())
            .limit(1)
        )
        return session.scalars(stmt).first()


def read_cursor(store: Store, name: str) -> str | None:
    """The saved cursor of one job (a connector stream, a commune's feed, the push)."""
    with store.session() as session:
        row = session.get(ConnectorCursor, name)
    return row.cursor if row else None


def save_cursor(conn: Connection, name: str, cursor: str | None) -> None:
    """Save a cursor inside the caller's transaction (so it moves only with its page)."""
    row = {"connector": name, "cursor": cursor, "updated_at": utcnow()}
    upsert_rows(conn, ConnectorCursor, [row], ["connector"], compare=["cursor"])
