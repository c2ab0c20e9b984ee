"""MQTT ingest benchmark: COC against the fastest plain subscriber on the same broker.

    python -m benchmarks.ingest                                   # full run
    python -m benchmarks.ingest --sizes 10000 --rounds 1 --live-seconds 0 --history 1000000

For each size (messages queued while the subscriber is offline: 10,000 and 100,000 by
default) and each round, every target drains its own copy of the backlog on one
Mosquitto (`config/mosquitto/coc.conf`), in an order that alternates between rounds:

- plain subscribers, each a separate process: paho-mqtt with a minimal `on_message`
  counter, a persistent session (clean session false / clean start false), QoS 1, in
  variants (`VARIANTS`: MQTT 3.1.1 with `loop_forever` or `loop` in the calling thread,
  MQTT 5 with a background `loop_start` thread); the fastest is the ceiling;
- COC: `python -m sensors.run` on a SQLite database that already holds 10 million
  readings of the same 500 devices (built once, cached in --data-dir, /tmp by default).

Every time is taken from process start to the last message processed (received for a
plain subscriber, committed for COC), so start-up is included; the drain rate from the
first to the last message is reported too. The ratio is COC ÷ ceiling, per round and as
the median of the rounds. Then, once: SIGKILL of COC mid-drain and a restart must lose no
message, and (unless --live-seconds 0) a steady 5,000 msg/s stream measures
publish-to-commit latency. Each message is `{"ts": …, "values": {"temperature": …,
"humidity": …}}` from one of 500 devices: two readings.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import threading
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt
import yaml
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(os.environ.get("COC_BENCH_DIR", "/tmp/coc-bench"))
COMMUNE = "10237"
DEVICES = 500  # bench-000 … bench-499, registered temperature sensors
KEYS = ("temperature", "humidity")
TOPIC = f"coc/{COMMUNE}/sensors/+/telemetry"
COC_ID = "coc-ingester"
# Python subscribers that only count; the fastest is the ceiling. "v311-buffered" reads
# with COC's own client (sensors.ingester.BufferedClient: 64 KiB reads, QoS 1 fast path,
# batched PUBACKs) and stores nothing, so COC ÷ it is the cost of storing.
VARIANTS = ("v311-buffered", "v311-loop-forever", "v311-loop", "v5-loop-start")
# Reported beside the ceiling, not as it: Mosquitto's own C client (mosquitto_sub -C n),
# the fastest subscriber on this machine in any language.
REFERENCE = "c-mosquitto-sub"
# Not a subscriber: the readings of n messages written straight into the same database in
# COC's batches and statements (no MQTT, no parsing): what storing alone costs, so the
# best any ingester could do is min(ceiling, floor).
FLOOR = "sqlite-floor"
NOT_PLAIN = ("coc", REFERENCE, FLOOR)


# ── the database with history ──


def build_history(path: Path, rows: int) -> None:
    """Schema, registry, the bench devices and `rows` old readings of theirs, in key order."""
    from coc.config import load_settings
    from coc.devices.registry import sync_devices
    from coc.store.db import open_store

    tmp = path.with_suffix(".building")
    for p in (tmp, Path(f"{tmp}-wal"), Path(f"{tmp}-shm")):
        p.unlink(missing_ok=True)
    settings = load_settings(environ={"COC_DATA_DIR": str(tmp.parent)})
    settings.store.database_url = f"sqlite:///{tmp}"
    store = open_store(settings)
    sync_devices(store, settings)
    store.dispose()
    per = rows // (DEVICES * len(KEYS))
    start = int(time.time() * 1000) - per * 60_000 - 86_400_000  # one a minute, ending a day ago
    conn = sqlite3.connect(tmp)
    conn.execute("PRAGMA journal_mode=OFF")
    conn.execute("PRAGMA synchronous=OFF")
    conn.executemany(
        "INSERT INTO device (device_id, org_unit, kind, name, sensor_type, unit, range_min, "
        "range_max, registration, state, online, updated_at) VALUES (?, ?, 'sensor', ?, "
        "'temperature', '°C', -5.0, 60.0, 'config', 'unknown', 0, '2026-01-01 00:00:00')",
        [(f"bench-{i:03d}", COMMUNE, f"Bench {i}") for i in range(DEVICES)],
    )
    for i in range(DEVICES):
        for key in KEYS:
            conn.execute(
                "WITH RECURSIVE n(x) AS (SELECT 0 UNION ALL SELECT x + 1 FROM n WHERE x < ?) "
                "INSERT INTO sensor_reading (device_id, key, ts, value) "
                "SELECT ?, ?, ? + x * 60000, 20.0 + (x % 100) / 10.0 FROM n",
                (per - 1, f"bench-{i:03d}", key, start),
            )
        conn.commit()
    conn.execute(
        "INSERT INTO sensor_latest (device_id, key, ts, value, dirty_from, version) "
        "SELECT device_id, key, max(ts), 20.0, NULL, 1 FROM sensor_reading GROUP BY device_id, key"
    )
    conn.commit()
    conn.execute("PRAGMA journal_mode=WAL")
    conn.close()
    tmp.rename(path)


def database(history: int, work: Path) -> Path:
    """A working copy of the cached history database (built on first use)."""
    cached = DATA / f"history-{history}-{DEVICES}x{len(KEYS)}.sqlite3"
    if not cached.exists():
        started = time.time()
        print(f"building {history:,} readings of history (cached in {cached}) …", flush=True)
        DATA.mkdir(parents=True, exist_ok=True)
        build_history(cached, history)
        print(f"  built in {time.time() - started:.0f} s", flush=True)
    upgrade_to_head(cached)
    target = work / "coc.sqlite3"
    shutil.copyfile(cached, target)
    return target


def upgrade_to_head(path: Path) -> None:
    """A cache built before the newest migration is upgraded once, here: otherwise the
    first COC run of every invocation would time the upgrade (through the full store)."""
    from coc.config import load_settings
    from coc.store.db import open_store

    settings = load_settings(environ={"COC_DATA_DIR": str(path.parent)})
    settings.store.database_url = f"sqlite:///{path}"
    open_store(settings).dispose()  # creates or upgrades the schema; a no-op at head


# ── MQTT clients ──


def _session_props(expiry: int = 86400) -> Properties:
    props = Properties(PacketTypes.CONNECT)
    props.SessionExpiryInterval = expiry
    return props


def _connect(client_id: str, port: int, v5: bool, keep: bool) -> mqtt.Client:
    """A connected client; `keep` = persistent session, otherwise the session is dropped."""
    if v5:
        c = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=client_id, protocol=mqtt.MQTTv5)
        c.connect("127.0.0.1", port, clean_start=not keep, properties=_session_props(86400 * keep))
    else:
        c = mqtt.Client(
            CallbackAPIVersion.VERSION2,
            client_id=client_id,
            protocol=mqtt.MQTTv311,
            clean_session=not keep,
        )
        c.connect("127.0.0.1", port)
    return c


def open_session(client_id: str, port: int, v5: bool, topics: list[str]) -> None:
    """Create a persistent session subscribed (QoS 1) to `topics`, then go offline."""
    c = _connect(client_id, port, v5, keep=True)
    done = threading.Event()
    c.on_subscribe = lambda *_a: done.set()
    c.loop_start()
    c.subscribe([(t, 1) for t in topics])
    if not done.wait(10):
        raise SystemExit(f"broker did not confirm the subscription of {client_id}")
    c.disconnect()
    c.loop_stop()


def drop_session(client_id: str, port: int, v5: bool) -> None:
    """Remove a session, so later backlogs are not queued for it too."""
    c = _connect(client_id, port, v5, keep=False)
    c.loop_start()
    c.disconnect()
    c.loop_stop()


def payload(k: int, ts: int) -> str:
    t, h = 20 + (k % 150) / 10, 60 + (k % 300) / 10
    return f'{{"ts": {ts}, "values": {{"temperature": {t:.1f}, "humidity": {h:.1f}}}}}'


def publish(port: int, n: int, rate: float, start_index: int, client_id: str) -> dict[str, Any]:
    """Publish n QoS 1 messages (ts = time of publishing), paced at `rate` msg/s (0 = max).

    One thread drives a buffered client (no loop_start): each publish is written at once
    and PUBACKs are read between messages, so this process is not the limit.
    """
    from sensors.ingester import BufferedClient

    c = BufferedClient(CallbackAPIVersion.VERSION2, client_id=client_id, protocol=mqtt.MQTTv311)
    c.max_inflight_messages_set(2000)
    c.max_queued_messages_set(0)
    acked = [0]
    c.on_publish = lambda *_a: acked.__setitem__(0, acked[0] + 1)
    c.connect("127.0.0.1", port)
    started = time.perf_counter()
    last_ts = [0] * DEVICES
    for i in range(n):
        if rate:  # pace in 2 ms steps: one sleep per ~10 messages, not one per message
            delay = started + i / rate - time.perf_counter()
            if delay > 0.002:
                c.loop(delay)  # read PUBACKs while waiting
        k = start_index + i
        device = k % DEVICES
        # ts = time of publishing, made unique per device so no two messages share a row
        ts = max(int(time.time() * 1000), last_ts[device] + 1)
        last_ts[device] = ts
        c.publish(f"coc/{COMMUNE}/sensors/bench-{device:03d}/telemetry", payload(k, ts), qos=1)
        # paho keys unacked messages by a 16-bit id: keep far fewer than 65,535 outstanding
        while i + 1 - acked[0] > 1000:
            c.loop(0.01)
        if i % 50 == 0:
            c.loop(0)
    deadline = time.time() + 120
    while acked[0] < n and time.time() < deadline:
        c.loop(0.05)
    elapsed = time.perf_counter() - started
    c.disconnect()
    return {"published": n, "acked": acked[0], "seconds": round(elapsed, 2)}


def plain_subscriber(variant: str, port: int, n: int, client_id: str) -> dict[str, Any]:
    """The ceiling: paho with a minimal on_message counter on a persistent QoS 1 session."""
    got = 0
    first: list[float] = []
    done_at: list[float] = []
    done = threading.Event()
    v5 = variant.startswith("v5")
    if variant == "v311-buffered":
        return _buffered_subscriber(port, n, client_id)
    if v5:
        c = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=client_id, protocol=mqtt.MQTTv5)
    else:
        c = mqtt.Client(
            CallbackAPIVersion.VERSION2,
            client_id=client_id,
            protocol=mqtt.MQTTv311,
            clean_session=False,
        )

    def on_message(client: mqtt.Client, _u: Any, _m: Any) -> None:
        nonlocal got
        got += 1
        if got == 1:
            first.append(time.time())
        if got == n:
            done_at.append(time.time())
            done.set()
            client.disconnect()

    c.on_message = on_message
    if v5:
        c.connect("127.0.0.1", port, clean_start=False, properties=_session_props())
        c.loop_start()
        done.wait(600)
        c.loop_stop()
    else:
        c.connect("127.0.0.1", port)
        if variant == "v311-loop-forever":
            c.loop_forever()
        else:
            while not done_at:
                if c.loop(1.0) != mqtt.MQTT_ERR_SUCCESS and not done_at:
                    break
    return _received(got, first, done_at)


def _received(got: int, first: list[float], done_at: list[float]) -> dict[str, Any]:
    """What a plain subscriber process prints: count, first and last times, its CPU."""
    times = os.times()
    return {
        "received": got,
        "first_at": first[0] if first else None,
        "done_at": done_at[0],
        "cpu_s": round(times.user + times.system, 2),
    }


def _buffered_subscriber(port: int, n: int, client_id: str) -> dict[str, Any]:
    """COC's MQTT client with a counter: the QoS 1 fast path, PUBACKs sent per read."""
    from sensors.ingester import BufferedClient

    got, mids = 0, []
    first: list[float] = []
    done_at: list[float] = []
    c = BufferedClient(
        CallbackAPIVersion.VERSION2,
        client_id=client_id,
        protocol=mqtt.MQTTv311,
        clean_session=False,
        manual_ack=True,
    )

    def count(mid: int) -> None:
        nonlocal got
        got += 1
        mids.append(mid)
        if got == 1:
            first.append(time.time())
        if got == n:
            done_at.append(time.time())

    c.fast_publish = lambda _topic, _payload, mid, _dup: count(mid)
    c.on_message = lambda client, _u, m: (count(m.mid), client.ack(m.mid, m.qos))
    c.connect("127.0.0.1", port)
    while not done_at:
        if c.loop(1.0) != mqtt.MQTT_ERR_SUCCESS and not done_at:
            break
        c.ack_many(mids)
        mids.clear()
    c.loop(0.01)
    c.disconnect()
    return _received(got, first, done_at)


# ── measuring a child process ──


class Proc:
    """A child process measured from /proc: CPU seconds and peak RSS."""

    def __init__(self, args: list[str], env: dict[str, str], log: Path) -> None:
        self.log = log.open("ab")
        self.p = subprocess.Popen(
            args, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=self.log, text=True
        )
        self.rss_peak = 0
        self._stop = threading.Event()
        threading.Thread(target=self._sample, daemon=True).start()

    def _sample(self) -> None:
        while not self._stop.wait(0.05):
            self.rss_peak = max(self.rss_peak, self.rss())

    def rss(self) -> int:
        try:
            text = Path(f"/proc/{self.p.pid}/status").read_text()
        except OSError:
            return 0
        line = next((x for x in text.splitlines() if x.startswith("VmRSS:")), "x: 0 kB")
        return int(line.split()[1]) * 1024

    def cpu_seconds(self) -> float:
        try:
            fields = Path(f"/proc/{self.p.pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return 0.0
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        self._stop.set()
        if self.p.poll() is None:
            self.p.terminate()
        self.p.wait(60)
        self.log.close()


def coc_env(work: Path) -> dict[str, str]:
    return dict(os.environ, COC_CONFIG=str(work / "site.yaml"), COC_DATA_DIR=str(work))


class Rows:
    """Rows stored so far, read in O(log n): new readings get ever larger rowids."""

    def __init__(self, db: Path) -> None:
        self.conn = sqlite3.connect(db, timeout=30)
        self.base = 0

    def top(self) -> int:
        return int(self.conn.execute("SELECT max(rowid) FROM sensor_reading").fetchone()[0] or 0)

    def since(self, base: int) -> int:
        """An exact count of rows added after `base` (the lost check)."""
        sql = "SELECT count(*) FROM sensor_reading WHERE rowid > ?"
        return int(self.conn.execute(sql, (base,)).fetchone()[0])

    def wait(self, target: int, timeout: float, every: float = 0.005) -> tuple[float | None, float]:
        """Poll until row `target` is stored: (wall time of the first new row, of the last)."""
        first = None
        deadline = time.time() + timeout
        while time.time() < deadline:
            top, now = self.top(), time.time()
            if first is None and top > self.base:
                first = now
            if top >= target:
                return first, now
            time.sleep(every)
        raise SystemExit(f"only {self.top() - self.base:,} of {target - self.base:,} rows stored")


# ── runs ──


_FLOOR_TS = [int(time.time() * 1000) + 365 * 86_400_000]


def run_floor(db: Path, n: int, batch: int) -> dict[str, Any]:
    """COC's write of n messages (two readings each, 500 devices) in batches of `batch`:
    each sorted by (device, key, ts), multi-row upserts of 250 rows, one commit a batch."""
    from sensors.writer import READING_SQL, _insert_chunks

    conn = sqlite3.connect(db, timeout=30, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("PRAGMA wal_autocheckpoint=0")  # as COC: checkpoints off the write path
    # after every ts of the history and of any publish, so, like COC's rows, at the end of
    # each (device, key) range of the index: the same hot pages, never a conflict
    base = _FLOOR_TS[0]
    _FLOOR_TS[0] += n
    before = time.process_time()
    started = time.time()
    for start in range(0, n, batch):
        rows = [
            (f"bench-{k % DEVICES:03d}", key, base + k, 20.0 + k % 150 / 10)
            for k in range(start, min(n, start + batch))
            for key in KEYS
        ]
        rows.sort(key=lambda r: (r[0], r[1], r[2]))
        conn.execute("BEGIN IMMEDIATE")
        _insert_chunks(conn.cursor(), READING_SQL, rows)
        conn.execute("COMMIT")
    done = time.time()
    cpu = time.process_time() - before
    conn.execute("PRAGMA wal_checkpoint(PASSIVE)")  # after the clock: COC's run on a thread
    conn.close()
    return {
        "target": FLOOR,
        "seconds": round(done - started, 3),
        "rate": round(n / (done - started)),
        "startup_s": None,
        "drain_rate": None,
        "rss_peak_mib": None,
        "cpu_s": round(cpu, 2),
    }


def run_reference(port: int, n: int, work: Path) -> dict[str, Any]:
    """mosquitto_sub on a persistent QoS 1 session, timed from its start to its exit after
    the n-th message (it has no hook for the first one: no drain rate)."""
    client_id = f"bench-{REFERENCE}"
    open_session(client_id, port, False, [TOPIC])
    publish(port, n, 0, 0, f"bench-pub-{REFERENCE}")
    args = ["mosquitto_sub", "-h", "127.0.0.1", "-p", str(port), "-V", "mqttv311", "-c",
            "-i", client_id, "-q", "1", "-t", TOPIC, "-C", str(n), "-N", "-F", "%p"]  # fmt: skip
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.time()
    proc = Proc(args, dict(os.environ), work / "plain.log")
    out, _ = proc.p.communicate(timeout=600)
    done = time.time()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)  # it is reaped: its CPU is here
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    proc.stop()
    drop_session(client_id, port, False)
    if proc.p.returncode != 0 or out.count("}}") != n:
        raise SystemExit(f"{REFERENCE} received {out.count('}}')} of {n}")
    return _timing(REFERENCE, n, started, None, done, proc) | {"cpu_s": round(cpu, 2)}


def run_plain(variant: str, port: int, n: int, work: Path) -> dict[str, Any]:
    if variant == REFERENCE:
        return run_reference(port, n, work)
    client_id = f"bench-{variant}"
    open_session(client_id, port, variant.startswith("v5"), [TOPIC])
    publish(port, n, 0, 0, f"bench-pub-{variant}")
    args = [sys.executable, "-m", "benchmarks.ingest", "plain", "--variant", variant]
    args += ["--port", str(port), "--n", str(n), "--client-id", client_id]
    started = time.time()
    proc = Proc(args, dict(os.environ), work / "plain.log")
    out, _ = proc.p.communicate(timeout=600)
    proc.stop()
    drop_session(client_id, port, variant.startswith("v5"))
    got = json.loads(out.strip().splitlines()[-1])
    if got["received"] != n:
        raise SystemExit(f"{variant} received {got['received']} of {n}")
    return _timing(variant, n, started, got["first_at"], got["done_at"], proc) | {
        "cpu_s": got["cpu_s"]
    }


def run_coc(port: int, n: int, work: Path, rows: Rows, topics: list[str]) -> dict[str, Any]:
    open_session(COC_ID, port, True, topics)
    publish(port, n, 0, 0, "bench-pub-coc")
    rows.base = rows.top()
    target = rows.base + n * len(KEYS)
    stats_file = work / "coc-stats.json"
    stats_file.unlink(missing_ok=True)
    started = time.time()
    proc = Proc(
        [sys.executable, "-m", "sensors.run", "--stats-file", str(stats_file)],
        coc_env(work),
        work / "ingest.log",
    )
    first, last = rows.wait(target, timeout=900)
    cpu = proc.cpu_seconds()
    proc.stop()
    stats = json.loads(stats_file.read_text()) if stats_file.exists() else {}
    drop_session(COC_ID, port, True)
    lost = n * len(KEYS) - rows.since(rows.base)
    out = _timing("coc", n, started, first, last, proc)
    connected = connected_at(work / "ingest.log")
    out |= {
        "connected_s": round(connected - started, 3) if connected else None,
        "cpu_s": round(cpu, 2),
        "cpu_percent": round(100 * cpu / (last - started)),
        "lost_readings": lost,
        # coc.store.lite: the run started and drained without loading the ORM
        "lite_store": stats.get("lite_store"),
        "orm_loaded": stats.get("orm_loaded"),
    }
    return out


def connected_at(log: Path) -> float | None:
    """When the ingester last logged its MQTT connection (start-up done, subscribed next)."""
    lines = [x for x in log.read_text(errors="replace").splitlines() if "đã kết nối MQTT" in x]
    if not lines:
        return None
    stamp = lines[-1][:23]
    return datetime.strptime(stamp, "%Y-%m-%d %H:%M:%S,%f").timestamp()


def _timing(
    name: str, n: int, started: float, first: float | None, last: float, proc: Proc
) -> dict[str, Any]:
    total = last - started
    drain = (last - first) if first else None
    return {
        "target": name,
        "seconds": round(total, 3),
        "rate": round(n / total),  # start-up included
        "startup_s": round(first - started, 3) if first else None,
        "drain_rate": round(n / drain) if drain else None,  # first to last message
        "rss_peak_mib": round(proc.rss_peak / 2**20, 1),
    }


def kill_check(port: int, n: int, work: Path, rows: Rows, topics: list[str]) -> dict[str, Any]:
    """SIGKILL COC after a third of the backlog is stored; a restart must lose nothing."""
    open_session(COC_ID, port, True, topics)
    publish(port, n, 0, 0, "bench-pub-kill")
    rows.base = rows.top()
    want = n * len(KEYS)
    proc = Proc([sys.executable, "-m", "sensors.run"], coc_env(work), work / "ingest.log")
    rows.wait(rows.base + want // 3, timeout=600)
    os.kill(proc.p.pid, signal.SIGKILL)
    proc.stop()
    at_kill = rows.since(rows.base)
    proc = Proc([sys.executable, "-m", "sensors.run"], coc_env(work), work / "ingest.log")
    rows.wait(rows.base + want, timeout=600)
    proc.stop()
    drop_session(COC_ID, port, True)
    stored = rows.since(rows.base)
    return {"messages": n, "stored_at_kill": at_kill, "stored": stored, "lost": want - stored}


def live(
    args: argparse.Namespace, port: int, work: Path, rows: Rows, topics: list[str]
) -> dict[str, Any]:
    """A steady stream: publish-to-commit latency measured by the ingester itself."""
    stats_file = work / "live-stats.json"
    env = coc_env(work)
    open_session(COC_ID, port, True, topics)  # nothing is lost while it starts
    log_from = (work / "ingest.log").stat().st_size if (work / "ingest.log").exists() else 0
    proc = Proc(
        [sys.executable, "-m", "sensors.run", "--stats-file", str(stats_file), "--record-lag"],
        env,
        work / "ingest.log",
    )
    wait_for_log(work / "ingest.log", "đã kết nối MQTT", log_from)
    n = int(args.rate * args.live_seconds)
    rows.base = rows.top()
    cpu0, t0 = proc.cpu_seconds(), time.time()
    pub = publish(port, n, args.rate, 0, "bench-pub-live")
    rows.wait(rows.base + n * len(KEYS), timeout=120)
    elapsed = time.time() - t0
    cpu = proc.cpu_seconds() - cpu0
    rss_now = proc.rss()
    proc.stop()
    drop_session(COC_ID, port, True)
    stats = json.loads(stats_file.read_text())
    lags, recv = stats["lag_ms"], stats["recv_lag_ms"]
    return {
        "published": n,
        "publish_rate": round(n / pub["seconds"]),
        "p50_ms": percentile(lags, 50),
        "p95_ms": percentile(lags, 95),
        "p99_ms": percentile(lags, 99),
        "max_ms": max(lags),
        "receive_to_commit_p50_ms": percentile(recv, 50),
        "receive_to_commit_p99_ms": percentile(recv, 99),
        "cpu_percent": round(100 * cpu / elapsed),
        "rss_mib": round(rss_now / 2**20, 1),
        "rss_peak_mib": round(proc.rss_peak / 2**20, 1),
        "max_write_ms": stats["max_write_ms"],
        "slow_writes": stats["slow_writes"],
        "lost_readings": n * len(KEYS) - rows.since(rows.base),
    }


def wait_for_log(log: Path, text: str, start: int = 0, timeout: float = 60) -> None:
    """Wait for `text` in the log after byte `start` (earlier runs wrote there too)."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        if log.exists() and text.encode() in log.read_bytes()[start:]:
            time.sleep(0.5)  # SUBACK follows the CONNACK
            return
        time.sleep(0.05)
    raise SystemExit(f"ingester did not connect, see {log}")


def percentile(values: list[int], p: float) -> float:
    ordered = sorted(values)
    return float(ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))])


def summarise(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Median per target, the ceiling (fastest plain variant) and COC's ratio to it."""
    by: dict[str, list[dict[str, Any]]] = {}
    for r in runs:
        by.setdefault(r["target"], []).append(r)
    median = {t: statistics.median(r["rate"] for r in rs) for t, rs in by.items()}
    # a backlog small enough to land in one batch has no first-to-last drain time
    drained = {t: [r["drain_rate"] for r in rs if r["drain_rate"]] for t, rs in by.items()}
    drain = {t: statistics.median(v) for t, v in drained.items() if v}
    plain = {t: v for t, v in median.items() if t not in NOT_PLAIN}
    ceiling = max(plain, key=plain.__getitem__)
    rounds = sorted({r["round"] for r in runs})
    per_round = []
    for i in rounds:
        these = {r["target"]: r["rate"] for r in runs if r["round"] == i}
        best = max(v for t, v in these.items() if t not in NOT_PLAIN)
        per_round.append(round(these["coc"] / best, 3))
    reference = (
        {"target": REFERENCE, "ratio": round(median["coc"] / median[REFERENCE], 3)}
        if REFERENCE in median
        else None
    )
    return {
        "median_rate": {t: round(v) for t, v in median.items()},
        "median_drain_rate": {t: round(v) for t, v in drain.items()},
        "ceiling": ceiling,
        "ratio": round(median["coc"] / median[ceiling], 3),
        "ratio_per_round": per_round,
        "reference": reference,  # COC ÷ Mosquitto's C client, start-up included
        # the best any ingester could do here: receive as fast as the ceiling and store
        # as fast as the floor, the two overlapped perfectly and no start-up
        "bound": (
            {
                "rate": round(min(median[ceiling], median[FLOOR])),
                "ratio": round(median["coc"] / min(median[ceiling], median[FLOOR]), 3),
            }
            if FLOOR in median
            else None
        ),
        "ratio_drain_only": (
            round(drain["coc"] / drain[ceiling], 3) if "coc" in drain and ceiling in drain else None
        ),
        # CPU seconds for the whole drain, start-up included: far less sensitive than
        # wall time to other work on the machine (COC's can run on two cores at once)
        "median_cpu_s": {t: statistics.median(r["cpu_s"] for r in rs) for t, rs in by.items()},
        "ratio_cpu": round(
            statistics.median(r["cpu_s"] for r in by[ceiling])
            / statistics.median(r["cpu_s"] for r in by["coc"]),
            3,
        ),
        "coc_rss_peak_mib": max(r["rss_peak_mib"] for r in by["coc"]),
        "coc_lost_readings": sum(r["lost_readings"] for r in by["coc"]),
    }


class Bench:
    """The working copy of the database, the broker and COC's site file for one invocation."""

    def __init__(self, args: argparse.Namespace) -> None:
        from coc.config import load_settings
        from sensors.broker import free_port, mosquitto_binary, start_mosquitto
        from sensors.mqttconf import subscriptions

        self.work = DATA / "run"
        shutil.rmtree(self.work, ignore_errors=True)
        self.work.mkdir(parents=True)
        self.db = database(args.history, self.work)
        binary = mosquitto_binary()
        if binary is None:
            raise SystemExit("benchmark needs Mosquitto (apt-get install mosquitto)")
        self.broker = start_mosquitto(binary, self.work / "broker", free_port())
        self.port = self.broker.port
        site = {"store": {"data_dir": str(self.work), "database_url": f"sqlite:///{self.db}"}}
        site["mqtt"] = {"url": self.broker.url, **args.mqtt}
        (self.work / "site.yaml").write_text(yaml.safe_dump(site), encoding="utf-8")
        self.settings = load_settings(environ=coc_env(self.work))
        self.topics = subscriptions(self.settings.mqtt.topic_root, COMMUNE)
        self.rows = Rows(self.db)


def run(args: argparse.Namespace) -> dict[str, Any]:
    b = Bench(args)
    result: dict[str, Any] = {
        "history_rows": args.history,
        "devices": DEVICES,
        "keys_per_message": len(KEYS),
        "broker": b.broker.settings_text,
        "ingester_settings": b.settings.mqtt.model_dump(exclude={"url"}),
        "cpus": os.cpu_count(),
        "load_before": [round(x, 2) for x in os.getloadavg()],
        "sizes": {},
    }
    reference = [REFERENCE] if args.reference and shutil.which("mosquitto_sub") else []
    targets = [*args.variants, *reference, FLOOR, "coc"]
    try:
        for n in args.sizes:
            runs = []
            for i in range(args.rounds):
                order = targets if i % 2 == 0 else targets[::-1]  # interleaved, alternating
                for target in order:
                    if target == "coc":
                        r = run_coc(b.port, n, b.work, b.rows, b.topics)
                    elif target == FLOOR:
                        r = run_floor(b.db, n, b.settings.mqtt.batch_size)
                    else:
                        r = run_plain(target, b.port, n, b.work)
                    r["round"] = i + 1
                    r["load"] = round(os.getloadavg()[0], 2)
                    runs.append(r)
                    print(json.dumps(r), flush=True)
            result["sizes"][str(n)] = {"runs": runs, **summarise(runs)}
            print(json.dumps({n: summarise(runs)}), flush=True)
        if args.kill:
            result["kill9"] = kill_check(b.port, args.kill, b.work, b.rows, b.topics)
            print(json.dumps({"kill9": result["kill9"]}), flush=True)
        if args.live_seconds:
            result["live"] = live(args, b.port, b.work, b.rows, b.topics)
    finally:
        b.broker.stop()
    result["load_after"] = [round(x, 2) for x in os.getloadavg()]
    return result


def profile(args: argparse.Namespace) -> int:
    """Drain `--n` queued messages with py-spy recording COC (pip install py-spy)."""
    b = Bench(args)
    try:
        open_session(COC_ID, b.port, True, b.topics)
        publish(b.port, args.n, 0, 0, "bench-pub-profile")
        b.rows.base = b.rows.top()
        started = time.time()
        proc = Proc([sys.executable, "-m", "sensors.run"], coc_env(b.work), b.work / "ingest.log")
        spy = subprocess.Popen(
            ["py-spy", "record", "--pid", str(proc.p.pid), "--rate", "250", "--threads",
             "--idle", "--format", args.format, "--output", str(args.output)]
        )  # fmt: skip
        first, last = b.rows.wait(b.rows.base + args.n * len(KEYS), timeout=900)
        proc.stop()
        spy.wait(60)
        n, total = args.n, last - started
        drain = n / (last - first) if first else 0
        print(f"{n:,} messages in {total:.2f} s ({n / total:,.0f} msg/s incl. start-up, "
              f"{drain:,.0f} draining); profile in {args.output}")  # fmt: skip
    finally:
        b.broker.stop()
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.ingest", description=__doc__)
    sub = parser.add_subparsers(dest="cmd")
    p = sub.add_parser("plain", help="(internal) one plain subscriber process")
    p.add_argument("--variant", choices=VARIANTS, required=True)
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--n", type=int, required=True)
    p.add_argument("--client-id", required=True)
    p = sub.add_parser("profile", help="py-spy record COC draining --n messages")
    p.add_argument("--n", type=int, default=100_000)
    p.add_argument("--format", default="raw", help="py-spy format: raw, flamegraph, speedscope")
    p.add_argument("--output", type=Path, default=Path("ingest-profile.txt"))
    parser.add_argument("--history", type=int, default=10_000_000, help="rows already stored")
    parser.add_argument(
        "--sizes", type=lambda s: [int(x) for x in s.split(",")], default=[1_000, 10_000, 100_000]
    )
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds per size")
    parser.add_argument(
        "--variants", type=lambda s: s.split(","), default=list(VARIANTS), help="plain ones"
    )
    parser.add_argument(
        "--no-reference",
        dest="reference",
        action="store_false",
        help=f"leave out {REFERENCE} (Mosquitto's C client, reported beside the ceiling)",
    )
    parser.add_argument("--kill", type=int, default=100_000, help="kill -9 check size (0 = off)")
    parser.add_argument("--rate", type=float, default=5000, help="live msg/s")
    parser.add_argument("--live-seconds", type=float, default=30)
    parser.add_argument(
        "--mqtt", type=json.loads, default={}, help='ingester settings, e.g. {"batch_size": 4000}'
    )
    parser.add_argument("--out", type=Path, help="also write the JSON result here")
    args = parser.parse_args(argv)
    if args.cmd == "plain":
        print(json.dumps(plain_subscriber(args.variant, args.port, args.n, args.client_id)))
        return 0
    if args.cmd == "profile":
        return profile(args)
    result = run(args)
    text = json.dumps(result, indent=2, ensure_ascii=False)
    print(text)
    if args.out:
        args.out.write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
