"""Connector and sync runs (the `connector_run` table): the one place that starts, finishes
and reads them, and names their kinds, so health, the CLI and the dashboards read every
job the same way; and the jobs' cursors (`connector_cursor`), read and saved here too.

A run's name says its kind: a source's name (`documents`, `tthc`, …) for a connector
pull, `sync:push` for the upward push, `sync:pull:<commune>` for a province pulling one
commune's feed, `report:<period>` for the scheduled delivery of a period's report.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from sqlalchemy import func, select, update
from sqlalchemy.engine import Connection

from coc.config import Settings
from coc.store.db import Store
from coc.store.models import ConnectorCursor, ConnectorRun
from coc.store.upsert import upsert_rows
from coc.timeutil import as_utc, utcnow

INTERRUPTED = "bị gián đoạn"
SYNC_PREFIX = "sync:"
PUSH = "sync:push"
PULL_PREFIX = "sync:pull:"
REPORT_PREFIX = "report:"
SUCCEEDED = ("ok", "partial")
RunKind = Literal["source", "push", "pull", "report"]


def pull_name(code: str) -> str:
    """The run name of a province's pull of one commune's feed."""
    return f"{PULL_PREFIX}{code}"


def report_name(period: str) -> str:
    """The run name of the scheduled delivery of one period's report."""
    return f"{REPORT_PREFIX}{period}"


def kind_of(name: str) -> RunKind:
    if name == PUSH:
        return "push"
    if name.startswith(PULL_PREFIX):
        return "pull"
    if name.startswith(REPORT_PREFIX):
        return "report"
    return "source"


@dataclass(frozen=True)
class Run:
    """One run as the readers see it (times UTC-aware)."""

    id: int
    name: str
    kind: RunKind
    status: str  # running | ok | partial | failed
    started_at: datetime | None
    finished_at: datetime | None
    records: int
    rejected: int
    errors: int
    pages: int
    message: str | None

    @property
    def when(self) -> datetime | None:
        return self.finished_at or self.started_at


def _run(row: ConnectorRun) -> Run:
    return Run(
        id=int(row.id or 0),
        name=row.connector,
        kind=kind_of(row.connector),
        status=row.status,
        started_at=as_utc(row.started_at) if row.started_at else None,
        finished_at=as_utc(row.finished_at) if row.finished_at else None,
        records=row.records,
        rejected=row.rejected,
        errors=row.errors,
        pages=row.pages,
        message=row.message,
    )


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


def last_run(store: Store, name: str) -> Run | None:
    """The newest run of one job, whatever its status."""
    with store.session() as session:
        stmt = (
            select(ConnectorRun)
            .where(ConnectorRun.connector == name)
            .order_by(ConnectorRun.id.desc())
            .limit(1)
        )
        row = session.scalars(stmt).first()
        return _run(row) if row else None


def newest_runs(store: Store) -> list[Run]:
    """The newest run of every job, by name."""
    newest = (
        select(ConnectorRun.connector, func.max(ConnectorRun.id).label("id"))
        .group_by(ConnectorRun.connector)
        .subquery()
    )
    stmt = (
        select(ConnectorRun)
        .join(newest, ConnectorRun.id == newest.c.id)
        .order_by(ConnectorRun.connector)
    )
    with store.session() as session:
        return [_run(r) for r in session.scalars(stmt)]


def recent_runs(store: Store, limit: int = 50) -> list[Run]:
    """The latest runs of every job, newest first."""
    stmt = select(ConnectorRun).order_by(ConnectorRun.id.desc()).limit(limit)
    with store.session() as session:
        return [_run(r) for r in session.scalars(stmt)]


def last_success(store: Store, kind: RunKind | None = None) -> dict[str, datetime]:
    """When each job (of one kind, or all) last finished well (ok or partial)."""
    stmt = (
        select(ConnectorRun.connector, func.max(ConnectorRun.finished_at))
        .where(ConnectorRun.status.in_(SUCCEEDED), ConnectorRun.finished_at.is_not(None))
        .group_by(ConnectorRun.connector)
    )
    with store.session() as session:
        rows = session.execute(stmt).all()
    return {name: as_utc(when) for name, when in rows if kind is None or kind_of(name) == kind}


def failed_count(store: Store) -> int:
    stmt = select(func.count()).select_from(ConnectorRun).where(ConnectorRun.status == "failed")
    with store.session() as session:
        return int(session.scalar(stmt) or 0)


@dataclass(frozen=True)
class Staleness:
    source: str
    last_ok: datetime | None


def stale_sources(store: Store, settings: Settings, now: datetime) -> list[Staleness]:
    """Enabled sources whose last good pull is older than `dashboard.stale_factor` × their
    pull interval (or that never pulled well)."""
    factor = settings.dashboard.stale_factor
    good = last_success(store, "source")
    out: list[Staleness] = []
    for source in settings.sources:
        if not source.enabled:
            continue
        last = good.get(source.name)
        limit = timedelta(minutes=source.interval_minutes * factor)
        if last is None or as_utc(now) - last > limit:
            out.append(Staleness(source.name, last))
    return out


def read_cursor(store: Store, name: str) -> str | None:
    """The saved cursor of one job (a connector stream, a commune's feed, the push)."""
    with store.session() as session:
        row = session.get(ConnectorCursor, name)
    return row.cursor if row else None


def save_cursor(conn: Connection, name: str, cursor: str | None) -> None:
    """Save a cursor inside the caller's transaction (so it moves only with its page)."""
    row = {"connector": name, "cursor": cursor, "updated_at": utcnow()}
    upsert_rows(conn, ConnectorCursor, [row], ["connector"], compare=["cursor"])
