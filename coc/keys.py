"""The site's keys: a setting, else one generated once into the data folder (0600).

- `secret_key` (`http.secret_key`, file `secret_key`): sessions (dashboard), the feed's
  `next` cursors and the keyed digests of reporters' phones are made with it, so it must
  never be derivable from public facts such as the commune code.
- `contact_key` (`fieldreports.contact_key`, file `contact_key`): the Fernet key that
  seals a reporter's Zalo user id at rest (coc.fieldreports.contact).

A key file is written atomically (coc.files.write_new_atomic), so a process starting
beside another never reads an empty or half-written key, and both agree on one key.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from pathlib import Path

from cryptography.fernet import Fernet

from coc.config import Settings
from coc.errors import CocError
from coc.files import private_dir, replace_atomic, write_new_atomic

KEY_FILE = "secret_key"
CONTACT_KEY_FILE = "contact_key"


def _read(path: Path, label: str) -> str | None:
    try:
        return path.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise CocError(f"không đọc được {label} {path}: {exc.strerror}") from None


def _file_key(settings: Settings, name: str, label: str, make: Callable[[], str]) -> str:
    """The key in the data folder's file `name`, made by `make` on first use."""
    path = private_dir(settings.data_path, "thư mục dữ liệu", "store.data_dir, COC_DATA_DIR") / name
    found = _read(path, label)
    if found:
        return found
    key = make()
    try:
        if found == "":  # an empty file left by a crash of an older version
            replace_atomic(path, key.encode("ascii"))
            return key
        if write_new_atomic(path, key.encode("ascii")):
            return key
    except OSError as exc:
        raise CocError(f"không ghi được {label} {path}: {exc.strerror}") from None
    return _read(path, label) or key


def backup_keys(settings: Settings, backup: Path) -> list[Path]:
    """Copy the data folder's key files beside a backup (`<backup>.secret_key`, …, 0600):
    without them a restored database's sessions, cursors and phone digests no longer match
    and its sealed Zalo ids cannot be opened. Keys set in the config are the operator's to
    keep; none is copied then."""
    copied = []
    for name, set_in_config in (
        (KEY_FILE, settings.http.secret_key),
        (CONTACT_KEY_FILE, settings.fieldreports.contact_key),
    ):
        source = settings.data_path / name
        if set_in_config or not source.is_file():
            continue
        target = backup.with_name(f"{backup.name}.{name}")
        try:
            replace_atomic(target, source.read_bytes())
        except OSError as exc:
            raise CocError(
                f"không chép được khóa {name} cạnh bản sao lưu: {exc.strerror}"
            ) from None
        copied.append(target)
    return copied


def secret_key(settings: Settings) -> str:
    if settings.http.secret_key:
        return settings.http.secret_key
    return _file_key(settings, KEY_FILE, "khóa bí mật", lambda: secrets.token_hex(32))


def contact_key(settings: Settings) -> str:
    """The Fernet key(s) of reporters' channel ids, comma-separated (the first seals)."""
    if settings.fieldreports.contact_key:
        return settings.fieldreports.contact_key
    return _file_key(
        settings, CONTACT_KEY_FILE, "khóa mã hóa liên hệ", lambda: Fernet.generate_key().decode()
    )
