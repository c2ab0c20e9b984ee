"""The single MQTT writer survives a message the database refuses: it finds that message,
quarantines it with the reason, stores the rest of the batch and acknowledges both."""

from __future__ import annotations

import threading
import time

from sqlalchemy import func, select

from coc.ingest.messages import Limits
from coc.store.db import Store
from coc.store.models import Quarantine, SensorReading
from sensors.parse import parse_message
from sensors.writer import Item, Writer


def _item(device_id: str, mid: int) -> Item:
    topic = f"coc/10237/sensors/{device_id}/telemetry"
    payload = b'{"water_level": 3.25}'
    now_ms = int(time.time() * 1000)
    # Registered devices pass the parser's id check: here one the database cannot hold.
    limits = Limits(devices={device_id: ("sensor", {})})
    parsed = parse_message(topic, payload, now_ms, limits, "coc", "10237")
    return Item(topic, payload, parsed, now_ms, mid=mid, qos=1)


def test_writer_isolates_a_message_the_database_refuses(pg_store: Store) -> None:
    acked: list[int] = []
    done = threading.Event()

    def ack(items: list[Item]) -> None:
        acked.extend(i.mid for i in items)
        if len(acked) >= 3:
            done.set()

    writer = Writer(pg_store, "10237", batch_size=3, flush_ms=20, ack=ack).start()
    too_long = "cam-bien-" + "x" * 80  # the device table keeps ids of at most 64 characters
    for mid, device in enumerate(["mn-09", too_long, "mn-10"], start=1):
        writer.put(_item(device, mid))
    assert done.wait(20), f"acked only {acked}"
    alive = writer._thread.is_alive()
    writer.stop()
    assert alive
    assert sorted(acked) == [1, 2, 3]
    with pg_store.session() as s:
        stored = sorted(s.scalars(select(SensorReading.device_id)))
        bad = s.scalars(select(Quarantine)).one()
        assert s.scalar(select(func.count()).select_from(Quarantine)) == 1
    assert stored == ["mn-09", "mn-10"]
    assert bad.context == f"coc/10237/sensors/{too_long}/telemetry"
    assert bad.reason.startswith("không ghi được vào cơ sở dữ liệu")
    assert bad.raw == '{"water_level": 3.25}'


def test_statements_fit_the_connections_parameter_limit(tmp_path) -> None:
    """A SQLite built with a low parameter limit gets smaller statements, every row in."""
    import sqlite3

    from sensors.writer import CHUNK, READING_SQL, _chunk, _insert_chunks

    conn = sqlite3.connect(tmp_path / "limit.sqlite3")
    conn.execute(
        "CREATE TABLE sensor_reading (device_id TEXT, key TEXT, ts INTEGER, value REAL, "
        "PRIMARY KEY (device_id, key, ts))"
    )
    rows = [(f"d{i % 7}", "temperature", i, i / 10) for i in range(5003)]
    assert _chunk(conn.cursor(), 4) == CHUNK
    conn.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, 999)
    assert _chunk(conn.cursor(), 4) == 249
    _insert_chunks(conn.cursor(), READING_SQL, rows)
    stored = conn.execute("SELECT device_id, key, ts, value FROM sensor_reading ORDER BY ts")
    assert stored.fetchall() == rows
