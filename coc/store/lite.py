"""The store without the ORM, for the MQTT ingest process.

`python -m sensors.run` spends most of its start-up importing SQLAlchemy, SQLModel and the
table models (about half a second here), while a telemetry batch needs only a handful of
plain statements. `Sql` runs those statements over any DB-API connection — the sqlite3
one of `LiteStore`, or the driver connection under a SQLAlchemy `Connection` — so each is
written once: `?` placeholders, and UTC times and booleans stored exactly as the models'
column types (`coc.store.types.UTCDateTime`, `Boolean`, `JSON`) store them.

`LiteStore` opens the SQLite file with the engine's pragmas (`coc.store.db.make_engine`)
and only when the schema is already at the newest migration; anything else (a new or older
database, PostgreSQL) goes through `coc.store.db.open_store`.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from coc.store.revisions import head_revisions

DB_FILE = "coc.sqlite3"
CHUNK_IDS = 400  # ids per `IN (…)`: far below SQLite's and PostgreSQL's parameter limits


class Sql:
    """Plain statements over one DB-API connection, in the caller's transaction."""

    def __init__(self, dbapi_conn: Any, dialect: str) -> None:
        self.dialect = dialect
        self.cursor = dbapi_conn.cursor()
        self._pg = dialect != "sqlite"

    def _q(self, sql: str) -> str:
        return sql.replace("?", "%s") if self._pg else sql

    def run(self, sql: str, params: Sequence[Any] = ()) -> None:
        self.cursor.execute(self._q(sql), params)

    def many(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        rows = list(rows)
        if rows:
            self.cursor.executemany(self._q(sql), rows)

    def rows(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        self.cursor.execute(self._q(sql), params)
        return list(self.cursor.fetchall())

    def rows_in(self, sql: str, ids: Iterable[str]) -> list[tuple[Any, ...]]:
        """`sql` with one `IN ({ids})` placeholder, asked CHUNK_IDS ids at a time."""
        wanted = sorted(set(ids))
        out: list[tuple[Any, ...]] = []
        for start in range(0, len(wanted), CHUNK_IDS):
            part = wanted[start : start + CHUNK_IDS]
            out += self.rows(sql.format(ids=", ".join("?" * len(part))), part)
        return out

    def time(self, value: datetime | None) -> Any:
        """A UTC moment as UTCDateTime binds it: naive UTC (SQLite: SQLAlchemy's text form)."""
        if value is None:
            return None
        naive = value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value
        return naive if self._pg else naive.strftime("%Y-%m-%d %H:%M:%S.%f")

    @staticmethod
    def read_time(value: Any) -> datetime | None:
        """A stored moment back as aware UTC (as UTCDateTime returns it)."""
        if value is None:
            return None
        if isinstance(value, str):
            value = datetime.fromisoformat(value)
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)

    def flag(self, value: bool) -> Any:
        return bool(value) if self._pg else int(bool(value))

    def json(self, value: Any) -> Any:
        """A JSON column's value (SQLite keeps the text; PostgreSQL is given it as text)."""
        return None if value is None else json.dumps(value, ensure_ascii=False)


def sql_of(conn: Any) -> Sql:
    """A `Sql` for a SQLAlchemy Connection (its driver connection, same transaction) or a
    `Sql` passed through."""
    if isinstance(conn, Sql):
        return conn
    return Sql(conn.connection.driver_connection, conn.dialect.name)


def sqlite_file(data_dir: Path) -> Path:
    return data_dir / DB_FILE


class LiteStore:
    """A SQLite store on plain sqlite3: one connection per thread, one in-process write lock,
    the engine's pragmas. `full()` gives the SQLAlchemy Store on the same file, opened on
    first use, for the rare writes that are not written in plain SQL."""

    dialect = "sqlite"
    lite = True

    def __init__(
        self, path: Path, busy_timeout_ms: int = 10000, full: Callable[[], Any] | None = None
    ) -> None:
        self.path = path
        self.busy_timeout_ms = busy_timeout_ms
        self._full_factory = full
        self._full: Any = None
        self._local = threading.local()
        self._conns: list[sqlite3.Connection] = []
        self._lock = threading.RLock()
        self._full_lock = threading.Lock()

    def _conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(
                self.path, timeout=self.busy_timeout_ms / 1000, check_same_thread=False
            )
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute(f"PRAGMA busy_timeout={int(self.busy_timeout_ms)}")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA foreign_keys=ON")
            self._local.conn = conn
            self._conns.append(conn)
        return conn

    @contextmanager
    def write_conn(self) -> Iterator[Sql]:
        """A write transaction; commits on success, rolls back on error."""
        with self._lock:
            conn = self._conn()
            try:
                yield Sql(conn, "sqlite")
                conn.commit()
            except BaseException:
                conn.rollback()
                raise

    def read(self) -> Sql:
        return Sql(self._conn(), "sqlite")

    def checkpoint(self) -> None:
        self._conn().execute("PRAGMA wal_checkpoint(PASSIVE)")

    def full(self) -> Any:
        """The SQLAlchemy Store on this file (imported and opened the first time)."""
        with self._full_lock:
            if self._full is None:
                if self._full_factory is None:
                    raise RuntimeError("LiteStore has no full store factory")
                self._full = self._full_factory()
            return self._full

    def dispose(self) -> None:
        for conn in self._conns:
            conn.close()
        self._conns.clear()
        if self._full is not None:
            self._full.dispose()


def at_head(path: Path, busy_timeout_ms: int = 10000) -> bool:
    """The SQLite file exists and its schema is at the newest migration."""
    heads = head_revisions()
    if heads is None or not path.is_file():
        return False
    try:
        conn = sqlite3.connect(path, timeout=busy_timeout_ms / 1000)
        try:
            current = {r[0] for r in conn.execute("SELECT version_num FROM alembic_version")}
        finally:
            conn.close()
    except sqlite3.Error:  # no schema yet, or not a database: the full path says why
        return False
    return current == heads


def open_lite(settings: Any, full: Callable[[], Any] | None = None) -> LiteStore | None:
    """A LiteStore for these settings, or None when the full store must open the database
    (PostgreSQL, a new file, a schema to create or upgrade)."""
    if settings.store.database_url:
        url = settings.store.database_url
        if not url.startswith("sqlite:///") or url.startswith("sqlite:///file:"):
            return None
        path = Path(url.removeprefix("sqlite:///"))
    else:
        path = sqlite_file(settings.data_path)
    if str(path) in ("", ":memory:") or "?" in str(path):
        return None
    if not at_head(path, settings.store.busy_timeout_ms):
        return None
    return LiteStore(path, settings.store.busy_timeout_ms, full)
