"""Incremental 5-minute and hourly roll-ups, retention pruning alongside ingestion.

Prune speed and the writer's latency meanwhile: `python -m benchmarks.retention`.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

from fixtures_base import wait_until
from sqlalchemy import text

from coc.devices import queries
from coc.devices.rollups import prune, rollup_all
from coc.ingest.messages import Reading, Telemetry
from coc.store.db import Store
from sensors.writer import Batch, Item, write_batch

T0 = datetime(2026, 11, 20, 0, 0, tzinfo=UTC)
MS0 = int(T0.timestamp() * 1000)
MIN = 60_000


def write(store: Store, points: list[tuple[int, float]], key: str = "temperature") -> None:
    batch = Batch()
    for ts, value in points:
        batch.add(Item("t", b"", Telemetry((Reading("nd-01", key, ts, value),)), ts))
    write_batch(store, batch, "10237")


def rows_of(buckets: list[dict]) -> list[tuple[int, float, float, float, int]]:
    """(bucket start ms, min, avg, max, count) for literal comparisons."""
    return [(b["ts"], b["min"], b["avg"], b["max"], b["count"]) for b in buckets]


def scalar(store: Store, sql: str) -> object:
    with store.engine.connect() as conn:
        return conn.execute(text(sql)).scalar()


def test_rollups_are_incremental_and_take_late_readings(any_store: Store) -> None:
    store = any_store
    # One reading a minute for two hours: value = minute number.
    write(store, [(MS0 + m * MIN, float(m)) for m in range(120)])
    assert rollup_all(store, raw_days=30, now=T0 + timedelta(hours=3)) == 1
    assert scalar(store, "SELECT dirty_from FROM sensor_latest") is None
    with store.session() as session:
        five = queries.rollup_series(
            session, "nd-01", "temperature", T0, T0 + timedelta(minutes=15)
        )
        hours = queries.rollup_series(
            session, "nd-01", "temperature", T0, T0 + timedelta(hours=2), resolution=3600
        )
    assert rows_of(five) == [
        (MS0, 0.0, 2.0, 4.0, 5),
        (MS0 + 5 * MIN, 5.0, 7.0, 9.0, 5),
        (MS0 + 10 * MIN, 10.0, 12.0, 14.0, 5),
    ]
    assert rows_of(hours) == [
        (MS0, 0.0, 29.5, 59.0, 60),
        (MS0 + 60 * MIN, 60.0, 89.5, 119.0, 60),
    ]
    # A late reading in the first bucket and a duplicate that overwrites minute 1.
    write(store, [(MS0 + 30_000, 100.0), (MS0 + MIN, 50.0)])
    with store.session() as session:  # not rolled up yet: the old bucket still shows
        stale = queries.rollup_series(
            session, "nd-01", "temperature", T0, T0 + timedelta(minutes=5), "5m"
        )
    assert rows_of(stale) == [(MS0, 0.0, 2.0, 4.0, 5)]
    assert scalar(store, "SELECT dirty_from FROM sensor_latest") == MS0 + 30_000
    assert rollup_all(store, raw_days=30, now=T0 + timedelta(hours=3)) == 1
    with store.session() as session:
        first = queries.rollup_series(
            session, "nd-01", "temperature", T0, T0 + timedelta(minutes=5)
        )
        hour = queries.rollup_series(
            session, "nd-01", "temperature", T0, T0 + timedelta(hours=1), resolution=3600
        )
    assert rows_of(first) == [(MS0, 0.0, 26.5, 100.0, 6)]
    assert rows_of(hour) == [(MS0, 0.0, 1919 / 61, 100.0, 61)]
    assert rollup_all(store, raw_days=30, now=T0 + timedelta(hours=3)) == 0  # nothing new


def test_prune_keeps_rollups_and_the_recent_raw_readings(any_store: Store) -> None:
    store = any_store
    write(store, [(MS0 + m * MIN, 20.0) for m in range(180)])
    rollup_all(store, raw_days=30, now=T0 + timedelta(hours=3))
    # Raw kept one day: at 01:30 the next day, readings before 01:00 of day one go.
    deleted = prune(
        store, raw_days=1, rollup_days=730, now=T0 + timedelta(days=1, minutes=90), chunk=7
    )
    assert deleted == 60
    assert scalar(store, "SELECT min(ts) FROM sensor_reading") == MS0 + 60 * MIN
    assert scalar(store, "SELECT count(*) FROM sensor_rollup WHERE resolution = 300") == 36
    # Roll-ups kept two days: all of them go on day four.
    deleted = prune(store, raw_days=1, rollup_days=2, now=T0 + timedelta(days=4), chunk=7)
    assert deleted == 120 + 36 + 3
    assert scalar(store, "SELECT count(*) FROM sensor_rollup") == 0


def test_pruning_alongside_the_writer_keeps_every_new_reading(sqlite_store: Store) -> None:
    """Prune deletes in chunks while ingestion keeps committing: every expired reading
    goes, every new one stays. (How long a write waits meanwhile is measured by
    `python -m benchmarks.retention`, not asserted here.)"""
    store = sqlite_store
    expired = 6_000
    write(store, [(MS0 + i * 1000, 1.0) for i in range(expired)])
    now = T0 + timedelta(days=40)
    base = int(now.timestamp() * 1000)
    pruned = threading.Event()
    batches: list[int] = []

    def ingest() -> None:  # back to back until the prune has returned, then once more
        while True:
            last = pruned.is_set()
            start = base + len(batches) * 100
            write(store, [(start + j, 2.0) for j in range(100)], key="humidity")
            batches.append(start)
            if last:
                return

    writer = threading.Thread(target=ingest)
    writer.start()
    wait_until(lambda: batches, what="the writer's first batch")  # it writes during the prune
    try:
        deleted = prune(store, raw_days=30, rollup_days=730, now=now, chunk=500)
    finally:
        pruned.set()
        writer.join(30)
    assert deleted == expired
    assert scalar(store, "SELECT count(*) FROM sensor_reading WHERE key = 'temperature'") == 0
    kept = scalar(store, "SELECT count(*) FROM sensor_reading WHERE key = 'humidity'")
    assert kept == len(batches) * 100
