"""What every test area shares, once: paths, waiting on a condition, free ports, stores,
catalogs and servers on loopback.

Tests never sleep to synchronise: they wait on the condition they need with
`wait_until(predicate)`, which fails with a clear message when it does not come true.
Area fixtures (fixtures_http, fixtures_sources, fixtures_mqtt, fixtures_web) build on this
module; conftest.py turns the store and catalog helpers into pytest fixtures.
"""

from __future__ import annotations

import inspect
import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import Any, TypeVar

import pytest
import requests

from coc.config import DEFAULT_CONFIG_DIR, ROOT
from coc.indicators.catalog import Catalog, load_catalog
from coc.store.db import Store, sqlite_url
from sensors.broker import free_port  # the one helper for a free loopback port

__all__ = [
    "IN_CI",
    "ROOT",
    "SAMPLE_DIR",
    "SHIPPED_CATALOG",
    "SMALL_CATALOG",
    "free_port",
    "missing",
    "needs",
    "new_store",
    "serve",
    "serve_waitress",
    "shipped_catalog",
    "small_catalog",
    "url_answers",
    "wait_until",
]

T = TypeVar("T")
SAMPLE_DIR = ROOT / "sample_data"
SHIPPED_CATALOG = DEFAULT_CONFIG_DIR / "indicators.yaml"
SMALL_CATALOG = ROOT / "tests" / "data" / "catalog.yaml"
IN_CI = os.environ.get("CI") == "true"


# ── what must be installed ─────────────────────────────────────────────────────────────
def missing(reason: str) -> None:
    """Skip on a developer machine, fail in CI where every part must be present."""
    if IN_CI:
        pytest.fail(f"{reason} (CI=true: this dependency is required)")
    pytest.skip(reason)


def needs(available: bool, reason: str) -> pytest.MarkDecorator:
    """Skip when `available` is false, except in CI, where the test runs and fails."""
    return pytest.mark.skipif(not available and not IN_CI, reason=reason)


# ── waiting on a condition ─────────────────────────────────────────────────────────────
def wait_until(
    predicate: Callable[[], T],
    timeout: float = 10.0,
    interval: float = 0.02,
    what: str | None = None,
) -> T:
    """Poll `predicate` until it returns something truthy and return that value.

    On timeout the test fails with what was awaited and the last value seen, never with a
    bare "condition not met". The polling pause here is the only sleep the suite allows
    (tests/test_no_sleep.py holds the list).
    """
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            name = what or _describe(predicate)
            raise AssertionError(
                f"timed out after {timeout:g} s waiting for {name}: last {value!r}"
            )
        time.sleep(interval)


def _describe(predicate: Callable[..., Any]) -> str:
    """A lambda's source line (what the test awaited), else the function's name."""
    name = getattr(predicate, "__qualname__", repr(predicate))
    if name.endswith("<lambda>"):
        try:
            return inspect.getsource(predicate).strip()
        except (OSError, TypeError):
            pass
    return name


def url_answers(url: str) -> bool:
    """True once anything answers HTTP at `url` (any status): the server is up."""
    try:
        requests.get(url, timeout=2)
    except requests.RequestException:
        return False
    return True


# ── stores and catalogs ────────────────────────────────────────────────────────────────
def new_store(path: Path) -> Store:
    """A migrated SQLite store in the file `path`, or in the data folder `path` (its
    coc.sqlite3, the database `coc` opens with COC_DATA_DIR / store.data_dir there)."""
    return Store.from_url(sqlite_url(path) if path.is_dir() else f"sqlite:///{path}").init()


@cache
def small_catalog() -> Catalog:
    """tests/data/catalog.yaml: a handful of indicators, each formula kind, direction,
    aggregation and pillar. Use it unless the test is about the shipped indicators."""
    return load_catalog(SMALL_CATALOG)


@cache
def shipped_catalog() -> Catalog:
    """config/indicators.yaml, for tests of the shipped indicators, sample data and UI."""
    return load_catalog(SHIPPED_CATALOG)


# ── servers on loopback ────────────────────────────────────────────────────────────────
@contextmanager
def serve(app: Callable[..., Any], port: int = 0) -> Iterator[str]:
    """Serve a WSGI app with werkzeug on 127.0.0.1 in a thread; yields the base URL.

    The socket is listening when the URL is yielded: no wait needed before the first call.
    """
    from werkzeug.serving import make_server

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
def serve_waitress(app: Callable[..., Any], threads: int = 4) -> Iterator[str]:
    """Serve a WSGI app with waitress (as production does) in a thread; yields the base URL.

    Its loop thread is a daemon: a browser's open keep-alive connection would hold it.
    """
    from waitress.server import create_server

    server = create_server(app, host="127.0.0.1", port=0, threads=threads)
    threading.Thread(target=server.run, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.effective_port}"
    finally:
        server.close()
        server.task_dispatcher.shutdown(timeout=5)
