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


def test_missed_indicator_and_validation_flag_from_stored_values(tmp_path: Path) -> None:
    """NOW is 00:30 on 1/12: November is the month that should be complete. 30 % on time
    of a 95 % target there is missed (one month of a rate, below the 50 % band); 1,200
    households with fibre of 1,000 households breaks "numerator ≤ denominator"."""
    from coc.indicators import validation
    from coc.indicators.engine import Engine
    from coc.ingest.writers import write_values

    store, catalog = new_store(tmp_path / "c.sqlite3"), small_catalog()
    prepare(store, commune_settings(), catalog, NOW)
    items = [
        {"code": "SO_HO_PHU_CAP_QUANG", "period": "202611", "value": 1200},
        {"code": "SO_HO", "period": "202611", "value": 1000},
    ]
    write_values(store, catalog, items, "10237", source="reporting")
    Engine(catalog).refresh(store, "10237", ["202611"], now=NOW)
    # a figure the one-stop system reported (written after the recompute, which
    # would retire it: this store holds no dossiers)
    put_values(
        store,
        [
            {
                "indicator_code": "TTHC_DUNG_HAN",
                "org_unit": "10237",
                "period": "202611",
                "value": 30.0,
                "numerator": 3,
                "denominator": 10,
            },
        ],
    )
    sources.check_indicators(store, catalog, "10237", NOW)
    reds = {a["subject"]: a for a in open_of(store, "indicator_red")}
    assert reds["TTHC_DUNG_HAN"]["message"].endswith("mới đạt 31,6% chỉ tiêu năm")
    [flag] = validation.open_flags(store, "10237", "202611", catalog)
    [alert] = open_of(store, "validation")
    assert alert["subject"] == f"{flag.rule_code}:10237:202611"
    assert alert["message"] == flag.message("vi") and "(1.200 > 1.000)" in alert["message"]
    put_values(
        store,
        [
            {
                "indicator_code": "TTHC_DUNG_HAN",
                "org_unit": "10237",
                "period": "202611",
                "value": 96.0,
                "numerator": 96,
                "denominator": 100,
            }
        ],
    )
    validation.confirm(store, catalog, flag.id, "thongke", "đúng: hộ ngoài xã nối nhờ")
    sources.check_indicators(store, catalog, "10237", NOW + timedelta(hours=1))
    reds = {a["subject"] for a in open_of(store, "indicator_red")}
    assert "TTHC_DUNG_HAN" not in reds and open_of(store, "validation") == []


def _row(status: str) -> IndicatorRow:
    return IndicatorRow(
        "X", "Chỉ tiêu X", "p", "%", "s", "higher", 50.0, None, None, 100.0, 50.0, None,
        None, None, None, (), status=status,
    )  # fmt: skip


def test_at_risk_and_missed_are_the_tiles_own_verdicts() -> None:
    assert sources.indicator_at_risk(_row("at_risk"))
    assert not sources.indicator_at_risk(_row("behind"))  # behind the path, projection fine
    assert not sources.indicator_at_risk(_row("provisional"))  # the month in progress
    assert sources.indicator_missed(_row("missed"))
    assert not sources.indicator_missed(_row("near"))


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
