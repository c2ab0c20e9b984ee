"""What the sync status view shows: the last push, its watermark and the values waiting for
the next push, in province or district mode each commune's last pull and cursor, and the
data sources' runs. Read-only; the dashboard and `coc sync --status` call this."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from coc.config import Settings
from coc.net import public_url
from coc.scope import Scope
from coc.store import runs as store_runs
from coc.store.db import Store
from coc.store.models import DataValue
from coc.store.runs import Run
from coc.sync import runs
from coc.timeutil import iso_utc


def _run(run: Run | None) -> dict[str, Any] | None:
    if run is None:
        return None
    return {
        "status": run.status,
        "started_at": iso_utc(run.started_at),
        "finished_at": iso_utc(run.finished_at),
        "records": run.records,
        "pages": run.pages,
        "errors": run.errors,
        "message": run.message,
    }


def _public(url: str | None) -> str | None:
    return public_url(url) if url else None


def queue_depth(store: Store, watermark: datetime | None) -> int:
    """Values the next push would send: changed at or after the watermark (all if none)."""
    stmt = select(func.count()).select_from(DataValue)
    if watermark is not None:
        stmt = stmt.where(DataValue.last_updated >= watermark)
    with store.session() as session:
        return int(session.scalar(stmt) or 0)


def _shown(name: str, scope: Scope | None) -> bool:
    """A commune's pull runs only to a person who may see that commune."""
    if scope is None or not name.startswith(store_runs.PULL_PREFIX):
        return True
    return scope.allows(name.removeprefix(store_runs.PULL_PREFIX))


def sync_status(
    store: Store, settings: Settings, recent: int = 50, scope: Scope | None = None
) -> dict[str, Any]:
    """{"push": {...}, "pulls": [...], "sources": {...}} with ISO UTC times (None where
    nothing ran yet); "runs" are the latest runs of every job, newest first. The communes'
    pulls (and their runs) are those of the person's `scope`."""
    watermark = runs.get_watermark(store, runs.PUSH)
    configured = bool(settings.upstream.url)
    push = {
        "configured": configured,
        "url": _public(settings.upstream.url),
        "watermark": iso_utc(watermark),
        "last_run": _run(runs.last_run(store, runs.PUSH)),
        "queue_depth": queue_depth(store, watermark) if configured else None,
    }
    good = store_runs.last_success(store, "source")
    sources = {
        "last_ok": iso_utc(max(good.values())) if good else None,
        "failed": store_runs.failed_count(store),
        "runs": [
            {"name": r.name, "kind": r.kind, **(_run(r) or {})}
            for r in store_runs.recent_runs(store, recent)
            if _shown(r.name, scope)
        ],
    }
    pulls = []
    if settings.role in ("province", "district"):
        for link in settings.province.communes:
            if scope is not None and not scope.allows(link.code):
                continue
            name = runs.pull_name(link.code)
            pulls.append(
                {
                    "code": link.code,
                    "name": link.name,
                    "url": _public(link.url),
                    "cursor": iso_utc(runs.get_watermark(store, name)),
                    "last_run": _run(runs.last_run(store, name)),
                }
            )
    return {"push": push, "pulls": pulls, "sources": sources}
