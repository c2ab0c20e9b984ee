"""Auth, timeouts, Retry-After and keyset cursors with timestamp ties, over real HTTP."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fixtures_base import SAMPLE_DIR, new_store, serve, shipped_catalog
from fixtures_sources import served, settings_for
from sqlalchemy import select

from coc.config import SourceSettings
from coc.net import HttpClient, Unreachable, parse_retry_after
from coc.store.models import ConnectorRun, Document
from connectors.http import source_error, source_target
from connectors.run import pull
from connectors.simulator import start_source_simulator


def test_bearer_token_is_sent_and_a_wrong_one_fails_at_once(tmp_path: Path) -> None:
    with start_source_simulator(SAMPLE_DIR, token="bí-mật") as sim:
        store, cat = new_store(tmp_path), shipped_catalog()
        good = settings_for(sim.url, tmp_path, auth="bearer", token="bí-mật")
        assert pull(store, good, cat, "reporting", refresh=False).status == "ok"
        bad = settings_for(sim.url, tmp_path, auth="bearer", token="sai")
        before = sim.requests
        summary = pull(store, bad, cat, "tthc", refresh=False)
        assert summary.status == "failed"
        assert summary.message == (
            "nguồn 'tthc' từ chối xác thực (HTTP 401); kiểm tra token hoặc tài khoản"
        )
        assert sim.requests == before  # 401 is answered before counting: no retries either
        with store.session() as s:
            run = s.scalars(select(ConnectorRun).where(ConnectorRun.connector == "tthc")).one()
        assert (run.status, run.errors, run.records) == ("failed", 1, 0)


def test_basic_auth(tmp_path: Path) -> None:
    with start_source_simulator(SAMPLE_DIR, basic=("vanthu", "mật khẩu")) as sim:
        store = new_store(tmp_path)
        ok = settings_for(sim.url, tmp_path, auth="basic", username="vanthu", password="mật khẩu")
        summary = pull(store, ok, shipped_catalog(), "reporting", refresh=False)
        assert summary.records == served()["data_values"].total
        wrong = settings_for(sim.url, tmp_path, auth="basic", username="vanthu", password="x")
        assert pull(store, wrong, shipped_catalog(), "reporting", refresh=False).status == "failed"


def test_timeout_is_retried_then_reported(tmp_path: Path) -> None:
    with start_source_simulator(SAMPLE_DIR, faults={"slow_s": 0.5}) as sim:
        source = SourceSettings(
            name="tthc", kind="tthc", url=sim.url, auth="none", timeout_s=0.1, max_retries=2
        )
        waits: list[float] = []
        client = HttpClient(source_target(source), sleep=waits.append)
        with pytest.raises(Unreachable) as err:
            client.get_json("/dvc/api/v1/hoso", {"SoLuong": 5})
        assert str(source_error("tthc", err.value)) == (
            "không đọc được nguồn 'tthc' sau 3 lần thử: lỗi mạng (ReadTimeout)"
        )
        # exponential backoff with equal jitter, no wait after the last try
        assert len(waits) == 2 and 0.5 <= waits[0] <= 1.0 and 1.0 <= waits[1] <= 2.0
        assert client.attempts.errors == 3


def test_retry_after_header_forms() -> None:
    now = datetime(2026, 11, 22, 1, 0, tzinfo=UTC)
    assert parse_retry_after("7", now) == 7.0
    later = now + timedelta(seconds=30)
    assert parse_retry_after(later.strftime("%a, %d %b %Y %H:%M:%S GMT"), now) == 30.0
    assert parse_retry_after("soon", now) is None


def _docs(ids: str, stamp: str) -> list[dict]:
    return [
        {
            "id": f"VB-{i}",
            "direction": "out",
            "symbol": f"{n}/UBND-VP",
            "issued_date": "2026-11-02",
            "signed": True,
            "status": "done",
            "updated_at": stamp,
        }
        for n, i in enumerate(ids, start=1)
    ]


def _sample_dir(path: Path, docs: list[dict]) -> Path:
    path.mkdir(exist_ok=True)
    (path / "documents.json").write_text(json.dumps(docs), encoding="utf-8")
    for name in ("work_files.json", "dossiers.json", "reporting.json"):
        (path / name).write_text("[]", encoding="utf-8")
    return path


def test_equal_timestamps_across_page_boundaries_are_never_skipped(tmp_path: Path) -> None:
    stamp = "2026-11-20T08:00:00+07:00"
    folder = _sample_dir(tmp_path / "src", _docs("abcde", stamp))
    store = new_store(tmp_path)
    with start_source_simulator(folder) as sim:
        settings = settings_for(sim.url, tmp_path, page_size=2)
        first = pull(store, settings, None, "documents", refresh=False)
    assert (first.pages, first.records, first.imported) == (3 + 1, 5, 5)

    # later: two more records at the very same second, and one a minute later
    more = _docs("abcdefg", stamp)
    more[-1]["updated_at"] = "2026-11-20T08:01:00+07:00"
    folder = _sample_dir(tmp_path / "src", more)
    with start_source_simulator(folder) as sim:
        settings = settings_for(sim.url, tmp_path, page_size=2)
        second = pull(store, settings, None, "documents", refresh=False)
    assert (second.records, second.imported, second.unchanged) == (2, 2, 0)
    with store.session() as s:
        assert sorted(s.scalars(select(Document.doc_id))) == [f"VB-{c}" for c in "abcdefg"]


def test_an_internal_failure_is_recorded_on_the_run_and_raised(tmp_path: Path) -> None:
    store = new_store(tmp_path)
    with start_source_simulator(SAMPLE_DIR) as sim:
        settings = settings_for(sim.url, tmp_path)
        with pytest.raises(ValueError, match="needs the indicator catalog"):
            pull(store, settings, None, "reporting", refresh=False)
    with store.session() as s:
        run = s.scalars(select(ConnectorRun)).one()
    assert run.status == "failed" and run.finished_at is not None
    assert run.message == "lỗi nội bộ: ValueError: the reporting stream needs the indicator catalog"


def test_a_date_at_the_edge_of_the_calendar_is_quarantined_not_a_crash(tmp_path: Path) -> None:
    docs = _docs("abc", "2026-11-20T08:00:00+07:00")
    docs[1]["updated_at"] = "0001-01-01T00:00:00+07:00"  # in UTC that would be year 0

    def source(environ, start_response):  # one page of documents, no work files
        items = docs if environ["PATH_INFO"].endswith("/documents") else []
        start_response("200 OK", [("Content-Type", "application/json")])
        return [json.dumps({"items": items, "next_cursor": None}).encode()]

    store = new_store(tmp_path)
    with serve(source) as url:
        summary = pull(store, settings_for(url, tmp_path), None, "documents", refresh=False)
    assert (summary.status, summary.imported, summary.rejected) == ("ok", 2, 1)
    assert summary.reasons == [
        "trang 1 của /qlvb/api/v1/documents, bản ghi 2: "
        "updated_at không phải ngày hợp lệ: '0001-01-01T00:00:00+07:00'"
    ]
