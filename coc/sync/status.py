"""What the sync status view shows: the last push and its watermark, and in province or
district mode each commune's last pull and cursor. Read-only; dashboards call this."""

from __future__ import annotations

from typing import Any

from coc.config import Settings
from coc.net import public_url
from coc.store.db import Store
from coc.store.models import ConnectorRun
from coc.sync import runs
from coc.timeutil import iso_utc


def _run(run: ConnectorRun | None) -> dict[str, Any] | None:
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


def sync_status(store: Store, settings: Settings) -> dict[str, Any]:
    """{"push": {...}, "pulls": [...]} with ISO UTC times (None where nothing ran yet)."""
    push = {
        "configured": bool(settings.upstream.url),
        "url": _public(settings.upstream.url),
        "watermark": iso_utc(runs.get_watermark(store, runs.PUSH)),
        "last_run": _run(runs.last_run(store, runs.PUSH)),
    }
    pulls = []
    if settings.role in ("province", "district"):
        for link in settings.province.communes:
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
    return {"push": push, "pulls": pulls}
