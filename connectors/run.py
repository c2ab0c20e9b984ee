"""Run one connector now: page through each stream from its cursor, write, record the run.

Per page, in one transaction: good records are upserted, bad ones quarantined with their
raw payload, and the stream's cursor moves to the largest (replication value, id) seen on
the page. A crash before the commit leaves the cursor where it was, so the page is read
again and the idempotent upsert makes that harmless; a crash after it loses nothing.
"""

from __future__ import annotations

import functools
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import update
from sqlalchemy.engine import Connection

from coc.config import Settings, SourceSettings
from coc.errors import CocError
from coc.indicators.catalog import Catalog
from coc.ingest.writers import WriteSummary
from coc.periods import month_of, parse_period
from coc.store.db import Store
from coc.store.models import ConnectorCursor, ConnectorRun
from coc.store.runs import finish_run, start_run
from coc.store.upsert import upsert_rows
from coc.timeutil import iso_utc, utcnow
from connectors.http import Client, SourceError
from connectors.streams import CONNECTORS, Cursor, PageError, Stream

log = logging.getLogger(__name__)
STALE_RUN = timedelta(hours=6)  # another process may be pulling: only older runs are dead
INTERRUPTED = "bị gián đoạn (tiến trình dừng giữa chừng)"
_locks: dict[str, threading.Lock] = {}
_locks_guard = threading.Lock()


class AlreadyRunning(CocError):
    """The same connector is being pulled in this process right now."""


@dataclass
class RunSummary:
    connector: str
    status: str = "running"  # ok | partial | failed
    started_at: datetime = field(default_factory=utcnow)
    finished_at: datetime | None = None
    pages: int = 0
    records: int = 0
    imported: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    errors: int = 0
    message: str | None = None
    periods: list[str] = field(default_factory=list)
    run_id: int | None = None

    def add(self, page: WriteSummary, seen: int) -> None:
        self.pages += 1
        self.records += seen
        self.imported += page.imported
        self.updated += page.updated
        self.unchanged += page.unchanged
        self.rejected += page.rejected

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


def cursor_name(source: str, stream: Stream) -> str:
    return f"{source}:{stream.name}"


def load_cursor(store: Store, source: str, stream: Stream) -> Cursor | None:
    with store.session() as session:
        row = session.get(ConnectorCursor, cursor_name(source, stream))
        return Cursor.from_text(row.cursor) if row else None


def _save_cursor(conn: Connection, name: str, cursor: Cursor) -> None:
    row = {"connector": name, "cursor": cursor.to_text(), "updated_at": utcnow()}
    upsert_rows(conn, ConnectorCursor, [row], ["connector"], compare=["cursor"])


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
    client: Client,
    org_unit: str,
    summary: RunSummary,
    periods: set[str],
) -> None:
    """Page through one stream from its saved cursor to the end."""
    cursor = load_cursor(store, source.name, stream)
    params: dict[str, Any] | None = stream.first_params(cursor, source.page_size)
    quarantine_source = source.name
    page_no = 0
    while params is not None:
        body = client.get_json(stream.path, params)
        try:
            records = stream.records(body)
        except PageError as exc:
            raise SourceError(f"nguồn '{source.name}' trả trang không hợp lệ: {exc}") from None
        page_no += 1
        keys = [k for k in (stream.key(r) for r in records) if k is not None]
        best = max(keys, default=None)
        new_cursor = best if best is not None and (cursor is None or best > cursor) else None

        def context(index: int, page: int = page_no) -> str:
            return f"trang {page} của {stream.path}, bản ghi {index + 1}"

        def after(
            conn: Connection, _: WriteSummary, moved: Cursor | None = new_cursor, n: int = 0
        ) -> None:
            if moved is not None:
                _save_cursor(conn, cursor_name(source.name, stream), moved)
            conn.execute(
                update(ConnectorRun)
                .where(ConnectorRun.id == summary.run_id)
                .values(pages=summary.pages + 1, records=summary.records + n)
            )

        written = stream.write(
            store,
            catalog,
            records,
            org_unit,
            quarantine_source,
            context,
            functools.partial(after, n=len(records)),
        )
        summary.add(written, len(records))
        cursor = new_cursor or cursor
        periods.update(p for p in (stream.period(r) for r in records) if p)
        params = stream.next_params(body, source.page_size) if records else None


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
        client = Client(source, sleep=sleep) if sleep else Client(source)
        months: set[str] = set()
        try:
            for stream in streams:
                pull_stream(
                    store, catalog, source, stream, client, settings.commune.code, summary, months
                )
            summary.status = "ok"
        except SourceError as exc:
            summary.status = "partial" if summary.pages else "failed"
            summary.message = str(exc)
            log.warning("%s", exc)
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
