"""`coc devices`, `coc simulate devices`, `coc ingest` and the scheduled device jobs."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest
from apscheduler.schedulers.background import BackgroundScheduler

from coc.cli import main
from coc.cli.devices import add_simulate_devices, register, simulate_parser
from coc.config import load_settings
from sensors.jobs import register_jobs


def test_coc_devices_lists_status_in_vietnamese(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("COC_DATA_DIR", str(tmp_path))
    assert main(["devices", "--kind", "speaker"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 6
    assert lines[0].split() == [
        "loa-01",
        "Loa",
        "chưa",
        "rõ",
        "chưa",
        "từng",
        "Cụm",
        "loa",
        "nhà",
        "văn",
        "hóa",
        "Kỳ",
        "Dương",
    ]


def test_simulate_without_broker_is_one_clear_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("COC_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("COC_MQTT_URL", raising=False)
    assert main(["simulate", "devices", "--seconds", "1"]) == 1
    assert (
        capsys.readouterr().err
        == "coc: lỗi: chưa có broker MQTT: dùng --url hoặc đặt COC_MQTT_URL\n"
    )
    assert main(["simulate", "devices", "--url", "http://x"]) == 1
    assert "địa chỉ MQTT không hợp lệ: 'http://x'" in capsys.readouterr().err
    assert main(["ingest"]) == 1
    assert (
        capsys.readouterr().err
        == "coc: lỗi: chưa cấu hình broker MQTT (mqtt.url hoặc COC_MQTT_URL)\n"
    )


def test_simulate_group_is_shared_whoever_registers_first() -> None:
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command")
    sources_group = simulate_parser(sub)  # as the connectors module would do it
    sources_group.add_parser("sources")
    register(sub)
    assert set(simulate_parser(sub).choices) == {"sources", "devices"}
    again = argparse.ArgumentParser().add_subparsers()
    add_simulate_devices(simulate_parser(again))
    assert set(simulate_parser(again).choices) == {"devices"}


def test_register_jobs_adds_the_four_device_jobs(sqlite_store) -> None:
    scheduler = BackgroundScheduler()
    register_jobs(scheduler, sqlite_store, load_settings(environ={}))
    jobs = {job.id: job.trigger.interval.total_seconds() for job in scheduler.get_jobs()}
    assert jobs == {
        "devices-status": 30.0,
        "devices-alerts": 30.0,
        "devices-rollup": 60.0,
        "devices-prune": 3600.0,
    }
