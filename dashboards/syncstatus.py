"""Sync status for the page: upstream, last push and pull, queue depth, recent errors.

# wired after merge: the API/sync helper (issue 6) owns the push job and its watermark;
# prefer its status function when present. Until then the push is read from
# connector_run rows named "sync*" and the watermark from connector_cursor "sync".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from coc import fmt
from coc.store.models import ConnectorCursor, ConnectorRun, DataValue
from coc.timeutil import as_utc, parse_datetime
from dashboards import state


@dataclass
class SyncStatus:
    upstream: str | None
    last_push: str
    last_pull: str
    queue_depth: str
    error_count: str
    runs: list[dict[str, Any]] = field(default_factory=list)


def _last(session: Any, push: bool) -> datetime | None:
    is_sync = ConnectorRun.connector.like("sync%")
    value = session.scalar(
        select(func.max(ConnectorRun.finished_at)).where(
            is_sync if push else ~is_sync, ConnectorRun.status.in_(("ok", "partial"))
        )
    )
    return as_utc(value) if value else None


def status(lang: str) -> SyncStatus:
    st = state.get()
    with st.store.session() as session:
        cursor = session.get(ConnectorCursor, "sync")
        watermark = None
        if cursor and cursor.cursor:
            try:
                watermark = parse_datetime(cursor.cursor)
            except ValueError:
                watermark = None
        depth_stmt = select(func.count()).select_from(DataValue)
        if watermark is not None:
            depth_stmt = depth_stmt.where(DataValue.last_updated > watermark)
        depth = int(session.scalar(depth_stmt) or 0)
        runs = list(
            session.scalars(select(ConnectorRun).order_by(ConnectorRun.id.desc()).limit(50))
        )
        errors = int(
            session.scalar(
                select(func.count())
                .select_from(ConnectorRun)
                .where(ConnectorRun.status == "failed")
            )
            or 0
        )
        push, pull = _last(session, True), _last(session, False)
    return SyncStatus(
        upstream=st.settings.upstream.url,
        last_push=fmt.moment(push, lang),
        last_pull=fmt.moment(pull, lang),
        queue_depth=fmt.number(depth, 0, lang) if st.settings.upstream.url else "—",
        error_count=fmt.number(errors, 0, lang),
        runs=[
            {
                "connector": r.connector,
                "started": fmt.moment(r.started_at, lang),
                "status": r.status,
                "records": r.records,
                "errors": r.errors,
                "message": r.message or "",
            }
            for r in runs
        ],
    )
