"""Sensor reads for the dashboard: latest values, chart series, thresholds, alert history.

The sensors helper (issue 4) adds roll-up tables and `coc.devices.queries`; until that is
merged these fall back to the raw `sensor_reading` table, aggregated in SQL.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import func, select
from sqlmodel import Session

from coc.store.models import Device, SensorReading

FIVE_MIN_MS = 300_000
HOUR_MS = 3_600_000
FINE_RANGE = timedelta(days=2)  # up to this span the chart uses 5-minute roll-ups


@dataclass(frozen=True)
class Latest:
    device_id: str
    name: str
    key: str
    unit: str
    value: float
    ts: datetime


@lru_cache(maxsize=4)
def registry(path: str) -> dict[str, Any]:
    try:
        return yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError):
        return {}


def sensor_keys(reg: dict[str, Any], sensor_type: str | None) -> list[str]:
    types = reg.get("sensor_types") or {}
    spec = types.get(sensor_type or "") or {}
    return list(spec.get("keys") or ([sensor_type] if sensor_type else []))


def thresholds(reg: dict[str, Any], key: str) -> list[tuple[str, float]]:
    """Display thresholds of a key from devices.yaml `thresholds:` ({key: {label: value}})."""
    spec = (reg.get("thresholds") or {}).get(key) or {}
    if isinstance(spec, dict):
        items = spec.items()
    else:
        items = ((i.get("name") or i.get("label", ""), i.get("value")) for i in spec)
    return [(str(label), float(value)) for label, value in items if value is not None]


def resolution(start: datetime, end: datetime) -> str:
    return "5m" if end - start <= FINE_RANGE else "1h"


def ms(value: datetime) -> int:
    return int(value.timestamp() * 1000)


def from_ms(value: int) -> datetime:
    return datetime.fromtimestamp(value / 1000, UTC)


def latest_values(session: Session, reg: dict[str, Any]) -> list[Latest]:
    """The newest reading of every sensor key: one index lookup per (device, key)."""
    try:  # wired after merge: coc.devices.queries.latest_values (issue 4, sensor_latest)
        from coc.devices.queries import latest_values as merged
    except ImportError:
        merged = None
    if merged is not None:
        return [_latest(item) for item in merged(session)]
    out = []
    for dev in session.scalars(select(Device).where(Device.kind == "sensor")):
        for key in sensor_keys(reg, dev.sensor_type):
            row = session.execute(
                select(SensorReading.ts, SensorReading.value)
                .where(SensorReading.device_id == dev.device_id, SensorReading.key == key)
                .order_by(SensorReading.ts.desc())
                .limit(1)
            ).first()
            if row:
                out.append(
                    Latest(dev.device_id, dev.name, key, dev.unit or "", row[1], from_ms(row[0]))
                )
    return sorted(out, key=lambda x: (x.device_id, x.key))


def _latest(item: Any) -> Latest:
    get = item.get if isinstance(item, dict) else lambda k, d=None: getattr(item, k, d)
    ts = get("ts")
    if isinstance(ts, int | float):
        ts = from_ms(int(ts))
    return Latest(
        str(get("device_id")),
        str(get("name") or get("device_id")),
        str(get("key")),
        str(get("unit") or ""),
        float(get("value")),
        ts,
    )


def series(
    session: Session, device_id: str, key: str, start: datetime, end: datetime
) -> tuple[list[datetime], list[float]]:
    """Average per bucket (5 minutes or 1 hour by span), from roll-ups when available."""
    res = resolution(start, end)
    try:  # wired after merge: coc.devices.queries.rollup_series (issue 4 rollups table)
        from coc.devices.queries import rollup_series
    except ImportError:
        rollup_series = None
    if rollup_series is not None:
        points = rollup_series(session, device_id, key, start, end, res)
        return [p[0] for p in points], [p[1] for p in points]
    bucket = FIVE_MIN_MS if res == "5m" else HOUR_MS
    b = SensorReading.ts // bucket
    stmt = (
        select(b.label("b"), func.avg(SensorReading.value))
        .where(
            SensorReading.device_id == device_id,
            SensorReading.key == key,
            SensorReading.ts >= ms(start),
            SensorReading.ts < ms(end),
        )
        .group_by("b")
        .order_by("b")
    )
    rows = session.execute(stmt).all()
    return [from_ms(int(r[0]) * bucket) for r in rows], [float(r[1]) for r in rows]


def alert_history(session: Session, limit: int = 50) -> list[dict[str, Any]]:
    """Recent alerts, newest first, once the sensors helper's `alert` table exists."""
    try:  # wired after merge: the Alert model of issue 4
        from coc.store.models import Alert  # type: ignore[attr-defined]
    except ImportError:
        return []
    order = getattr(Alert, "id", None)
    stmt = select(Alert).limit(limit)
    if order is not None:
        stmt = stmt.order_by(order.desc())
    out = []
    for a in session.scalars(stmt):
        out.append({c: getattr(a, c, None) for c in a.__table__.columns.keys()})  # noqa: SIM118
    return out
