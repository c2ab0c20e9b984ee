"""Fault tests over real HTTP on loopback: an upstream that goes away and comes back, a
5xx page, a slow upstream, a commune killed mid-push, a province killed mid-pull, and two
communes pushing at once. Nothing may be lost and nothing duplicated."""

from __future__ import annotations

import functools
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest
import yaml
from fixtures_http import (
    FEED_TOKEN,
    PUSH_TOKENS,
    commune_settings,
    free_port,
    load_test_catalog,
    new_store,
    province_settings,
    pushing_commune,
    put_values,
    serve,
    serve_coc,
    stored,
    year_of_values,
)

from coc.api import create_app
from coc.store.db import Store
from coc.sync import runs
from coc.sync.pull import pull_commune
from coc.sync.push import push_once

pytestmark = pytest.mark.timeout(90)
ROOT = Path(__file__).resolve().parents[1]
FAST = {"page_size": 50, "max_retries": 3, "backoff_s": 0.05, "backoff_max_s": 0.2, "timeout_s": 5}
_commune = functools.partial(pushing_commune, **FAST)  # pages of 50, slower backoff


def _same(commune: Store, province: Store, code: str = "10237") -> None:
    """The province holds exactly the commune's values: none lost, none extra."""
    mine = {k: (v.value, v.numerator, v.denominator, v.deleted) for k, v in stored(commune).items()}
    theirs = {
        k: (v.value, v.numerator, v.denominator, v.deleted)
        for k, v in stored(province, code).items()
    }
    assert theirs == mine


def _monthly_batches(store: Store, code: str, codes: int) -> int:
    """Write a year month by month so values carry 12 distinct lastUpdated stamps."""
    rows = year_of_values(code, codes=codes)
    for month in range(1, 13):
        put_values(store, [r for r in rows if r["period"].endswith(f"{month:02d}")])
        time.sleep(0.002)
    return len(rows)


def test_upstream_down_then_back(tmp_path):
    province = new_store(tmp_path / "province.sqlite3")
    port = free_port()
    app = create_app(province, province_settings(), load_test_catalog())
    store, settings = _commune(tmp_path, f"http://127.0.0.1:{port}", max_retries=1)
    put_values(store, year_of_values("10237", codes=5))  # 60 values
    down = push_once(store, settings)  # nobody listening
    assert down.status == "failed" and "lỗi mạng" in down.message
    assert runs.get_watermark(store, runs.PUSH) is None
    with serve(app, port):
        assert push_once(store, settings).sent == 60
    put_values(
        store, [{"indicator_code": "DAN_SO", "org_unit": "10237", "period": "202601", "value": 9.0}]
    )
    assert push_once(store, settings).status == "failed"  # down again
    # comes back while the job is still retrying: 0.05 + 0.1 + 0.2 + 0.2 s of backoff
    patient = settings.model_copy(
        update={"upstream": settings.upstream.model_copy(update={"max_retries": 8})}
    )
    ready = threading.Event()

    def later() -> None:
        time.sleep(0.15)
        with serve(app, port):
            ready.set()
            time.sleep(3)

    threading.Thread(target=later, daemon=True).start()
    result = push_once(store, patient)
    assert ready.is_set() and result.status == "ok" and result.sent >= 1
    _same(store, province)


def test_one_page_gets_a_5xx(tmp_path):
    province = new_store(tmp_path / "province.sqlite3")
    with serve_coc(province, province_settings(), faults=True) as (url, app):
        store, settings = _commune(tmp_path, url)
        put_values(store, year_of_values("10237", codes=10))  # 120 values → 3 pages
        app.fail = [503]
        result = push_once(store, settings)
        assert (result.status, result.pages, result.imported) == ("ok", 3, 120)
        assert app.seen["POST"] == 4
        app.fail = [500] * 4  # beyond the 3 retries: the page fails, the watermark holds
        put_values(
            store,
            [{"indicator_code": "DAN_SO", "org_unit": "10237", "period": "202601", "value": 9.0}],
        )
        mark = runs.get_watermark(store, runs.PUSH)
        failed = push_once(store, settings)
        assert failed.status == "failed" and "HTTP 500" in failed.message
        assert runs.get_watermark(store, runs.PUSH) == mark
        assert push_once(store, settings).status == "ok"
    _same(store, province)


def test_slow_upstream_times_out_and_is_retried(tmp_path):
    province = new_store(tmp_path / "province.sqlite3")
    with serve_coc(province, province_settings(), faults=True) as (url, app):
        store, settings = _commune(tmp_path, url, timeout_s=0.4)
        put_values(store, year_of_values("10237", codes=5))  # 60 values → 2 pages
        app.delay_s, app.delay_count = 1.0, 1
        result = push_once(store, settings)
        time.sleep(0.8)  # let the slow request finish on the server side
    assert result.status == "ok"
    assert app.seen["POST"] == 3
    # the slow page landed too (after the client gave up): its re-send changed nothing
    assert result.imported + result.unchanged == 60
    _same(store, province)


def _config(tmp_path: Path, name: str, data: dict[str, Any]) -> Path:
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def _spawn(code: str, config: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", code, str(config)],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


PUSH_SCRIPT = (
    "import sys; from coc.config import load_settings; from coc.store.db import open_store; "
    "from coc.sync.push import push_once; s = load_settings(sys.argv[1]); "
    "push_once(open_store(s), s)"
)
PULL_SCRIPT = (
    "import sys; from coc.config import load_settings; from coc.store.db import open_store; "
    "from coc.cli.context import Context; from coc.sync.pull import pull_all; "
    "s = load_settings(sys.argv[1]); c = Context(s); pull_all(c.store, s, c.catalog)"
)


def _wait(predicate, timeout: float = 20.0) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return
        time.sleep(0.02)
    raise AssertionError("condition not met in time")


def test_commune_restarts_in_the_middle_of_a_push(tmp_path):
    province = new_store(tmp_path / "province.sqlite3")
    with serve_coc(province, province_settings(), faults=True) as (url, app):
        store, settings = _commune(tmp_path, url)
        total = _monthly_batches(store, "10237", codes=25)  # 300 values → 6 pages
        app.delay_s, app.delay_count = 0.3, 100
        config = _config(
            tmp_path,
            "commune",
            {
                "commune": {"code": "10237"},
                "store": {"database_url": str(store.engine.url)},
                "upstream": {
                    "url": url,
                    "token": PUSH_TOKENS["10237"],
                    "page_size": 50,
                    "watermark_lag_s": 0,
                },
            },
        )
        proc = _spawn(PUSH_SCRIPT, config)
        _wait(lambda: app.seen.get("POST", 0) >= 3)
        proc.kill()  # the commune PC loses power mid-push
        proc.wait(10)
        time.sleep(0.4)
        app.delay_count = 0
        assert 0 < len(stored(province, "10237")) < total
        mark = runs.get_watermark(store, runs.PUSH)
        assert mark is not None  # pages accepted before the crash are remembered
        result = push_once(store, settings)
        assert result.status == "ok" and result.sent < total
    _same(store, province)


def test_province_restarts_in_the_middle_of_a_pull(tmp_path):
    commune = new_store(tmp_path / "commune.sqlite3")
    total = _monthly_batches(commune, "10237", codes=25)  # 300 values
    province_db = tmp_path / "province.sqlite3"
    province = new_store(province_db)
    with serve_coc(commune, commune_settings(), faults=True) as (url, app):
        communes = [{"code": "10237", "name": "Xã Chương Dương", "url": url, "token": FEED_TOKEN}]
        config = _config(
            tmp_path,
            "province",
            {
                "role": "province",
                "commune": {"code": "01"},
                "store": {"database_url": f"sqlite:///{province_db}"},
                "province": {"communes": communes, "pull_page_size": 25, "pull_lag_s": 0},
            },
        )
        app.delay_s, app.delay_count = 0.3, 100
        proc = _spawn(PULL_SCRIPT, config)
        _wait(lambda: app.seen.get("GET", 0) >= 5)
        proc.kill()
        proc.wait(10)
        app.delay_count = 0
        partial = len(stored(province, "10237"))
        assert 0 < partial < total
        assert runs.get_watermark(province, runs.pull_name("10237")) is not None
        settings = province_settings(communes, province={"pull_page_size": 25, "pull_lag_s": 0})
        result = pull_commune(
            province, settings, load_test_catalog(), settings.province.communes[0]
        )
    assert result.status == "ok" and result.interrupted
    assert result.received < total  # resumed from the saved cursor, not from the start
    _same(commune, province)
    rolled = stored(province, "01")  # aggregates of the values the killed pull imported too
    assert len(rolled) == total
    assert all(
        rolled[(c, "01", p)].value == v.value for (c, _o, p), v in stored(province, "10237").items()
    )


def test_two_communes_push_at_once(tmp_path):
    province = new_store(tmp_path / "province.sqlite3")
    with serve_coc(province, province_settings()) as (url, _):
        a = _commune(tmp_path, url, "10237")
        b = _commune(tmp_path, url, "10238")
        put_values(a[0], year_of_values("10237", codes=20))
        put_values(b[0], year_of_values("10238", codes=20))
        results: dict[str, Any] = {}
        threads = [
            threading.Thread(target=lambda s=s, c=c: results.__setitem__(c, push_once(*s)))
            for s, c in ((a, "10237"), (b, "10238"))
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
    assert {c: (r.status, r.imported) for c, r in results.items()} == {
        "10237": ("ok", 240),
        "10238": ("ok", 240),
    }
    _same(a[0], province, "10237")
    _same(b[0], province, "10238")
    got = stored(province)
    both = [got[("TTHC_SO_HO_SO_TIEP_NHAN", ou, "202601")].value for ou in ("10237", "10238")]
    assert got[("TTHC_SO_HO_SO_TIEP_NHAN", "01", "202601")].value == sum(both)  # a sum
