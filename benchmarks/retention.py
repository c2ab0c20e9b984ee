"""Retention benchmark: how fast `coc.devices.rollups.prune` deletes expired raw readings
from SQLite, and how long an ingest write waits while it does.

    python -m benchmarks.retention [--sizes 6000,60000,600000] [--chunk 5000] [--repeat 3]

For each size it builds one database of that many expired readings (one sensor, one
reading a second, 40 days old, written through the MQTT writer's `write_batch`), copies
it, and measures on fresh copies, interleaved `--repeat` times:
- prune alone: what the nightly job costs per deleted row;
- prune while a writer commits batches of 100 new readings back to back: the latency of
  each write (the reason prune works in chunks with a pause between them);
- the ceiling: one plain `DELETE … WHERE ts < cutoff` in a single transaction, the
  fastest SQLite can remove the same rows (and the longest it would block the writer).
Medians are printed; `--out FILE` also writes them as JSON.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import statistics
import tempfile
import threading
import time
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import text

from coc.devices.rollups import prune, raw_cutoff_ms
from coc.ingest.messages import Reading, Telemetry
from coc.store.db import Store
from sensors.writer import Batch, Item, write_batch

NOW = datetime(2026, 11, 22, 3, 0, tzinfo=UTC)
OLD = NOW - timedelta(days=40)
RAW_DAYS = 30
DEVICE, OLD_KEY, NEW_KEY = "nd-01", "temperature", "humidity"
BUILD_BATCH = 20_000
WRITE_BATCH = 100


@dataclass
class Result:
    rows: int
    prune_s: float
    prune_us_per_row: float
    with_writer_s: float
    writer_batches: int
    writer_p50_ms: float
    writer_max_ms: float
    ceiling_s: float
    ceiling_us_per_row: float
    prune_over_ceiling: float


def _store(path: Path) -> Store:
    return Store.from_url(f"sqlite:///{path}")


def _write(store: Store, key: str, stamps: range, value: float) -> None:
    batch = Batch()
    for ts in stamps:
        reading = Reading(DEVICE, key, ts, value)
        batch.add(Item("bench", b"", Telemetry((reading,)), ts))
    write_batch(store, batch, "10237")


def build(path: Path, rows: int) -> None:
    """`rows` expired readings, one a second from OLD, through the ingest writer."""
    store = Store.from_url(f"sqlite:///{path}").init()
    base = int(OLD.timestamp() * 1000)
    for start in range(0, rows, BUILD_BATCH):
        _write(
            store,
            OLD_KEY,
            range(base + start * 1000, base + min(rows, start + BUILD_BATCH) * 1000, 1000),
            1.0,
        )
    with store.engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    store.dispose()


def copy(template: Path, target: Path) -> Store:
    """A fresh copy of the built database (SQLite's online backup: WAL included)."""
    target.unlink(missing_ok=True)
    src, dst = sqlite3.connect(template), sqlite3.connect(target)
    try:
        src.backup(dst)
    finally:
        src.close()
        dst.close()
    return _store(target)


def _count(store: Store) -> int:
    with store.engine.connect() as conn:
        return int(conn.execute(text("SELECT count(*) FROM sensor_reading")).scalar() or 0)


def time_prune(store: Store, rows: int, chunk: int) -> float:
    start = time.perf_counter()
    deleted = prune(store, raw_days=RAW_DAYS, rollup_days=730, now=NOW, chunk=chunk)
    elapsed = time.perf_counter() - start
    assert deleted == rows and _count(store) == 0, (deleted, _count(store))
    return elapsed


def time_prune_with_writer(store: Store, rows: int, chunk: int) -> tuple[float, list[float]]:
    """Prune while another thread commits batches of new readings back to back."""
    done = threading.Event()
    latencies: list[float] = []
    base = int(NOW.timestamp() * 1000)

    def writer() -> None:
        n = 0
        while not done.is_set():
            started = time.perf_counter()
            _write(store, NEW_KEY, range(base + n, base + n + WRITE_BATCH), 2.0)
            latencies.append(time.perf_counter() - started)
            n += WRITE_BATCH

    thread = threading.Thread(target=writer)
    thread.start()
    start = time.perf_counter()
    deleted = prune(store, raw_days=RAW_DAYS, rollup_days=730, now=NOW, chunk=chunk)
    elapsed = time.perf_counter() - start
    done.set()
    thread.join()
    assert deleted == rows and _count(store) == len(latencies) * WRITE_BATCH
    return elapsed, latencies


def time_ceiling(store: Store, rows: int) -> float:
    """One DELETE of every expired row in one transaction: nothing can be faster here."""
    cutoff = raw_cutoff_ms(RAW_DAYS, NOW)
    start = time.perf_counter()
    with store.write_conn() as conn:
        result = conn.execute(
            text("DELETE FROM sensor_reading WHERE device_id = :d AND key = :k AND ts < :c"),
            {"d": DEVICE, "k": OLD_KEY, "c": cutoff},
        )
    elapsed = time.perf_counter() - start
    assert result.rowcount == rows
    return elapsed


def measure(work: Path, rows: int, chunk: int, repeat: int) -> Result:
    template = work / f"template-{rows}.sqlite3"
    build(template, rows)
    alone, together, ceiling, writes = [], [], [], []
    for _ in range(repeat):  # interleaved, so a noisy moment hits all three alike
        for name, run in (
            ("alone", lambda s: alone.append(time_prune(s, rows, chunk))),
            ("writer", lambda s: _with_writer(s, rows, chunk, together, writes)),
            ("ceiling", lambda s: ceiling.append(time_ceiling(s, rows))),
        ):
            store = copy(template, work / f"{name}.sqlite3")
            run(store)
            store.dispose()
    latencies = sorted(writes)
    prune_s, ceiling_s = statistics.median(alone), statistics.median(ceiling)
    return Result(
        rows=rows,
        prune_s=round(prune_s, 4),
        prune_us_per_row=round(prune_s / rows * 1e6, 2),
        with_writer_s=round(statistics.median(together), 4),
        writer_batches=len(latencies),
        writer_p50_ms=round(statistics.median(latencies) * 1000, 2),
        writer_max_ms=round(latencies[-1] * 1000, 2),
        ceiling_s=round(ceiling_s, 4),
        ceiling_us_per_row=round(ceiling_s / rows * 1e6, 2),
        prune_over_ceiling=round(prune_s / ceiling_s, 2),
    )


def _with_writer(store: Store, rows: int, chunk: int, together: list, writes: list) -> None:
    elapsed, latencies = time_prune_with_writer(store, rows, chunk)
    together.append(elapsed)
    writes.extend(latencies)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="6000,60000,600000", help="rows, comma-separated")
    parser.add_argument("--chunk", type=int, default=5000, help="prune's rows per transaction")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--out", type=Path, help="also write the results as JSON")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    results = []
    with tempfile.TemporaryDirectory(prefix="coc-bench-retention-") as tmp:
        for rows in sizes:
            result = measure(Path(tmp), rows, args.chunk, args.repeat)
            results.append(result)
            print(
                f"{rows:>9,} rows: prune {result.prune_s:.3f} s "
                f"({result.prune_us_per_row:.2f} µs/row); plain DELETE {result.ceiling_s:.3f} s "
                f"({result.ceiling_us_per_row:.2f} µs/row), prune ÷ DELETE "
                f"{result.prune_over_ceiling:.2f}; with a writer {result.with_writer_s:.3f} s, "
                f"{result.writer_batches} writes of {WRITE_BATCH}, p50 "
                f"{result.writer_p50_ms:.1f} ms, max {result.writer_max_ms:.1f} ms",
                flush=True,
            )
    if args.out:
        payload = {
            "chunk": args.chunk,
            "repeat": args.repeat,
            "results": [asdict(r) for r in results],
        }
        args.out.write_text(json.dumps(payload, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
