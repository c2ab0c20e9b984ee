"""The one HTTP client layer of COC: every outgoing request (connector pulls, the push
upward, a province pulling commune feeds, and notification senders) goes through it.

A `Target` names one remote system: base URL, credentials, retry policy. An `HttpClient`
holds one requests session per target and sends with the policy of `coc.net.retry`.
Secrets stay out of logs and messages: URLs are shown without user:password and query,
and headers are never logged.
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import requests
from requests.adapters import HTTPAdapter
from tenacity import RetryCallState, Retrying, retry_if_exception_type, stop_after_attempt

from coc import __version__
from coc.errors import CocError
from coc.net.retry import RetryPolicy, Transient, parse_retry_after, retryable_status
from coc.timeutil import utcnow

log = logging.getLogger(__name__)
# A network failure worth another try; other RequestExceptions (a malformed URL, an
# unsupported scheme) would fail the same way every time.
NETWORK_ERRORS = (
    requests.ConnectionError,
    requests.Timeout,
    requests.exceptions.ChunkedEncodingError,
    requests.exceptions.ContentDecodingError,
)


def public_url(url: str) -> str:
    """The URL without user:password and query (either may hold a secret)."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        if parts.port:
            host = f"{host}:{parts.port}"
    except ValueError:  # an invalid port or bracketed host: show nothing of it
        return "<URL không hợp lệ>"
    return urlunsplit((parts.scheme, host, parts.path, "", ""))


class HttpError(CocError):
    """An outgoing request failed; `url` is the public URL (no credentials, no query)."""

    def __init__(self, message: str, url: str) -> None:
        super().__init__(message)
        self.url = url


class Unreachable(HttpError):
    """Every attempt failed (network error, 5xx, 429, unreadable body), or the request
    could not be sent at all; `reason` is the last failure, in Vietnamese."""

    def __init__(self, url: str, reason: str, attempts: int) -> None:
        super().__init__(f"{url}: {reason} sau {attempts} lần thử", url)
        self.reason = reason
        self.attempts = attempts


class TooLarge(HttpError):
    """A download's body is longer than the caller's limit (said by Content-Length, or
    found while reading): final, never retried; `limit` is the limit in bytes."""

    def __init__(self, url: str, limit: int) -> None:
        super().__init__(f"{url}: tệp lớn hơn {limit} byte", url)
        self.limit = limit


class Refused(HttpError):
    """The target answered with a final 4xx (or another non-2xx that is not retried)."""

    def __init__(self, url: str, status: int) -> None:
        super().__init__(f"{url}: HTTP {status}", url)
        self.status = status

    @property
    def auth_failed(self) -> bool:
        return self.status in (401, 403)


@dataclass(frozen=True)
class Auth:
    """How to authenticate: `none`, basic with a user name and password, or an
    Authorization header `<scheme> <token>` (`Bearer`, DHIS2's `ApiToken`, any other).
    Secrets are left out of repr()."""

    scheme: str = "none"
    token: str | None = field(default=None, repr=False)
    username: str | None = None
    password: str | None = field(default=None, repr=False)

    @classmethod
    def bearer(cls, token: str | None) -> Auth:
        return cls("Bearer", token)

    @classmethod
    def api_token(cls, token: str | None) -> Auth:
        """DHIS2 personal access tokens: `Authorization: ApiToken d2pat_…`."""
        return cls("ApiToken", token)

    @classmethod
    def basic(cls, username: str | None, password: str | None) -> Auth:
        return cls("basic", username=username or "", password=password or "")

    def apply(self, session: requests.Session) -> None:
        scheme = self.scheme.strip()
        if scheme.lower() == "none":
            return
        # Header values go out as UTF-8 bytes: requests would otherwise insist on Latin-1.
        if self.username is not None:
            session.auth = (self.username.encode(), (self.password or "").encode())
        elif self.token:
            session.headers["Authorization"] = f"{scheme} {self.token}".encode()  # type: ignore[assignment]


@dataclass(frozen=True)
class Target:
    """One remote system: base URL (paths are appended), credentials and patience.

    `shown_as` replaces the URL in logs and errors when its path holds a secret (a
    Telegram bot URL carries the bot token); otherwise the public URL is shown."""

    url: str = field(repr=False)
    auth: Auth = field(default_factory=Auth)
    policy: RetryPolicy = field(default_factory=RetryPolicy)
    user_agent: str = f"coc/{__version__}"
    headers: Mapping[str, str] = field(default_factory=dict)
    shown_as: str | None = None

    def url_for(self, path: str = "") -> str:
        return self.url.rstrip("/") + path if path else self.url

    def shown(self, path: str = "") -> str:
        """What logs and messages may say about `url_for(path)`."""
        return self.shown_as or public_url(self.url_for(path))


@dataclass
class Attempts:
    """Requests sent and attempts that failed (a connector run's `errors`)."""

    requests: int = 0
    errors: int = 0


@dataclass(frozen=True)
class Reply:
    """A final answer: the response, its JSON body when one was asked for, and the body
    read under a size limit (`request(max_bytes=)`; the response is consumed then)."""

    response: requests.Response
    data: Any = None
    body: bytes | None = None

    @property
    def status(self) -> int:
        return self.response.status_code

    @property
    def date(self) -> datetime | None:
        """The server's clock (HTTP `Date`, UTC when it names no zone), or None when absent
        or unreadable."""
        try:
            served = parsedate_to_datetime(self.response.headers["Date"])
        except (KeyError, TypeError, ValueError, IndexError, OverflowError):
            return None
        return served if served.tzinfo else served.replace(tzinfo=UTC)


def new_session(target: Target) -> requests.Session:
    """A session for one target: its auth, JSON accept, our user agent; no retries of its
    own (the policy lives in `HttpClient`), a connection pool kept across requests."""
    session = requests.Session()
    session.headers["Accept"] = "application/json"
    session.headers["User-Agent"] = target.user_agent
    session.headers.update(target.headers)
    target.auth.apply(session)
    adapter = HTTPAdapter(max_retries=0)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


class HttpClient:
    """Send requests to one target with its retry policy; `sleep` and `clock` are
    injectable so tests run at full speed and Retry-After dates are deterministic."""

    def __init__(
        self,
        target: Target,
        *,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], datetime] = utcnow,
        session: requests.Session | None = None,
    ) -> None:
        self.target = target
        self.sleep = sleep
        self.clock = clock
        self.session = session or new_session(target)
        self.attempts = Attempts()

    def __enter__(self) -> HttpClient:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.session.close()

    def request(
        self,
        method: str,
        path: str = "",
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        data: Mapping[str, str] | bytes | None = None,
        headers: Mapping[str, str] | None = None,
        expect_json: bool = False,
        max_bytes: int | None = None,
        max_seconds: float | None = None,
    ) -> Reply:
        """Send with retries and return the final answer, whatever its status (a 4xx may
        carry a body the caller reads, e.g. a DHIS2 import summary). `json` sends a JSON
        body, `data` a form or raw one. With `expect_json`, a 2xx body that is not JSON
        counts as a failed attempt, and `Reply.data` holds the parsed body of any answer
        (None when it is not JSON). With `max_bytes` (a download from outside) the body is
        streamed into `Reply.body`: a longer one raises TooLarge at once, and a body still
        arriving after `max_seconds` (the policy's timeout bounds each read, not the
        whole) is a failed attempt. Raises Unreachable."""
        policy = self.target.policy
        shown = self.target.shown(path)
        limit = None if max_bytes is None else (max_bytes, max_seconds or policy.timeout_s)
        send = functools.partial(
            self._attempt,
            method,
            self.target.url_for(path),
            shown,
            expect_json,
            limit,
            params=params,
            json=json,
            data=data,
            headers=headers,
        )
        retrying = Retrying(
            stop=stop_after_attempt(policy.attempts),
            wait=policy.wait(),
            retry=retry_if_exception_type(Transient),
            sleep=self.sleep,
            before_sleep=lambda state: self._log_retry(method, shown, state),
            reraise=True,
        )
        try:
            return retrying(send)
        except Transient as exc:
            raise Unreachable(shown, exc.reason, policy.attempts) from None

    def get_json(self, path: str = "", params: Mapping[str, Any] | None = None) -> Reply:
        """GET a JSON document; any final non-2xx answer raises Refused."""
        reply = self.request("GET", path, params=params, expect_json=True)
        if not 200 <= reply.status < 300:
            self.attempts.errors += 1
            raise Refused(self.target.shown(path), reply.status)
        return reply

    def post_json(
        self, path: str = "", body: Any = None, params: Mapping[str, Any] | None = None
    ) -> Reply:
        """POST a JSON body; the answer is returned whatever its final status."""
        return self.request("POST", path, params=params, json=body, expect_json=True)

    def _attempt(
        self,
        method: str,
        url: str,
        shown: str,
        expect_json: bool,
        limit: tuple[int, float] | None,
        **send: Any,
    ) -> Reply:
        self.attempts.requests += 1
        timeout = self.target.policy.timeout_s
        try:
            response = self.session.request(
                method, url, timeout=timeout, stream=limit is not None, **send
            )
        except NETWORK_ERRORS as exc:
            self.attempts.errors += 1
            raise Transient(f"lỗi mạng ({type(exc).__name__})") from None
        except requests.RequestException as exc:  # cannot be sent: retrying will not help
            self.attempts.errors += 1
            raise Unreachable(shown, f"yêu cầu không gửi được ({type(exc).__name__})", 1) from None
        if retryable_status(response.status_code):
            self.attempts.errors += 1
            response.close()
            hint = parse_retry_after(response.headers.get("Retry-After"), self.clock())
            raise Transient(f"HTTP {response.status_code}", hint)
        if limit is not None:
            return Reply(response, body=self._read(response, shown, *limit))
        data = None
        if expect_json:
            try:
                data = response.json()
            except ValueError:
                if 200 <= response.status_code < 300:  # cut short or garbled: ask again
                    self.attempts.errors += 1
                    raise Transient("trang dữ liệu không phải JSON hợp lệ") from None
        return Reply(response, data)

    def _read(self, response: requests.Response, shown: str, limit: int, seconds: float) -> bytes:
        """The streamed body, at most `limit` bytes and `seconds` long in coming."""
        try:
            declared = int(response.headers.get("Content-Length") or -1)
        except ValueError:
            declared = -1
        if declared > limit:
            response.close()
            raise TooLarge(shown, limit)
        started, chunks, size = time.monotonic(), [], 0
        try:
            for chunk in response.iter_content(64 * 1024):
                size += len(chunk)
                if size > limit:
                    raise TooLarge(shown, limit)
                if time.monotonic() - started > seconds:
                    self.attempts.errors += 1
                    raise Transient(f"tải quá {seconds:g} giây")
                chunks.append(chunk)
        except NETWORK_ERRORS as exc:
            self.attempts.errors += 1
            raise Transient(f"lỗi mạng khi tải ({type(exc).__name__})") from None
        finally:
            response.close()
        return b"".join(chunks)

    @staticmethod
    def _log_retry(method: str, shown: str, state: RetryCallState) -> None:
        failure = state.outcome.exception() if state.outcome else None
        log.warning(
            "%s %s: %s; thử lại sau %.2f giây",
            method,
            shown,
            getattr(failure, "reason", failure),
            state.upcoming_sleep,
        )
