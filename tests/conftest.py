"""Pytest fixtures every area uses: catalogs, real SQLite and PostgreSQL stores, and the
`coc` command run in this process. Plain helpers live in fixtures_base.py.

Outside CI a missing PostgreSQL skips its tests with the reason; in CI (CI=true) it fails.
"""

from __future__ import annotations

import io
import os
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fixtures_base import missing, new_store, shipped_catalog, small_catalog

from coc.indicators.catalog import Catalog
from coc.store.db import Store

PG_ADMIN_URL = os.environ.get(
    "COC_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    """The small test catalog (tests/data/catalog.yaml)."""
    return small_catalog()


@pytest.fixture(scope="session", name="shipped_catalog")
def shipped_catalog_fixture() -> Catalog:
    """The catalog COC ships (config/indicators.yaml)."""
    return shipped_catalog()


@pytest.fixture
def sqlite_store(tmp_path: Path) -> Iterator[Store]:
    store = new_store(tmp_path / "coc.sqlite3")
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
    """A migrated PostgreSQL database of its own, dropped after the test."""
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


@dataclass(frozen=True)
class CliResult:
    code: int
    out: str
    err: str


class Cli:
    """`coc ARGS…` run in this process through `coc.cli.main`, as the console script does:
    exit code (argparse's SystemExit included), stdout and stderr. The environment starts
    without any COC_* variable; `env` adds some for one call. Stdin is a pipe holding
    `stdin` (never a terminal), as in a script or CI."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]):
        self._monkeypatch = monkeypatch
        self._capsys = capsys
        for key in [k for k in os.environ if k.startswith("COC_")]:
            monkeypatch.delenv(key)

    def __call__(self, *args: str, env: dict[str, str] | None = None, stdin: str = "") -> CliResult:
        from coc.cli import main

        self._capsys.readouterr()  # what earlier calls or the test printed is not ours
        with self._monkeypatch.context() as patch:
            for key, value in (env or {}).items():
                patch.setenv(key, value)
            patch.setattr(sys, "stdin", io.StringIO(stdin))
            try:
                code = main(list(args))
            except SystemExit as exc:  # argparse: usage errors, --help, --version
                code = exc.code if isinstance(exc.code, int) else 1
        captured = self._capsys.readouterr()
        return CliResult(code, captured.out, captured.err)


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Cli:
    """Run `coc` in process: `result = cli("init", env={"COC_DATA_DIR": ...}, stdin="...")`."""
    return Cli(monkeypatch, capsys)


pytest_plugins = ["fixtures_web"]
