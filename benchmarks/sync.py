"""Sync benchmark: a province pulls from N simulated communes, each with a year of monthly
values of the whole catalog, over real HTTP on loopback.

    python -m benchmarks.sync [--communes 100] [--workers 4] [--province-url URL]

Measures the full initial sync, a daily delta (each commune recomputes the current
month), the feed export of one commune-year, and one commune's push of a year.
Each commune has its own SQLite store and API app; one loopback server routes
/c/<code>/… to them, so only the socket is shared.
"""

from __future__ import annotations

import argparse
import gzip
import json
import statistics
import tempfile
import threading
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import requests
from sqlalchemy import text
from werkzeug.serving import make_server

from coc.api import create_app
from coc.config import Settings
from coc.indicators.catalog import Catalog, load_catalog
from coc.store.db import Store
from coc.store.values import upsert_values
from coc.sync.pull import pull_all
from coc.sync.push import push_once
from coc.timeutil import utcnow

TOKEN = "bench-feed-token"
PUSH_TOKEN = "bench-push-token"
CONFIG = Path(__file__).resolve().parents[1] / "config"


def year_rows(catalog: Catalog, code: str, year: int = 2026) -> list[dict[str, Any]]:
    rows = []
    for index, ind in enumerate(catalog.indicators):
        for month in range(1, 13):
            base = (int(code) * 7 + index * 3 + month) % 90 + 5
            row = {
                "indicator_code": ind.code,
                "org_unit": code,
                "period": f"{year}{month:02d}",
                "source": "computed",
                "deleted": False,
                "numerator": None,
                "denominator": None,
                "value": float(base),
            }
            if ind.formula.get("type") == "ratio":
                row.update(numerator=float(base), denominator=100.0)
            rows.append(row)
    return rows


def write(store: Store, rows: list[dict[str, Any]]) -> None:
    with store.write_conn() as conn:
        upsert_values(conn, rows)


class Router:
    """WSGI: /c/<code>/api/v1/… → that commune's app."""

    def __init__(self, apps: dict[str, Any]) -> None:
        self.apps = apps

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        parts = environ["PATH_INFO"].split("/", 3)  # '', 'c', code, rest
        app = self.apps.get(parts[2]) if len(parts) > 3 and parts[1] == "c" else None
        if app is None:
            start_response("404 Not Found", [("Content-Type", "text/plain")])
            return [b"no such commune"]
        environ["PATH_INFO"] = "/" + parts[3]
        return app(environ, start_response)


def build_communes(tmp: Path, catalog: Catalog, count: int) -> tuple[dict[str, Store], Router]:
    stores, apps = {}, {}
    for i in range(count):
        code = f"{10001 + i}"
        store = Store.from_url(f"sqlite:///{tmp / f'c{code}.sqlite3'}").init()
        write(store, year_rows(catalog, code))
        with store.write_conn() as conn:  # the year was computed "yesterday"
            conn.execute(
                text("UPDATE data_value SET last_updated = :t"),
                {"t": (utcnow() - timedelta(days=1)).replace(tzinfo=None)},
            )
        settings = Settings.model_validate({"commune": {"code": code}, "feed": {"tokens": [TOKEN]}})
        stores[code], apps[code] = store, create_app(store, settings, catalog)
    return stores, Router(apps)


def province_settings(base: str, codes: list[str], workers: int) -> Settings:
    communes = [
        {"code": c, "name": f"Xã {c}", "url": f"{base}/c/{c}", "token": TOKEN} for c in codes
    ]
    return Settings.model_validate(
        {
            "role": "province",
            "commune": {"code": "01"},
            "feed": {"tokens": [TOKEN]},
            "province": {
                "communes": communes,
                "pull_workers": workers,
                "push_tokens": {codes[0]: PUSH_TOKEN},
            },
        }
    )


def count(store: Store) -> int:
    with store.engine.connect() as conn:
        return int(conn.execute(text("SELECT count(*) FROM data_value")).scalar() or 0)


def timed(fn: Any) -> tuple[float, Any]:
    start = time.perf_counter()
    out = fn()
    return time.perf_counter() - start, out


def export_one(base: str, code: str) -> tuple[float, int, int]:
    """Seconds, values and gzip bytes to read one commune-year through the feed."""
    http = requests.Session()
    http.headers["Authorization"] = f"Bearer {TOKEN}"
    start = time.perf_counter()
    params: dict[str, Any] = {"limit": 1000}
    values, size = 0, 0
    while True:
        r = http.get(
            f"{base}/c/{code}/api/v1/dataValueSets",
            params=params,
            stream=True,
            headers={"Accept-Encoding": "gzip"},
        )
        raw = r.raw.read(decode_content=False)
        size += len(raw)
        if r.headers.get("Content-Encoding") == "gzip":
            raw = gzip.decompress(raw)
        body = json.loads(raw)
        values += len(body["dataValues"])
        if not body["next"]:
            break
        params = {"limit": 1000, "next": body["next"]}
    return time.perf_counter() - start, values, size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--communes", type=int, default=100)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument(
        "--province-url", help="SQLAlchemy URL of the province store (default: a SQLite file)"
    )
    args = parser.parse_args()
    catalog = load_catalog(CONFIG / "indicators.yaml")
    with tempfile.TemporaryDirectory() as tmp_dir:
        tmp = Path(tmp_dir)
        t_seed, (stores, router) = timed(lambda: build_communes(tmp, catalog, args.communes))
        server = make_server("127.0.0.1", 0, router, threaded=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        base = f"http://127.0.0.1:{server.server_port}"
        url = args.province_url or f"sqlite:///{tmp / 'province.sqlite3'}"
        province = Store.from_url(url).init()
        codes = sorted(stores)
        settings = province_settings(base, codes, args.workers)
        per_commune = len(year_rows(catalog, codes[0]))
        total = per_commune * len(codes)
        print(
            f"{len(codes)} communes × {per_commune} values = {total} values "
            f"(seeded in {t_seed:.1f} s); province store: {province.dialect}; "
            f"{args.workers} pull workers"
        )

        t_full, results = timed(lambda: pull_all(province, settings, catalog))
        assert all(r.status == "ok" for r in results), [
            r.line() for r in results if r.status != "ok"
        ]
        stored = count(province)
        print(
            f"full initial sync: {t_full:.1f} s, {total / t_full:,.0f} values/s, "
            f"{stored} rows in the province (incl. roll-ups)"
        )

        per_day = 0
        for code, store in stores.items():  # each commune recomputes the current month
            changed = [
                {**r, "value": r["value"] + 1}
                for r in year_rows(catalog, code)
                if r["period"] == "202611"
            ]
            write(store, changed)
            per_day = len(changed)
        t_delta, results = timed(lambda: pull_all(province, settings, catalog))
        got = sum(r.received for r in results)
        assert got == per_day * len(codes), (got, per_day)
        print(
            f"daily delta ({per_day} changed values per commune, {got} received): {t_delta:.1f} s"
        )

        runs = [export_one(base, codes[0]) for _ in range(5)]
        t_export = statistics.median(r[0] for r in runs)
        print(
            f"feed export of one commune-year ({runs[0][1]} values, {runs[0][2]:,} bytes "
            f"gzip): median {t_export * 1000:.0f} ms of 5"
        )

        app = create_app(province, settings, catalog)
        with_push = make_server("127.0.0.1", 0, app, threaded=True)
        threading.Thread(target=with_push.serve_forever, daemon=True).start()
        commune = Settings.model_validate(
            {
                "commune": {"code": codes[0]},
                "upstream": {
                    "url": f"http://127.0.0.1:{with_push.server_port}",
                    "token": PUSH_TOKEN,
                },
            }
        )
        fresh = Store.from_url(f"sqlite:///{tmp / 'pusher.sqlite3'}").init()
        write(fresh, year_rows(catalog, codes[0]))
        t_push, pushed = timed(lambda: push_once(fresh, commune))
        print(
            f"push of one commune-year ({pushed.sent} values, {pushed.pages} pages): {t_push:.2f} s"
        )
        server.shutdown()
        with_push.shutdown()


if __name__ == "__main__":
    main()
