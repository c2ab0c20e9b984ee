"""HTTP with retries for push and pull: 5xx, 429 and network errors are retried with
exponential backoff and jitter; anything else is answered at once. Tokens are never logged.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import requests

from coc.errors import CocError

log = logging.getLogger(__name__)


class UpstreamError(CocError):
    """The other side could not be reached or refused; the message says why."""


@dataclass(frozen=True)
class RetryPolicy:
    max_retries: int = 5
    backoff_s: float = 1.0
    backoff_max_s: float = 60.0
    timeout_s: float = 30.0

    def delay(self, attempt: int, retry_after: float | None = None) -> float:
        """Equal jitter: half the exponential step plus a random half, capped."""
        step = min(self.backoff_max_s, self.backoff_s * (2**attempt))
        wait = step / 2 + random.uniform(0, step / 2)
        if retry_after is not None:
            wait = max(wait, min(retry_after, self.backoff_max_s))
        return wait


def _retry_after(response: requests.Response) -> float | None:
    value = response.headers.get("Retry-After", "")
    return float(value) if value.replace(".", "", 1).isdigit() else None


def request(
    http: requests.Session,
    method: str,
    url: str,
    policy: RetryPolicy,
    sleep: Callable[[float], None] = time.sleep,
    **kwargs: Any,
) -> requests.Response:
    """One request with retries; raises UpstreamError after the last failed attempt."""
    reason = ""
    for attempt in range(policy.max_retries + 1):
        retry_after = None
        try:
            response = http.request(method, url, timeout=policy.timeout_s, **kwargs)
        except requests.Timeout:
            reason = f"hết thời gian chờ {policy.timeout_s:g} giây"
        except requests.RequestException as exc:
            reason = f"lỗi mạng ({type(exc).__name__})"
        else:
            if response.status_code < 500 and response.status_code != 429:
                return response
            reason = f"HTTP {response.status_code}"
            retry_after = _retry_after(response)
        if attempt == policy.max_retries:
            break
        wait = policy.delay(attempt, retry_after)
        log.warning("%s %s: %s; thử lại sau %.2f giây", method, public_url(url), reason, wait)
        sleep(wait)
    raise UpstreamError(f"{public_url(url)}: {reason} sau {policy.max_retries + 1} lần thử")


def public_url(url: str) -> str:
    """The URL without user:password and query (either may hold a secret)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, host, parts.path, "", ""))


def auth_header(scheme: str, token: str | None) -> dict[str, str]:
    return {"Authorization": f"{scheme} {token}"} if token else {}
