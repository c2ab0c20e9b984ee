"""Explanation requests: responsible person (catalog, changed in the UI), request with a due
date and its notification, answer, the open/overdue list and the overdue alert."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from fixtures_base import new_store, small_catalog

from coc import explain
from coc.alerts import lifecycle as lc
from coc.alerts.lifecycle import AlertFilter
from coc.auth.users import add_user
from coc.indicators.catalog import Catalog
from coc.notify import outbox
from coc.notify.config import parse_config
from coc.store.db import Store

NOW = datetime(2026, 12, 31, 10, 0, tzinfo=UTC)  # 17:00 local, 31/12
CODE = "TTHC_DUNG_HAN"
CFG = parse_config(
    {
        "channels": [{"name": "tele", "type": "telegram", "token_env": "T"}],
        "people": {"lan": [{"channel": "tele", "recipient": "555"}]},
    },
    {"T": "x"},
)


@pytest.fixture
def world(tmp_path: Path) -> tuple[Store, Catalog]:
    store = new_store(tmp_path / "e.sqlite3")
    for user, role in [("lan", "clerk"), ("hung", "clerk"), ("chutich", "approver")]:
        add_user(store, user, "mật-khẩu-dài-123", role=role)
    base = small_catalog()
    items = [replace(i, responsible="lan") if i.code == CODE else i for i in base.indicators]
    return store, Catalog(tuple(items), base.pillars)


def ask(store: Store, catalog: Catalog, due: date, now: datetime = NOW) -> int:
    return explain.request(store, catalog, CFG, code=CODE, org_unit="10237", period="202612",
                           by="chutich", due=due, question="Vì sao tỷ lệ đúng hạn thấp?",
                           now=now)  # fmt: skip


def test_request_notifies_the_responsible_person_and_the_answer_is_kept(world) -> None:
    store, catalog = world
    assert explain.responsible(store, catalog, CODE) == "lan"
    request_id = ask(store, catalog, date(2027, 1, 5))
    with store.session() as session:
        [note] = outbox.deliveries(session)
    assert (note["channel"], note["recipient"], note["event"]) == ("tele", "555", "explain")
    assert (
        note["title"]
        == "Yêu cầu giải trình: Tỷ lệ hồ sơ TTHC giải quyết trước hạn, đúng hạn (766 – 2.1)"
    )
    with pytest.raises(explain.ExplainError, match="người chịu trách nhiệm"):
        explain.answer(store, request_id, "hung", "không phải tôi", NOW)
    explain.answer(store, request_id, "lan", "Hệ thống một cửa lỗi 3 ngày.", NOW)
    [row] = explain.requests_for(store, CODE, "10237", NOW)
    assert (row["status"], row["answer"], row["answered_by"]) == (
        "answered", "Hệ thống một cửa lỗi 3 ngày.", "lan",
    )  # fmt: skip
    assert explain.open_requests(store, NOW) == []


def test_responsible_changed_in_the_ui_wins_over_the_catalog(world) -> None:
    store, catalog = world
    explain.set_responsible(store, catalog, CODE, "hung", "chutich", NOW)
    assert explain.responsible(store, catalog, CODE) == "hung"
    with pytest.raises(explain.ExplainError, match="không có người dùng"):
        explain.set_responsible(store, catalog, CODE, "ai-do", "chutich", NOW)
    ask(store, catalog, date(2027, 1, 2))
    assert [r["assignee"] for r in explain.open_requests(store, NOW)] == ["hung"]


def test_overdue_request_raises_an_alert_cleared_by_the_answer(world) -> None:
    store, catalog = world
    late = ask(store, catalog, date(2026, 12, 31))  # due today (local): not yet overdue
    later = ask(store, catalog, date(2027, 1, 10))
    assert explain.check_overdue(store, catalog, NOW) == 0
    new_year = NOW + timedelta(hours=8)  # 01:00 local on 1/1/2027
    assert explain.check_overdue(store, catalog, new_year) == 1
    assert explain.check_overdue(store, catalog, new_year) == 0  # same condition
    listed = explain.open_requests(store, new_year)
    assert [(r["id"], r["overdue"]) for r in listed] == [(late, True), (later, False)]
    with store.session() as session:
        [alert] = lc.find_alerts(session, AlertFilter(kinds=("explanation_overdue",)))
    assert alert["message"].startswith("Quá hạn giải trình: Tỷ lệ hồ sơ TTHC")
    assert "hạn 31/12/2026" in alert["message"]
    explain.answer(store, late, "lan", "Đã bổ sung.", new_year)
    with store.session() as session:
        assert lc.find_alerts(session, AlertFilter(kinds=("explanation_overdue",))) == []


def test_bad_requests_are_refused_with_a_reason(world) -> None:
    store, catalog = world
    with pytest.raises(explain.ExplainError, match="hạn trả lời đã qua"):
        ask(store, catalog, date(2026, 12, 30))
    with pytest.raises(explain.ExplainError, match="cần nội dung"):
        explain.request(store, catalog, CFG, code=CODE, org_unit="10237", period="202612",
                        by="chutich", due=date(2027, 1, 9), question="  ", now=NOW)  # fmt: skip
    with pytest.raises(explain.ExplainError, match="chưa có người chịu trách nhiệm"):
        explain.request(store, catalog, CFG, code="TTHC_HAI_LONG", org_unit="10237",
                        period="202612", by="chutich", due=date(2027, 1, 9), question="?",
                        now=NOW)  # fmt: skip
