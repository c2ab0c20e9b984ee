"""The one paged pull (coc.ingest.pager) over real loopback HTTP and a real SQLite store:
a page, its cursor and the run's counts commit together or not at all."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
from fixtures_base import new_store, serve
from sqlalchemy import func, select

from coc.counts import Counts
from coc.ingest.pager import AfterPage, PageError, pull_pages
from coc.ingest.writers import write_records
from coc.net import HttpClient, Refused, Reply, RetryPolicy, Target
from coc.store.db import Store
from coc.store.models import ConnectorRun, Document
from coc.store.runs import read_cursor, start_run

DOCS = [
    {"id": f"VB-{n}", "direction": "out", "symbol": f"{n}/UBND", "issued_date": "2026-11-02",
     "signed": True, "status": "done", "updated_at": f"2026-11-20T08:0{n}:00+07:00"}
    for n in range(5)
]  # fmt: skip


class Source:
    """A WSGI source paging DOCS two at a time with ?page=N; `fail_on` answers 404."""

    def __init__(self, fail_on: int | None = None) -> None:
        self.fail_on = fail_on

    def __call__(self, environ: dict[str, Any], start_response: Any) -> list[bytes]:
        query = environ.get("QUERY_STRING", "")
        page = int(query.split("page=")[1]) if "page=" in query else 0
        if page == self.fail_on:
            start_response("404 Not Found", [("Content-Type", "application/json")])
            return [b"{}"]
        items = DOCS[page * 2 : page * 2 + 2]
        body = {"items": items, "next": page + 1 if page * 2 + 2 < len(DOCS) else None}
        start_response("200 OK", [("Content-Type", "application/json")])
        return [json.dumps(body).encode()]


class DocFeed:
    cursor_name = "test:documents"
    path = "/docs"

    def __init__(self, store: Store, explode_on: int | None = None) -> None:
        self.store, self.explode_on = store, explode_on

    def first_params(self, cursor: str | None) -> Mapping[str, Any]:
        return {"page": int(cursor) + 1} if cursor else {"page": 0}

    def records(self, body: Any) -> list[Any]:
        if not isinstance(body, dict) or not isinstance(body.get("items"), list):
            raise PageError("no items")
        return body["items"]

    def next_params(self, body: Any, records: list[Any]) -> Mapping[str, Any] | None:
        return {"page": body["next"]} if body.get("next") is not None else None

    def advance(self, cursor: str | None, reply: Reply, records: list[Any], last: bool) -> str:
        page = int(reply.response.url.split("page=")[1])
        return str(page)

    def write(self, records: list[Any], page: int, after: AfterPage) -> Counts:
        def then(conn: Any, counts: Counts) -> None:
            after(conn, counts)
            if page == self.explode_on:
                raise RuntimeError("disk full")

        return write_records(self.store, "document", records, "10237", "test", after=then)


def _client(url: str) -> HttpClient:
    return HttpClient(Target(url, policy=RetryPolicy(0, 0.01, 0.01, 5)), sleep=lambda _s: None)


def _state(store: Store, run_id: int) -> tuple[str | None, int, int, int]:
    with store.session() as s:
        run = s.get(ConnectorRun, run_id)
        docs = s.scalar(select(func.count()).select_from(Document))
    assert run is not None
    return read_cursor(store, "test:documents"), run.pages, run.records, int(docs or 0)


def test_pages_commit_with_their_cursor_and_resume_after_it(tmp_path: Path):
    store = new_store(tmp_path / "s.sqlite3")
    run_id = start_run(store, "test")
    with serve(Source()) as url:
        pages = list(pull_pages(store, _client(url), DocFeed(store), run_id=run_id))
        assert [(p.number, len(p.records), p.counts.imported, p.cursor) for p in pages] == [
            (1, 2, 2, "0"),
            (2, 2, 2, "1"),
            (3, 1, 1, "2"),
        ]
        assert _state(store, run_id) == ("2", 3, 5, 5)
        again = list(pull_pages(store, _client(url), DocFeed(store), run_id=run_id))
    # resumed after the saved cursor: one empty page, nothing read twice
    assert [(p.number, p.records, p.counts.imported) for p in again] == [(1, [], 0)]
    assert _state(store, run_id)[1:] == (4, 5, 5)


def test_a_write_that_fails_leaves_cursor_run_and_rows_as_they_were(tmp_path: Path):
    store = new_store(tmp_path / "s.sqlite3")
    run_id = start_run(store, "test")
    with serve(Source()) as url:
        feed = DocFeed(store, explode_on=2)
        with pytest.raises(RuntimeError, match="disk full"):
            for _page in pull_pages(store, _client(url), feed, run_id=run_id):
                pass
        assert _state(store, run_id) == ("0", 1, 2, 2)  # page 1 only
        rest = list(pull_pages(store, _client(url), DocFeed(store), run_id=run_id))
    assert [p.number for p in rest] == [1, 2]  # resumed at page 2 of the source
    assert _state(store, run_id) == ("2", 3, 5, 5)


def test_a_refused_page_stops_after_the_last_committed_one(tmp_path: Path):
    store = new_store(tmp_path / "s.sqlite3")
    run_id = start_run(store, "test")
    with serve(Source(fail_on=1)) as url, pytest.raises(Refused):
        list(pull_pages(store, _client(url), DocFeed(store), run_id=run_id))
    assert _state(store, run_id) == ("0", 1, 2, 2)
