"""The scheduled field-report job: reminders before a deadline and overdue alerts."""

from __future__ import annotations

import logging
import os
from typing import Any

from coc.config import Settings
from coc.fieldreports.alerts import DeadlineRun, check_deadlines
from coc.fieldreports.categories import load_categories
from coc.notify.config import load_notify
from coc.store.db import Store
from coc.timeutil import utcnow

log = logging.getLogger(__name__)
INTERVAL_MIN = 15


def deadline_job(store: Store, settings: Settings) -> DeadlineRun:
    notify = load_notify(settings, os.environ)
    run = check_deadlines(store, load_categories(settings), now=utcnow(),
                          remind_hours=settings.fieldreports.remind_hours,
                          notify=notify)  # fmt: skip
    if run.reminded or run.overdue:  # codes only: no names or phones in the log
        log.info("field reports: %d reminded, %d overdue", len(run.reminded), len(run.overdue))
    return run


def register_jobs(scheduler: Any, store: Store, settings: Settings) -> None:
    load_categories(settings)  # a broken categories file fails at start, not every run
    scheduler.add_job(deadline_job, "interval", minutes=INTERVAL_MIN, id="fieldreports-deadlines",
                      args=(store, settings), max_instances=1, coalesce=True,
                      replace_existing=True)  # fmt: skip
