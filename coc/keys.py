"""The site's signing key: `http.secret_key`, else one generated once into the data folder.

Sessions (dashboard) and the feed's `next` cursors are signed with it, so it must never be
derivable from public facts such as the commune code.
"""

from __future__ import annotations

import os
import secrets

from coc.config import Settings


def secret_key(settings: Settings) -> str:
    if settings.http.secret_key:
        return settings.http.secret_key
    path = settings.data_path / "secret_key"
    path.parent.mkdir(parents=True, exist_ok=True)
    try:  # O_EXCL: two processes starting at once agree on one key
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text(encoding="utf-8").strip()
    key = secrets.token_hex(32)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(key)
    return key
