"""Opaque, signed keyset cursors for the feed's `next` token.

The cursor carries the last (lastUpdated, id) of a page plus the query's filters, so the
next page continues exactly there even while values are being written.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def encode(payload: dict[str, Any], key: bytes) -> str:
    body = json.dumps(payload, separators=(",", ":"), sort_keys=True).encode()
    sig = hmac.new(key, body, hashlib.sha256).digest()[:16]
    return f"{_b64(body)}.{_b64(sig)}"


def decode(token: str, key: bytes) -> dict[str, Any]:
    """The payload of a cursor this server issued; ValueError for anything else."""
    try:
        body_text, sig_text = token.split(".", 1)
        body, sig = _unb64(body_text), _unb64(sig_text)
    except (ValueError, TypeError):
        raise ValueError("next không hợp lệ") from None
    expected = hmac.new(key, body, hashlib.sha256).digest()[:16]
    if not hmac.compare_digest(sig, expected):
        raise ValueError("next không hợp lệ hoặc đã bị sửa")
    try:
        payload = json.loads(body)
    except ValueError:
        raise ValueError("next không hợp lệ") from None
    if not isinstance(payload, dict):
        raise ValueError("next không hợp lệ")
    return payload
