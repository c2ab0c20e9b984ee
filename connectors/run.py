"""Run one connector now: page through each stream from its cursor, write, record the run.

Paging is `coc.ingest.pager.pull_pages`: per page, in one transaction, good records are
upserted, bad ones quarantined with their raw payload, and the stream's cursor moves to the
largest (replication value, id) seen on the page. HTTP goes through `coc.net`.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from coc.config import Settings, SourceSettings
from coc.counts import Counts
from coc.errors import CocError
from coc.indicators.catalog import Catalog
from coc.ingest.pager import AfterPage, PageError, pull_pages
from coc.net import HttpClient, HttpError, Reply
from coc.periods import month_of, parse_period
from coc.store.db import Store
from coc.store.runs import finish_run, start_run
from coc.timeutil import iso_utc, utcnow
from connectors.http import source_error, source_target
from connectors.streams import CONNECTORS, Cursor, Stream

log = logging.getLogger(__name__)
STALE_RUN = timedelta(hours=6)  # another process may be pulling: only older runs are dead
INTERRUPTED = "bị gián đoạn (tiến trình dừng giữa chừng)"
_locks: dict[str, threading.Lock] = {}
_locks_guard = threading.Lock()


class AlreadyRunning(CocError):
    """The same connector is being pulled in this process right now."""


@dataclass(kw_only=True)
class RunSummary(Counts):
    """The counts of one connector run, with its pages, records read and outcome."""

    connector: str
    status: str = "running"  # ok | partial | failed
    started_at: datetime = field(default_factory=utcnow)
    finished_at: datetime | None = None
    pages: int = 0
    records: int = 0
    errors: int = 0
    message: str | None = None
    periods: list[str] = field(default_factory=list)
    run_id: int | None = None

    def add_page(self, page: Counts, seen: int) -> None:
        self.pages += 1
        self.records += seen
        self.add(page)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form (for the API and logs)."""
        return {
            "connector": self.connector,
            "status": self.status,
            "started_at": iso_utc(self.started_at),
            "finished_at": iso_utc(self.finished_at),
            "pages": self.pages,
            "records": self.records,
            "imported": self.imported,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "rejected": self.rejected,
            "errors": self.errors,
            "message": self.message,
        }

    def text_vi(self) -> str:
        state = {"ok": "thành công", "partial": "một phần", "failed": "thất bại"}.get(
            self.status, self.status
        )
        line = (
            f"{self.connector}: {state} — {self.pages} trang, {self.records} bản ghi: "
            f"{self.imported} mới, {self.updated} cập nhật, {self.unchanged} không đổi, "
            f"{self.rejected} cách ly; {self.errors} lỗi"
        )
        return f"{line} ({self.message})" if self.message else line


def _lock(name: str) -> threading.Lock:
    with _locks_guard:
        return _locks.setdefault(name, threading.Lock())


class StreamFeed:
    """One connector stream as a paged feed for `pull_pages`."""

    def __init__(
        self,
        store: Store,
        catalog: Catalog | None,
        source: SourceSettings,
        stream: Stream,
        org_unit: str,
    ) -> None:
        self.store, self.catalog, self.source, self.stream = store, catalog, source, stream
        self.org_unit = org_unit
        self.cursor_name = f"{source.name}:{stream.name}"
        self.path = stream.path

    def first_params(self, cursor: str | None) -> Mapping[str, Any]:
        return self.stream.first_params(Cursor.from_text(cursor), self.source.page_size)

    def records(self, body: Any) -> list[Any]:
        return self.stream.records(body)

    def next_params(self, body: Any, records: list[Any]) -> Mapping[str, Any] | None:
        return self.stream.next_params(body, self.source.page_size) if records else None

    def advance(
        self, cursor: str | None, reply: Reply, records: list[Any], last: bool
    ) -> str | None:
        """The largest (replication value, id) stored so far; never backwards."""
        best = max((k for k in map(self.stream.key, records) if k is not None), default=None)
        current = Cursor.from_text(cursor)
        if best is not None and (current is None or best > current):
            return best.to_text()
        return cursor

    def write(self, records: list[Any], page: int, after: AfterPage) -> Counts:
        def context(index: int) -> str:
            return f"trang {page} của {self.stream.path}, bản ghi {index + 1}"

        return self.stream.write(
            self.store, self.catalog, records, self.org_unit, self.source.name, context, after
        )


def _finish_run(store: Store, summary: RunSummary) -> None:
    finish_run(
        store,
        summary.run_id,
        summary.status,
        records=summary.records,
        rejected=summary.rejected,
        errors=summary.errors,
        pages=summary.pages,
        message=summary.message,
        finished_at=summary.finished_at,
    )


def pull_stream(
    store: Store,
    catalog: Catalog | None,
    source: SourceSettings,
    stream: Stream,
    client: HttpClient,
    org_unit: str,
    summary: RunSummary,
    periods: set[str],
) -> None:
    """Page through one stream from its saved cursor to the end."""
    feed = StreamFeed(store, catalog, source, stream, org_unit)
    for page in pull_pages(store, client, feed, run_id=summary.run_id):
        summary.add_page(page.counts, len(page.records))
        periods.update(p for p in map(stream.period, page.records) if p)


def affected_periods(months: set[str], now: datetime) -> list[str]:
    """Months touched, plus their quarters and years, for the indicator engine."""
    out: set[str] = set()
    for code in months:
        try:
            period = parse_period(code)
        except ValueError:
            continue
        for month in period.months():
            out.add(month.code)
            out.add(f"{month.year}Q{(month.start.month - 1) // 3 + 1}")
            out.add(str(month.year))
    return sorted(out)


def pull(
    store: Store,
    settings: Settings,
    catalog: Catalog | None,
    name: str,
    *,
    now: datetime | None = None,
    refresh: bool = True,
    sleep: Callable[[float], None] | None = None,
) -> RunSummary:
    """Pull one source now (as `coc pull` and the scheduler do) and return its summary."""
    source = settings.source(name)
    streams = CONNECTORS[source.kind]
    lock = _lock(source.name)
    if not lock.acquire(blocking=False):
        raise AlreadyRunning(f"nguồn '{source.name}' đang được đồng bộ, thử lại sau")
    try:
        summary = RunSummary(connector=source.name)
        summary.run_id = start_run(store, source.name, stale_after=STALE_RUN, reason=INTERRUPTED)
        client = HttpClient(source_target(source), sleep=sleep or time.sleep)
        months: set[str] = set()
        try:
            for stream in streams:
                pull_stream(
                    store, catalog, source, stream, client, settings.commune.code, summary, months
                )
            summary.status = "ok"
        except (HttpError, PageError) as exc:
            summary.status = "partial" if summary.pages else "failed"
            summary.message = str(source_error(source.name, exc))
            log.warning("%s", summary.message)
        except Exception as exc:  # a bug or a database failure: record it, then raise
            summary.status = "failed"
            summary.message = f"lỗi nội bộ: {type(exc).__name__}: {exc}"[:500]
            summary.finished_at = utcnow()
            summary.errors = client.attempts.errors + 1
            _finish_run(store, summary)
            raise
        finally:
            client.close()
            summary.errors = max(summary.errors, client.attempts.errors)
            summary.finished_at = summary.finished_at or utcnow()
        moment = now or utcnow()
        if source.kind == "tthc":  # open dossiers are judged against now
            months.add(month_of(moment).code)
        summary.periods = affected_periods(months, moment)
        _finish_run(store, summary)
    finally:
        lock.release()
    if refresh and catalog is not None and summary.pages and summary.periods:
        _refresh(store, catalog, settings.commune.code, summary.periods, moment)
    return summary


def _refresh(
    store: Store, catalog: Catalog, org_unit: str, periods: list[str], now: datetime
) -> None:
    from coc.indicators.engine import Engine

    try:
        Engine(catalog).refresh(store, org_unit, periods, now=now)
    except Exception:  # the data is stored; a formula bug must not fail the pull
        log.exception("recomputing indicators after the pull failed")
