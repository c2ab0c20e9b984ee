"""Shared helpers for the API, feed, sync and province tests: settings with tokens, data
values, and a fault-injecting WSGI wrapper for apps served on loopback (fixtures_base.serve).
PostgreSQL tests use the `pg_store` fixture of conftest.py.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Container, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from fixtures_base import SMALL_CATALOG, new_store, serve, small_catalog
from sqlalchemy import select

from coc.api import create_app
from coc.config import Settings
from coc.indicators.catalog import Catalog
from coc.store.db import Store
from coc.store.models import DataValue
from coc.store.values import upsert_values

FEED_TOKEN = "feed-token-2f9c1e7b8a"
PUSH_TOKENS = {"10237": "push-10237-9d8c7b6a5f", "10238": "push-10238-1a2b3c4d5e"}


def commune_settings(code: str = "10237", **extra: Any) -> Settings:
    data: dict[str, Any] = {
        "commune": {"code": code},
        "feed": {"tokens": [FEED_TOKEN]},
        "indicators_file": str(SMALL_CATALOG),
    }
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
        "indicators_file": str(SMALL_CATALOG),
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


def put_values(store: Store, rows: list[dict[str, Any]]) -> None:
    """Write data values as the engine does (upsert, last_updated touched on change)."""
    full = [
        {"numerator": None, "denominator": None, "source": "computed", "deleted": False, **r}
        for r in rows
    ]
    with store.write_conn() as conn:
        upsert_values(conn, full)


def year_of_values(
    org_unit: str, year: int = 2026, codes: int | None = None
) -> list[dict[str, Any]]:
    """A year of monthly values for the first `codes` indicators of the small catalog (all
    when None); deterministic. Count expectations from the rows, not from `codes`."""
    rows = []
    for index, ind in enumerate(small_catalog().indicators[:codes]):
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
    """WSGI wrapper that injects faults into a real server and counts what it saw.

    `fail` lists statuses for the next `method` requests. `hold` numbers the `method`
    requests (1, 2, … as they arrive) that wait for `release` before reaching the app: a
    slow upstream, or a request still in flight when the client dies. `seen` counts
    requests on arrival, `done` once the app has answered, so a test waits for
    `done == seen` instead of sleeping until in-flight work has landed.
    """

    app: Callable[..., Any]
    fail: list[int] = field(default_factory=list)
    method: str = "POST"
    hold: Container[int] = ()
    release: threading.Event = field(default_factory=threading.Event)
    seen: dict[str, int] = field(default_factory=dict)
    done: dict[str, int] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        method = environ["REQUEST_METHOD"]
        with self.lock:
            number = self.seen[method] = self.seen.get(method, 0) + 1
            status = self.fail.pop(0) if self.fail and method == self.method else None
        if method == self.method and number in self.hold:
            self.release.wait(30)
        try:
            if status:
                environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
                start_response(f"{status} Injected", [("Content-Type", "application/json")])
                return [b'{"error": "injected"}']
            return self.app(environ, start_response)
        finally:
            with self.lock:
                self.done[method] = self.done.get(method, 0) + 1

    def settled(self) -> bool:
        """Every request that arrived has been answered (none in flight)."""
        with self.lock:
            return self.done == self.seen


@contextmanager
def serve_coc(
    store: Store, settings: Settings, faults: bool = False, catalog: Catalog | None = None
) -> Iterator[tuple[str, Any]]:
    """COC's API for `store` on loopback (the small catalog unless told), optionally
    wrapped in Faults; yields (base URL, the app or its Faults wrapper)."""
    app: Any = create_app(store, settings, catalog or small_catalog())
    wrapped = Faults(app) if faults else app
    with serve(wrapped) as url:
        try:
            yield url, wrapped
        finally:
            if faults:
                wrapped.release.set()  # nothing held outlives the test or blocks shutdown


def auth(token: str = FEED_TOKEN) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def iso(dt: datetime) -> str:
    return dt.isoformat().replace("+00:00", "Z")
