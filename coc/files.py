"""Private files: the database (and the WAL/SHM files SQLite copies its mode to), backups,
logs and the site key are readable by the owner only — 0600 files in 0700 folders.

Modes are set when a file is created (os.open with a mode, never chmod afterwards, so
there is no moment when another user could open it); folders that already exist are the
operator's and keep their mode.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from pathlib import Path

from coc.errors import CocError

DIR_MODE = 0o700
FILE_MODE = 0o600


def _why(exc: OSError) -> str:
    return exc.strerror or type(exc).__name__


def private_dir(path: str | os.PathLike[str], label: str = "thư mục", hint: str = "") -> Path:
    """Create the folder (0700) when missing; an unusable path is one CocError line
    (`hint` names the setting that chose the path)."""
    folder = Path(path)
    why = ""
    try:
        folder.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
    except OSError as exc:
        why = _why(exc)
    if not why and not folder.is_dir():
        why = "đã có một tệp trùng tên"
    if why:
        raise CocError(f"không tạo được {label} {folder}: {why}{f' ({hint})' if hint else ''}")
    return folder


def create_private(path: str | os.PathLike[str]) -> bool:
    """Create an empty 0600 file unless it exists; True when this call created it.

    Other OSErrors propagate: the caller says what could not be created (a database, a
    backup)."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    except FileExistsError:
        return False
    os.close(fd)
    return True


def write_new_atomic(path: str | os.PathLike[str], data: bytes) -> bool:
    """Publish `data` as a new 0600 file in one step; False when the file already exists.

    The bytes go to a temporary file that is fsynced, then hard-linked to the final name:
    a reader sees no file or the whole file, never a half-written one, and of two
    processes starting at once exactly one wins (link, unlike rename, never replaces).
    """
    final = Path(path)
    tmp = final.with_name(f".{final.name}.{secrets.token_hex(6)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(tmp, final)
        except FileExistsError:
            return False
        except OSError:  # no hard links on this file system (FAT): rename if still free
            if final.exists():
                return False
            os.replace(tmp, final)
        _sync_dir(final.parent)
        return True
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()


def replace_atomic(path: str | os.PathLike[str], data: bytes) -> None:
    """Overwrite a file in one step (temp file, fsync, rename), 0600."""
    final = Path(path)
    tmp = final.with_name(f".{final.name}.{secrets.token_hex(6)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, final)
        _sync_dir(final.parent)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()


def _sync_dir(folder: Path) -> None:
    """Make the new directory entry durable (a crash after start-up keeps the key)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
