"""The ingest process's store without the ORM (coc.store.lite): when it opens, that the
MQTT writer's plain statements leave exactly the rows the SQLAlchemy path leaves, that it
loads the full store only for what it does not write itself, and that `sensors.run`
drains telemetry without importing SQLAlchemy at all."""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fixtures_base import wait_until
from fixtures_mqtt import (
    Publisher,
    broker,
    count,
    needs_mosquitto,
    settings,
    start_ingest_process,
    store,
)

from coc.config import Settings, load_settings
from coc.devices.registry import registry_from_store, sync_devices
from coc.devices.status import check_timeouts
from coc.ingest.messages import Reading, Rejected, StatusUpdate, Telemetry
from coc.store.db import Store, open_store
from coc.store.lite import LiteStore, Sql, open_lite
from coc.store.status import get_status, set_status
from sensors.writer import Batch, Item, write_batch

_ = (broker, settings, store)  # fixtures used by name below
ROOT = Path(__file__).resolve().parent.parent
T0 = datetime(2026, 11, 30, 16, 59, 30, 123000, tzinfo=UTC)  # 23:59 on the 30th, local
MS = int(T0.timestamp() * 1000)


def site(tmp_path: Path, **store: Any) -> Settings:
    env = {"COC_DATA_DIR": str(tmp_path / "data")}
    if store.get("database_url"):
        env["COC_DATABASE_URL"] = store["database_url"]
    return load_settings(environ=env)


class Full:
    """The full-store factory a LiteStore is given, counting its calls."""

    def __init__(self, settings: Settings) -> None:
        self.settings, self.calls = settings, 0

    def __call__(self) -> Store:
        self.calls += 1
        return open_store(self.settings)


@pytest.fixture
def pair(tmp_path: Path) -> Iterator[tuple[Settings, Store, Full, LiteStore]]:
    """The full store with the shipped devices synced, and a LiteStore on the same file."""
    settings = site(tmp_path)
    store = open_store(settings)
    sync_devices(store, settings)
    full = Full(settings)
    lite = open_lite(settings, full)
    assert lite is not None
    yield settings, store, full, lite
    lite.dispose()
    store.dispose()


def test_opens_only_an_sqlite_schema_already_at_head(tmp_path: Path) -> None:
    settings = site(tmp_path)
    assert open_lite(settings) is None  # no database yet: the full store creates it
    open_store(settings).dispose()
    lite = open_lite(settings)
    assert isinstance(lite, LiteStore)
    lite.dispose()
    db = tmp_path / "data" / "coc.sqlite3"
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE alembic_version SET version_num = '0012_bulletins'")
    assert open_lite(settings) is None  # an upgrade is due: Alembic runs, in the full store
    pg = site(tmp_path, database_url="postgresql+psycopg://u@127.0.0.1/x")
    assert open_lite(pg) is None
    memory = site(tmp_path, database_url="sqlite:///:memory:")
    assert open_lite(memory) is None


def item(parsed: Any, received_ms: int, seq: int, topic: str = "coc/10237/sensors/x/t") -> Item:
    return Item(topic, b'{"v": 1}', parsed, received_ms, mid=seq, qos=1, seq=seq)


def batches() -> list[Batch]:
    """Telemetry of known devices (two first seen, so they come online), an unknown device
    to register, a status message, a later telemetry batch: what a drain writes."""
    first = Batch()
    for i, device in enumerate(("mn-01", "mn-02")):
        readings = tuple(Reading(device, "water_level", MS + k * 1000, 1.5 + k) for k in range(3))
        first.add(item(Telemetry(readings, pending=()), MS + 5000 + i, i))
    first.add(item(Telemetry((), pending=("new-9",)), MS + 6000, 3))
    second = Batch()
    second.add(item(StatusUpdate("cam-01", "camera", "recording", MS + 7000), MS + 7000, 4))
    second.add(item(StatusUpdate("mn-02", "sensor", "offline", MS + 8000, "will"), MS + 8000, 5))
    second.add(item(Telemetry((Reading("mn-01", "water_level", MS + 9000, 2.25),)), MS + 9000, 6))
    return [first, second]


READINGS = {
    "sensor_reading": "SELECT device_id, key, ts, value FROM sensor_reading ORDER BY 1, 2, 3",
    "sensor_latest": "SELECT device_id, key, ts, value, dirty_from FROM sensor_latest "
    "ORDER BY 1, 2",
}


def snapshot(store: Store) -> dict[str, list[tuple[Any, ...]]]:
    """Every table the writer touches, read back through SQLAlchemy and the models' types."""
    from sqlalchemy import select

    from coc.store.models import Device, DeviceEvent

    with store.session() as session:
        devices = session.scalars(select(Device).order_by(Device.device_id)).all()
        events = session.scalars(select(DeviceEvent)).all()
    out = {
        "device": [
            (d.device_id, d.registration, d.state, d.online, d.last_seen, d.state_since)
            for d in devices
        ],
        "device_event": sorted(
            (e.device_id, e.ts, e.state, e.previous, e.online, e.reason) for e in events
        ),
    }
    with store.engine.connect() as conn:
        for name, sql in READINGS.items():
            out[name] = [tuple(r) for r in conn.exec_driver_sql(sql)]
    return out


def test_lite_writer_leaves_the_rows_the_orm_path_leaves(tmp_path: Path) -> None:
    results = {}
    for mode in ("full", "lite"):
        settings = site(tmp_path / mode)
        store = open_store(settings)
        sync_devices(store, settings)
        target: Store | LiteStore = store
        full = Full(settings)
        if mode == "lite":
            lite = open_lite(settings, full)
            assert lite is not None
            target = lite
        changes = [write_batch(target, b, settings.commune.code) for b in batches()]
        results[mode] = (snapshot(store), changes)
        if mode == "lite":
            assert full.calls == 0, "a telemetry and status batch loaded the ORM"
            target.dispose()
        store.dispose()
    (full_rows, full_changes), (lite_rows, lite_changes) = results["full"], results["lite"]
    assert lite_rows == full_rows
    assert lite_changes == full_changes
    devices = {d[0]: d for d in lite_rows["device"]}
    # times come back aware and exact (to the millisecond the message carried)
    assert devices["mn-01"][2:5] == ("online", True, T0 + timedelta(seconds=9))
    assert devices["mn-02"][2:4] == ("offline", False)
    assert devices["new-9"][1:3] == ("pending", "unknown")
    assert ("mn-02", T0 + timedelta(seconds=8), "offline", "online", False, "will") in lite_rows[
        "device_event"
    ]
    assert [c.state for c in lite_changes[0]] == ["online", "online"]


def test_quarantine_goes_through_the_full_store_in_one_transaction(pair: Any) -> None:
    settings, store, full, lite = pair
    batch = Batch()
    reading = Reading("mn-01", "water_level", MS, 1.0)
    batch.add(item(Telemetry((reading,)), MS, 1))
    batch.add(item(Rejected("giá trị không phải số"), MS, 2))
    write_batch(lite, batch, settings.commune.code)
    assert full.calls == 1
    with store.engine.connect() as conn:
        held = conn.exec_driver_sql("SELECT source, reason FROM quarantine").all()
        stored = conn.exec_driver_sql("SELECT count(*) FROM sensor_reading").scalar()
    assert [tuple(r) for r in held] == [("mqtt", "giá trị không phải số")]
    assert stored == 1


def test_registry_and_status_on_lite_match_the_orm(tmp_path: Path, pair: Any) -> None:
    settings, store, full, lite = pair
    sync_devices(lite, settings)  # the table already matches the file: nothing to load
    assert full.calls == 0
    with lite.write_conn() as sql:  # an auto-registered device, only in the table
        sql.run(
            "INSERT INTO device (device_id, org_unit, kind, name, registration, state, online, "
            "updated_at) VALUES ('auto-1', '10237', 'sensor', 'auto-1', 'pending', 'unknown', 0, "
            "'2026-12-01 00:00:00.000000')"
        )
    assert registry_from_store(lite, settings) == registry_from_store(store, settings)
    data = {"queued": 3, "lastStoredAt": "2026-11-30T16:59:30Z", "note": "Thôn Chương Lộc"}
    set_status(lite, "ingester", "ok", "đang nhận dữ liệu", data, now=T0)
    got = get_status(store, "ingester")
    assert got is not None
    assert (got.state, got.detail, got.data, got.updated_at) == (
        "ok",
        "đang nhận dữ liệu",
        data,
        T0,
    )
    with sqlite3.connect(tmp_path / "data" / "coc.sqlite3") as conn:
        conn.execute("UPDATE device SET name = 'đổi tên' WHERE device_id = 'mn-01'")
    sync_devices(lite, settings)  # the file differs from the table now: the ORM upserts
    assert full.calls == 1
    assert registry_from_store(store, settings).devices["mn-01"].name != "đổi tên"


@pytest.mark.parametrize("at", [T0, T0 + timedelta(days=1, hours=7)])  # month end, 1st
def test_timeouts_read_times_the_lite_writer_wrote(pair: Any, at: datetime) -> None:
    settings, store, _, lite = pair
    write_batch(lite, batches()[0], settings.commune.code)
    silent_s = (at - (T0 + timedelta(seconds=2))).total_seconds()
    changes = check_timeouts(store, {"sensor": 900}, now=at)
    expected = {"mn-01", "mn-02"} if silent_s > 900 else set()
    assert {c.device_id for c in changes} == expected


def test_sql_times_round_trip_in_the_orm_text_form() -> None:
    sql = Sql(sqlite3.connect(":memory:"), "sqlite")
    assert sql.time(T0) == "2026-11-30 16:59:30.123000"
    assert sql.read_time(sql.time(T0)) == T0
    local = T0.astimezone(__import__("zoneinfo").ZoneInfo("Asia/Ho_Chi_Minh"))
    assert sql.time(local) == sql.time(T0)  # 23:59:30 on the 30th local is 16:59:30 UTC
    assert sql.read_time(None) is None and sql.time(None) is None


@needs_mosquitto
@pytest.mark.mqtt
def test_the_ingest_process_drains_telemetry_without_sqlalchemy(
    tmp_path: Path, settings: Settings, store: Store, broker: Any
) -> None:
    sync_devices(store, settings)  # as the previous run left it; a changed file loads the ORM
    ts = (int(datetime.now(UTC).timestamp()) // 60 - 5) * 60_000
    proc = start_ingest_process(settings, tmp_path, "--stats-file", str(tmp_path / "s.json"))
    pub = Publisher(broker.url, "lite-device")
    try:
        wait_until(lambda: getattr(get_status(store, "ingester"), "state", None) == "ok", 30)
        for i in range(50):
            pub.sensor("mn-01", json.dumps({"ts": ts + i, "values": {"water_level": i / 10}}))
        wait_until(lambda: count(store, "SELECT count(*) FROM sensor_reading") == 50, timeout=30)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(30)
        pub.close()
    stats = json.loads((tmp_path / "s.json").read_text(encoding="utf-8"))
    assert (stats["readings"], stats["lite_store"], stats["orm_loaded"]) == (50, True, False)


def test_importing_the_ingester_loads_no_orm() -> None:
    code = (
        "import sys, sensors.run; "
        "print([m for m in sys.modules if m.split('.')[0] in ('sqlalchemy', 'sqlmodel', "
        "'alembic') or m == 'coc.store.models'])"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "[]"


def test_last_seen_of_many_devices_in_few_statements(pair: Any) -> None:
    """Telemetry from 450 auto-registered devices (two SQLite statements of 400 and 50):
    every last_seen moves to its own time, an older time never moves one back, and a
    device seen for the first time comes online through one status change each."""
    from coc.devices.status import SEEN_CHUNK, mark_seen

    settings, _store, _, lite = pair
    ids = [f"auto-{i:03d}" for i in range(450)]
    assert len(ids) > SEEN_CHUNK
    with lite.write_conn() as sql:
        for i, device in enumerate(ids):
            sql.run(
                "INSERT INTO device (device_id, org_unit, kind, name, registration, state, "
                "online, last_seen, updated_at) VALUES (?, '10237', 'sensor', ?, 'auto', "
                "'unknown', 0, ?, '2026-12-01 00:00:00.000000')",
                (device, device, sql.time(T0) if i % 2 else None),
            )
    seen = {d: MS + 1000 * (i % 7) for i, d in enumerate(ids)}
    seen[ids[1]] = MS - 60_000  # older than what it has: stays at T0
    with lite.write_conn() as sql:
        changes = mark_seen(sql, seen)
    assert sorted(c.device_id for c in changes) == ids
    with sqlite3.connect(settings.data_path / "coc.sqlite3") as conn:
        rows = dict(conn.execute("SELECT device_id, last_seen FROM device WHERE "
                                 "device_id LIKE 'auto-%'"))  # fmt: skip
    text = Sql(sqlite3.connect(":memory:"), "sqlite").time
    want = {d: text(datetime.fromtimestamp(ms / 1000, UTC)) for d, ms in seen.items()}
    want[ids[1]] = text(T0)
    assert rows == want
