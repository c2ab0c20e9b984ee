"""HTTP for connectors: auth, timeouts, and retries with exponential backoff.

Network errors, 5xx, 429 (honouring Retry-After) and unreadable JSON bodies are retried;
other 4xx are the caller's fault and fail at once with one clear Vietnamese line.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any

import requests

from coc.config import SourceSettings
from coc.errors import CocError
from coc.timeutil import utcnow

log = logging.getLogger(__name__)
RETRY_STATUS = frozenset({429, 500, 502, 503, 504})


class SourceError(CocError):
    """A source could not be read after every retry, or refused the request."""


@dataclass
class Attempts:
    """How many requests went out and how many failed (the run's `errors`)."""

    requests: int = 0
    errors: int = 0


def build_session(source: SourceSettings) -> requests.Session:
    session = requests.Session()
    session.headers["Accept"] = "application/json"
    session.headers["User-Agent"] = "coc-connector/1"
    # Header values go out as UTF-8 bytes: requests would otherwise insist on Latin-1.
    if source.auth == "bearer" and source.token:
        session.headers["Authorization"] = f"Bearer {source.token}".encode()  # type: ignore[assignment]
    elif source.auth == "basic":
        session.auth = ((source.username or "").encode(), (source.password or "").encode())
    return session


def retry_after(response: requests.Response, default: float) -> float:
    """Seconds to wait from a Retry-After header (seconds or an HTTP date)."""
    value = response.headers.get("Retry-After")
    if not value:
        return default
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return default
    return max(0.0, (when - utcnow()).total_seconds())


class Client:
    """GET JSON from one source with retries; `sleep` is injectable for tests."""

    def __init__(
        self,
        source: SourceSettings,
        session: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.source = source
        self.session = session or build_session(source)
        self.sleep = sleep
        self.attempts = Attempts()

    def backoff(self, attempt: int) -> float:
        return min(self.source.backoff_max_s, self.source.backoff_s * (2**attempt))

    def get_json(self, path: str, params: dict[str, Any]) -> Any:
        url = self.source.url.rstrip("/") + path
        last = ""
        for attempt in range(self.source.max_retries + 1):
            if attempt:
                log.info("%s: thử lại lần %d sau lỗi: %s", self.source.name, attempt, last)
            self.attempts.requests += 1
            try:
                response = self.session.get(url, params=params, timeout=self.source.timeout_s)
            except (
                requests.ConnectionError,
                requests.Timeout,
                requests.exceptions.ChunkedEncodingError,
            ) as exc:
                last = f"lỗi mạng ({type(exc).__name__})"
                self._wait(attempt, self.backoff(attempt))
                continue
            if response.status_code in RETRY_STATUS:
                last = f"HTTP {response.status_code}"
                wait = self.backoff(attempt)
                if response.status_code == 429:
                    wait = min(self.source.backoff_max_s, retry_after(response, wait))
                self._wait(attempt, wait)
                continue
            if response.status_code in (401, 403):
                self.attempts.errors += 1
                raise SourceError(
                    f"nguồn '{self.source.name}' từ chối xác thực (HTTP {response.status_code}); "
                    "kiểm tra token hoặc tài khoản"
                )
            if response.status_code >= 400:
                self.attempts.errors += 1
                raise SourceError(
                    f"nguồn '{self.source.name}' trả lỗi HTTP {response.status_code} cho {url}"
                )
            try:
                return response.json()
            except ValueError:
                last = "trang dữ liệu không phải JSON hợp lệ"
                self._wait(attempt, self.backoff(attempt))
                continue
        raise SourceError(
            f"không đọc được nguồn '{self.source.name}' sau {self.source.max_retries + 1} lần "
            f"thử: {last}"
        )

    def _wait(self, attempt: int, seconds: float) -> None:
        self.attempts.errors += 1
        if attempt < self.source.max_retries:
            self.sleep(seconds)

    def close(self) -> None:
        self.session.close()
