"""Sync status for the page, from `coc.sync.status.sync_status`: the upstream (shown without
credentials), the last push and its watermark, each commune's last pull in province or
district mode, and the queue depth (values changed since the push watermark).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from coc import fmt
from coc.sync.status import sync_status
from coc.timeutil import parse_datetime
from dashboards import state, units
from dashboards.i18n import STRINGS, t
from dashboards.labels import source_name


@dataclass
class SyncStatus:
    upstream: str | None
    last_push: str
    push_status: str
    last_pull: str
    queue_depth: str
    error_count: str
    push_message: str
    push_failed: bool = False
    pulls: list[dict[str, Any]] = field(default_factory=list)
    runs: list[dict[str, Any]] = field(default_factory=list)


def _when(run: dict[str, Any] | None) -> datetime | None:
    if not run:
        return None
    return parse_datetime(run["finished_at"] or run["started_at"])


def _status_word(run: dict[str, Any] | None, lang: str) -> str:
    if not run:
        return t("never", lang)
    key = f"run_{run['status']}"
    return t(key, lang) if key in STRINGS else str(run["status"])


def _pull_row(pull: dict[str, Any], lang: str) -> dict[str, Any]:
    run = pull["last_run"]
    return {
        "code": pull["code"],
        "name": pull["name"],
        "url": pull["url"] or t("push_only", lang),
        "last": fmt.moment(_when(run), lang),
        "status": _status_word(run, lang),
        "records": run["records"] if run else None,
        "errors": run["errors"] if run else None,
        "message": (run or {}).get("message") or "",
    }


def status(lang: str) -> SyncStatus:
    st = state.get()
    data = sync_status(st.store, st.settings, scope=units.scope())
    push = data["push"]
    run = push["last_run"]
    sources = data["sources"]
    pulls = [_pull_row(p, lang) for p in data["pulls"]]
    pulled = [w for p in data["pulls"] if (w := _when(p["last_run"])) is not None]
    last_pull = max(pulled) if data["pulls"] and pulled else parse_datetime(sources["last_ok"])
    depth = push["queue_depth"]
    runs = [
        {
            "connector": source_name(r["name"], st.settings, lang),
            "started": fmt.moment(parse_datetime(r["started_at"]), lang),
            "status": _status_word(r, lang),
            "records": r["records"],
            "errors": r["errors"],
            "message": r["message"] or "",
        }
        for r in sources["runs"]
    ]
    return SyncStatus(
        upstream=push["url"],
        last_push=fmt.moment(_when(run), lang),
        push_status=_status_word(run, lang) if push["configured"] else "—",
        last_pull=fmt.moment(last_pull, lang),
        queue_depth=fmt.number(depth, 0, lang) if depth is not None else "—",
        error_count=fmt.number(sources["failed"], 0, lang),
        push_message=(run or {}).get("message") or "",
        push_failed=bool(run) and run["status"] == "failed",
        pulls=pulls,
        runs=runs,
    )
