"""MQTT ingest benchmark: drain a 200,000-message backlog, then a live 5,000 msg/s stream.

    python -m benchmarks.ingest                      # full run (issue 4 targets)
    python -m benchmarks.ingest --drain 20000 --live-seconds 5 --history 100000   # quick

It runs on a database that already holds 10 million readings (built once, cached under
benchmarks/data/), starts its own Mosquitto with config/mosquitto/coc.conf, runs the
ingester as a separate process (`python -m sensors.run`) and measures it from outside:
stored rate, publish-to-commit latency, CPU and RSS. A bare paho subscriber that only
receives drains the same backlog as the ceiling.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt
import yaml
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from coc.config import load_settings
from coc.devices.registry import sync_devices
from coc.store.db import open_store
from sensors.broker import BrokerHandle, free_port, mosquitto_binary, start_mosquitto
from sensors.ingester import BufferedClient

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "benchmarks" / "data"
COMMUNE = "10237"
DEVICES = 100  # bench-000 … bench-099, registered water-level sensors
BARE_ID = "bench-bare"


# ── the database with history ──


def build_history(path: Path, rows: int) -> None:
    """Schema, registry, bench devices and `rows` old readings, inserted in key order."""
    tmp = path.with_suffix(".building")
    for p in (tmp, Path(f"{tmp}-wal"), Path(f"{tmp}-shm")):
        p.unlink(missing_ok=True)
    settings = load_settings(environ={"COC_DATA_DIR": str(tmp.parent)})
    settings.store.database_url = f"sqlite:///{tmp}"
    store = open_store(settings)
    sync_devices(store, settings)
    store.dispose()
    per = rows // DEVICES
    start = int(time.time() * 1000) - per * 5000 - 86_400_000
    conn = sqlite3.connect(tmp)
    conn.execute("PRAGMA journal_mode=OFF")
    conn.execute("PRAGMA synchronous=OFF")
    conn.executemany(
        "INSERT INTO device (device_id, org_unit, kind, name, sensor_type, unit, range_min, "
        "range_max, registration, state, online, updated_at) VALUES (?, ?, 'sensor', ?, "
        "'water_level', 'm', -2.0, 15.0, 'config', 'unknown', 0, '2026-01-01 00:00:00')",
        [(f"bench-{i:03d}", COMMUNE, f"Bench {i}") for i in range(DEVICES)],
    )
    for i in range(DEVICES):
        conn.execute(
            "WITH RECURSIVE n(x) AS (SELECT 0 UNION ALL SELECT x + 1 FROM n WHERE x < ?) "
            "INSERT INTO sensor_reading (device_id, key, ts, value) "
            "SELECT ?, 'water_level', ? + x * 5000, 2.0 + (x % 1000) / 500.0 FROM n",
            (per - 1, f"hist-{i:03d}", start),
        )
        conn.commit()
    conn.execute(
        "INSERT INTO sensor_latest (device_id, key, ts, value, dirty_from, version) "
        "SELECT device_id, key, max(ts), 2.0, NULL, 1 FROM sensor_reading GROUP BY device_id, key"
    )
    conn.commit()
    conn.execute("PRAGMA journal_mode=WAL")
    conn.close()
    tmp.rename(path)


def database(history: int, work: Path) -> Path:
    cached = DATA / f"history-{history}.sqlite3"
    if not cached.exists():
        started = time.time()
        print(f"building {history:,} readings of history (cached in {cached}) …", flush=True)
        DATA.mkdir(parents=True, exist_ok=True)
        build_history(cached, history)
        print(f"  built in {time.time() - started:.0f} s", flush=True)
    target = work / "coc.sqlite3"
    shutil.copyfile(cached, target)
    return target


# ── clients ──


def _client(client_id: str, port: int, v5: bool = True, buffered: bool = False) -> mqtt.Client:
    cls = BufferedClient if buffered else mqtt.Client  # the bare subscriber stays plain paho
    c = cls(
        CallbackAPIVersion.VERSION2,
        client_id=client_id,
        protocol=mqtt.MQTTv5 if v5 else mqtt.MQTTv311,
    )
    c.max_inflight_messages_set(2000)
    c.max_queued_messages_set(0)
    return c


def _session_props() -> Properties:
    props = Properties(PacketTypes.CONNECT)
    props.SessionExpiryInterval = 86400
    props.ReceiveMaximum = 10000
    return props


def publish(port: int, n: int, rate: float, start_index: int, client_id: str) -> dict[str, Any]:
    """Publish n QoS 1 readings (ts = time of publishing), paced at `rate` msg/s (0 = max).

    One thread drives the client (no loop_start): each publish is written at once and
    PUBACKs are read between messages, which keeps this process from becoming the limit.
    """
    c = _client(client_id, port, v5=False, buffered=True)
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
        payload = f'{{"ts": {ts}, "values": {{"water_level": {(k % 1000) / 100:.2f}}}}}'
        c.publish(f"coc/{COMMUNE}/sensors/bench-{device:03d}/telemetry", payload, qos=1)
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
    return {
        "published": n,
        "acked": acked[0],
        "seconds": round(elapsed, 2),
        "rate": round(n / elapsed),
    }


def bare_drain(port: int, n: int, timeout: float = 600) -> dict[str, Any]:
    """The ceiling: a paho client that only receives (auto-ack) the queued backlog."""
    c = _client(BARE_ID, port)
    got = 0
    done = threading.Event()
    first: list[float] = []

    def on_message(*_a: Any) -> None:
        nonlocal got
        if not first:
            first.append(time.perf_counter())
        got += 1
        if got >= n:
            done.set()

    c.on_message = on_message
    started = time.perf_counter()
    c.connect("127.0.0.1", port, clean_start=False, properties=_session_props())
    c.loop_start()
    done.wait(timeout)
    elapsed = time.perf_counter() - started
    c.disconnect()
    c.loop_stop()
    return {"received": got, "seconds": round(elapsed, 2), "rate": round(got / elapsed)}


def make_session(client_id: str, port: int) -> None:
    """Create a persistent session subscribed to the telemetry topics, then leave."""
    c = _client(client_id, port)
    subscribed = threading.Event()
    c.on_subscribe = lambda *_a: subscribed.set()
    c.connect("127.0.0.1", port, clean_start=False, properties=_session_props())
    c.loop_start()
    c.subscribe(f"coc/{COMMUNE}/sensors/+/telemetry", qos=1)
    subscribed.wait(10)
    c.disconnect()
    c.loop_stop()


# ── the ingester process ──


class Proc:
    """A child process measured from /proc: CPU seconds and peak RSS."""

    def __init__(self, args: list[str], env: dict[str, str], log: Path) -> None:
        self.log = log.open("ab")
        self.p = subprocess.Popen(args, cwd=ROOT, env=env, stdout=self.log, stderr=self.log)
        self.rss_peak = 0
        self.rss_parts: dict[str, int] = {}
        self._stop = threading.Event()
        threading.Thread(target=self._sample, daemon=True).start()

    def _sample(self) -> None:
        while not self._stop.wait(0.2):
            rss = self.rss()
            if rss > self.rss_peak:
                self.rss_peak = rss
                self.rss_parts = {
                    k: self.rss(k) // 2**20 for k in ("RssAnon", "RssFile", "RssShmem")
                }

    def rss(self, field: str = "VmRSS") -> int:
        try:
            text = Path(f"/proc/{self.p.pid}/status").read_text()
        except OSError:
            return 0
        line = next((x for x in text.splitlines() if x.startswith(f"{field}:")), "x: 0 kB")
        return int(line.split()[1]) * 1024

    def cpu_seconds(self) -> float:
        try:
            fields = Path(f"/proc/{self.p.pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return 0.0
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        self.p.terminate()
        self.p.wait(60)
        self._stop.set()
        self.log.close()


def ingester(work: Path, stats: Path | None = None) -> Proc:
    env = dict(os.environ, COC_CONFIG=str(work / "site.yaml"), COC_DATA_DIR=str(work))
    args = [sys.executable, "-m", "sensors.run"]
    if stats:
        args += ["--stats-file", str(stats)]
    return Proc(args, env, work / "ingest.log")


def bench_count(db: Path) -> int:
    conn = sqlite3.connect(db, timeout=30)
    try:
        return int(
            conn.execute(
                "SELECT count(*) FROM sensor_reading WHERE device_id >= 'bench-' "
                "AND device_id < 'bench.'"
            ).fetchone()[0]
        )
    finally:
        conn.close()


_watch: dict[Path, sqlite3.Connection] = {}


def max_rowid(db: Path) -> int:
    """Rows inserted so far, read in O(log n): new readings get ever larger rowids."""
    conn = _watch.get(db) or _watch.setdefault(db, sqlite3.connect(db, timeout=30))
    return int(conn.execute("SELECT max(rowid) FROM sensor_reading").fetchone()[0] or 0)


def wait_count(db: Path, base: int, target: int, timeout: float) -> tuple[float | None, float]:
    """Poll until `target` more rows are stored: (time the first was seen, time of last).

    Polls max(rowid) instead of count(*) so watching does not steal CPU from the ingester;
    the final count(*) checks that nothing was lost.
    """
    first = None
    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        n = max_rowid(db) - base
        now = time.perf_counter()
        if n and first is None:
            first = now
        if n >= target:
            return first, now
        time.sleep(0.1)
    return first, time.perf_counter()


def percentile(values: list[int], p: float) -> float:
    ordered = sorted(values)
    return float(ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))])


def run(args: argparse.Namespace) -> dict[str, Any]:
    work = DATA / "run"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    db = database(args.history, work)
    binary = mosquitto_binary()
    if binary is None:
        raise SystemExit("benchmark needs Mosquitto (apt-get install mosquitto)")
    broker: BrokerHandle = start_mosquitto(binary, work / "broker", free_port())
    site = {
        "store": {"data_dir": str(work), "database_url": f"sqlite:///{db}"},
        "mqtt": {
            "url": broker.url,
            "batch_size": args.batch,
            "flush_ms": args.flush_ms,
            "receive_maximum": args.receive_maximum,
            "queue_size": args.queue,
        },
    }
    (work / "site.yaml").write_text(yaml.safe_dump(site), encoding="utf-8")
    result: dict[str, Any] = {
        "history_rows": args.history,
        "broker": broker.settings_text,
        "ingester": site["mqtt"],
        "cpus": os.cpu_count(),
        "load_before": os.getloadavg(),
    }
    try:
        if args.drain:
            result["drain"] = drain(args, work, db, broker.port)
        result["live"] = live(args, work, db, broker.port)
        stored = bench_count(db)
        expected = args.drain + result["live"]["published"]
        result["lost"] = expected - stored
    finally:
        broker.stop()
    return result


def drain(args: argparse.Namespace, work: Path, db: Path, port: int) -> dict[str, Any]:
    first = ingester(work)  # creates the ingester's persistent session
    wait_count_or_log(work)
    first.stop()
    make_session(BARE_ID, port)
    pub = publish(port, args.drain, 0, 0, "bench-pub-drain")
    print(f"queued {args.drain:,} messages in {pub['seconds']} s", flush=True)
    bare = bare_drain(port, args.drain)
    print(f"bare subscriber: {bare['rate']:,} msg/s", flush=True)
    base = max_rowid(db)
    proc = ingester(work)
    cpu0, t0 = proc.cpu_seconds(), time.perf_counter()
    got_first, got_last = wait_count(db, base, args.drain, timeout=900)
    cpu = proc.cpu_seconds() - cpu0
    proc.stop()
    total = got_last - t0
    stored_rate = args.drain / (got_last - got_first) if got_first else 0.0
    out = {
        "messages": args.drain,
        "publish": pub,
        "bare_rate": bare["rate"],
        "stored_rate": round(stored_rate),
        "stored_rate_incl_startup": round(args.drain / total),
        "ratio_to_bare": round(stored_rate / bare["rate"], 3) if bare["rate"] else None,
        "ingester_cpu_percent": round(100 * cpu / total),
        "ingester_rss_peak_mib": round(proc.rss_peak / 2**20, 1),
        "ingester_rss_peak_parts_mib": proc.rss_parts,
    }
    print(f"ingester drain: {out['stored_rate']:,} msg/s", flush=True)
    return out


def wait_count_or_log(work: Path, timeout: float = 30) -> None:
    log = work / "ingest.log"
    deadline = time.time() + timeout
    while time.time() < deadline:
        if log.exists() and "đã kết nối MQTT" in log.read_text(errors="replace"):
            time.sleep(0.5)  # SUBACK follows the CONNACK
            return
        time.sleep(0.1)
    raise SystemExit(f"ingester did not connect, see {log}")


def live(args: argparse.Namespace, work: Path, db: Path, port: int) -> dict[str, Any]:
    stats_file = work / "live-stats.json"
    log = work / "ingest.log"
    log.write_text("")
    proc = ingester(work, stats_file)
    wait_count_or_log(work)
    n = int(args.rate * args.live_seconds)
    base = max_rowid(db)
    cpu0, t0 = proc.cpu_seconds(), time.perf_counter()
    pub_proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "benchmarks.ingest",
            "publish",
            "--port",
            str(port),
            "--n",
            str(n),
            "--rate",
            str(args.rate),
            "--start",
            str(args.drain),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    pub = json.loads(pub_proc.stdout.strip().splitlines()[-1])
    wait_count(db, base, n, timeout=120)
    elapsed = time.perf_counter() - t0
    cpu = proc.cpu_seconds() - cpu0
    rss_now = proc.rss()
    proc.stop()
    stats = json.loads(stats_file.read_text())
    lags = stats["lag_ms"]
    recv = stats["recv_lag_ms"]
    return {
        "published": n,
        "publish": pub,
        "p50_ms": percentile(lags, 50),
        "p95_ms": percentile(lags, 95),
        "p99_ms": percentile(lags, 99),
        "max_ms": max(lags),
        "receive_to_commit_p50_ms": percentile(recv, 50),
        "receive_to_commit_p99_ms": percentile(recv, 99),
        "samples": len(lags),
        "ingester_cpu_percent": round(100 * cpu / elapsed),
        "ingester_rss_mib": round(rss_now / 2**20, 1),
        "ingester_rss_peak_mib": round(proc.rss_peak / 2**20, 1),
        "batches": stats["batches"],
        "max_write_ms": stats["max_write_ms"],
        "slow_writes": stats["slow_writes"],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.ingest", description=__doc__)
    sub = parser.add_subparsers(dest="cmd")
    p = sub.add_parser("publish", help="(internal) the separate publisher process")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--n", type=int, required=True)
    p.add_argument("--rate", type=float, default=0)
    p.add_argument("--start", type=int, default=0)
    parser.add_argument("--history", type=int, default=10_000_000, help="rows already stored")
    parser.add_argument("--drain", type=int, default=200_000, help="messages queued")
    parser.add_argument("--rate", type=float, default=5000, help="live msg/s")
    parser.add_argument("--live-seconds", type=float, default=30)
    parser.add_argument("--batch", type=int, default=2000)
    parser.add_argument("--flush-ms", type=int, default=50)
    parser.add_argument("--receive-maximum", type=int, default=10000)
    parser.add_argument("--queue", type=int, default=20000)
    parser.add_argument("--out", type=Path, help="also write the JSON result here")
    args = parser.parse_args(argv)
    if args.cmd == "publish":
        print(json.dumps(publish(args.port, args.n, args.rate, args.start, "bench-pub-live")))
        return 0
    result = run(args)
    text = json.dumps(result, indent=2, ensure_ascii=False)
    print(text)
    if args.out:
        args.out.write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
