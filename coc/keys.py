"""The site's signing key: `http.secret_key`, else one generated once into the data folder.

Sessions (dashboard) and the feed's `next` cursors are signed with it, so it must never be
derivable from public facts such as the commune code. The file is written atomically
(coc.files.write_new_atomic), so a process starting beside another never reads an empty
or half-written key, and both agree on one key.
"""

from __future__ import annotations

import secrets
from pathlib import Path

from coc.config import Settings
from coc.errors import CocError
from coc.files import private_dir, replace_atomic, write_new_atomic

KEY_FILE = "secret_key"


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise CocError(f"không đọc được khóa bí mật {path}: {exc.strerror}") from None


def secret_key(settings: Settings) -> str:
    if settings.http.secret_key:
        return settings.http.secret_key
    path = (
        private_dir(settings.data_path, "thư mục dữ liệu", "store.data_dir, COC_DATA_DIR")
        / KEY_FILE
    )
    found = _read(path)
    if found:
        return found
    key = secrets.token_hex(32)
    try:
        if found == "":  # an empty file left by a crash of an older version
            replace_atomic(path, key.encode("ascii"))
            return key
        if write_new_atomic(path, key.encode("ascii")):
            return key
    except OSError as exc:
        raise CocError(f"không ghi được khóa bí mật {path}: {exc.strerror}") from None
    return _read(path) or key
