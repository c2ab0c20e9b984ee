"""Sensor reads for the dashboard, all through `coc.devices`: the latest table, the
5-minute and hourly roll-ups, the alert rules of config/alerts.yaml and the alert history.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from coc.config import Settings
from coc.devices import queries
from coc.devices.alerts import Rules, load_rules
from coc.errors import ConfigError
from coc.store.models import Device

log = logging.getLogger(__name__)

FINE_RANGE = timedelta(days=2)  # up to this span the chart uses 5-minute roll-ups
RESOLUTIONS = {"5m": 300, "1h": 3600}


@dataclass(frozen=True)
class Latest:
    device_id: str
    name: str
    key: str
    unit: str
    value: float
    ts: datetime


def from_ms(value: int) -> datetime:
    return datetime.fromtimestamp(value / 1000, UTC)


def resolution(start: datetime, end: datetime) -> str:
    return "5m" if end - start <= FINE_RANGE else "1h"


def latest_values(session: Session) -> list[Latest]:
    """The newest value of every sensor key, from the `sensor_latest` table."""
    return [
        Latest(
            str(item["device_id"]),
            str(item["name"] or item["device_id"]),
            str(item["key"]),
            str(item["unit"] or ""),
            float(item["value"]),
            from_ms(int(item["ts"])),
        )
        for item in queries.latest_values(session)
    ]


def series(
    session: Session, device_id: str, key: str, start: datetime, end: datetime
) -> tuple[list[datetime], list[float]]:
    """Bucket averages: 5-minute roll-ups up to two days of span, hourly beyond."""
    seconds = RESOLUTIONS[resolution(start, end)]
    points = queries.rollup_series(session, device_id, key, start, end, seconds)
    return [from_ms(int(p["ts"])) for p in points], [float(p["avg"]) for p in points]


_RULES: dict[tuple[str, int], Rules] = {}


def rules(settings: Settings) -> Rules | None:
    """The alert rules, re-read when the file changes; None (and a log line) if broken."""
    path = settings.config_file(settings.devices.alerts_file)
    try:
        key = (str(path), path.stat().st_mtime_ns)
        if key not in _RULES:
            _RULES.clear()
            _RULES[key] = load_rules(settings, path)
        return _RULES[key]
    except (OSError, ConfigError) as exc:
        log.warning("không vẽ được ngưỡng cảnh báo: %s", exc)
        return None


def thresholds(
    session: Session, settings: Settings, device_id: str, key: str
) -> list[tuple[str, float]]:
    """(rule name, threshold) of the alert rules that watch this device and key."""
    loaded = rules(settings)
    if loaded is None:
        return []
    sensor_type = session.scalar(select(Device.sensor_type).where(Device.device_id == device_id))
    return [
        (r.name, r.threshold)
        for r in loaded.rules
        if r.key == key and r.matches(device_id, sensor_type)
    ]


def alert_history(session: Session, limit: int = 50) -> list[dict[str, Any]]:
    """Recent alerts, open and cleared, newest first."""
    return queries.recent_alerts(session, limit)
