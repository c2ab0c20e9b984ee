"""Files COC creates are the owner's only: database, WAL/SHM, backups, broker logs, key."""

from __future__ import annotations

import contextlib
import os
import stat
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from fixtures_base import new_store

from coc.config import load_settings
from coc.errors import CocError
from coc.files import private_dir
from coc.keys import secret_key
from coc.store.backup import backup
from coc.store.db import Store
from coc.store.models import AuditLog


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture(autouse=True)
def open_umask() -> Iterator[None]:
    """A permissive umask, so only the explicit modes can make the files private."""
    old = os.umask(0)
    try:
        yield
    finally:
        os.umask(old)


def test_database_wal_shm_and_folder_are_private(tmp_path: Path) -> None:
    data = tmp_path / "new" / "data"
    store = new_store(data / "coc.sqlite3")
    with store.write() as session:
        session.add(AuditLog(actor="t", action="create", entity="x", entity_key="1"))
    files = sorted(p.name for p in data.iterdir())
    assert files == ["coc.sqlite3", "coc.sqlite3-shm", "coc.sqlite3-wal"]
    assert mode(data) == 0o700
    assert {name: mode(data / name) for name in files} == dict.fromkeys(files, 0o600)
    store.dispose()


def test_backups_are_private(tmp_path: Path) -> None:
    store = new_store(tmp_path / "db" / "coc.sqlite3")
    copy = backup(store, f"{tmp_path}/backups/")
    assert mode(tmp_path / "backups") == 0o700
    assert mode(copy) == 0o600
    named = backup(store, tmp_path / "elsewhere" / "copy.sqlite3")
    assert mode(named) == 0o600 and mode(named.parent) == 0o700
    store.dispose()


def test_broker_folder_is_private(tmp_path: Path) -> None:
    from sensors.broker import mosquitto_conf

    conf = mosquitto_conf(tmp_path / "data", 18830)
    assert mode(conf.parent) == 0o700  # mosquitto.log and mosquitto.db live in here


def test_key_is_private_and_one_for_concurrent_starts(tmp_path: Path) -> None:
    settings = load_settings(environ={"COC_DATA_DIR": str(tmp_path / "data")})
    keys: list[str] = []
    barrier = threading.Barrier(16)

    def start() -> None:
        barrier.wait()
        keys.append(secret_key(settings))

    threads = [threading.Thread(target=start) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(keys) == 16 and len(set(keys)) == 1 and len(keys[0]) == 64
    path = tmp_path / "data" / "secret_key"
    assert mode(path) == 0o600 and mode(path.parent) == 0o700
    assert [p.name for p in path.parent.iterdir()] == ["secret_key"]  # no temp file left


def test_reader_never_sees_an_empty_key(tmp_path: Path) -> None:
    path = tmp_path / "secret_key"
    seen: list[str] = []
    stop = threading.Event()

    def read() -> None:
        while not stop.is_set():
            with contextlib.suppress(FileNotFoundError):
                seen.append(path.read_text(encoding="utf-8"))

    reader = threading.Thread(target=read)
    reader.start()
    try:
        for round_ in range(200):
            settings = load_settings(environ={"COC_DATA_DIR": str(tmp_path)})
            secret_key(settings)
            if round_ < 199:
                path.unlink()
    finally:
        stop.set()
        reader.join()
    assert seen and all(len(text) == 64 for text in seen)


def test_an_empty_key_file_is_replaced(tmp_path: Path) -> None:
    (tmp_path / "secret_key").write_text("", encoding="utf-8")
    settings = load_settings(environ={"COC_DATA_DIR": str(tmp_path)})
    key = secret_key(settings)
    assert len(key) == 64 and (tmp_path / "secret_key").read_text(encoding="utf-8") == key
    assert mode(tmp_path / "secret_key") == 0o600


def test_unusable_folder_is_one_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("x", encoding="utf-8")
    with pytest.raises(CocError, match=r"không tạo được thư mục dữ liệu .*a-file/data"):
        private_dir(blocker / "data", "thư mục dữ liệu")
    with pytest.raises(CocError, match="không tạo được thư mục dữ liệu"):
        Store.from_url(f"sqlite:///{blocker}/data/coc.sqlite3")
