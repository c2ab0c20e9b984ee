"""The one module that owns the engine.

SQLite (the default) runs in WAL mode with a busy timeout, and writes inside one process go
through a single lock so short transactions never fight; PostgreSQL comes by URL.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, OperationalError, SQLAlchemyError
from sqlmodel import Session

from coc.errors import DatabaseError
from coc.files import create_private, private_dir
from coc.store.lite import DB_FILE
from coc.store.revisions import MIGRATIONS_DIR, head_revisions


def sqlite_url(data_dir: Path) -> str:
    return f"sqlite:///{(data_dir / DB_FILE).as_posix()}"


def make_engine(url: str, busy_timeout_ms: int = 10000, **kwargs: Any) -> Engine:
    """Create an engine; SQLite gets WAL, a busy timeout and foreign keys on connect."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise DatabaseError(f"địa chỉ cơ sở dữ liệu không hợp lệ: {url!r}") from None
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        if database and database != ":memory:" and not database.startswith("file:"):
            # Owner-only before the first connect: SQLite gives the WAL and SHM files it
            # creates the main file's mode.
            private_dir(Path(database).parent, "thư mục dữ liệu", "store.data_dir, COC_DATA_DIR")
            try:
                create_private(database)
            except OSError as exc:
                raise DatabaseError(
                    f"không tạo được cơ sở dữ liệu {database}: {exc.strerror}"
                ) from None
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": busy_timeout_ms / 1000},
            **kwargs,
        )

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn: Any, _record: Any) -> None:
            cur = dbapi_conn.cursor()
            if database and database != ":memory:":
                cur.execute("PRAGMA journal_mode=WAL")
            cur.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.close()

        return engine
    try:
        return create_engine(url, pool_pre_ping=True, **kwargs)
    except NoSuchModuleError:
        raise DatabaseError(f"không hỗ trợ loại cơ sở dữ liệu: {parsed.drivername}") from None
    except ModuleNotFoundError as exc:
        raise DatabaseError(
            f"thiếu trình điều khiển cơ sở dữ liệu '{exc.name}' (pip install 'coc[postgres]')"
        ) from None


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


def check_connection(engine: Engine) -> None:
    """Raise DatabaseError with one clear line when the database cannot be reached."""
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except OperationalError as exc:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        where = engine.url.render_as_string(hide_password=True)
        raise DatabaseError(f"không kết nối được cơ sở dữ liệu {where}: {reason}") from None


def alembic_config() -> Any:
    """Alembic settings without an ini file: COC hands Alembic its own connection."""
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("path_separator", "os")
    return cfg


def at_head(engine: Engine) -> bool:
    """The schema is already at the newest migration (so start-up skips Alembic)."""
    heads = head_revisions()
    if heads is None:
        return False
    try:
        with engine.connect() as conn:
            current = {r[0] for r in conn.execute(text("SELECT version_num FROM alembic_version"))}
    except SQLAlchemyError:  # no schema yet
        return False
    return current == heads


def upgrade_schema(engine: Engine, revision: str = "head") -> None:
    """Create or upgrade the schema to a migration (the newest by default), keeping data."""
    if revision == "head" and at_head(engine):
        return
    from alembic import command

    cfg = alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)


class Store:
    """The engine plus the single write path; pass one Store around, not engines."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        # SQLite has one writer: serialise in-process writes instead of waiting on locks.
        # PostgreSQL handles concurrent writers itself (a province receives many pushes).
        self._write_lock: Any = threading.RLock() if is_sqlite(engine) else nullcontext()

    @classmethod
    def from_url(cls, url: str, busy_timeout_ms: int = 10000, **kwargs: Any) -> Store:
        return cls(make_engine(url, busy_timeout_ms, **kwargs))

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def init(self) -> Store:
        check_connection(self.engine)
        upgrade_schema(self.engine)
        return self

    def session(self) -> Session:
        """A read session (also fine for writes in tests and one-off tools)."""
        return Session(self.engine, expire_on_commit=False)

    @contextmanager
    def write(self) -> Iterator[Session]:
        """A short write transaction; commits on success, rolls back on error."""
        with self._write_lock, Session(self.engine, expire_on_commit=False) as session:
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise

    @contextmanager
    def write_conn(self) -> Iterator[Any]:
        """A Core connection in a write transaction, for executemany-style bulk writes."""
        with self._write_lock, self.engine.begin() as conn:
            yield conn

    def dispose(self) -> None:
        self.engine.dispose()


def open_store(settings: Any) -> Store:
    """Open (and create or upgrade) the store named by the settings."""
    url = settings.store.database_url or sqlite_url(settings.data_path)
    store = Store.from_url(url, settings.store.busy_timeout_ms)
    return store.init()
