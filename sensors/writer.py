"""The single writer: a bounded queue, sorted batches, one transaction each, ack after commit.

Readings go in with `executemany` (INSERT … ON CONFLICT on (device, key, ts)), the latest
table and device status are updated in the same transaction, and only after it commits
are the messages acknowledged to the broker.
"""

from __future__ import annotations

import itertools
import logging
import sqlite3
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from operator import itemgetter
from typing import TYPE_CHECKING, Any, NamedTuple

from coc.counts import Counts
from coc.devices.status import StatusChange, apply_status, mark_seen, register_pending
from coc.ingest.messages import (
    DeliveryReport,
    Parsed,
    Reading,
    Rejected,
    StatusUpdate,
    Telemetry,
)
from coc.store.lite import LiteStore, Sql
from coc.store.quarantine_rows import quarantine_row
from sensors.parse import describe

if TYPE_CHECKING:
    from coc.store.db import Store

log = logging.getLogger(__name__)

SOURCE = "mqtt"
UNKNOWN_BULLETIN = "báo cáo về bản tin không được gửi tới cụm loa này"
_KEY = itemgetter(0, 1, 2)  # a reading's (device, key, ts)

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
        "excluded.dirty_from), "
        "late_from = CASE WHEN excluded.dirty_from < sensor_latest.ts "
        f"THEN {lo}(COALESCE(sensor_latest.late_from, excluded.dirty_from), "
        "excluded.dirty_from) ELSE sensor_latest.late_from END, "
        "version = sensor_latest.version + 1"
    )


class Item(NamedTuple):
    """One received message: its parse result and what acknowledging it needs (a tuple:
    one is made per message, so it must be cheap)."""

    topic: str
    payload: bytes
    parsed: Parsed
    received_ms: int
    mid: int = 0
    qos: int = 0
    generation: int = 0
    dup: bool = False  # the broker's DUP flag: a QoS-1 redelivery
    seq: int = 0  # arrival order within this process: tells two equal deliveries apart


def quarantine_item(item: Item, reason: str) -> dict[str, Any]:
    """The quarantine row for one message: a redelivery of a message held adds nothing,
    another message with the same topic and payload is kept."""
    return quarantine_row(
        SOURCE,
        item.payload,
        reason,
        item.topic,
        key=f"{item.topic}\x1f{item.mid}",
        arrival=f"{item.received_ms}.{item.seq}",
        redelivered=item.dup and item.qos > 0,
    )


@dataclass
class WriterStats(Counts):
    """Counts of what the writer stored (`imported`: readings upserted; `rejected`:
    messages quarantined), plus its own batch and latency figures."""

    messages: int = 0
    batches: int = 0
    errors: int = 0
    max_write_ms: float = 0.0
    slow_writes: int = 0  # batches that took longer than 250 ms to write and commit
    lag_ms: list[int] = field(default_factory=list)  # commit time − reading ts
    recv_lag_ms: list[int] = field(default_factory=list)  # commit time − time received

    def as_dict(self) -> dict[str, Any]:
        return {
            "messages": self.messages,
            "readings": self.imported,
            "rejected": self.rejected,
            "batches": self.batches,
            "errors": self.errors,
            "max_write_ms": self.max_write_ms,
            "slow_writes": self.slow_writes,
        }


@dataclass
class Batch:
    # In arrival order; a later reading of the same (device, key, ts) wins (see write_batch).
    readings: list[Reading] = field(default_factory=list)
    statuses: list[StatusUpdate] = field(default_factory=list)
    quarantine: list[dict[str, Any]] = field(default_factory=list)
    pending: dict[str, str] = field(default_factory=dict)
    seen: dict[str, int] = field(default_factory=dict)
    deliveries: list[tuple[Item, DeliveryReport]] = field(default_factory=list)

    def add(self, item: Item) -> None:
        parsed = item.parsed
        if isinstance(parsed, Rejected):
            self.quarantine.append(quarantine_item(item, parsed.reason))
            return
        if isinstance(parsed, StatusUpdate):
            self.statuses.append(parsed)
            if parsed.delivery is not None:
                self.deliveries.append((item, parsed.delivery))
            if parsed.pending:
                self.pending[parsed.device_id] = parsed.kind
            return
        assert isinstance(parsed, Telemetry)
        if parsed.rejected:
            reason = "; ".join(r.reason for r in parsed.rejected)
            self.quarantine.append(quarantine_item(item, reason))
        for device_id in parsed.pending:
            self.pending.setdefault(device_id, "sensor")
        self.readings.extend(parsed.readings)
        seen, received = self.seen, item.received_ms
        for device_id in {r.device_id for r in parsed.readings}:
            if seen.get(device_id, 0) < received:
                seen[device_id] = received

    def sorted_readings(self) -> list[Reading]:
        """By (device, key, ts), stable: of two readings of one key and ts, the later last,
        so the upsert (row by row, in order) keeps it, as the latest table does."""
        return sorted(self.readings, key=_KEY)

    def latest(self) -> list[tuple[str, str, int, float, int]]:
        """Per (device, key): newest ts and value, and the oldest ts (roll-up dirty mark)."""
        out: dict[tuple[str, str], list[Any]] = {}
        for d, k, t, v in self.readings:
            cur = out.get((d, k))
            if cur is None:
                out[(d, k)] = [t, v, t]
                continue
            if t >= cur[0]:
                cur[0], cur[1] = t, v
            cur[2] = min(cur[2], t)
        return [(d, k, c[0], c[1], c[2]) for (d, k), c in sorted(out.items())]


def write_batch(store: Store | LiteStore, batch: Batch, org_unit: str) -> list[StatusChange]:
    """Write one batch in one transaction; returns the device state changes it made.

    Readings, the latest table and device status are plain SQL (`coc.store.lite.Sql`), so
    on a LiteStore a telemetry batch never loads the ORM; a batch with quarantined
    messages or bulletin reports is written through the full store, in one transaction."""
    if isinstance(store, LiteStore) and (batch.quarantine or batch.deliveries):
        store = store.full()
    with store.write_conn() as conn:
        sql = (
            conn
            if isinstance(conn, Sql)
            else Sql(conn.connection.driver_connection, conn.dialect.name)
        )
        dialect, cursor = sql.dialect, sql.cursor
        if dialect == "sqlite":
            # Checkpoints run on their own thread (Writer._checkpoint), not inside a commit.
            cursor.execute("PRAGMA wal_autocheckpoint=0")
        rows = batch.sorted_readings()
        if rows and dialect == "sqlite":
            _insert_chunks(cursor, READING_SQL, rows)
            _insert_chunks(cursor, latest_sql(dialect), batch.latest())
        elif rows:
            cursor.executemany(READING_SQL.replace("?", "%s"), rows)
            cursor.executemany(latest_sql(dialect), batch.latest())
        if batch.quarantine or batch.deliveries:
            from coc.bulletins.reports import apply_reports
            from coc.store.quarantine import insert_rows

            if batch.quarantine:  # a QoS-1 redelivery of a bad message adds nothing
                insert_rows(conn, batch.quarantine)
        register_pending(sql, batch.pending, org_unit)
        changes = mark_seen(sql, batch.seen)
        changes += apply_status(sql, batch.statuses)
        if batch.deliveries:
            unmatched = apply_reports(conn, [d for _, d in batch.deliveries])
            held = [
                quarantine_item(i, UNKNOWN_BULLETIN) for i, d in batch.deliveries if d in unmatched
            ]
            if held:
                insert_rows(conn, held)
    return changes


# rows per SQLite statement (8,000–10,000 parameters; SQLite ≥ 3.32 allows 32,766, the
# connection's own limit is asked): each statement step is a GIL hand-off, so fewer is faster
CHUNK = 2000


def _chunk(cursor: Any, per_row: int) -> int:
    """Rows per statement: CHUNK, or fewer when the connection's parameter limit is lower."""
    try:
        limit = cursor.connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
    except (AttributeError, sqlite3.Error):
        limit = 999  # SQLite before 3.32
    return max(1, min(CHUNK, limit // max(1, per_row)))


def _insert_chunks(cursor: Any, sql: str, rows: list[tuple[Any, ...]]) -> None:
    """`INSERT … VALUES (…), (…), …` with CHUNK rows per statement instead of executemany.

    sqlite3 gives up the GIL around every statement step; with one step per row the
    writer waits for the network thread to hand the GIL back thousands of times a batch.
    One step per CHUNK rows makes that a few dozen times, and SQLite does the same work.
    """
    head, values = sql.split(" VALUES ", 1)
    one, tail = values.split(")", 1)
    one += ")"
    chunk = _chunk(cursor, one.count("?"))
    full = f"{head} VALUES {', '.join([one] * chunk)}{tail}"
    for start in range(0, len(rows), chunk):
        part = rows[start : start + chunk]
        statement = (
            full if len(part) == chunk else f"{head} VALUES {', '.join([one] * len(part))}{tail}"
        )
        cursor.execute(statement, list(itertools.chain.from_iterable(part)))


class Writer:
    """Owns the bounded buffer and the writer thread; `put` blocks while the buffer is full.

    A deque plus an event instead of queue.Queue: the network thread appends without
    taking a lock per message, and the writer takes a whole batch at once.
    """

    def __init__(
        self,
        store: Store,
        org_unit: str,
        batch_size: int = 2000,
        flush_ms: int = 100,
        queue_size: int = 20000,
        on_commit: Callable[[list[Item], list[StatusChange]], None] | None = None,
        record_lag: bool = False,
        ack: Callable[[list[Item]], None] | None = None,
    ) -> None:
        self.store = store
        self.org_unit = org_unit
        self.record_lag = record_lag
        self.batch_size = batch_size
        self.flush_s = flush_ms / 1000
        self.queue_size = max(queue_size, batch_size)
        self.on_commit = on_commit
        self.ack = ack
        self.stats = WriterStats()
        self.last_commit_ms: int | None = None  # wall time of the newest commit
        self._items: deque[Item] = deque()
        self._wake = threading.Event()
        self._room = threading.Event()
        self._stopping = threading.Event()
        self._thread = self._new_thread()

    def _new_thread(self) -> threading.Thread:
        return threading.Thread(target=self._run, name="coc-mqtt-writer", daemon=True)

    @property
    def queued(self) -> int:
        return len(self._items)

    def alive(self) -> bool:
        return self._thread.is_alive() or self._stopping.is_set()

    def restart(self) -> None:
        """A new writer thread over the same buffer, after the old one died."""
        if not self._thread.is_alive() and not self._stopping.is_set():
            self._thread = self._new_thread()
            self._thread.start()

    def start(self) -> Writer:
        self._thread.start()
        if self.store.dialect == "sqlite":
            threading.Thread(
                target=self._checkpoint, name="coc-wal-checkpoint", daemon=True
            ).start()
        return self

    def _checkpoint(self, every_s: float = 1.0) -> None:
        """Fold the WAL back into the database off the write path, so no commit waits on it."""
        while not self._stopping.wait(every_s):
            try:
                if isinstance(self.store, LiteStore):
                    self.store.checkpoint()
                    continue
                with self.store.engine.connect() as conn:
                    conn.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)")
            except Exception as exc:  # busy now: the next round catches up
                if not _transient(exc):
                    raise
                log.debug("WAL checkpoint skipped: %s", _reason(exc))

    def put(self, item: Item) -> None:
        items = self._items
        while len(items) >= self.queue_size and not self._stopping.is_set():
            self._room.clear()
            self._wake.set()
            self._room.wait(0.1)  # back-pressure: the network thread stops reading
        items.append(item)
        if len(items) == self.batch_size:
            self._wake.set()

    def stop(self, timeout: float = 30.0) -> None:
        """Write what is buffered, then end the thread."""
        self._stopping.set()
        self._wake.set()
        self._thread.join(timeout)

    def _take(self) -> list[Item]:
        items = self._items
        n = min(len(items), self.batch_size)
        popleft = items.popleft
        taken = [popleft() for _ in range(n)]
        self._room.set()
        return taken

    def _run(self) -> None:
        items = self._items
        while True:
            if not items:
                if self._stopping.is_set():
                    return
                self._wake.wait(self.flush_s)
                self._wake.clear()
                continue
            if len(items) < self.batch_size and not self._stopping.is_set():
                # A partial batch is written once its oldest message is flush_ms old.
                age = time.time() - items[0].received_ms / 1000
                if age < self.flush_s:
                    self._wake.wait(self.flush_s - age)
                    self._wake.clear()
            taken = self._take()
            try:
                self._write(taken)
            except Exception as exc:  # last line of defence: the thread outlives any batch
                self._rescue(taken, exc)

    def _rescue(self, items: list[Item], exc: Exception) -> None:
        """An error outside the write itself: find the message at fault as a failed write
        would, so one bad message is quarantined and the others are stored."""
        log.error("lỗi không lường trước khi ghi dữ liệu cảm biến: %s", describe(exc))
        try:
            self._isolate(items, exc)
        except Exception:  # unacked: the broker redelivers them to the next session
            log.exception("không ghi được lô tin nhắn; để broker gửi lại")

    def _batch(self, items: list[Item]) -> Batch:
        """The batch for these items; a message that cannot even be added is quarantined."""
        batch = Batch()
        for item in items:
            try:
                batch.add(item)
            except Exception as exc:
                reason = f"lỗi không lường trước khi ghi: {describe(exc)}"
                log.error("cách ly tin nhắn %s: %s", item.topic, reason)
                batch.quarantine.append(quarantine_item(item, reason))
        return batch

    def _write(self, items: list[Item]) -> None:
        """Write, ack, count. Transient database errors are retried with backoff; a batch
        that fails for any other reason is split until the message at fault is found, and
        that message goes to quarantine (acked, so the broker stops redelivering it)."""
        batch = self._batch(items)
        delay = 0.2
        started = time.perf_counter()
        while True:
            try:
                changes = write_batch(self.store, batch, self.org_unit)
                break
            except Exception as exc:
                if not _transient(exc):
                    self._isolate(items, exc)
                    return
                self.stats.errors += 1
                log.warning("ghi dữ liệu cảm biến thất bại, thử lại: %s", _reason(exc))
                if self._stopping.is_set() and delay > 5:
                    return  # unacked: the broker redelivers them to the next session
                time.sleep(delay)
                delay = min(delay * 2, 10.0)
        took_ms = (time.perf_counter() - started) * 1000
        self.stats.max_write_ms = max(self.stats.max_write_ms, round(took_ms, 1))
        if took_ms > 250:
            self.stats.slow_writes += 1
        now_ms = int(time.time() * 1000)
        self.last_commit_ms = now_ms
        try:  # stored now: a failure below must not send these messages to quarantine
            self._count(items, batch, now_ms)
            if self.ack is not None:
                self.ack(items)
            if self.on_commit is not None:
                self.on_commit(items, changes)
        except Exception as exc:  # unacked ones are redelivered; the upsert makes it harmless
            log.error("lỗi sau khi ghi lô tin nhắn (đã lưu): %s", describe(exc))

    def _isolate(self, items: list[Item], exc: Exception) -> None:
        self.stats.errors += 1
        if len(items) > 1:
            half = len(items) // 2
            self._write(items[:half])
            self._write(items[half:])
            return
        [item] = items
        if _database_error(exc):
            reason = f"không ghi được vào cơ sở dữ liệu: {_reason(exc)}"
        else:
            reason = f"lỗi không lường trước khi ghi: {describe(exc)}"
        log.error("cách ly tin nhắn %s: %s", item.topic, reason)
        row = quarantine_item(item, reason)
        try:
            from coc.store.quarantine import insert_rows

            store = self.store.full() if isinstance(self.store, LiteStore) else self.store
            with store.write_conn() as conn:
                insert_rows(conn, [row])
        except Exception:
            log.exception("không cách ly được tin nhắn %s; để broker gửi lại", item.topic)
            return
        if self.ack is not None:
            self.ack(items)

    def _count(self, items: list[Item], batch: Batch, now_ms: int) -> None:
        stats = self.stats
        stats.batches += 1
        stats.messages += len(items)
        if self.record_lag:
            for item in items:
                parsed = item.parsed
                if isinstance(parsed, Telemetry) and parsed.readings:
                    stats.lag_ms.append(now_ms - parsed.readings[0].ts)
                    stats.recv_lag_ms.append(now_ms - item.received_ms)
        stats.imported += len(batch.readings)
        stats.rejected += len(batch.quarantine)


def reading_rows(readings: Iterable[Reading]) -> list[tuple[str, str, int, float]]:
    return sorted((r.device_id, r.key, r.ts, r.value) for r in readings)


def _transient(exc: BaseException) -> bool:
    """Locked, busy or unreachable database: worth retrying the same batch."""
    if isinstance(exc, sqlite3.OperationalError):
        return True
    sa = sys.modules.get("sqlalchemy.exc")  # loaded only when the full store is in use
    if sa is not None and isinstance(exc, sa.OperationalError):
        return True
    try:
        import psycopg
    except ImportError:  # pragma: no cover - PostgreSQL driver not installed
        return False
    return isinstance(exc, psycopg.OperationalError)


def _database_error(exc: BaseException) -> bool:
    """The database refused the write (as opposed to a bug in COC or odd data)."""
    if isinstance(exc, sqlite3.Error):
        return True
    sa = sys.modules.get("sqlalchemy.exc")
    if sa is not None and isinstance(exc, sa.SQLAlchemyError):
        return True
    try:
        import psycopg
    except ImportError:  # pragma: no cover - PostgreSQL driver not installed
        return False
    return isinstance(exc, psycopg.Error)


def _reason(exc: BaseException) -> str:
    orig = getattr(exc, "orig", None) or exc
    return str(orig).strip().splitlines()[0][:200] if str(orig).strip() else type(orig).__name__
