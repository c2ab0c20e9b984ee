"""Consistent copies while the system runs: SQLite's online backup API, pg_dump for PG."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

from coc.errors import CocError
from coc.files import create_private, private_dir
from coc.store.db import Store
from coc.timeutil import to_local, utcnow


def backup(store: Store, target: str | Path) -> Path:
    is_dir_hint = str(target).endswith(("/", "\\"))
    target = Path(target)
    if is_dir_hint:
        private_dir(target, "thư mục sao lưu")
    if target.is_dir():
        stamp = to_local(utcnow()).strftime("%Y%m%d-%H%M%S")
        suffix = "sqlite3" if store.dialect == "sqlite" else "pgdump"
        target = target / f"coc-backup-{stamp}.{suffix}"
    private_dir(target.parent, "thư mục sao lưu")
    if store.dialect == "sqlite":
        source = store.engine.url.database
        if not source or source == ":memory:":
            raise CocError("không sao lưu được cơ sở dữ liệu trong bộ nhớ")
        tmp = target.with_suffix(target.suffix + ".part")
        try:
            tmp.unlink(missing_ok=True)
            create_private(tmp)  # the copy holds everything the database does: owner only
            src = sqlite3.connect(source, timeout=30)
            dst = sqlite3.connect(tmp)
            try:
                with dst:
                    # One step: a WAL reader sees one snapshot while writers go on;
                    # small steps would restart on every commit of the MQTT writer.
                    src.backup(dst, pages=-1)
            finally:
                dst.close()
                src.close()
            tmp.replace(target)
        except (sqlite3.Error, OSError) as exc:
            tmp.unlink(missing_ok=True)
            raise CocError(f"không sao lưu được vào {target}: {exc}") from None
        return target
    if store.dialect == "postgresql":
        pg_dump = shutil.which("pg_dump")
        if not pg_dump:
            raise CocError("không tìm thấy pg_dump để sao lưu PostgreSQL")
        url = store.engine.url.set(drivername="postgresql")
        env = dict(os.environ)
        if url.password:  # never on the command line, where `ps` shows it
            env["PGPASSWORD"] = str(url.password)
        dsn = url.set(password=None).render_as_string(hide_password=False)
        try:
            create_private(target)  # pg_dump keeps the mode of a file that exists
        except OSError as exc:
            raise CocError(f"không sao lưu được vào {target}: {exc.strerror}") from None
        result = subprocess.run(
            [pg_dump, "--format=custom", f"--file={target}", dsn],
            capture_output=True,
            text=True,
            check=False,
            env=env,
        )
        if result.returncode != 0:
            raise CocError(f"pg_dump lỗi: {result.stderr.strip().splitlines()[-1]}")
        return target
    raise CocError(f"không hỗ trợ sao lưu cho {store.dialect}")
