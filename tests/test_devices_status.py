"""Registry sync, derived status (status, will, telemetry, timeout), events and uptime."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from coc.config import load_settings
from coc.devices import queries
from coc.devices.registry import load_registry, sync_devices
from coc.devices.status import apply_status, check_timeouts, mark_seen
from coc.errors import ConfigError
from coc.store.db import Store
from coc.timeutil import VN_TZ

SETTINGS = load_settings(environ={})
TIMEOUTS = {"camera": 300, "speaker": 600, "sensor": 900}


@dataclass(frozen=True)
class Status:
    device_id: str
    kind: str
    state: str
    ts: int
    reason: str = "status"


def ms(dt: datetime) -> int:
    return int(dt.timestamp() * 1000)


def local(day: date, hour: int) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=VN_TZ).astimezone(UTC)


@pytest.fixture
def store(sqlite_store: Store) -> Store:
    sync_devices(sqlite_store, SETTINGS)
    return sqlite_store


def events(store: Store, device_id: str) -> list[tuple[str | None, str, str]]:
    from sqlalchemy import text

    with store.engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT previous, state, reason FROM device_event WHERE device_id = :d ORDER BY id"
            ),
            {"d": device_id},
        )
        return [tuple(r) for r in rows]


def test_registry_sync_is_an_idempotent_upsert(store: Store, tmp_path: Path) -> None:
    sync_devices(store, SETTINGS)
    with store.session() as session:
        summary = queries.devices(session)
    assert len(summary) == 22
    mn = next(d for d in summary if d["device_id"] == "mn-01")
    assert (mn["kind"], mn["sensor_type"], mn["unit"], mn["hamlet"]) == (
        "sensor",
        "water_level",
        "m",
        "Thôn Chương Lộc",
    )
    spec = load_registry(SETTINGS).devices["mn-01"]
    assert (spec.range_min, spec.range_max, spec.timeout_s) == (-2.0, 15.0, 900)


def test_registry_errors_are_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "devices.yaml"
    bad.write_text("devices:\n  - {id: s-1, kind: sensor, name: x}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="cảm biến s-1 thiếu loại cảm biến hợp lệ"):
        load_registry(SETTINGS, bad)


def test_status_will_telemetry_and_timeout_make_events(store: Store) -> None:
    t0 = datetime(2026, 11, 22, 1, 0, tzinfo=UTC)
    with store.write_conn() as conn:
        apply_status(conn, [Status("cam-01", "camera", "recording", ms(t0))])
        apply_status(conn, [Status("cam-01", "camera", "recording", ms(t0) + 1000)])  # no change
        apply_status(conn, [Status("cam-01", "camera", "offline", ms(t0) + 60_000, "will")])
        mark_seen(conn, {"cam-01": ms(t0) + 120_000})
    assert check_timeouts(store, TIMEOUTS, t0 + timedelta(seconds=120 + 299)) == []
    changes = check_timeouts(store, TIMEOUTS, t0 + timedelta(seconds=120 + 301))
    assert [(c.device_id, c.state, c.reason) for c in changes] == [("cam-01", "offline", "timeout")]
    assert events(store, "cam-01") == [
        ("unknown", "recording", "status"),
        ("recording", "offline", "will"),
        ("offline", "online", "telemetry"),
        ("online", "offline", "timeout"),
    ]
    with store.session() as session:
        cams = queries.device_summary(session)["camera"]
    assert cams == {"online": 0, "offline": 1, "unknown": 7, "pending": 0, "total": 8}


def test_older_status_does_not_override_newer(store: Store) -> None:
    t0 = ms(datetime(2026, 11, 22, 1, 0, tzinfo=UTC))
    with store.write_conn() as conn:
        apply_status(conn, [Status("loa-01", "speaker", "playing", t0)])
        apply_status(conn, [Status("loa-01", "speaker", "offline", t0 - 5000)])
    assert events(store, "loa-01") == [("unknown", "playing", "status")]


def test_uptime_per_local_day(store: Store) -> None:
    day = date(2026, 11, 20)
    with store.write_conn() as conn:
        apply_status(conn, [Status("cam-02", "camera", "online", ms(local(day, 6)))])
        apply_status(conn, [Status("cam-02", "camera", "offline", ms(local(day, 12)))])
        apply_status(conn, [Status("cam-02", "camera", "online", ms(local(day, 18)))])
        apply_status(
            conn, [Status("cam-02", "camera", "offline", ms(local(day + timedelta(1), 6)))]
        )
    now = local(day + timedelta(days=3), 0)
    with store.session() as session:
        # Known from 06:00: online 06–12 and 18–24 → 12 h of 18 h.
        assert queries.uptime(session, "cam-02", day, now) == 66.67
        # Next day: online 00–06 of 24 h.
        assert queries.uptime(session, "cam-02", day + timedelta(1), now) == 25.0
        assert queries.uptime(session, "cam-02", day - timedelta(1), now) is None
        assert queries.uptime(session, "cam-03", day, now) is None
