"""Push: send the values changed since the watermark upstream, page by page.

The new watermark is taken when the job starts; only values last updated before it are
sent, so the job ends even while values keep changing. The saved watermark moves forward
only past pages the upstream accepted (status OK), and sits `watermark_lag_s` behind, so a
value whose transaction committed late is re-sent rather than lost: at-least-once, made
safe by the upstream's idempotent upsert.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import requests

from coc.config import Settings
from coc.store.db import Store
from coc.sync import client, runs
from coc.sync.client import RetryPolicy, UpstreamError
from coc.sync.values import Position, page, to_wire
from coc.timeutil import utcnow

log = logging.getLogger(__name__)


@dataclass
class PushResult:
    status: str  # ok | failed | disabled
    pages: int = 0
    sent: int = 0
    imported: int = 0
    updated: int = 0
    ignored: int = 0
    deleted: int = 0
    conflicts: list[Any] = field(default_factory=list)
    message: str | None = None
    watermark: datetime | None = None

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    def line(self) -> str:
        """One Vietnamese line for the CLI and the run log."""
        if self.status == "disabled":
            return self.message or "chưa cấu hình upstream.url"
        head = "Đồng bộ thành công" if self.ok else "Đồng bộ thất bại"
        text = (
            f"{head}: {self.sent} giá trị trong {self.pages} trang (mới {self.imported}, "
            f"cập nhật {self.updated}, bỏ qua {self.ignored}, xóa {self.deleted})"
        )
        return f"{text}; {self.message}" if self.message else text


@dataclass(frozen=True)
class Outcome:
    """An upstream import summary, from COC or from any DHIS2 version."""

    status: str  # OK | WARNING | ERROR
    counts: dict[str, int]
    conflicts: list[Any]


def endpoint(settings: Settings) -> tuple[str, bool]:
    """(POST URL, standard DHIS2 fields only?) for the configured upstream."""
    url = (settings.upstream.url or "").rstrip("/")
    flavor = settings.upstream.flavor
    if url.endswith("dataValueSets"):
        dhis2 = flavor == "dhis2" or (
            flavor == "auto" and not url.endswith("/api/v1/dataValueSets")
        )
        return url, dhis2
    if flavor == "dhis2":
        return f"{url}/api/dataValueSets", True
    return f"{url}/api/v1/dataValueSets", False


def parse_outcome(response: requests.Response) -> Outcome:
    """Read `status`, `importCount` and `conflicts` (top level or under `response`)."""
    try:
        body = response.json()
    except ValueError:
        body = None
    if not isinstance(body, dict):
        raise UpstreamError(f"upstream trả lời HTTP {response.status_code} không phải JSON")
    inner = body.get("response") if isinstance(body.get("response"), dict) else {}
    raw = str(inner.get("status") or body.get("status") or "").upper()
    if not raw:
        reason = body.get("reason") or body.get("message") or "không có import summary"
        raise UpstreamError(f"upstream trả lời HTTP {response.status_code}: {reason}")
    counts = inner.get("importCount") or body.get("importCount") or {}
    conflicts = inner.get("conflicts") or body.get("conflicts") or []
    status = {"SUCCESS": "OK", "OK": "OK", "WARNING": "WARNING"}.get(raw, "ERROR")
    if status == "OK" and conflicts:
        status = "WARNING"
    clean = {k: int(counts.get(k, 0) or 0) for k in ("imported", "updated", "ignored", "deleted")}
    return Outcome(status, clean, list(conflicts))


def _http(settings: Settings) -> requests.Session:
    http = requests.Session()
    http.headers.update(client.auth_header(settings.upstream.auth_scheme, settings.upstream.token))
    http.headers["User-Agent"] = f"coc-sync/{settings.commune.code}"
    return http


def _send(
    http: requests.Session,
    url: str,
    dhis2: bool,
    policy: RetryPolicy,
    values: list[dict[str, Any]],
    sleep: Callable[[float], None],
) -> Outcome:
    params = {"dataElementIdScheme": "CODE", "orgUnitIdScheme": "CODE"} if dhis2 else None
    response = client.request(
        http, "POST", url, policy, sleep, json={"dataValues": values}, params=params
    )
    if response.status_code in (401, 403):
        raise UpstreamError(f"upstream từ chối mã truy cập (HTTP {response.status_code})")
    return parse_outcome(response)


def push_once(
    store: Store,
    settings: Settings,
    *,
    http: requests.Session | None = None,
    sleep: Callable[[float], None] = time.sleep,
    now: datetime | None = None,
) -> PushResult:
    """Send every value changed since the watermark; the watermark holds on failure."""
    up = settings.upstream
    if not up.url:
        return PushResult("disabled", message="chưa cấu hình upstream.url (COC_UPSTREAM_URL)")
    start = now or utcnow()
    lag = timedelta(seconds=up.watermark_lag_s)
    since = runs.get_watermark(store, runs.PUSH)
    url, dhis2 = endpoint(settings)
    policy = RetryPolicy(up.max_retries, up.backoff_s, up.backoff_max_s, up.timeout_s)
    http = http or _http(settings)
    result = PushResult("ok", watermark=since)
    run_id = runs.start_run(store, runs.PUSH)
    after: Position | None = None
    try:
        while True:
            with store.session() as session:
                rows = page(session, since=since, before=start, after=after, limit=up.page_size)
            if not rows:
                break
            values = [to_wire(r, standard_only=dhis2) for r in rows]
            outcome = _send(http, url, dhis2, policy, values, sleep)
            if outcome.status != "OK":
                result.conflicts = outcome.conflicts[:20]
                raise UpstreamError(
                    f"trang {result.pages + 1} bị từ chối: {outcome.status}, "
                    f"{len(outcome.conflicts)} xung đột"
                )
            _count(result, outcome, len(rows))
            after = Position(rows[-1].last_updated, int(rows[-1].id or 0))
            # lag behind the page too: a value committed late with an earlier lastUpdated
            # must still be found by the next run if a later page fails
            result.watermark = min(after.last_updated, start) - lag
            runs.set_watermark(store, runs.PUSH, result.watermark)
            if len(rows) < up.page_size:
                break
        result.watermark = start - lag
        runs.set_watermark(store, runs.PUSH, result.watermark)
    except UpstreamError as exc:
        result.status, result.message = "failed", str(exc)
        log.error("push failed: %s", exc)
    runs.finish_run(
        store,
        run_id,
        "ok" if result.ok else "failed",
        records=result.sent,
        errors=0 if result.ok else 1,
        pages=result.pages,
        message=result.line(),
    )
    return result


def _count(result: PushResult, outcome: Outcome, sent: int) -> None:
    result.pages += 1
    result.sent += sent
    result.imported += outcome.counts["imported"]
    result.updated += outcome.counts["updated"]
    result.ignored += outcome.counts["ignored"]
    result.deleted += outcome.counts["deleted"]
