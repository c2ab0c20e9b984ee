"""Read functions for the dashboard and the API: alerts, device status, values, series."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlmodel import Session

from coc.alerts.lifecycle import AlertFilter, as_dict, find_alerts
from coc.scope import Scope
from coc.store.models import (
    Alert,
    Device,
    DeviceEvent,
    SensorLatest,
    SensorReading,
    SensorRollup,
)
from coc.timeutil import VN_TZ, as_utc, iso_utc, utcnow


def open_alerts(
    session: Session, limit: int = 200, scope: Scope | None = None
) -> list[dict[str, Any]]:
    """Active alerts (of the person's `scope`): unacknowledged first, then most severe,
    then newest."""
    return find_alerts(session, AlertFilter(limit=limit, scope=scope))


def recent_alerts(session: Session, limit: int = 100) -> list[dict[str, Any]]:
    stmt = select(Alert).order_by(Alert.opened_at.desc(), Alert.id.desc()).limit(limit)
    return [alert_dict(a) for a in session.scalars(stmt)]


alert_dict = as_dict


def device_summary(session: Session) -> dict[str, dict[str, int]]:
    """Counts per kind: online, offline, unknown (never heard from), pending, total."""
    out: dict[str, dict[str, int]] = {}
    stmt = select(Device.kind, Device.state, Device.online, Device.registration, func.count())
    for kind, state, online, registration, n in session.execute(
        stmt.group_by(Device.kind, Device.state, Device.online, Device.registration)
    ):
        row = out.setdefault(
            kind, {"online": 0, "offline": 0, "unknown": 0, "pending": 0, "total": 0}
        )
        status = "online" if online else ("unknown" if state == "unknown" else "offline")
        row[status] += n
        row["total"] += n
        if registration == "pending":
            row["pending"] += n
    return out


def devices(session: Session, kind: str | None = None) -> list[dict[str, Any]]:
    stmt = select(Device).order_by(Device.kind, Device.device_id)
    if kind:
        stmt = stmt.where(Device.kind == kind)
    return [
        {
            "device_id": d.device_id,
            "kind": d.kind,
            "name": d.name,
            "hamlet": d.hamlet,
            "lat": d.lat,
            "lon": d.lon,
            "sensor_type": d.sensor_type,
            "unit": d.unit,
            "state": d.state,
            "online": d.online,
            "registration": d.registration,
            "last_seen": iso_utc(d.last_seen),
            "state_since": iso_utc(d.state_since),
        }
        for d in session.scalars(stmt)
    ]


def latest_values(session: Session) -> list[dict[str, Any]]:
    """Newest value per device and key from the latest table (never a scan of raw readings).

    Sensors with no row there at all (readings imported around the ingest writer) get one
    grouped index lookup each, so they still show.
    """
    stmt = (
        select(SensorLatest, Device.name, Device.unit, Device.hamlet, Device.sensor_type)
        .join(Device, Device.device_id == SensorLatest.device_id, isouter=True)
        .order_by(SensorLatest.device_id, SensorLatest.key)
    )
    out = [
        _latest_row(row.device_id, row.key, row.value, row.ts, name, unit, hamlet, stype)
        for row, name, unit, hamlet, stype in session.execute(stmt)
    ]
    have = {r["device_id"] for r in out}
    for dev in session.scalars(select(Device).where(Device.kind == "sensor")):
        if dev.device_id not in have:
            out += _latest_from_raw(session, dev)
    return sorted(out, key=lambda r: (r["device_id"], r["key"]))


def _latest_from_raw(session: Session, dev: Device) -> list[dict[str, Any]]:
    newest = session.execute(
        select(SensorReading.key, func.max(SensorReading.ts))
        .where(SensorReading.device_id == dev.device_id)
        .group_by(SensorReading.key)
    ).all()
    rows = []
    for key, ts in newest:
        value = session.scalar(
            select(SensorReading.value).where(
                SensorReading.device_id == dev.device_id,
                SensorReading.key == key,
                SensorReading.ts == ts,
            )
        )
        rows.append(
            _latest_row(
                dev.device_id, key, value, ts, dev.name, dev.unit, dev.hamlet, dev.sensor_type
            )
        )
    return rows


def _latest_row(
    device_id: str, key: str, value: float, ts: int, name: Any, unit: Any, hamlet: Any,
    sensor_type: Any = None,
) -> dict[str, Any]:  # fmt: skip
    return {
        "device_id": device_id,
        "key": key,
        "value": value,
        "ts": ts,
        "name": name,
        "unit": unit,
        "hamlet": hamlet,
        "sensor_type": sensor_type,
    }


RESOLUTIONS = {300: 300, 3600: 3600, "5m": 300, "1h": 3600}


def rollup_series(
    session: Session,
    device_id: str,
    key: str,
    start: datetime,
    end: datetime,
    resolution: int | str = 300,
) -> list[dict[str, Any]]:
    """Roll-up buckets of one series in [start, end) at 300 s ("5m") or 3600 s ("1h"):
    bucket start `ts` (ms, UTC), `min`, `avg`, `max`, `count`. Readings newer than the
    last roll-up run (at most `devices.rollup_interval_s` old) are not in it yet.
    """
    if resolution not in RESOLUTIONS:
        raise ValueError("resolution must be 300 or 3600 seconds ('5m' or '1h')")
    stmt = (
        select(SensorRollup)
        .where(
            SensorRollup.device_id == device_id,
            SensorRollup.key == key,
            SensorRollup.resolution == RESOLUTIONS[resolution],
            SensorRollup.bucket >= int(as_utc(start).timestamp() * 1000),
            SensorRollup.bucket < int(as_utc(end).timestamp() * 1000),
        )
        .order_by(SensorRollup.bucket)
    )
    return [
        {"ts": r.bucket, "min": r.min, "avg": r.sum / r.count, "max": r.max, "count": r.count}
        for r in session.scalars(stmt)
    ]


def uptime(
    session: Session, device_id: str, day: date, now: datetime | None = None
) -> float | None:
    """Percent of a local (Asia/Ho_Chi_Minh) day the device was online, from its events.

    Only the part of the day already past counts; None when nothing is known yet.
    """
    start = datetime.combine(day, time(0), VN_TZ)
    end = min(start + timedelta(days=1), as_utc(now or utcnow()))
    if end <= start:
        return None
    before = session.scalars(
        select(DeviceEvent)
        .where(DeviceEvent.device_id == device_id, DeviceEvent.ts < start)
        .order_by(DeviceEvent.ts.desc(), DeviceEvent.id.desc())
        .limit(1)
    ).first()
    events = list(
        session.scalars(
            select(DeviceEvent)
            .where(
                DeviceEvent.device_id == device_id, DeviceEvent.ts >= start, DeviceEvent.ts < end
            )
            .order_by(DeviceEvent.ts, DeviceEvent.id)
        )
    )
    if before is None and not events:
        return None
    online = before.online if before is not None else False
    cursor = start if before is not None else as_utc(events[0].ts)
    up = 0.0
    for event in events:
        at = as_utc(event.ts)
        if online:
            up += (at - cursor).total_seconds()
        online, cursor = event.online, max(cursor, at)
    if online:
        up += (end - cursor).total_seconds()
    known = (end - (start if before is not None else as_utc(events[0].ts))).total_seconds()
    return round(100.0 * up / known, 2) if known > 0 else None


def uptimes_today(
    session: Session, device_ids: list[str], now: datetime
) -> dict[str, float | None]:
    """Share of today (the local day of `now`) each device was online so far."""
    day = as_utc(now).astimezone(VN_TZ).date()
    return {i: uptime(session, i, day, now) for i in device_ids}
