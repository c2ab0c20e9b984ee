"""Photos a channel sent as links (Zalo OA image messages) become the report's photos.

The webhook answers at once and keeps each link as a `pending` photo row; this job
downloads it through `coc.net` (its timeouts and retry policy, the body streamed under the
photo size limit), reads the type from the content and re-encodes it without EXIF exactly
as the form's photos are (`coc.fieldreports.photos.clean_photo`). A link that cannot be
fetched never costs the report: the photo is kept as `failed` with the reason clerks see
(an address outside `photo_url_prefixes`, a 4xx, too large, not a picture at once; an
outage after `photo_fetch_tries` runs, retried with the shared backoff in between).
Logs and reasons name no URL: a link's query may carry a signature.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, select

from coc.fieldreports.intake import Limits
from coc.fieldreports.photos import Photo, clean_photo, too_large
from coc.fieldreports.service import ENTITY
from coc.ingest.records import Rejected
from coc.net import HttpClient, RetryPolicy, Target, TooLarge, Unreachable
from coc.store import audit
from coc.store.db import Store
from coc.store.models import FieldReport, FieldReportPhoto

log = logging.getLogger(__name__)
PENDING, STORED, FAILED = "pending", "stored", "failed"


@dataclass(frozen=True)
class FetchPolicy:
    limits: Limits = field(default_factory=Limits)
    prefixes: tuple[str, ...] = ("https://",)
    retry: RetryPolicy = field(default_factory=lambda: RetryPolicy(2, 1.0, 10.0, 20.0))
    max_seconds: float = 60.0
    tries: int = 4
    between_runs_s: float = 60.0  # the first wait before another run tries again

    @classmethod
    def from_settings(cls, settings: Any) -> FetchPolicy:
        fr = settings.fieldreports
        return cls(
            limits=Limits.from_settings(settings),
            prefixes=tuple(fr.photo_url_prefixes),
            retry=RetryPolicy(2, 1.0, 10.0, timeout_s=fr.photo_fetch_timeout_s),
            max_seconds=fr.photo_fetch_max_s,
            tries=fr.photo_fetch_tries,
            between_runs_s=float(fr.photo_fetch_s),
        )


@dataclass(frozen=True)
class NotFetched:
    reason: str
    final: bool  # trying again cannot help


@dataclass
class FetchRun:
    stored: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)
    waiting: list[int] = field(default_factory=list)  # to be tried again on a later run


def download(
    url: str, policy: FetchPolicy, *, sleep: Callable[[float], None] = time.sleep
) -> Photo | NotFetched:
    """One linked photo: fetched, checked by content and re-encoded, or why not."""
    if not url.startswith(policy.prefixes):
        return NotFetched("địa chỉ ảnh không thuộc nguồn được phép tải", final=True)
    limits = policy.limits
    target = Target(url, policy=policy.retry, headers={"Accept": "image/*"})
    try:
        with HttpClient(target, sleep=sleep) as client:
            reply = client.request(
                "GET", max_bytes=limits.max_photo_bytes, max_seconds=policy.max_seconds
            )
    except TooLarge:
        return NotFetched(too_large(limits.max_photo_bytes).reason, final=True)
    except Unreachable as exc:
        return NotFetched(f"không tải được ảnh: {exc.reason}", final=False)
    if not 200 <= reply.status < 300:
        return NotFetched(f"máy chủ ảnh trả lời HTTP {reply.status}", final=True)
    photo = clean_photo(reply.body or b"", max_bytes=limits.max_photo_bytes,
                        max_side=limits.photo_max_side)  # fmt: skip
    if isinstance(photo, Rejected):
        return NotFetched(photo.reason, final=True)
    return photo


def _due(store: Store, now: datetime, limit: int) -> list[tuple[int, str, int]]:
    with store.session() as session:
        rows = session.execute(
            select(FieldReportPhoto.id, FieldReportPhoto.source_url,
                   FieldReportPhoto.fetch_attempts)
            .where(FieldReportPhoto.fetch_state == PENDING,
                   or_(FieldReportPhoto.fetch_after.is_(None),
                       FieldReportPhoto.fetch_after <= now))
            .order_by(FieldReportPhoto.id)
            .limit(limit)
        ).all()  # fmt: skip
    return [(i, u or "", n) for i, u, n in rows]


def _record(
    store: Store, photo_id: int, got: Photo | NotFetched, policy: FetchPolicy, now: datetime
) -> str:
    with store.write() as session:
        row = session.get(FieldReportPhoto, photo_id)
        if row is None or row.fetch_state != PENDING:
            return ""
        row.fetch_attempts += 1
        code, channel = session.execute(
            select(FieldReport.code, FieldReport.channel).where(FieldReport.id == row.report_id)
        ).one()
        if isinstance(got, Photo):
            row.data, row.width, row.height = got.data, got.width, got.height
            row.fetch_state, row.fetch_error, row.fetch_after = STORED, None, None
            detail = f"đã tải về ảnh {row.seq} gửi kèm"
        elif got.final or row.fetch_attempts >= policy.tries:
            row.fetch_state, row.fetch_error, row.fetch_after = FAILED, got.reason[:300], None
            detail = f"không tải về được ảnh {row.seq}: {got.reason}"
        else:
            wait = RetryPolicy(backoff_s=policy.between_runs_s, backoff_max_s=3600.0)
            row.fetch_error = got.reason[:300]
            row.fetch_after = now + timedelta(seconds=wait.delay(row.fetch_attempts - 1))
            return PENDING
        audit.record(session, channel, "update", ENTITY, code, detail=detail[:300])
        return row.fetch_state


def fetch_pending(
    store: Store,
    policy: FetchPolicy,
    *,
    now: datetime,
    sleep: Callable[[float], None] = time.sleep,
    limit: int = 20,
) -> FetchRun:
    """Try the due pending photos once each; every result is committed on its own, and
    no download runs inside a write transaction."""
    run = FetchRun()
    for photo_id, url, _tries in _due(store, now, limit):
        got = download(url, policy, sleep=sleep)
        state = _record(store, photo_id, got, policy, now)
        if state == STORED:
            run.stored.append(photo_id)
        elif state == FAILED:
            run.failed.append(photo_id)
            log.warning("field-report photo %d not fetched: %s", photo_id, got.reason)  # type: ignore[union-attr]
        elif state == PENDING:
            run.waiting.append(photo_id)
    return run
