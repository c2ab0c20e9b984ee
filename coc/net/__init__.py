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
    "Unreachable",
    "parse_retry_after",
    "public_url",
    "retryable_status",
]


class _NoQueryInLogs(logging.Filter):
    """urllib3 logs each request line at DEBUG, query string included; a query may hold a
    secret, so that part is cut before the record is formatted."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple) and any(
            isinstance(a, str) and "?" in a for a in record.args
        ):
            record.args = tuple(
                a.split("?", 1)[0] if isinstance(a, str) else a for a in record.args
            )
        return True


logging.getLogger("urllib3.connectionpool").addFilter(_NoQueryInLogs())
