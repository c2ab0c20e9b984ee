"""The one paged pull with a saved cursor: connectors page through a source's streams, a
province pages through each commune's feed, both with `pull_pages`.

Per page, in one transaction: the records are written (the bad ones quarantined), the
cursor moves, and the run record counts the page. A crash before the commit leaves the
cursor where it was, so the page is read again and the idempotent upsert makes that
harmless; a crash after it loses nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import update
from sqlalchemy.engine import Connection

from coc.counts import Counts
from coc.net import HttpClient, Reply
from coc.store.db import Store
from coc.store.models import ConnectorRun
from coc.store.runs import read_cursor, save_cursor

AfterPage = Callable[[Connection, Counts], None]


class PageError(ValueError):
    """An answer parsed as JSON but is not a page of this feed; the message says why."""


class PagedFeed(Protocol):
    """What `pull_pages` needs to know about one paged endpoint."""

    cursor_name: str  # the connector_cursor row
    path: str  # appended to the client's base URL

    def first_params(self, cursor: str | None) -> Mapping[str, Any]:
        """Query of the first page after the saved cursor (None: from the start)."""
        ...

    def records(self, body: Any) -> list[Any]:
        """The records of a page; PageError when the body is not a page."""
        ...

    def next_params(self, body: Any, records: list[Any]) -> Mapping[str, Any] | None:
        """Query of the following page, or None after the last."""
        ...

    def advance(
        self, cursor: str | None, reply: Reply, records: list[Any], last: bool
    ) -> str | None:
        """The cursor once this page is stored (the same one when it does not move)."""
        ...

    def write(self, records: list[Any], page: int, after: AfterPage) -> Counts:
        """Store a page in one transaction, calling `after(conn, counts)` inside it."""
        ...


@dataclass(frozen=True)
class Page:
    """One stored page: its number (from 1), records and what writing them did."""

    number: int
    records: list[Any]
    counts: Counts
    cursor: str | None


def pull_pages(
    store: Store, client: HttpClient, feed: PagedFeed, *, run_id: int | None = None
) -> Iterator[Page]:
    """Read `feed` from its saved cursor to the end, yielding each page after it, its
    cursor and the run's page and record counts are committed. HTTP failures raise
    `coc.net.HttpError`, a body that is no page `PageError`; the cursor stays at the last
    committed page either way."""
    cursor = read_cursor(store, feed.cursor_name)
    params = feed.first_params(cursor)
    number = 0
    while params is not None:
        reply = client.get_json(feed.path, params)
        records = feed.records(reply.data)
        number += 1
        following = feed.next_params(reply.data, records)
        moved = feed.advance(cursor, reply, records, following is None)

        def after(
            conn: Connection,
            _counts: Counts,
            old: str | None = cursor,
            new: str | None = moved,
            n: int = len(records),
        ) -> None:
            if new is not None and new != old:
                save_cursor(conn, feed.cursor_name, new)
            if run_id is not None:
                conn.execute(
                    update(ConnectorRun)
                    .where(ConnectorRun.id == run_id)
                    .values(
                        pages=ConnectorRun.pages + 1,
                        records=ConnectorRun.records + n,
                    )
                )

        counts = feed.write(records, number, after)
        cursor = moved if moved is not None else cursor
        yield Page(number, records, counts, cursor)
        params = following
