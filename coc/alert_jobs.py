"""The scheduled alert and notification jobs (APScheduler 3, one instance each): the
non-sensor alert checks (overdue explanation requests too), and the outbox (route new
alert events, send what is due, field-report answers included)."""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from typing import Any

from coc.alerts.sources import check_all
from coc.config import Settings
from coc.explain import check_overdue
from coc.fieldreports.answers import addressees
from coc.indicators.catalog import Catalog
from coc.notify.config import NotifyConfig, load_notify
from coc.notify.outbox import dispatch, policy_of, route_events
from coc.store.db import Store
from coc.timeutil import utcnow

log = logging.getLogger(__name__)


def check_job(store: Store, settings: Settings, catalog: Catalog, org_unit: str) -> None:
    now = utcnow()
    check_all(store, settings, catalog, org_unit, now)
    check_overdue(store, catalog, now)


def notify_job(store: Store, settings: Settings, cfg: NotifyConfig) -> None:
    now = utcnow()
    route_events(store, cfg, now)
    result = dispatch(
        store, cfg, now, policy=policy_of(settings), max_attempts=settings.alerts.max_attempts,
        addressees=addressees(settings),
    )  # fmt: skip
    if result.sent:
        log.info("đã gửi %d thông báo", result.sent)


def register_jobs(
    scheduler: Any,
    store: Store,
    settings: Settings,
    catalog: Catalog,
    org_unit: str,
    environ: Mapping[str, str] | None = None,
) -> NotifyConfig:
    """Add both jobs; a broken notifications file fails at start, not every run."""
    cfg = load_notify(settings, os.environ if environ is None else environ)
    common = {"max_instances": 1, "coalesce": True, "replace_existing": True}
    scheduler.add_job(
        check_job,
        "interval",
        seconds=settings.alerts.check_s,
        id="alerts-check",
        args=(store, settings, catalog, org_unit),
        **common,
    )
    scheduler.add_job(
        notify_job,
        "interval",
        seconds=settings.alerts.dispatch_s,
        id="notify-dispatch",
        args=(store, settings, cfg),
        **common,
    )
    return cfg
