"""Province/district side: pull the feeds of configured communes, page by page.

Each page is imported and rolled up before the next is asked for, and the commune's
cursor is saved after every page, so a province that restarts mid-pull resumes near where
it stopped. The cursor is in the commune's own clock (its lastUpdated values and the HTTP
Date of its answers), `pull_lag_s` behind: a value whose transaction committed after the
read has a lastUpdated no older than that, so it is read next time, never skipped.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any

import requests

from coc.config import CommuneLink, Settings
from coc.indicators.catalog import Catalog
from coc.province.hierarchy import Hierarchy
from coc.province.receive import import_values
from coc.province.rollup import rollup, rollup_all
from coc.store.db import Store
from coc.sync import client, runs
from coc.sync.client import RetryPolicy, UpstreamError
from coc.timeutil import iso_utc, parse_datetime

log = logging.getLogger(__name__)


@dataclass
class PullResult:
    commune: str
    status: str = "ok"  # ok | partial | failed | skipped
    pages: int = 0
    received: int = 0
    imported: int = 0
    updated: int = 0
    ignored: int = 0
    deleted: int = 0
    conflicts: int = 0
    message: str | None = None
    changed: set[tuple[str, str]] = field(default_factory=set)  # (indicator, period)
    interrupted: bool = False  # the previous pull of this commune died mid-way

    def line(self) -> str:
        text = (
            f"{self.commune}: {self.received} giá trị, {self.pages} trang (mới {self.imported}, "
            f"cập nhật {self.updated}, bỏ qua {self.ignored}, xóa {self.deleted}, "
            f"xung đột {self.conflicts})"
        )
        return f"{text}; {self.message}" if self.message else text


def feed_url(base: str) -> str:
    base = base.rstrip("/")
    return base if base.endswith("dataValueSets") else f"{base}/api/v1/dataValueSets"


def _newest(values: list[Any]) -> datetime | None:
    stamps = []
    for item in values:
        if isinstance(item, dict) and isinstance(item.get("lastUpdated"), str):
            try:
                stamps.append(parse_datetime(item["lastUpdated"]))
            except ValueError:
                continue
    return max((s for s in stamps if s), default=None)


def _server_time(response: requests.Response) -> datetime | None:
    try:
        return parsedate_to_datetime(response.headers["Date"])
    except (KeyError, TypeError, ValueError):
        return None


def _get_page(
    http: requests.Session,
    url: str,
    params: dict[str, Any],
    policy: RetryPolicy,
    sleep: Callable[[float], None],
) -> tuple[dict[str, Any], datetime | None]:
    response = client.request(http, "GET", url, policy, sleep, params=params)
    if response.status_code in (401, 403):
        raise UpstreamError(f"xã từ chối mã truy cập (HTTP {response.status_code})")
    if response.status_code != 200:
        raise UpstreamError(f"xã trả lời HTTP {response.status_code}")
    try:
        body = response.json()
    except ValueError:
        raise UpstreamError("nguồn cấp dữ liệu của xã không phải JSON") from None
    if not isinstance(body, dict) or not isinstance(body.get("dataValues"), list):
        raise UpstreamError("nguồn cấp dữ liệu của xã thiếu dataValues")
    return body, _server_time(response)


def next_cursor(
    since: datetime | None,
    newest: datetime | None,
    served: datetime | None,
    last: bool,
    lag: timedelta,
) -> datetime | None:
    """Where the next pull starts. After the last page every committed value has been seen,
    so the commune's clock (HTTP Date) less the lag is safe; mid-pull, also no later than
    the newest value seen. Without a Date header: the newest value less the lag."""
    if served is not None:
        cursor = served - lag if last or newest is None else min(served, newest) - lag
    elif newest is not None:
        cursor = newest - lag
    else:
        return since
    return cursor if since is None or cursor > since else since


def pull_commune(
    store: Store,
    settings: Settings,
    catalog: Catalog,
    link: CommuneLink,
    *,
    http: requests.Session | None = None,
    sleep: Callable[[float], None] = time.sleep,
    defer_rollup: bool = False,
) -> PullResult:
    """Pull one commune's feed from its saved cursor to the end, then roll up what changed
    (or leave that to the caller with `defer_rollup`, to roll up many communes at once)."""
    result = PullResult(link.code)
    if not link.url:
        result.status, result.message = "skipped", "không cấu hình url (xã chỉ gửi lên)"
        return result
    p = settings.province
    name = runs.pull_name(link.code)
    lag = timedelta(seconds=p.pull_lag_s)
    since = runs.get_watermark(store, name)
    policy = RetryPolicy(
        settings.upstream.max_retries,
        settings.upstream.backoff_s,
        settings.upstream.backoff_max_s,
        p.pull_timeout_s,
    )
    hierarchy = Hierarchy.from_settings(settings)
    http = http or requests.Session()
    http.headers.update(client.auth_header("Bearer", link.token))
    params: dict[str, Any] = {"limit": p.pull_page_size}
    if since:
        params["lastUpdated"] = iso_utc(since)
    last = runs.last_run(store, name)
    result.interrupted = last is not None and last.status == "running"
    run_id = runs.start_run(store, name)
    try:
        while True:
            body, served = _get_page(http, feed_url(link.url), params, policy, sleep)
            _import_page(store, catalog, hierarchy, link.code, body["dataValues"], result)
            token = body.get("next")
            cursor = next_cursor(since, _newest(body["dataValues"]), served, not token, lag)
            if cursor is not None and cursor != since:
                since = cursor
                runs.set_watermark(store, name, since)
            if not token:
                break
            params = {"limit": p.pull_page_size, "next": token}
    except UpstreamError as exc:
        result.status, result.message = "failed", str(exc)
        log.error("pull of %s failed: %s", link.code, exc)
    if result.status == "ok" and result.conflicts:
        result.status = "partial"
    if not defer_rollup and result.interrupted:
        rollup_all(store, catalog, hierarchy)
    elif not defer_rollup:
        rollup(store, catalog, hierarchy, result.changed)
    runs.finish_run(
        store,
        run_id,
        result.status,
        records=result.received,
        errors=result.conflicts + (result.status == "failed"),
        pages=result.pages,
        message=result.line(),
    )
    return result


def _import_page(
    store: Store,
    catalog: Catalog,
    hierarchy: Hierarchy,
    code: str,
    values: list[Any],
    result: PullResult,
) -> None:
    summary = import_values(
        store,
        catalog,
        values,
        source="pull",
        default_org_unit=code,
        allowed=lambda ou: ou == code,
    )
    result.changed.update((c, per) for c, _ou, per in summary.changed)
    result.pages += 1
    result.received += len(values)
    result.imported += summary.imported
    result.updated += summary.updated
    result.ignored += summary.ignored
    result.deleted += summary.deleted
    result.conflicts += len(summary.conflicts)


def pull_all(
    store: Store,
    settings: Settings,
    catalog: Catalog,
    *,
    codes: list[str] | None = None,
    workers: int | None = None,
) -> list[PullResult]:
    """Pull every configured commune (or the given codes), a few at a time, then roll up
    once; after a pull that was killed mid-way, every aggregate is recomputed."""
    links = [c for c in settings.province.communes if codes is None or c.code in codes]
    size = max(1, workers or settings.province.pull_workers)

    def one(link: CommuneLink) -> PullResult:
        with requests.Session() as http:
            return pull_commune(store, settings, catalog, link, http=http, defer_rollup=True)

    with ThreadPoolExecutor(max_workers=size, thread_name_prefix="coc-pull") as pool:
        results = list(pool.map(one, links))
    hierarchy = Hierarchy.from_settings(settings)
    if any(r.interrupted for r in results):  # a pull died before its roll-up
        rollup_all(store, catalog, hierarchy)
    else:
        rollup(store, catalog, hierarchy, set().union(*(r.changed for r in results)))
    return results
