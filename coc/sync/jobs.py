"""Scheduled sync jobs (APScheduler 3): push upward, and in province/district mode pull."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from coc.config import Settings
from coc.indicators.catalog import Catalog
from coc.province.hierarchy import sync_org_units
from coc.store.db import Store
from coc.sync.pull import pull_all
from coc.sync.push import push_once
from coc.timeutil import utcnow

log = logging.getLogger(__name__)
PUSH_JOB = "coc-sync-push"
PULL_JOB = "coc-province-pull"


def _push(store: Store, settings: Settings) -> None:
    result = push_once(store, settings)
    (log.info if result.ok else log.error)("push: %s", result.line())


def _pull(store: Store, settings: Settings, catalog: Catalog) -> None:
    for result in pull_all(store, settings, catalog):
        (log.info if result.status in ("ok", "skipped") else log.error)("pull %s", result.line())


def register_jobs(scheduler: Any, store: Store, settings: Settings, catalog: Catalog) -> None:
    """Add the push job when `upstream.url` is set; the pull job in province/district mode."""
    common = {"max_instances": 1, "coalesce": True, "replace_existing": True}
    soon = utcnow() + timedelta(seconds=30)
    if settings.upstream.url:
        scheduler.add_job(
            _push,
            "interval",
            minutes=settings.upstream.interval_minutes,
            args=[store, settings],
            id=PUSH_JOB,
            next_run_time=soon,
            **common,
        )
    if settings.role in ("province", "district"):
        sync_org_units(store, settings)
        if any(c.url for c in settings.province.communes):
            scheduler.add_job(
                _pull,
                "interval",
                minutes=settings.province.pull_interval_minutes,
                args=[store, settings, catalog],
                id=PULL_JOB,
                next_run_time=soon,
                **common,
            )
