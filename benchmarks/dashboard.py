"""Dashboard benchmark on a year of data: callback server time, first callback, wall load, RSS.

    python -m benchmarks.dashboard                 # build data once, then measure
    python -m benchmarks.dashboard --rows 500000   # a smaller, quicker run

Data (cached in benchmarks/data/, rebuilt with --rebuild): every sensor key of
config/devices.yaml read about once a minute for 365 days (≥ 5 million raw readings),
written through the MQTT ingest writer, then rolled up by the sensors code into the
5-minute and hourly tables the sensors page reads; 12 months
of every indicator and data element, ~3,000 dossiers and ~2,000 documents, device events.
Measurement runs in a fresh process so "first callback after start" is honest.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "benchmarks" / "data"
END = datetime(2026, 11, 20, 3, 0, tzinfo=UTC)
ORG = "10237"
CHUNK = 200_000  # readings per writer transaction
MONTHS = [f"{y}{m:02d}" for y, m in [(2025, 12)] + [(2026, i) for i in range(1, 12)]]


def _settings(data_dir: Path) -> Any:
    from coc.config import load_settings

    return load_settings(environ={"COC_DATA_DIR": str(data_dir)})


def _catalog(settings: Any) -> Any:
    from coc.indicators.catalog import load_catalog

    return load_catalog(settings.config_file(settings.indicators_file))


def _sensor_series(settings: Any) -> list[tuple[str, str]]:
    from coc.devices.registry import load_registry

    reg = load_registry(settings)
    return [
        (d.device_id, key)
        for d in reg.devices.values()
        if d.kind == "sensor" and d.sensor_type in reg.sensor_types
        for key in reg.sensor_types[d.sensor_type].keys
    ]


def build(db: Path, rows: int) -> None:
    """Create the benchmark database (minutes for 5 M readings; cached afterwards)."""
    from coc.devices.rollups import rollup_all
    from coc.indicators.catalog import sync_catalog
    from coc.indicators.engine import Engine
    from coc.ingest.writers import write_records, write_values
    from coc.store.db import Store

    settings = _settings(db.parent)
    catalog = _catalog(settings)
    rng = random.Random(5)
    store = Store.from_url(f"sqlite:///{db}").init()
    sync_catalog(store, catalog, ORG, [2025, 2026])
    values = []
    for ind in catalog.indicators:
        if ind.formula.get("type") != "element":
            continue
        low, high = ind.value_range()
        top = high if high is not None else (ind.target or 1000) * 1.2
        for month in MONTHS:
            values.append({"code": ind.code, "period": month,
                           "value": round(rng.uniform(low or 0, top), 1)})  # fmt: skip
    # ratio elements need numerator ≤ denominator
    write_values(store, catalog, values, ORG, source="reporting")
    write_records(store, "dossier", _dossiers(rng), ORG, source="tthc")
    write_records(store, "document", _documents(rng), ORG, source="documents")
    _devices(store, settings, rng)
    Engine(catalog).refresh(store, ORG, MONTHS, now=END)
    series = _sensor_series(settings)
    per_series = max(1, rows // len(series))
    step_ms = int(365 * 86400 * 1000 / per_series)
    start_ms = int((END - timedelta(days=365)).timestamp() * 1000)
    total = 0
    for device_id, key in series:
        base = rng.uniform(1, 30)
        points = [(start_ms + i * step_ms, round(base + 3 * rng.random(), 2))
                  for i in range(per_series)]  # fmt: skip
        total += _write_readings(store, device_id, key, points)
        print(f"  {device_id}/{key}: {len(points):,} readings", flush=True)
    t0 = time.perf_counter()
    windows = rollup_all(store, raw_days=400, now=END)
    print(f"roll-ups: {windows:,} windows in {time.perf_counter() - t0:.0f} s", flush=True)
    with store.engine.begin() as conn:
        conn.exec_driver_sql("ANALYZE")
    store.dispose()
    print(f"built {db} with {total:,} raw readings", flush=True)


def _write_readings(store: Any, device_id: str, key: str, points: list[tuple[int, float]]) -> int:
    """Through the MQTT ingest writer (readings, sensor_latest, dirty roll-up mark)."""
    from coc.ingest.messages import Reading
    from sensors.writer import Batch, write_batch

    for start in range(0, len(points), CHUNK):
        batch = Batch()
        batch.readings = [Reading(device_id, key, ts, v) for ts, v in points[start : start + CHUNK]]
        write_batch(store, batch, ORG)
    return len(points)


def _dossiers(rng: random.Random) -> list[dict[str, Any]]:
    out = []
    for n in range(3000):
        received = END - timedelta(days=rng.uniform(0, 355))
        due = received + timedelta(days=rng.choice((1, 3, 5, 7)))
        done = received + timedelta(days=rng.uniform(0.2, 8))
        finished = done < END and rng.random() < 0.95
        out.append({
            "MaHoSo": f"000.00.23.H26-{n:06d}", "MaTTHC": "1.001612",
            "TenTTHC": rng.choice(("Đăng ký khai sinh", "Chứng thực bản sao", "Đăng ký kết hôn")),
            "KenhThucHien": rng.choice((1, 2, 2, 3)),
            "NgayTiepNhan": received.isoformat(), "NgayHenTra": due.isoformat(),
            "NgayKetThucXuLy": done.isoformat() if finished else None,
            "TrangThaiHoSo": 10 if finished else 4,
            "HoSoCoThanhPhanSoHoa": rng.choice((0, 1, 1)),
            "ChuHoSo": f"Công dân {n}",
        })  # fmt: skip
    return out


def _documents(rng: random.Random) -> list[dict[str, Any]]:
    out = []
    for n in range(2000):
        issued = END - timedelta(days=rng.uniform(0, 355))
        incoming = rng.random() < 0.5
        out.append({
            "id": f"VB-{n}", "direction": "in" if incoming else "out", "number": str(n),
            "symbol": "UBND", "summary": f"Văn bản số {n}", "issued_date": issued.isoformat(),
            "deadline": (issued + timedelta(days=10)).isoformat() if incoming else None,
            "completed_date": (issued + timedelta(days=rng.uniform(1, 14))).isoformat()
            if rng.random() < 0.9 else None,
            "status": "done", "signed": rng.random() < 0.9, "electronic": rng.random() < 0.95,
        })  # fmt: skip
    return out


def _devices(store: Any, settings: Any, rng: random.Random) -> None:
    from sqlalchemy import select

    from coc.devices.registry import sync_devices
    from coc.store.models import Device, DeviceEvent

    sync_devices(store, settings)
    with store.write() as session:
        for d in session.scalars(select(Device)):
            online = rng.random() < 0.85
            d.online, d.state, d.last_seen = online, "online" if online else "offline", END
            for day in range(30):
                ts = END - timedelta(days=day, hours=rng.uniform(0, 23))
                session.add(DeviceEvent(device_id=d.device_id, ts=ts, state="online", online=True))
                session.add(DeviceEvent(device_id=d.device_id, ts=ts + timedelta(minutes=20),
                                        state="offline", online=False))  # fmt: skip


# ── measurement (fresh process) ─────────────────────────────────────────────────────


def _router_body(path: str, search: str = "") -> dict[str, Any]:
    return {
        "output": ".._pages_content.children..._pages_store.data..",
        "outputs": [{"id": "_pages_content", "property": "children"},
                    {"id": "_pages_store", "property": "data"}],
        "inputs": [{"id": "_pages_location", "property": "pathname", "value": path},
                   {"id": "_pages_location", "property": "search", "value": search}],
        "changedPropIds": ["_pages_location.pathname"], "state": [],
    }  # fmt: skip


def _single(output: str, inputs: list[dict], state: list[dict] | None = None) -> dict[str, Any]:
    comp, prop = output.rsplit(".", 1)
    return {"output": output, "outputs": {"id": comp, "property": prop}, "inputs": inputs,
            "changedPropIds": [f"{inputs[0]['id']}.{inputs[0]['property']}"],
            "state": state or []}  # fmt: skip


def _refresh(prefix: str, params: dict[str, Any]) -> dict[str, Any]:
    return _single(
        f"{prefix}-body.children",
        [{"id": f"{prefix}-tick", "property": "n_intervals", "value": 1}],
        [{"id": f"{prefix}-params", "property": "data", "value": params}],
    )


def cases(period: str) -> dict[str, dict[str, Any]]:
    q = f"?period={period}"
    return {
        "page / (overview)": _router_body("/", q),
        "page /wall": _router_body("/wall", q + "&kiosk=1"),
        "page /wall thu-tuc": _router_body("/wall", q + "&pages=thu-tuc"),  # one step: TTHC
        "page /chi-tieu": _router_body("/chi-tieu", q),
        "page /chi-tieu/TTHC_DUNG_HAN": _router_body("/chi-tieu/TTHC_DUNG_HAN", q),
        "page /thu-tuc": _router_body("/thu-tuc", q),
        "page /van-ban": _router_body("/van-ban", q),
        "page /cam-bien": _router_body("/cam-bien"),
        "page /thiet-bi": _router_body("/thiet-bi"),
        "page /dong-bo": _router_body("/dong-bo"),
        "refresh overview": _refresh("overview", {"period": period}),
        "refresh wall": _refresh("wall", {"period": period}),
        "refresh tthc": _refresh("tthc", {"period": period}),
        "refresh devices": _refresh("devices", {}),
        "refresh sensors": _refresh("sensors", {}),
        "indicators filter": _single(
            "indicators-table.children",
            [{"id": "indicators-pillar", "property": "value", "value": "chinh_quyen_so"},
             {"id": "indicators-source", "property": "value", "value": None},
             {"id": "indicators-status", "property": "value", "value": None}],
            [{"id": "indicators-period", "property": "data", "value": period},
             {"id": "indicators-lang", "property": "data", "value": "vi"}],
        ),
        **{
            f"sensor chart {span}": _single(
                "sensors-chart.children",
                [{"id": "sensors-series", "property": "value", "value": "mn-01|water_level"},
                 {"id": "sensors-range", "property": "value", "value": span},
                 {"id": "sensors-chart-tick", "property": "n_intervals", "value": 1},
                 {"id": "sensors-lang", "property": "data", "value": "vi"}],
            )
            for span in ("1d", "7d", "30d")
        },
    }  # fmt: skip


def _max_points(payload: Any) -> int:
    """The longest x array of any trace in a callback response."""
    best = 0
    if isinstance(payload, dict):
        if "x" in payload and isinstance(payload["x"], list):
            best = len(payload["x"])
        for value in payload.values():
            best = max(best, _max_points(value))
    elif isinstance(payload, list):
        for value in payload:
            best = max(best, _max_points(value))
    return best


def rss_mib() -> tuple[float, float]:
    """(current, peak) resident memory of this process in MiB, from /proc."""
    fields = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        key, _, value = line.partition(":")
        fields[key] = value.strip()
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024


def measure(db: Path, iterations: int) -> dict[str, Any]:
    from coc.cli.web import settle_heap
    from coc.store.db import Store
    from dashboards.app import create_app

    settings = _settings(db.parent / "web")
    catalog = _catalog(settings)
    store = Store.from_url(f"sqlite:///{db}")
    started = time.perf_counter()
    app = create_app(store, settings, catalog, clock=lambda: END)
    settle_heap()  # as `coc web` does before serving
    client = app.server.test_client()
    period = "202611"
    all_cases = cases(period)
    _first, first_body = next(iter(all_cases.items()))
    t0 = time.perf_counter()
    response = client.post("/_dash-update-component", json=first_body)
    first_ms = (time.perf_counter() - t0) * 1000
    assert response.status_code == 200, response.data[:300]
    results: dict[str, Any] = {
        "first_callback_ms": round(first_ms, 1),
        "app_start_ms": round((t0 - started) * 1000, 1),
        "callbacks": {},
    }
    for name, body in all_cases.items():
        times, points, size = [], 0, 0
        for _ in range(iterations):
            t0 = time.perf_counter()
            response = client.post("/_dash-update-component", json=body)
            times.append((time.perf_counter() - t0) * 1000)
            assert response.status_code in (200, 204), (name, response.data[:300])
        if response.status_code == 200:
            points = _max_points(response.json)
            size = len(response.data)
        times.sort()
        results["callbacks"][name] = {
            "p50_ms": round(statistics.median(times), 1),
            "p95_ms": round(times[max(0, int(len(times) * 0.95) - 1)], 1),
            "max_points": points,
            "kb": round(size / 1024, 1),
        }
    results["wall_load_ms"] = wall_load(app)
    results["rss_mib"], results["peak_rss_mib"] = (round(x, 1) for x in rss_mib())
    with store.session() as session:
        from sqlalchemy import func, select

        from coc.store.models import DataValue, SensorReading, SensorRollup

        results["raw_readings"] = session.scalar(select(func.count()).select_from(SensorReading))
        results["rollups"] = dict(
            session.execute(
                select(SensorRollup.resolution, func.count()).group_by(SensorRollup.resolution)
            ).all()
        )
        results["data_values"] = session.scalar(select(func.count()).select_from(DataValue))
    return results


def wall_load(app: Any, runs: int = 5) -> dict[str, float] | str:
    """Navigation start → every wall tile rendered, in headless Chromium (waitress server)."""
    chromium = "/usr/bin/chromium"
    if not Path(chromium).exists():
        return "chromium not installed"
    from playwright.sync_api import sync_playwright
    from waitress.server import create_server

    server = create_server(app.server, host="127.0.0.1", port=0, threads=8)
    threading.Thread(target=server.run, daemon=True).start()
    url = f"http://127.0.0.1:{server.effective_port}/wall?kiosk=1&period=202611"
    times = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, args=[
            "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
        ])  # fmt: skip
        for run in range(runs + 1):
            context = browser.new_context(viewport={"width": 1920, "height": 1080})
            page = context.new_page()
            t0 = time.perf_counter()
            page.goto(url)
            page.wait_for_function(  # every tile of the wall's first page has its value
                "(g => g && g.querySelectorAll('.tile .tile-actual').length"
                " === Number(g.dataset.tiles))(document.getElementById('wall-tiles'))",
                timeout=30_000,
            )
            if run:  # the first run warms the browser's own caches
                times.append((time.perf_counter() - t0) * 1000)
            context.close()
        browser.close()
    server.close()
    return {"median_ms": round(statistics.median(times), 1), "max_ms": round(max(times), 1)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=5_200_000, help="raw readings to generate")
    parser.add_argument("--iterations", type=int, default=40, help="requests per callback")
    parser.add_argument("--rebuild", action="store_true", help="rebuild the benchmark data")
    parser.add_argument("--measure-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    db = DATA / f"dashboard-rollups-{args.rows}.sqlite3"  # v2: with roll-ups
    if args.measure_only:
        print(json.dumps(measure(db, args.iterations), ensure_ascii=False, indent=2))
        return 0
    if args.rebuild or not db.exists():
        DATA.mkdir(parents=True, exist_ok=True)
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)
        t0 = time.perf_counter()
        build(db, args.rows)
        print(f"build took {time.perf_counter() - t0:.0f} s", flush=True)
    cmd = [sys.executable, "-m", "benchmarks.dashboard", "--measure-only",
           "--rows", str(args.rows), "--iterations", str(args.iterations)]  # fmt: skip
    return subprocess.call(cmd, cwd=ROOT, env={**os.environ, "PYTHONHASHSEED": "0"})


if __name__ == "__main__":
    sys.exit(main())
