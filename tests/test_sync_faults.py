"""Fault tests over real HTTP on loopback: an upstream that goes away and comes back, a
5xx page, a slow upstream, a commune killed mid-push, a province killed mid-pull, and two
communes pushing at once. Nothing may be lost and nothing duplicated."""

from __future__ import annotations

import functools
import subprocess
import sys
import threading
from contextlib import ExitStack
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from fixtures_base import (
    ROOT,
    SMALL_CATALOG,
    free_port,
    new_store,
    serve,
    small_catalog,
    wait_until,
)
from fixtures_http import (
    FEED_TOKEN,
    PUSH_TOKENS,
    commune_settings,
    province_settings,
    pushing_commune,
    put_values,
    serve_coc,
    stored,
    year_of_values,
)

from coc.api import create_app
from coc.store.db import Store
from coc.sync import runs
from coc.sync.pull import pull_commune
from coc.sync.push import push_once
from coc.timeutil import utcnow

pytestmark = pytest.mark.timeout(90)
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


def _monthly_batches(store: Store, code: str) -> int:
    """Write a year whose months carry 12 distinct lastUpdated stamps, a second apart and
    all in the past (the clock is an input: no waiting for it to tick)."""
    rows = year_of_values(code)
    start = utcnow() - timedelta(minutes=1)
    for row in rows:
        row["last_updated"] = start + timedelta(seconds=int(row["period"][4:]))
    put_values(store, rows)
    return len(rows)


def test_upstream_down_then_back(tmp_path):
    province = new_store(tmp_path / "province.sqlite3")
    port = free_port()
    app = create_app(province, province_settings(), small_catalog())
    store, settings = _commune(tmp_path, f"http://127.0.0.1:{port}", max_retries=1)
    rows = year_of_values("10237", codes=5)
    put_values(store, rows)
    down = push_once(store, settings)  # nobody listening
    assert down.status == "failed" and "lỗi mạng" in down.message
    assert runs.get_watermark(store, runs.PUSH) is None
    with serve(app, port):
        assert push_once(store, settings).sent == len(rows)
    put_values(
        store, [{"indicator_code": "DAN_SO", "org_unit": "10237", "period": "202601", "value": 9.0}]
    )
    assert push_once(store, settings).status == "failed"  # down again
    # It comes back while the job is still retrying: during the first backoff, whose
    # length is the client's to choose (the job's own sleep, injected, starts the server).
    patient = settings.model_copy(
        update={"upstream": settings.upstream.model_copy(update={"max_retries": 8})}
    )
    backoffs: list[float] = []
    with ExitStack() as upstream:

        def back_during_backoff(seconds: float) -> None:
            if not backoffs:
                upstream.enter_context(serve(app, port))
            backoffs.append(seconds)

        result = push_once(store, patient, sleep=back_during_backoff)
    assert result.status == "ok" and result.sent == 1
    assert len(backoffs) == 1  # one attempt failed, the one after the return succeeded
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
        rows = year_of_values("10237", codes=5)
        put_values(store, rows)
        pages = -(-len(rows) // FAST["page_size"])
        app.hold = {1}  # the first page hangs until released: the client times out
        result = push_once(store, settings)
        app.release.set()  # the hung request goes on to land after the client gave up
        wait_until(app.settled, what="the held request to finish on the server")
    assert result.status == "ok"
    assert app.seen["POST"] == pages + 1
    # the re-sent page was imported first; the late original changed nothing
    assert result.imported + result.unchanged == len(rows)
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


def test_commune_restarts_in_the_middle_of_a_push(tmp_path):
    province = new_store(tmp_path / "province.sqlite3")
    with serve_coc(province, province_settings(), faults=True) as (url, app):
        store, settings = _commune(tmp_path, url)
        total = _monthly_batches(store, "10237")
        assert total > 3 * FAST["page_size"]  # the kill falls in the middle
        app.hold = range(3, 1000)  # pages 1 and 2 land; the third hangs in flight
        config = _config(
            tmp_path,
            "commune",
            {
                "commune": {"code": "10237"},
                "indicators_file": str(SMALL_CATALOG),
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
        wait_until(lambda: app.seen.get("POST", 0) >= 3, 20, what="the third page to be sent")
        proc.kill()  # the commune PC loses power mid-push
        proc.wait(10)
        app.hold = ()
        app.release.set()  # the page in flight lands, but its answer reaches nobody
        wait_until(app.settled, what="the in-flight page to land")
        assert len(stored(province, "10237")) == 3 * FAST["page_size"]
        mark = runs.get_watermark(store, runs.PUSH)
        assert mark is not None  # pages accepted before the crash are remembered
        result = push_once(store, settings)
        assert result.status == "ok" and result.sent < total
    _same(store, province)


def test_province_restarts_in_the_middle_of_a_pull(tmp_path):
    commune = new_store(tmp_path / "commune.sqlite3")
    total = _monthly_batches(commune, "10237")
    page = 25
    assert total > 5 * page
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
                "indicators_file": str(SMALL_CATALOG),
                "store": {"database_url": f"sqlite:///{province_db}"},
                "province": {"communes": communes, "pull_page_size": page, "pull_lag_s": 0},
            },
        )
        app.method, app.hold = "GET", range(5, 1000)  # four pages arrive, the fifth hangs
        proc = _spawn(PULL_SCRIPT, config)
        wait_until(lambda: app.seen.get("GET", 0) >= 5, 20, what="the fifth page request")
        wait_until(lambda: len(stored(province, "10237")) == 4 * page, what="four pages committed")
        proc.kill()
        proc.wait(10)
        app.hold = ()
        app.release.set()
        wait_until(app.settled, what="the held page request to finish")
        assert runs.get_watermark(province, runs.pull_name("10237")) is not None
        settings = province_settings(communes, province={"pull_page_size": page, "pull_lag_s": 0})
        result = pull_commune(province, settings, small_catalog(), settings.province.communes[0])
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
        rows = {"10237": year_of_values("10237"), "10238": year_of_values("10238")}
        put_values(a[0], rows["10237"])
        put_values(b[0], rows["10238"])
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
        c: ("ok", len(r)) for c, r in rows.items()
    }
    _same(a[0], province, "10237")
    _same(b[0], province, "10238")
    got = stored(province)
    both = [got[("TTHC_SO_HO_SO_TIEP_NHAN", ou, "202601")].value for ou in ("10237", "10238")]
    assert got[("TTHC_SO_HO_SO_TIEP_NHAN", "01", "202601")].value == sum(both)  # a sum
