"""`coc sync` and `coc province …` commands, the scheduled jobs, health details and the
service-status helpers the MQTT ingester calls."""

from __future__ import annotations

import hashlib

import pytest
import requests
import yaml
from apscheduler.schedulers.background import BackgroundScheduler
from fixtures_base import new_store, small_catalog
from fixtures_http import (
    PUSH_TOKENS,
    commune_settings,
    province_settings,
    put_values,
    serve_coc,
    year_of_values,
)

from coc.store.models import ConnectorRun
from coc.store.status import get_status, set_status
from coc.sync.jobs import PULL_JOB, PUSH_JOB, register_jobs

pytestmark = pytest.mark.timeout(60)


def _site(tmp_path, data: dict) -> str:
    path = tmp_path / "site.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return str(path)


def test_coc_sync_pushes_and_reports(tmp_path, cli):
    commune = new_store(tmp_path / "c.sqlite3")
    put_values(commune, year_of_values("10237", codes=2))
    province = new_store(tmp_path / "p.sqlite3")
    with serve_coc(province, province_settings()) as (url, _):
        site = _site(
            tmp_path,
            {
                "store": {"database_url": str(commune.engine.url)},
                "upstream": {"url": url, "token": PUSH_TOKENS["10237"]},
            },
        )
        result = cli("--config", site, "sync")
    assert result.code == 0, result.err
    out = result.out
    n = len(year_of_values("10237", codes=2))
    assert f"Đồng bộ thành công: {n} giá trị trong 1 trang (mới {n}" in out
    shown = cli("--config", site, "sync", "--status")
    assert shown.code == 0
    status = shown.out
    assert "Mốc đồng bộ (watermark): 20" in status and "Đồng bộ thành công" in status
    assert PUSH_TOKENS["10237"] not in out + status


def test_coc_sync_errors_are_one_line(tmp_path, cli):
    site = _site(tmp_path, {"store": {"database_url": f"sqlite:///{tmp_path}/x.sqlite3"}})
    result = cli("--config", site, "sync")
    assert (result.code, result.err) == (
        1,
        "coc: lỗi: chưa cấu hình upstream.url (biến môi trường COC_UPSTREAM_URL)\n",
    )
    result = cli("--config", site, "province", "pull")
    assert result.code == 1 and result.err.count("\n") == 1 and "chế độ tỉnh/huyện" in result.err


def test_new_token_prints_its_digest(cli):
    result = cli("sync", "--new-token")
    assert result.code == 0
    lines = result.out.splitlines()
    token = lines[0].split(": ", 1)[1]
    assert len(token) >= 40
    assert lines[1].endswith("sha256:" + hashlib.sha256(token.encode()).hexdigest())


def test_province_completeness_command(tmp_path, cli):
    data = {
        "role": "province",
        "commune": {"code": "01"},
        "store": {"database_url": f"sqlite:///{tmp_path}/p.sqlite3"},
        "province": {
            "communes": [
                {"code": "10237", "name": "Xã Chương Dương"},
                {"code": "10238", "name": "Xã Thượng Phúc"},
            ]
        },
    }
    site = _site(tmp_path, data)
    province = new_store(tmp_path / "p.sqlite3")
    put_values(
        province,
        [
            {
                "indicator_code": "DAN_SO",
                "org_unit": "10237",
                "period": "202601",
                "value": 1.0,
                "source": "upstream",
            }
        ],
    )
    result = cli("--config", site, "province", "completeness", "202601")
    assert result.code == 0, result.err
    out = result.out.splitlines()
    assert out[1].startswith("10237") and out[1].split()[-1] == "—"
    assert out[2].startswith("10238") and out[2].endswith("202601")
    rolled = cli("--config", site, "province", "rollup")
    assert rolled.code == 0 and "1 giá trị thay đổi" in rolled.out
    unknown = cli("--config", site, "province", "pull", "10299")
    assert unknown.code == 1 and "10299" in unknown.err


def test_register_jobs(tmp_path):
    store = new_store(tmp_path / "s.sqlite3")
    catalog = small_catalog()
    scheduler = BackgroundScheduler()
    register_jobs(scheduler, store, commune_settings(), catalog)
    assert scheduler.get_jobs() == []
    register_jobs(scheduler, store, commune_settings(upstream={"url": "http://x"}), catalog)
    assert [j.id for j in scheduler.get_jobs()] == [PUSH_JOB]
    links = [{"code": "10237", "name": "Xã Chương Dương", "url": "http://c", "token": "t"}]
    province = province_settings(links, province={"pull_interval_minutes": 30})
    register_jobs(scheduler, store, province, catalog)
    jobs = {j.id: j for j in scheduler.get_jobs()}
    assert set(jobs) == {PUSH_JOB, PULL_JOB}
    assert jobs[PULL_JOB].trigger.interval.total_seconds() == 1800


def test_health_reports_connectors_broker_and_sync(tmp_path):
    store = new_store(tmp_path / "s.sqlite3")
    set_status(store, "mqtt", "ok", "connected to 127.0.0.1:1883")
    set_status(store, "mqtt", "down", "connection refused")
    assert get_status(store, "mqtt").state == "down"
    with pytest.raises(ValueError):
        set_status(store, "mqtt", "sideways")
    with store.write() as s:
        s.add(ConnectorRun(connector="tthc", status="failed", records=0, message="HTTP 500"))
        s.add(ConnectorRun(connector="tthc", status="ok", records=42))
        s.add(ConnectorRun(connector="sync:push", status="ok", records=7, pages=1))
    settings = commune_settings(mqtt={"url": "mqtt://127.0.0.1:1883"})
    with serve_coc(store, settings) as (url, _):
        body = requests.get(f"{url}/api/v1/health", timeout=5).json()
    assert body["broker"]["status"] == "down" and body["broker"]["detail"] == "connection refused"
    assert [(c["name"], c["status"], c["records"]) for c in body["connectors"]] == [
        ("tthc", "ok", 42)
    ]
    assert (body["sync"]["push"]["status"], body["sync"]["push"]["records"]) == ("ok", 7)
    assert body["status"] == "degraded"


def test_sync_status_for_the_view(tmp_path):
    from coc.net import public_url
    from coc.sync import runs
    from coc.sync.status import sync_status

    assert public_url("https://user:secret@ioc.example:8443/api?x=1") == (
        "https://ioc.example:8443/api"
    )
    store = new_store(tmp_path / "s.sqlite3")
    links = [{"code": "10237", "name": "Xã Chương Dương", "url": "http://a:b@c.example"}]
    settings = province_settings(links, upstream={"url": "https://u:p@hub.example"})
    run_id = runs.start_run(store, runs.pull_name("10237"))
    runs.finish_run(store, run_id, "ok", records=5, pages=1, message="10237: 5 giá trị")
    info = sync_status(store, settings)
    assert info["push"] == {
        "configured": True,
        "url": "https://hub.example",
        "watermark": None,
        "last_run": None,
        "queue_depth": 0,
    }
    # the pull is a sync run, not a data source: no good source pull yet, one run listed
    assert info["sources"]["last_ok"] is None
    assert [(r["name"], r["kind"], r["status"]) for r in info["sources"]["runs"]] == [
        ("sync:pull:10237", "pull", "ok")
    ]
    pull = info["pulls"][0]
    assert (pull["code"], pull["url"], pull["last_run"]["records"]) == (
        "10237",
        "http://c.example",
        5,
    )


def test_health_is_503_when_the_database_is_down(tmp_path):
    from coc.store.db import Store

    dead = Store.from_url("postgresql+psycopg://postgres@127.0.0.1:1/none")
    with serve_coc(dead, commune_settings()) as (url, _):
        r = requests.get(f"{url}/api/v1/health", timeout=10)
    assert r.status_code == 503
    assert (r.json()["status"], r.json()["database"]["status"]) == ("down", "down")
