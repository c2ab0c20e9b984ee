"""What the sync status view shows: the last push and its watermark, and in province or
district mode each commune's last pull and cursor. Read-only; dashboards call this."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit, urlunsplit

from coc.config import Settings
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


def public_url(url: str | None) -> str | None:
    """The URL without user:password, safe to show."""
    if not url:
        return None
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, host, parts.path, "", ""))


def sync_status(store: Store, settings: Settings) -> dict[str, Any]:
    """{"push": {...}, "pulls": [...]} with ISO UTC times (None where nothing ran yet)."""
    push = {
        "configured": bool(settings.upstream.url),
        "url": public_url(settings.upstream.url),
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
                    "url": public_url(link.url),
                    "cursor": iso_utc(runs.get_watermark(store, name)),
                    "last_run": _run(runs.last_run(store, name)),
                }
            )
    return {"push": push, "pulls": pulls}
