"""A source's HTTP target (base URL, auth, retry policy) for the one client layer
(`coc.net`), and the one Vietnamese line a failed pull reports."""

from __future__ import annotations

from coc.config import SourceSettings
from coc.errors import CocError
from coc.ingest.pager import PageError
from coc.net import Auth, HttpError, Refused, RetryPolicy, Target, Unreachable

USER_AGENT = "coc-connector/1"


class SourceError(CocError):
    """A source could not be read after every retry, or refused the request."""


def source_target(source: SourceSettings) -> Target:
    if source.auth == "bearer":
        auth = Auth.bearer(source.token)
    elif source.auth == "basic":
        auth = Auth.basic(source.username, source.password)
    else:
        auth = Auth()
    policy = RetryPolicy(
        source.max_retries, source.backoff_s, source.backoff_max_s, source.timeout_s
    )
    return Target(source.url, auth, policy, user_agent=USER_AGENT)


def source_error(name: str, exc: HttpError | PageError) -> SourceError:
    """What went wrong with source `name`, as the run's message and the CLI's line."""
    if isinstance(exc, Unreachable):
        return SourceError(
            f"không đọc được nguồn '{name}' sau {exc.attempts} lần thử: {exc.reason}"
        )
    if isinstance(exc, Refused) and exc.auth_failed:
        return SourceError(
            f"nguồn '{name}' từ chối xác thực (HTTP {exc.status}); kiểm tra token hoặc tài khoản"
        )
    if isinstance(exc, Refused):
        return SourceError(f"nguồn '{name}' trả lỗi HTTP {exc.status} cho {exc.url}")
    if isinstance(exc, PageError):
        return SourceError(f"nguồn '{name}' trả trang không hợp lệ: {exc}")
    return SourceError(f"nguồn '{name}': {exc}")
