"""Province/district side: pull the feeds of configured communes, page by page.

Paging is `coc.ingest.pager.pull_pages`, as for the connectors: each page is imported and
its cursor saved in one transaction, so a province that restarts mid-pull resumes where
the last committed page left it; the pages' changes are rolled up after the pull. The
cursor is in the commune's own clock (its lastUpdated values and the HTTP Date of its
answers), `pull_lag_s` behind: a value whose transaction committed after the read has a
lastUpdated no older than that, so it is read next time, never skipped.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from coc.config import CommuneLink, Settings
from coc.counts import Counts
from coc.indicators.catalog import Catalog
from coc.ingest.pager import AfterPage, PageError, pull_pages
from coc.net import Auth, HttpClient, HttpError, Refused, Reply, RetryPolicy, Target
from coc.province.hierarchy import Hierarchy
from coc.province.receive import import_values
from coc.province.rollup import rollup, rollup_all
from coc.store.db import Store
from coc.sync import runs
from coc.sync.extras import pull_extras
from coc.timeutil import iso_utc, parse_datetime, utcnow

log = logging.getLogger(__name__)


@dataclass(kw_only=True)
class PullResult(Counts):
    """The counts of one commune's pull, with pages and values received and the outcome."""

    commune: str
    status: str = "ok"  # ok | partial | failed | skipped
    pages: int = 0
    received: int = 0
    message: str | None = None
    changed: set[tuple[str, str]] = field(default_factory=set)  # (indicator, period)
    interrupted: bool = False  # the previous pull of this commune died mid-way

    def line(self) -> str:
        text = (
            f"{self.commune}: {self.received} giá trị, {self.pages} trang (mới {self.imported}, "
            f"cập nhật {self.updated}, không đổi {self.unchanged}, xóa {self.deleted}, "
            f"xung đột {self.rejected})"
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
            except ValueError:  # the value itself is read (and refused) on its own
                continue
    return max((s for s in stamps if s), default=None)


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


class CommuneFeed:
    """One commune's dataValueSets feed as a paged feed for `pull_pages`."""

    path = ""  # the client's base URL is the feed itself

    def __init__(
        self, store: Store, catalog: Catalog, link: CommuneLink, settings: Settings
    ) -> None:
        self.store, self.catalog, self.code = store, catalog, link.code
        self.cursor_name = runs.pull_name(link.code)
        self.size = settings.province.pull_page_size
        self.lag = timedelta(seconds=settings.province.pull_lag_s)
        self.changed: set[tuple[str, str]] = set()  # (indicator, period) of stored pages

    def first_params(self, cursor: str | None) -> Mapping[str, Any]:
        return {"limit": self.size, **({"lastUpdated": cursor} if cursor else {})}

    def records(self, body: Any) -> list[Any]:
        if not isinstance(body, dict) or not isinstance(body.get("dataValues"), list):
            raise PageError("nguồn cấp dữ liệu của xã thiếu dataValues")
        return body["dataValues"]

    def next_params(self, body: Any, records: list[Any]) -> Mapping[str, Any] | None:
        token = body.get("next")
        if token is None or token == "":
            return None
        if not isinstance(token, str):
            raise PageError(f"nguồn cấp dữ liệu của xã có next không hợp lệ: {token!r:.40}")
        return {"limit": self.size, "next": token}

    def advance(
        self, cursor: str | None, reply: Reply, records: list[Any], last: bool
    ) -> str | None:
        since = parse_datetime(cursor) if cursor else None
        moved = next_cursor(since, _newest(records), reply.date, last, self.lag)
        return iso_utc(moved) if moved is not None and moved != since else cursor

    def write(self, records: list[Any], page: int, after: AfterPage) -> Counts:
        code = self.code
        written = import_values(
            self.store,
            self.catalog,
            records,
            source="pull",
            default_org_unit=code,
            allowed=lambda ou: ou == code,
            after=after,
        )
        self.changed.update((c, per) for _ou, per, c, *_combos in written.changed_keys)
        return written


def pull_target(settings: Settings, link: CommuneLink) -> Target:
    up, p = settings.upstream, settings.province
    return Target(
        feed_url(link.url or ""),
        Auth.bearer(link.token),
        RetryPolicy(up.max_retries, up.backoff_s, up.backoff_max_s, p.pull_timeout_s),
        user_agent=f"coc-pull/{settings.commune.code}",
    )


def _failure(exc: HttpError | PageError) -> str:
    if isinstance(exc, Refused) and exc.auth_failed:
        return f"xã từ chối mã truy cập (HTTP {exc.status})"
    if isinstance(exc, Refused):
        return f"xã trả lời HTTP {exc.status}"
    return str(exc)


def pull_commune(
    store: Store,
    settings: Settings,
    catalog: Catalog,
    link: CommuneLink,
    *,
    sleep: Callable[[float], None] = time.sleep,
    defer_rollup: bool = False,
) -> PullResult:
    """Pull one commune's feed from its saved cursor to the end, then roll up what changed
    (or leave that to the caller with `defer_rollup`, to roll up many communes at once)."""
    result = PullResult(commune=link.code)
    if not link.url:
        result.status, result.message = "skipped", "không cấu hình url (xã chỉ gửi lên)"
        return result
    name = runs.pull_name(link.code)
    last = runs.last_run(store, name)
    result.interrupted = last is not None and last.status == "running"
    run_id = runs.start_run(store, name)
    feed = CommuneFeed(store, catalog, link, settings)
    with HttpClient(pull_target(settings, link), sleep=sleep) as client:
        try:
            for page in pull_pages(store, client, feed, run_id=run_id):
                result.pages += 1
                result.received += len(page.records)
                result.add(page.counts)
        except (HttpError, PageError) as exc:
            result.status, result.message = "failed", _failure(exc)
            log.error("pull of %s failed: %s", link.code, result.message)
    if result.status == "ok":  # registrations and approvals (coc.sync.extras)
        target = pull_target(settings, link)
        trouble = pull_extras(store, settings, link.code, target, now=utcnow(), sleep=sleep)
        if trouble:
            result.status, result.message = "partial", trouble
    result.changed = feed.changed
    if result.status == "ok" and result.conflicts:
        result.status = "partial"
    if not defer_rollup:  # (built only here: a province's hierarchy costs O(communes))
        hierarchy = Hierarchy.from_settings(settings)
        if result.interrupted:
            rollup_all(store, catalog, hierarchy)
        else:
            rollup(store, catalog, hierarchy, result.changed)
    runs.finish_run(
        store,
        run_id,
        result.status,
        records=result.received,
        rejected=result.rejected,
        errors=result.rejected + (result.status == "failed"),
        pages=result.pages,
        message=result.line(),
    )
    return result


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
        return pull_commune(store, settings, catalog, link, defer_rollup=True)

    with ThreadPoolExecutor(max_workers=size, thread_name_prefix="coc-pull") as pool:
        results = list(pool.map(one, links))
    hierarchy = Hierarchy.from_settings(settings)
    if any(r.interrupted for r in results):  # a pull died before its roll-up
        rollup_all(store, catalog, hierarchy)
    else:
        rollup(store, catalog, hierarchy, set().union(*(r.changed for r in results)))
    return results
