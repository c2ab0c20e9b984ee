"""Shared helpers for the API, feed, sync and province tests: real SQLite stores, apps
served over real HTTP on loopback, a fault-injecting WSGI wrapper. PostgreSQL tests use
the `pg_store` fixture of conftest.py.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from werkzeug.serving import make_server

from coc.api import create_app
from coc.config import Settings
from coc.indicators.catalog import Catalog, load_catalog
from coc.store.db import Store
from coc.store.models import DataValue
from coc.store.values import upsert_values

ROOT = Path(__file__).resolve().parents[1]
FEED_TOKEN = "feed-token-2f9c1e7b8a"
PUSH_TOKENS = {"10237": "push-10237-9d8c7b6a5f", "10238": "push-10238-1a2b3c4d5e"}


def load_test_catalog() -> Catalog:
    return load_catalog(ROOT / "config" / "indicators.yaml")


def new_store(path: Path) -> Store:
    return Store.from_url(f"sqlite:///{path}").init()


def commune_settings(code: str = "10237", **extra: Any) -> Settings:
    data: dict[str, Any] = {"commune": {"code": code}, "feed": {"tokens": [FEED_TOKEN]}}
    for key, value in extra.items():
        data[key] = {**data.get(key, {}), **value} if isinstance(value, dict) else value
    return Settings.model_validate(data)


def province_settings(communes: list[dict[str, Any]] | None = None, **extra: Any) -> Settings:
    communes = communes or [
        {"code": "10237", "name": "Xã Chương Dương", "lat": 20.83, "lon": 105.90},
        {"code": "10238", "name": "Xã Thượng Phúc", "lat": 20.81, "lon": 105.87},
    ]
    data: dict[str, Any] = {
        "role": "province",
        "commune": {"code": "01", "name": "Thành phố Hà Nội"},
        "feed": {"tokens": [FEED_TOKEN]},
        "province": {"communes": communes, "push_tokens": dict(PUSH_TOKENS)},
    }
    for key, value in extra.items():
        data[key] = {**data.get(key, {}), **value} if isinstance(value, dict) else value
    return Settings.model_validate(data)


FAST_RETRY = {"backoff_s": 0.01, "backoff_max_s": 0.05, "max_retries": 2}


def pushing_commune(
    tmp_path: Path, url: str, code: str = "10237", *, token: str | None = None, **upstream: Any
) -> tuple[Store, Settings]:
    """A commune's own store and the settings that push it to `url`: its push token, pages
    of 100, no watermark lag and fast retries unless `upstream` says otherwise."""
    store = new_store(tmp_path / f"commune-{code}.sqlite3")
    up = {
        "url": url,
        "token": PUSH_TOKENS[code] if token is None else token,
        "page_size": 100,
        "watermark_lag_s": 0,
        **FAST_RETRY,
        **upstream,
    }
    return store, commune_settings(code, upstream=up)


def pulling_province(urls: dict[str, str], token: str = FEED_TOKEN) -> Settings:
    """Province settings that pull each commune code's feed at its URL: pages of 100, no
    lag, fast retries."""
    communes = [
        {"code": code, "name": f"Xã {code}", "url": url, "token": token}
        for code, url in urls.items()
    ]
    return province_settings(
        communes, province={"pull_page_size": 100, "pull_lag_s": 0}, upstream=FAST_RETRY
    )


def free_port() -> int:
    """A loopback port nobody listens on right now (for a server started later)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def put_values(store: Store, rows: list[dict[str, Any]]) -> None:
    """Write data values as the engine does (upsert, last_updated touched on change)."""
    full = [
        {"numerator": None, "denominator": None, "source": "computed", "deleted": False, **r}
        for r in rows
    ]
    with store.write_conn() as conn:
        upsert_values(conn, full)


def year_of_values(org_unit: str, year: int = 2026, codes: int = 30) -> list[dict[str, Any]]:
    """A year of monthly values for the first `codes` catalog indicators (deterministic)."""
    catalog = load_test_catalog()
    rows = []
    for index, ind in enumerate(catalog.indicators[:codes]):
        for month in range(1, 13):
            base = (int(org_unit) % 17 + index * 3 + month) % 90 + 5
            row = {"indicator_code": ind.code, "org_unit": org_unit, "period": f"{year}{month:02d}"}
            if ind.aggregation == "ratio" and ind.formula.get("type") == "ratio":
                row.update(value=round(base / 100 * 100, 4), numerator=base, denominator=100)
            else:
                row.update(value=float(base))
            rows.append(row)
    return rows


def stored(store: Store, org_unit: str | None = None) -> dict[tuple[str, str, str], DataValue]:
    stmt = select(DataValue)
    if org_unit:
        stmt = stmt.where(DataValue.org_unit == org_unit)
    with store.session() as session:
        return {(d.indicator_code, d.org_unit, d.period): d for d in session.scalars(stmt)}


@dataclass
class Faults:
    """WSGI wrapper that injects faults into a real server: 5xx answers, delays, counts."""

    app: Callable[..., Any]
    fail: list[int] = field(default_factory=list)  # statuses for the next matching requests
    fail_on: str = "POST"
    delay_s: float = 0.0
    delay_count: int = 0
    seen: dict[str, int] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        method = environ["REQUEST_METHOD"]
        with self.lock:
            self.seen[method] = self.seen.get(method, 0) + 1
            status = self.fail.pop(0) if self.fail and method == self.fail_on else None
            delay = self.delay_s if self.delay_count > 0 else 0.0
            self.delay_count -= 1 if delay else 0
        if delay:
            time.sleep(delay)
        if status:
            environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
            start_response(f"{status} Injected", [("Content-Type", "application/json")])
            return [b'{"error": "injected"}']
        return self.app(environ, start_response)


@contextmanager
def serve(app: Callable[..., Any], port: int = 0) -> Iterator[str]:
    """Serve a WSGI app on 127.0.0.1 in a thread; yields the base URL."""
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


@contextmanager
def serve_coc(store: Store, settings: Settings, faults: bool = False) -> Iterator[tuple[str, Any]]:
    app: Any = create_app(store, settings, load_test_catalog())
    wrapped = Faults(app) if faults else app
    with serve(wrapped) as url:
        yield url, wrapped


def auth(token: str = FEED_TOKEN) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def iso(dt: datetime) -> str:
    return dt.isoformat().replace("+00:00", "Z")
