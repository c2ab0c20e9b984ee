"""Shared fixtures: real SQLite files and, where reachable, a real PostgreSQL database.

Outside CI a missing PostgreSQL skips its tests with the reason; in CI (CI=true) it fails.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from coc.config import DEFAULT_CONFIG_DIR
from coc.indicators.catalog import Catalog, load_catalog
from coc.store.db import Store

PG_ADMIN_URL = os.environ.get(
    "COC_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
IN_CI = os.environ.get("CI") == "true"


def missing(reason: str) -> None:
    """Skip on a developer machine, fail in CI where every part must be present."""
    if IN_CI:
        pytest.fail(f"{reason} (CI=true: this dependency is required)")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    return load_catalog(DEFAULT_CONFIG_DIR / "indicators.yaml")


@pytest.fixture
def sqlite_store(tmp_path: Path) -> Iterator[Store]:
    store = Store.from_url(f"sqlite:///{tmp_path / 'coc.sqlite3'}").init()
    yield store
    store.dispose()


def _pg_admin():  # type: ignore[no-untyped-def]
    try:
        import psycopg
    except ImportError:
        return None
    url = PG_ADMIN_URL.replace("postgresql+psycopg://", "postgresql://")
    try:
        return psycopg.connect(url, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError:
        return None


@pytest.fixture
def pg_store() -> Iterator[Store]:
    admin = _pg_admin()
    if admin is None:
        missing(f"PostgreSQL không truy cập được tại {PG_ADMIN_URL}")
    name = f"coc_test_{uuid.uuid4().hex[:10]}"
    admin.execute(f'CREATE DATABASE "{name}"')
    base = PG_ADMIN_URL.rsplit("/", 1)[0]
    store = Store.from_url(f"{base}/{name}").init()
    try:
        yield store
    finally:
        store.dispose()
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


@pytest.fixture(params=["sqlite", "postgres"])
def any_store(request: pytest.FixtureRequest) -> Store:
    """The store tests run on SQLite and on PostgreSQL."""
    name = "sqlite_store" if request.param == "sqlite" else "pg_store"
    return request.getfixturevalue(name)


pytest_plugins = ["fixtures_web"]
