"""The single writer: a bounded queue, sorted batches, one transaction each, ack after commit.

Readings go in with `executemany` (INSERT … ON CONFLICT on (device, key, ts)), the latest
table and device status are updated in the same transaction, and only after it commits
are the messages acknowledged to the broker.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.exc import OperationalError

from coc.devices.status import StatusChange, apply_status, mark_seen, register_pending
from coc.store.db import Store
from coc.store.models import Quarantine
from coc.store.quarantine import quarantine_row
from sensors.messages import Parsed, Reading, Rejected, StatusUpdate, Telemetry

log = logging.getLogger(__name__)

SOURCE = "mqtt"

READING_SQL = (
    "INSERT INTO sensor_reading (device_id, key, ts, value) VALUES (?, ?, ?, ?) "
    "ON CONFLICT (device_id, key, ts) DO UPDATE SET value = excluded.value"
)


def latest_sql(dialect: str) -> str:
    hi, lo = ("max", "min") if dialect == "sqlite" else ("GREATEST", "LEAST")
    params = "?, ?, ?, ?, ?" if dialect == "sqlite" else "%s, %s, %s, %s, %s"
    return (
        "INSERT INTO sensor_latest (device_id, key, ts, value, dirty_from, version) "
        f"VALUES ({params}, 1) ON CONFLICT (device_id, key) DO UPDATE SET "
        "value = CASE WHEN excluded.ts >= sensor_latest.ts "
        "THEN excluded.value ELSE sensor_latest.value END, "
        f"ts = {hi}(sensor_latest.ts, excluded.ts), "
        f"dirty_from = {lo}(COALESCE(sensor_latest.dirty_from, excluded.dirty_from), "
        "excluded.dirty_from), version = sensor_latest.version + 1"
    )


@dataclass(frozen=True, slots=True)
class Item:
    """One received message: its parse result and what acknowledging it needs."""

    topic: str
    payload: bytes
    parsed: Parsed
    received_ms: int
    ack: Callable[[], None] | None = None


@dataclass
class WriterStats:
    messages: int = 0
    readings: int = 0
    rejected: int = 0
    batches: int = 0
    errors: int = 0
    lag_ms: list[int] = field(default_factory=list)  # commit time − reading ts (sampled)

    def as_dict(self) -> dict[str, Any]:
        return {
            "messages": self.messages,
            "readings": self.readings,
            "rejected": self.rejected,
            "batches": self.batches,
            "errors": self.errors,
        }


@dataclass
class Batch:
    readings: dict[tuple[str, str, int], float] = field(default_factory=dict)
    statuses: list[StatusUpdate] = field(default_factory=list)
    quarantine: list[dict[str, Any]] = field(default_factory=list)
    pending: dict[str, str] = field(default_factory=dict)
    seen: dict[str, int] = field(default_factory=dict)

    def add(self, item: Item) -> None:
        parsed = item.parsed
        if isinstance(parsed, Rejected):
            self.quarantine.append(quarantine_row(SOURCE, item.payload, parsed.reason, item.topic))
            return
        if isinstance(parsed, StatusUpdate):
            self.statuses.append(parsed)
            if parsed.pending:
                self.pending[parsed.device_id] = parsed.kind
            return
        assert isinstance(parsed, Telemetry)
        if parsed.rejected:
            reason = "; ".join(r.reason for r in parsed.rejected)
            self.quarantine.append(quarantine_row(SOURCE, item.payload, reason, item.topic))
        for device_id in parsed.pending:
            self.pending.setdefault(device_id, "sensor")
        for r in parsed.readings:
            self.readings[(r.device_id, r.key, r.ts)] = r.value
            if self.seen.get(r.device_id, 0) < item.received_ms:
                self.seen[r.device_id] = item.received_ms

    def sorted_readings(self) -> list[tuple[str, str, int, float]]:
        return sorted((d, k, t, v) for (d, k, t), v in self.readings.items())

    def latest(self) -> list[tuple[str, str, int, float, int]]:
        """Per (device, key): newest ts and value, and the oldest ts (roll-up dirty mark)."""
        out: dict[tuple[str, str], list[Any]] = {}
        for (d, k, t), v in self.readings.items():
            cur = out.get((d, k))
            if cur is None:
                out[(d, k)] = [t, v, t]
                continue
            if t >= cur[0]:
                cur[0], cur[1] = t, v
            cur[2] = min(cur[2], t)
        return [(d, k, c[0], c[1], c[2]) for (d, k), c in sorted(out.items())]


def write_batch(store: Store, batch: Batch, org_unit: str) -> list[StatusChange]:
    """Write one batch in one transaction; returns the device state changes it made."""
    with store.write_conn() as conn:
        dialect = conn.dialect.name
        cursor = conn.connection.driver_connection.cursor()
        rows = batch.sorted_readings()
        if rows:
            sql = READING_SQL if dialect == "sqlite" else READING_SQL.replace("?", "%s")
            cursor.executemany(sql, rows)
            cursor.executemany(latest_sql(dialect), batch.latest())
        if batch.quarantine:
            conn.execute(Quarantine.__table__.insert(), batch.quarantine)
        register_pending(conn, batch.pending, org_unit)
        changes = mark_seen(conn, batch.seen)
        changes += apply_status(conn, batch.statuses)
    return changes


class Writer:
    """Owns the queue and the writer thread; `put` blocks when the queue is full."""

    def __init__(
        self,
        store: Store,
        org_unit: str,
        batch_size: int = 2000,
        flush_ms: int = 100,
        queue_size: int = 20000,
        on_commit: Callable[[list[Item], list[StatusChange]], None] | None = None,
        record_lag: bool = False,
    ) -> None:
        self.store = store
        self.org_unit = org_unit
        self.record_lag = record_lag
        self.batch_size = batch_size
        self.flush_s = flush_ms / 1000
        self.queue: queue.Queue[Item | None] = queue.Queue(maxsize=queue_size)
        self.on_commit = on_commit
        self.stats = WriterStats()
        self._thread = threading.Thread(target=self._run, name="coc-mqtt-writer", daemon=True)
        self._stopping = threading.Event()

    def start(self) -> Writer:
        self._thread.start()
        return self

    def put(self, item: Item) -> None:
        self.queue.put(item)

    def stop(self, timeout: float = 10.0) -> None:
        """Write what is queued, then end the thread."""
        self._stopping.set()
        self.queue.put(None)
        self._thread.join(timeout)

    def _collect(self) -> tuple[list[Item], bool]:
        items: list[Item] = []
        deadline: float | None = None
        while len(items) < self.batch_size:
            timeout = None if deadline is None else max(0.0, deadline - time.monotonic())
            try:
                item = (
                    self.queue.get(timeout=timeout) if timeout != 0.0 else self.queue.get_nowait()
                )
            except queue.Empty:
                break
            if item is None:
                return items, True
            items.append(item)
            if deadline is None:
                deadline = time.monotonic() + self.flush_s
        return items, False

    def _run(self) -> None:
        done = False
        while not done:
            items, done = self._collect()
            if items:
                self._write(items)

    def _write(self, items: list[Item]) -> None:
        batch = Batch()
        for item in items:
            batch.add(item)
        delay = 0.2
        while True:
            try:
                changes = write_batch(self.store, batch, self.org_unit)
                break
            except OperationalError as exc:  # locked or unreachable: keep the batch, retry
                self.stats.errors += 1
                log.warning("ghi dữ liệu cảm biến thất bại, thử lại: %s", exc.orig)
                if self._stopping.is_set() and delay > 5:
                    return
                time.sleep(delay)
                delay = min(delay * 2, 10.0)
        now_ms = int(time.time() * 1000)
        for item in items:
            if item.ack is not None:
                item.ack()
        self._count(items, batch, now_ms)
        if self.on_commit is not None:
            self.on_commit(items, changes)

    def _count(self, items: Iterable[Item], batch: Batch, now_ms: int) -> None:
        stats = self.stats
        stats.batches += 1
        for item in items:
            stats.messages += 1
            if self.record_lag and isinstance(item.parsed, Telemetry):
                rs = item.parsed.readings
                if rs:
                    stats.lag_ms.append(now_ms - rs[0].ts)
        stats.readings += len(batch.readings)
        stats.rejected += len(batch.quarantine)


def reading_rows(readings: Iterable[Reading]) -> list[tuple[str, str, int, float]]:
    return sorted((r.device_id, r.key, r.ts, r.value) for r in readings)
