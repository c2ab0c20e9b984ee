"""The scheduled field-report jobs: reminders before a deadline, overdue alerts and the
alert on the moderation queue, and the download of photos a channel sent as links."""

from __future__ import annotations

import logging
import os
from typing import Any

from coc.config import Settings
from coc.fieldreports.alerts import DeadlineRun, check_deadlines, check_moderation
from coc.fieldreports.categories import load_categories
from coc.fieldreports.contact import ContactBox
from coc.fieldreports.fetch import FetchPolicy, FetchRun, fetch_pending
from coc.notify.config import load_notify
from coc.store.db import Store
from coc.timeutil import utcnow

log = logging.getLogger(__name__)
INTERVAL_MIN = 15


def deadline_job(store: Store, settings: Settings) -> DeadlineRun:
    notify = load_notify(settings, os.environ)
    now = utcnow()
    run = check_deadlines(store, load_categories(settings), now=now,
                          remind_hours=settings.fieldreports.remind_hours,
                          notify=notify)  # fmt: skip
    if run.reminded or run.overdue:  # codes only: no names or phones in the log
        log.info("field reports: %d reminded, %d overdue", len(run.reminded), len(run.overdue))
    held = check_moderation(store, now=now, hours=settings.fieldreports.moderation_alert_hours)
    if held:
        log.info("field reports: %d waiting in moderation too long", sum(held.values()))
    return run


def photo_job(store: Store, settings: Settings) -> FetchRun:
    run = fetch_pending(store, FetchPolicy.from_settings(settings), now=utcnow())
    if run.stored or run.failed:  # photo ids only: no link (its query may hold a signature)
        log.info("field-report photos: %d fetched, %d not fetched", len(run.stored),
                 len(run.failed))  # fmt: skip
    return run


def register_jobs(scheduler: Any, store: Store, settings: Settings) -> None:
    load_categories(settings)  # a broken categories file fails at start, not every run
    ContactBox.from_settings(settings)  # so does a broken contact key (made when missing)
    scheduler.add_job(deadline_job, "interval", minutes=INTERVAL_MIN, id="fieldreports-deadlines",
                      args=(store, settings), max_instances=1, coalesce=True,
                      replace_existing=True)  # fmt: skip
    scheduler.add_job(photo_job, "interval", seconds=settings.fieldreports.photo_fetch_s,
                      id="fieldreports-photos", args=(store, settings), max_instances=1,
                      coalesce=True, replace_existing=True)  # fmt: skip
