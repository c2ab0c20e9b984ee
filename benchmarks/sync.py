"""Sync benchmark: a province pulls from N simulated communes, each with a year of monthly
values of the whole catalog, over real HTTP on loopback.

    python -m benchmarks.sync [--communes 10,100,300,1000] [--workers 4] [--months 12]
                              [--province-url postgresql+psycopg://…] [--json out.json]

For each size: the full initial sync and a daily delta (each commune recomputes its latest
month), with the cost per commune, which must stay flat as the province grows; for the
first size also the feed export of one commune-year and one commune's push of a year.
Each commune has its own SQLite store and API app; one loopback server routes
/c/<code>/… to them, so only the socket is shared.
"""

from __future__ import annotations

import argparse
import gzip
import json
import logging
import shutil
import sqlite3
import statistics
import tempfile
import threading
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import requests
from sqlalchemy import create_engine, make_url, text
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


class LazyRouter(Router):
    """Routes to communes whose apps are opened on first use and closed when `keep` others
    were used since: thousands of communes without thousands of open engines."""

    def __init__(self, paths: dict[str, Path], catalog: Catalog, keep: int = 64) -> None:
        super().__init__({})
        self.paths, self.catalog, self.keep = paths, catalog, keep
        self.stores: dict[str, Store] = {}
        self.lock = threading.Lock()

    def store(self, code: str) -> Store:
        with self.lock:
            if code not in self.stores:
                self.stores[code] = Store.from_url(f"sqlite:///{self.paths[code]}")
                settings = Settings.model_validate(
                    {"commune": {"code": code}, "feed": {"tokens": [TOKEN]}}
                )
                self.apps[code] = create_app(self.stores[code], settings, self.catalog)
                while len(self.stores) > self.keep:
                    old = next(iter(self.stores))
                    self.apps.pop(old)
                    self.stores.pop(old).dispose()
            return self.stores[code]

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        parts = environ["PATH_INFO"].split("/", 3)
        if len(parts) > 3 and parts[1] == "c" and parts[2] in self.paths:
            self.store(parts[2])
        return super().__call__(environ, start_response)


def build_communes(
    tmp: Path, catalog: Catalog, count: int, months: int = 12
) -> tuple[dict[str, Path], LazyRouter]:
    """`count` commune stores, each a copy of one seeded template with its own code and
    values (copying a file is what makes 3,321 communes take seconds, not an hour)."""
    template = tmp / "template.sqlite3"
    store = Store.from_url(f"sqlite:///{template}").init()
    write(store, [r for r in year_rows(catalog, "00000") if int(r["period"][4:]) <= months])
    with store.write_conn() as conn:  # the year was computed "yesterday"
        conn.execute(
            text("UPDATE data_value SET last_updated = :t"),
            {"t": (utcnow() - timedelta(days=1)).replace(tzinfo=None)},
        )
    store.dispose()
    paths: dict[str, Path] = {}
    for i in range(count):
        code = f"{10001 + i}"
        path = tmp / f"c{code}.sqlite3"
        shutil.copyfile(template, path)
        with sqlite3.connect(path) as conn:
            conn.execute(
                "UPDATE data_value SET org_unit = ?, value = value + ?, "
                "numerator = CASE WHEN numerator IS NULL THEN NULL ELSE numerator + ? END",
                (code, i % 5, i % 5),
            )
        paths[code] = path
    return paths, LazyRouter(paths, catalog)


def fresh_database(url: str, name: str) -> str:
    """A new empty PostgreSQL database `name` on the server of `url` (dropped first)."""
    base = make_url(url)
    admin = create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


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


def count_rows(store: Store) -> int:
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


def run(
    count: int,
    catalog: Catalog,
    *,
    workers: int,
    months: int,
    province_url: str | None,
    extras: bool,
) -> dict[str, Any]:
    """One size: full sync, daily delta (and with `extras`, export and push) in seconds."""
    with tempfile.TemporaryDirectory() as tmp_dir:
        tmp = Path(tmp_dir)
        t_seed, (paths, router) = timed(lambda: build_communes(tmp, catalog, count, months))
        server = make_server("127.0.0.1", 0, router, threaded=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        base = f"http://127.0.0.1:{server.server_port}"
        if province_url:
            url = fresh_database(province_url, f"coc_bench_sync_{count}")
        else:
            url = f"sqlite:///{tmp / 'province.sqlite3'}"
        province = Store.from_url(url).init()
        codes = sorted(paths)
        settings = province_settings(base, codes, workers)
        per_commune = len([r for r in year_rows(catalog, "0") if int(r["period"][4:]) <= months])
        total = per_commune * len(codes)
        out: dict[str, Any] = {
            "communes": count,
            "store": province.dialect,
            "values_per_commune": per_commune,
            "values": total,
            "seed_s": round(t_seed, 2),
        }
        print(
            f"{len(codes)} communes × {per_commune} values = {total} values "
            f"(seeded in {t_seed:.1f} s); province store: {province.dialect}; "
            f"{workers} pull workers",
            flush=True,
        )
        t_full, results = timed(lambda: pull_all(province, settings, catalog))
        assert all(r.status == "ok" for r in results), [
            r.line() for r in results if r.status != "ok"
        ][:5]
        out.update(full_s=round(t_full, 2), rows=count_rows(province))
        print(
            f"full initial sync: {t_full:.1f} s, {total / t_full:,.0f} values/s, "
            f"{t_full / count * 1000:.1f} ms per commune",
            flush=True,
        )
        month = f"2026{months:02d}"
        per_day = 0
        for code in codes:  # each commune recomputes its latest month
            commune = router.store(code)
            with commune.session() as session:
                latest = session.execute(
                    text(
                        "SELECT indicator_code, org_unit, period, value, numerator, denominator,"
                        " source, deleted FROM data_value WHERE period = :p"
                    ),
                    {"p": month},
                ).all()
            changed = [{**r._mapping, "value": r.value + 1} for r in latest]
            write(commune, changed)
            per_day = len(changed)
        t_delta, results = timed(lambda: pull_all(province, settings, catalog))
        got = sum(r.received for r in results)
        assert got == per_day * len(codes), (got, per_day)
        out.update(delta_s=round(t_delta, 2), delta_values=got)
        print(
            f"daily delta ({per_day} changed values per commune, {got} received): "
            f"{t_delta:.1f} s, {t_delta / count * 1000:.1f} ms per commune",
            flush=True,
        )
        if extras:
            out.update(extra_runs(tmp, base, codes[0], province, settings, catalog, months))
        server.shutdown()
        for store in router.stores.values():
            store.dispose()
        province.dispose()
        return out


def extra_runs(
    tmp: Path,
    base: str,
    code: str,
    province: Store,
    settings: Settings,
    catalog: Catalog,
    months: int,
) -> dict[str, Any]:
    """Feed export of one commune-year and its push to the province."""
    runs = [export_one(base, code) for _ in range(5)]
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
            "commune": {"code": code},
            "upstream": {"url": f"http://127.0.0.1:{with_push.server_port}", "token": PUSH_TOKEN},
        }
    )
    fresh = Store.from_url(f"sqlite:///{tmp / 'pusher.sqlite3'}").init()
    write(fresh, [r for r in year_rows(catalog, code) if int(r["period"][4:]) <= months])
    t_push, pushed = timed(lambda: push_once(fresh, commune))
    print(f"push of one commune-year ({pushed.sent} values, {pushed.pages} pages): {t_push:.2f} s")
    with_push.shutdown()
    fresh.dispose()
    return {"export_ms": round(t_export * 1000, 1), "push_s": round(t_push, 3)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--communes", default="10,100,300,1000", help="comma-separated sizes to run"
    )
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--months", type=int, default=12, help="months of values per commune")
    parser.add_argument(
        "--province-url",
        help="SQLAlchemy URL of a PostgreSQL server; each size gets a fresh database on it "
        "(default: a SQLite file)",
    )
    parser.add_argument("--json", type=Path, help="also write the results to this JSON file")
    args = parser.parse_args()
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no line per request
    catalog = load_catalog(CONFIG / "indicators.yaml")
    sizes = [int(n) for n in args.communes.split(",") if n.strip()]
    results = [
        run(
            n,
            catalog,
            workers=args.workers,
            months=args.months,
            province_url=args.province_url,
            extras=n == sizes[0],
        )
        for n in sizes
    ]
    first = results[0]
    print("\ncommunes | full sync s | ms/commune | ×first | delta s | ms/commune | ×first")
    for r in results:
        full_pc = r["full_s"] / r["communes"]
        delta_pc = r["delta_s"] / r["communes"]
        print(
            f"{r['communes']:8} | {r['full_s']:11.1f} | {full_pc * 1000:10.1f} | "
            f"{full_pc / (first['full_s'] / first['communes']):6.2f} | {r['delta_s']:7.1f} | "
            f"{delta_pc * 1000:10.1f} | {delta_pc / (first['delta_s'] / first['communes']):6.2f}"
        )
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
