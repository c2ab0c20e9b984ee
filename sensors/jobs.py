"""Scheduled device jobs: inactivity timeouts, alert rules, roll-ups, retention pruning."""

from __future__ import annotations

import logging
from typing import Any

from coc.bulletins.alerting import draft_for_alerts
from coc.config import Settings
from coc.devices.alerts import evaluate, evaluate_offline, load_rules
from coc.devices.rollups import prune, rollup_all
from coc.devices.status import check_timeouts
from coc.store.db import Store

log = logging.getLogger(__name__)


def timeouts(settings: Settings) -> dict[str, int]:
    dev = settings.devices
    return {
        "camera": dev.timeout_camera_s,
        "speaker": dev.timeout_speaker_s,
        "sensor": dev.timeout_sensor_s,
    }


def status_job(store: Store, settings: Settings) -> None:
    changes = check_timeouts(store, timeouts(settings))
    for c in changes:
        log.info("thiết bị %s mất tín hiệu quá thời gian chờ, chuyển ngoại tuyến", c.device_id)


def alert_job(store: Store, settings: Settings) -> None:
    rules = load_rules(settings)
    evaluate(store, rules)
    evaluate_offline(store, rules.offline)
    draft_for_alerts(store, settings)  # alert rules with a bulletin template draft one


def rollup_job(store: Store, settings: Settings) -> None:
    rollup_all(store, settings.devices.raw_retention_days)


def prune_job(store: Store, settings: Settings) -> None:
    dev = settings.devices
    deleted = prune(store, dev.raw_retention_days, dev.rollup_retention_days, chunk=dev.prune_chunk)
    if deleted:
        log.info("đã xóa %d bản ghi cảm biến quá hạn lưu giữ", deleted)


def register_jobs(scheduler: Any, store: Store, settings: Settings) -> None:
    """Add the device jobs to an APScheduler 3 BackgroundScheduler (one instance each)."""
    load_rules(settings)  # a broken rules file fails at start, not every 30 seconds
    dev = settings.devices
    common = {
        "args": (store, settings),
        "max_instances": 1,
        "coalesce": True,
        "replace_existing": True,
    }
    scheduler.add_job(
        status_job, "interval", seconds=dev.status_check_s, id="devices-status", **common
    )
    scheduler.add_job(
        alert_job, "interval", seconds=dev.alert_check_s, id="devices-alerts", **common
    )
    scheduler.add_job(
        rollup_job, "interval", seconds=dev.rollup_interval_s, id="devices-rollup", **common
    )
    scheduler.add_job(
        prune_job, "interval", minutes=dev.prune_interval_min, id="devices-prune", **common
    )
