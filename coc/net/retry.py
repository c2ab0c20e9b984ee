"""The one retry policy of every outgoing request, built on tenacity.

Network errors, 5xx and 429 (and a 2xx whose JSON body is unreadable) are transient: the
request is tried again after an exponential backoff with equal jitter, at least as long as
the server's `Retry-After` asks (capped at the policy's longest wait). Anything else is
answered at once. The sleep and the clock are parameters, so tests wait for nothing.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from tenacity import RetryCallState, Retrying
from tenacity.wait import wait_base, wait_exponential, wait_random_exponential

_SECONDS = re.compile(r"\s*\d{1,12}(\.\d{1,9})?\s*", re.ASCII)


def retryable_status(status: int) -> bool:
    """429 Too Many Requests and every 5xx are worth another try; other answers are final."""
    return status == 429 or 500 <= status <= 599


def parse_retry_after(value: str | None, now: datetime) -> float | None:
    """Seconds to wait from a `Retry-After` value, in seconds or as an HTTP date (RFC 9110).

    None when absent or unreadable; a date in the past is 0. Never raises."""
    if not value:
        return None
    if _SECONDS.fullmatch(value):
        seconds = float(value)
        return seconds if math.isfinite(seconds) else None
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when.tzinfo is None:  # "-0000": UTC with no claim about the local zone
        when = when.replace(tzinfo=UTC)
    try:
        return max(0.0, (when - now).total_seconds())
    except OverflowError:
        return None


class Transient(Exception):
    """One failed attempt worth repeating; `retry_after` is the server's hint in seconds."""

    def __init__(self, reason: str, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after


class _Backoff(wait_base):
    """Equal jitter (half the exponential step fixed, half random), never shorter than the
    server's Retry-After, never longer than the policy's cap."""

    def __init__(self, policy: RetryPolicy) -> None:
        half, cap = policy.backoff_s / 2, policy.backoff_max_s / 2
        self.steady = wait_exponential(multiplier=half, max=cap)
        self.jitter = wait_random_exponential(multiplier=half, max=cap)
        self.cap = policy.backoff_max_s

    def __call__(self, retry_state: RetryCallState) -> float:
        wait = self.steady(retry_state) + self.jitter(retry_state)
        failure = retry_state.outcome.exception() if retry_state.outcome else None
        hint = failure.retry_after if isinstance(failure, Transient) else None
        return wait if hint is None else max(wait, min(hint, self.cap))


@dataclass(frozen=True)
class RetryPolicy:
    """How patient to be with one target: retries after the first try, waits, timeout."""

    max_retries: int = 5
    backoff_s: float = 1.0
    backoff_max_s: float = 60.0
    timeout_s: float = 30.0

    @property
    def attempts(self) -> int:
        return max(0, self.max_retries) + 1

    def wait(self) -> wait_base:
        return _Backoff(self)

    def delay(self, attempt: int, retry_after: float | None = None) -> float:
        """The wait after failed attempt `attempt` (0-based), as the retry loop computes it."""
        state = RetryCallState(Retrying(), None, (), {})
        state.attempt_number = attempt + 1
        if retry_after is not None:
            state.set_exception((Transient, Transient("", retry_after), None))
        return self.wait()(state)
