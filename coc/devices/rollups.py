"""Roll-ups (5-minute and hourly min/avg/max/count) and retention of raw readings.

Roll-ups are incremental: the writer marks the oldest new reading per device and key in
`sensor_latest.dirty_from`, and only buckets from there on are recomputed. Each window
is one short transaction on the write path, so neither job stalls ingestion for long.
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta

from sqlalchemy import text

from coc.store.db import Store
from coc.timeutil import utcnow

FIVE_MIN = 300
HOUR = 3600
WINDOW_MS = 6 * 3600 * 1000  # recompute at most six hours per transaction

_UPSERT = (
    "ON CONFLICT (device_id, key, resolution, bucket) DO UPDATE SET "
    "min = excluded.min, max = excluded.max, sum = excluded.sum, count = excluded.count"
)
_FROM_RAW = text(
    "INSERT INTO sensor_rollup (device_id, key, resolution, bucket, min, max, sum, count) "
    "SELECT device_id, key, 300, (ts / 300000) * 300000, min(value), max(value), "
    "sum(value), count(*) FROM sensor_reading "
    "WHERE device_id = :d AND key = :k AND ts >= :start AND ts < :end "
    "GROUP BY device_id, key, ts / 300000 " + _UPSERT
)
_FROM_5MIN = text(
    "INSERT INTO sensor_rollup (device_id, key, resolution, bucket, min, max, sum, count) "
    "SELECT device_id, key, 3600, (bucket / 3600000) * 3600000, min(min), max(max), "
    "sum(sum), sum(count) FROM sensor_rollup "
    "WHERE device_id = :d AND key = :k AND resolution = 300 AND bucket >= :start "
    "AND bucket < :end GROUP BY device_id, key, bucket / 3600000 " + _UPSERT
)


def _floor(ms: int, step_ms: int) -> int:
    return ms // step_ms * step_ms


def raw_cutoff_ms(raw_days: int, now: datetime) -> int:
    """Readings before this (an hour boundary) are pruned, so no bucket is half kept."""
    return _floor(int((now - timedelta(days=raw_days)).timestamp() * 1000), HOUR * 1000)


def rollup_pair(store: Store, device_id: str, key: str, floor_ms: int = 0) -> int:
    """Recompute dirty buckets of one series, a window per transaction; returns windows."""
    windows = 0
    while True:
        with store.write_conn() as conn:
            # PostgreSQL: lock the series' row so a writer committing readings meanwhile
            # waits and re-marks it dirty after us (SQLite: the single write lock does it).
            lock = " FOR UPDATE" if conn.dialect.name == "postgresql" else ""
            row = conn.execute(
                text(
                    "SELECT dirty_from, ts FROM sensor_latest WHERE device_id = :d AND key = :k"
                    + lock
                ),
                {"d": device_id, "k": key},
            ).first()
            if row is None or row.dirty_from is None:
                return windows
            start = _floor(max(int(row.dirty_from), floor_ms), HOUR * 1000)
            end = start + WINDOW_MS
            params = {"d": device_id, "k": key, "start": start, "end": end}
            conn.execute(_FROM_RAW, params)
            conn.execute(_FROM_5MIN, params)
            rest = end if end <= int(row.ts) else None
            conn.execute(
                text(
                    "UPDATE sensor_latest SET dirty_from = :rest WHERE device_id = :d AND key = :k"
                ),
                {"rest": rest, "d": device_id, "k": key},
            )
        windows += 1
        if rest is None:
            return windows


def rollup_all(store: Store, raw_days: int, now: datetime | None = None) -> int:
    """Bring every series' roll-ups up to date; returns the windows recomputed."""
    floor_ms = raw_cutoff_ms(raw_days, now or utcnow())
    with store.engine.connect() as conn:
        pairs = conn.execute(
            text("SELECT device_id, key FROM sensor_latest WHERE dirty_from IS NOT NULL")
        ).all()
    return sum(rollup_pair(store, d, k, floor_ms) for d, k in pairs)


def prune(
    store: Store,
    raw_days: int,
    rollup_days: int,
    now: datetime | None = None,
    chunk: int = 5000,
    pause_s: float = 0.01,
) -> int:
    """Delete raw readings and roll-ups past retention, a chunk per short transaction."""
    now = now or utcnow()
    cutoff = raw_cutoff_ms(raw_days, now)
    deleted = 0
    with store.engine.connect() as conn:
        pairs = conn.execute(text("SELECT device_id, key FROM sensor_latest")).all()
    for device_id, key in pairs:
        deleted += _prune_series(store, device_id, key, cutoff, chunk, pause_s)
    old = int((now - timedelta(days=rollup_days)).timestamp() * 1000)
    with store.write_conn() as conn:
        result = conn.execute(text("DELETE FROM sensor_rollup WHERE bucket < :old"), {"old": old})
        deleted += result.rowcount or 0
    return deleted


def _prune_series(
    store: Store, device_id: str, key: str, cutoff: int, chunk: int, pause_s: float
) -> int:
    deleted = 0
    params = {"d": device_id, "k": key, "cutoff": cutoff, "skip": chunk - 1}
    where = "device_id = :d AND key = :k AND ts < :cutoff"
    while True:
        with store.write_conn() as conn:
            upto = conn.execute(
                text(
                    f"SELECT ts FROM sensor_reading WHERE {where} ORDER BY ts LIMIT 1 OFFSET :skip"
                ),
                params,
            ).scalar()
            if upto is None:
                result = conn.execute(text(f"DELETE FROM sensor_reading WHERE {where}"), params)
                return deleted + (result.rowcount or 0)
            # Bounded by `upto` alone: with `ts < :cutoff` beside it SQLite ranges the index up
            # to the cutoff and scans every expired row per chunk (quadratic; ten times a
            # plain DELETE at 600,000 rows in benchmarks.retention).
            result = conn.execute(
                text(
                    "DELETE FROM sensor_reading WHERE device_id = :d AND key = :k AND ts <= :upto"
                ),
                {"d": device_id, "k": key, "upto": upto},
            )
            deleted += result.rowcount or 0
        time.sleep(pause_s)  # let the ingest writer in between chunks
