"""Outgoing HTTP: one client layer (`coc.net.client`) and one retry policy
(`coc.net.retry`) for connectors, sync push and pull, and notification senders."""

from __future__ import annotations

import logging

from coc.net.client import (
    Attempts,
    Auth,
    HttpClient,
    HttpError,
    Refused,
    Reply,
    Target,
    TooLarge,
    Unreachable,
    public_url,
)
from coc.net.retry import RetryPolicy, parse_retry_after, retryable_status

__all__ = [
    "Attempts",
    "Auth",
    "HttpClient",
    "HttpError",
    "Refused",
    "Reply",
    "RetryPolicy",
    "Target",
    "TooLarge",
    "Unreachable",
    "hide_in_logs",
    "parse_retry_after",
    "public_url",
    "retryable_status",
]


_PATH_SECRETS: set[str] = set()


def hide_in_logs(secret: str | None) -> None:
    """A secret that travels in a URL path (Telegram's bot token): urllib3's request lines
    show "…" in its place."""
    if secret:
        _PATH_SECRETS.add(secret)


def _clean(text: str) -> str:
    text = text.split("?", 1)[0]
    for secret in _PATH_SECRETS:
        text = text.replace(secret, "…")
    return text


class _NoQueryInLogs(logging.Filter):
    """urllib3 logs each request line at DEBUG, query string included; a query may hold a
    secret, so that part is cut before the record is formatted, and so is any secret
    registered with `hide_in_logs`."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(_clean(a) if isinstance(a, str) else a for a in record.args)
        return True


logging.getLogger("urllib3.connectionpool").addFilter(_NoQueryInLogs())
