"""Sensor reads for the dashboard, all through `coc.devices`: the latest table, the
5-minute and hourly roll-ups, the alert rules of config/alerts.yaml and the alert history.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from coc.config import Settings
from coc.devices import queries
from coc.devices.alerts import Rules, load_rules, thresholds_for
from coc.devices.registry import Metric, Registry, load_registry
from coc.errors import ConfigError
from coc.store.db import Store

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
    metric_vi: str = ""
    metric_en: str = ""

    def metric(self, lang: str = "vi") -> str:
        """The quantity in words (never the raw key, unless nothing names it)."""
        return (self.metric_en if lang == "en" else self.metric_vi) or self.key


def from_ms(value: int) -> datetime:
    return datetime.fromtimestamp(value / 1000, UTC)


def resolution(start: datetime, end: datetime) -> str:
    return "5m" if end - start <= FINE_RANGE else "1h"


def latest_values(store: Store, settings: Settings | None = None) -> list[Latest]:
    """The newest value of every sensor key, from the `sensor_latest` table, each with its
    metric's own unit and name from the registry (humidity in %, not the type's °C)."""
    with store.session() as session:
        items = queries.latest_values(session)
    reg = registry(settings) if settings else None
    out = []
    for item in items:
        key = str(item["key"])
        m = reg.metric(item.get("sensor_type"), key) if reg else None
        out.append(
            Latest(
                str(item["device_id"]),
                str(item["name"] or item["device_id"]),
                key,
                m.unit if m else str(item["unit"] or ""),
                float(item["value"]),
                from_ms(int(item["ts"])),
                m.name_vi if m else "",
                m.name_en if m else "",
            )
        )
    return out


_REGISTRY: dict[tuple[str, int], Registry] = {}


def registry(settings: Settings) -> Registry | None:
    """The device registry (for metric units and names), re-read when the file changes."""
    path = settings.config_file(settings.devices.file)
    try:
        key = (str(path), path.stat().st_mtime_ns)
        if key not in _REGISTRY:
            _REGISTRY.clear()
            _REGISTRY[key] = load_registry(settings, path)
        return _REGISTRY[key]
    except (OSError, ConfigError) as exc:
        log.warning("không đọc được sổ thiết bị: %s", exc)
        return None


def metric(settings: Settings, device_id: str, key: str) -> Metric | None:
    reg = registry(settings)
    spec = reg.devices.get(device_id) if reg else None
    return reg.metric(spec.sensor_type, key) if reg and spec else None


def series(
    store: Store, device_id: str, key: str, start: datetime, end: datetime
) -> tuple[list[datetime], list[float]]:
    """Bucket averages: 5-minute roll-ups up to two days of span, hourly beyond."""
    seconds = RESOLUTIONS[resolution(start, end)]
    with store.session() as session:
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
    store: Store, settings: Settings, device_id: str, key: str
) -> list[tuple[str, float]]:
    """(rule name, threshold) of the alert rules that watch this device and key."""
    loaded = rules(settings)
    if loaded is None:
        return []
    with store.session() as session:
        return thresholds_for(session, loaded, device_id, key)


def device_names(store: Store) -> dict[str, str]:
    """Device id → its name, so pages name a device rather than show its id."""
    with store.session() as session:
        return {d["device_id"]: d["name"] for d in queries.devices(session) if d["name"]}


def alert_history(store: Store, limit: int = 50) -> list[dict[str, Any]]:
    """Recent alerts, open and cleared, newest first."""
    with store.session() as session:
        return queries.recent_alerts(session, limit)
