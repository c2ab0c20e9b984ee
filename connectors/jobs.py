"""Scheduling: each enabled source is pulled at its interval by APScheduler 3.

Jobs are coalesced (a backlog of missed runs becomes one), limited to one running
instance per connector, and given a misfire grace of half the interval, so a busy or
sleeping machine catches up once instead of never or many times.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import Any

from coc.config import Settings
from coc.indicators.catalog import Catalog
from coc.store.db import Store
from connectors.run import AlreadyRunning, pull

log = logging.getLogger(__name__)
FIRST_RUN_DELAY_S = 5  # first pulls start shortly after start-up, staggered by this


def job_id(name: str) -> str:
    return f"pull:{name}"


def run_job(store: Store, settings: Settings, catalog: Catalog, name: str) -> None:
    """The scheduled call: pull, log the summary; never raise into the scheduler."""
    try:
        summary = pull(store, settings, catalog, name)
    except AlreadyRunning as exc:
        log.info("%s", exc)
        return
    except Exception:
        log.exception("scheduled pull of %s failed", name)
        return
    level = logging.INFO if summary.status == "ok" else logging.WARNING
    log.log(level, "%s", summary.text_vi())


def register_jobs(
    scheduler: Any, store: Store, settings: Settings, catalog: Catalog, start_now: bool = True
) -> None:
    """Add one interval job per enabled source to an APScheduler 3 scheduler."""
    now = datetime.now(UTC)
    for index, source in enumerate(s for s in settings.sources if s.enabled):
        interval = max(1, source.interval_minutes)
        first = now + timedelta(seconds=FIRST_RUN_DELAY_S * (index + 1))
        scheduler.add_job(
            run_job,
            "interval",
            minutes=interval,
            args=[store, settings, catalog, source.name],
            id=job_id(source.name),
            name=f"Đồng bộ nguồn {source.name}",
            coalesce=True,
            max_instances=1,
            misfire_grace_time=max(30, interval * 30),
            replace_existing=True,
            **({"next_run_time": first} if start_now else {}),
        )
