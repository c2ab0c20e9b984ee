"""Opaque, signed keyset cursors for the feed's `next` token.

The cursor carries the last (lastUpdated, id) of a page plus the query's filters, so the
next page continues exactly there even while values are being written. It is signed with
the site key by itsdangerous (HMAC-SHA1 over a key derived with this salt), so a client
cannot forge or alter one.
"""

from __future__ import annotations

from typing import Any

from itsdangerous import BadData, BadSignature, URLSafeSerializer

SALT = "coc-feed-cursor"


def _serializer(key: str | bytes) -> URLSafeSerializer:
    return URLSafeSerializer(key, salt=SALT)


def encode(payload: dict[str, Any], key: str | bytes) -> str:
    return _serializer(key).dumps(payload)


def decode(token: str, key: str | bytes) -> dict[str, Any]:
    """The payload of a cursor this server issued; ValueError with the reason otherwise."""
    try:
        payload = _serializer(key).loads(token)
    except BadSignature:
        raise ValueError("next không hợp lệ hoặc đã bị sửa") from None
    except BadData:
        raise ValueError("next không hợp lệ") from None
    if not isinstance(payload, dict):
        raise ValueError("next không hợp lệ")
    return payload
