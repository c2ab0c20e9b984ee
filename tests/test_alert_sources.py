"""Alerts beyond sensors: stale sources, failing connectors and push, red / at-risk
indicators and validation flags, raised and cleared through the one lifecycle."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from fixtures_base import new_store, small_catalog
from fixtures_http import commune_settings, put_values

from coc.alerts import lifecycle as lc
from coc.alerts import sources
from coc.alerts.lifecycle import AlertFilter
from coc.bootstrap import prepare
from coc.config import Settings
from coc.indicators.query import IndicatorRow
from coc.store.db import Store
from coc.store.runs import PUSH, finish_run, start_run

NOW = datetime(2026, 11, 30, 17, 30, tzinfo=UTC)  # 00:30 local on 1 December


def settings() -> Settings:
    return commune_settings(
        sources=[
            {
                "name": "qlvb",
                "kind": "documents",
                "url": "http://127.0.0.1:9",
                "interval_minutes": 15,
            }
        ]
    )


def open_of(store: Store, kind: str) -> list[dict]:
    with store.session() as session:
        return lc.find_alerts(session, AlertFilter(kinds=(kind,)))


def run(store: Store, name: str, status: str, at: datetime) -> None:
    finish_run(store, start_run(store, name), status, finished_at=at)


def test_stale_source_raises_then_clears(tmp_path: Path) -> None:
    store, s = new_store(tmp_path / "c.sqlite3"), settings()
    assert sources.check_stale(store, s, NOW) == 1
    assert sources.check_stale(store, s, NOW + timedelta(minutes=1)) == 0  # same condition
    [alert] = open_of(store, "source_stale")
    assert alert["message"] == (
        "Dữ liệu Quản lý văn bản và điều hành chưa được cập nhật (lần tốt gần nhất: chưa lần nào)"
    )
    assert alert["count"] == 1
    run(store, "qlvb", "ok", NOW + timedelta(minutes=2))
    assert sources.check_stale(store, s, NOW + timedelta(minutes=3)) == 1
    assert open_of(store, "source_stale") == []


def test_repeated_failures_raise_and_a_success_clears(tmp_path: Path) -> None:
    store, s = new_store(tmp_path / "c.sqlite3"), settings()
    for i in range(2):
        run(store, "qlvb", "failed", NOW + timedelta(minutes=i))
        run(store, PUSH, "failed", NOW + timedelta(minutes=i))
    assert sources.check_failing(store, s, NOW) == 0  # two is not yet "repeatedly"
    run(store, "qlvb", "failed", NOW + timedelta(minutes=3))
    run(store, PUSH, "failed", NOW + timedelta(minutes=3))
    assert sources.check_failing(store, s, NOW) == 2
    assert [a["message"] for a in open_of(store, "connector_failing")] == [
        "Lấy dữ liệu từ Quản lý văn bản và điều hành thất bại 3 lần liên tiếp"
    ]
    assert [a["subject"] for a in open_of(store, "push_failing")] == [PUSH]
    run(store, "qlvb", "ok", NOW + timedelta(minutes=5))
    assert sources.check_failing(store, s, NOW) == 1
    assert open_of(store, "connector_failing") == [] and len(open_of(store, "push_failing")) == 1


def test_red_indicator_and_validation_flag_from_stored_values(tmp_path: Path) -> None:
    store, catalog = new_store(tmp_path / "c.sqlite3"), small_catalog()
    prepare(store, commune_settings(), catalog, NOW)
    put_values(
        store,
        [
            {
                "indicator_code": "TTHC_DUNG_HAN",
                "org_unit": "10237",
                "period": "202612",
                "value": 30.0,
                "numerator": 3,
                "denominator": 10,
            },
            {
                "indicator_code": "TTHC_HAI_LONG",
                "org_unit": "10237",
                "period": "202612",
                "value": 120.0,
                "numerator": 12,
                "denominator": 10,
            },
        ],
    )
    sources.check_indicators(store, catalog, "10237", NOW)
    [red] = open_of(store, "indicator_red")
    assert red["subject"] == "TTHC_DUNG_HAN" and red["message"].endswith(
        "mới đạt 31,6% chỉ tiêu năm"
    )
    [flag] = open_of(store, "validation")
    assert flag["subject"] == "numerator_le_denominator:TTHC_HAI_LONG:10237:202612"
    assert "tử số (12) lớn hơn mẫu số (10)" in flag["message"]
    put_values(
        store,
        [
            {
                "indicator_code": "TTHC_DUNG_HAN",
                "org_unit": "10237",
                "period": "202612",
                "value": 96.0,
                "numerator": 96,
                "denominator": 100,
            }
        ],
    )
    sources.check_indicators(store, catalog, "10237", NOW + timedelta(hours=1))
    assert open_of(store, "indicator_red") == []


def row(completion: float | None, band: str | None, direction: str = "higher") -> IndicatorRow:
    return IndicatorRow(
        "X",
        "Chỉ tiêu X",
        "p",
        "%",
        "s",
        direction,
        50.0,
        None,
        None,
        100.0,
        completion,
        band,
        None,
        None,
        None,
        (),
    )


def test_at_risk_seam_reads_the_share_of_the_year() -> None:
    july = datetime(2026, 7, 1, 3, tzinfo=UTC)  # half the year gone
    assert sources.indicator_at_risk(row(40.0, "amber"), july)
    assert not sources.indicator_at_risk(row(60.0, "amber"), july)
    assert not sources.indicator_at_risk(row(10.0, "red"), july)  # red is its own alert
    assert not sources.indicator_at_risk(row(40.0, "amber", "lower"), july)
    assert not sources.indicator_at_risk(row(None, None), july)


def test_jobs_register_with_the_shipped_notification_file(tmp_path: Path) -> None:
    from apscheduler.schedulers.background import BackgroundScheduler

    from coc.alert_jobs import check_job, notify_job, register_jobs

    store, s = new_store(tmp_path / "c.sqlite3"), settings()
    scheduler = BackgroundScheduler()
    cfg = register_jobs(scheduler, store, s, small_catalog(), "10237", environ={})
    assert {j.id for j in scheduler.get_jobs()} == {"alerts-check", "notify-dispatch"}
    assert not cfg.enabled and cfg.quiet is not None  # shipped: quiet hours, no channels
    check_job(store, s, small_catalog(), "10237")
    notify_job(store, s, cfg)
    assert len(open_of(store, "source_stale")) == 1
