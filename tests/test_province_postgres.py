"""Province mode on PostgreSQL (the recommended store there): pushes from two communes at
once and a pull, over real HTTP, then roll-up and completeness read back from PostgreSQL."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest
from fixtures_base import (
    SMALL_CATALOG,
    free_port,
    new_store,
    small_catalog,
    url_answers,
    wait_until,
)
from fixtures_http import (
    FEED_TOKEN,
    PUSH_TOKENS,
    commune_settings,
    province_settings,
    put_values,
    serve_coc,
    stored,
    year_of_values,
)

from coc.province.completeness import reporting
from coc.province.hierarchy import Hierarchy
from coc.store.db import Store
from coc.sync.pull import pull_commune
from coc.sync.push import push_once

pytestmark = [pytest.mark.postgres, pytest.mark.timeout(90)]


def test_province_on_postgres(tmp_path, pg_store: Store) -> None:
    assert pg_store.dialect == "postgresql"
    _run(tmp_path, pg_store)


def _run(tmp_path, province: Store) -> None:
    communes = {}
    n = len(year_of_values("10237", codes=10))  # values per commune
    for code in ("10237", "10238"):
        store = new_store(tmp_path / f"{code}.sqlite3")
        put_values(store, year_of_values(code, codes=10))
        communes[code] = store
    puller = new_store(tmp_path / "10239.sqlite3")
    put_values(puller, year_of_values("10239", codes=10))
    with serve_coc(puller, commune_settings("10239")) as (feed_url, _):
        links = [
            {"code": "10237", "name": "Xã Chương Dương"},
            {"code": "10238", "name": "Xã Thượng Phúc"},
            {"code": "10239", "name": "Xã Tự Nhiên", "url": feed_url, "token": FEED_TOKEN},
        ]
        settings = province_settings(links, province={"pull_page_size": 50})
        with serve_coc(province, settings) as (url, _):
            results = {}

            def push(code: str) -> None:
                s = commune_settings(
                    code, upstream={"url": url, "token": PUSH_TOKENS[code], "page_size": 40}
                )
                results[code] = push_once(communes[code], s)

            threads = [threading.Thread(target=push, args=(c,)) for c in communes]
            for t in threads:
                t.start()
            for t in threads:
                t.join(60)
            pulled = pull_commune(
                province, settings, small_catalog(), settings.province.communes[2]
            )
    assert {c: (r.status, r.imported) for c, r in results.items()} == {
        "10237": ("ok", n),
        "10238": ("ok", n),
    }
    pages = n // settings.province.pull_page_size + 1  # full pages, then the short last
    assert (pulled.status, pulled.imported, pulled.pages) == ("ok", n, pages)
    got = stored(province)
    for code in ("10237", "10238", "10239"):
        assert len([k for k in got if k[1] == code]) == n
    parts = [got[("TTHC_DUNG_HAN", c, "202603")] for c in ("10237", "10238", "10239")]
    total = got[("TTHC_DUNG_HAN", "01", "202603")]
    assert total.numerator == sum(p.numerator for p in parts)
    assert total.denominator == sum(p.denominator for p in parts)
    assert total.value == round(total.numerator / total.denominator * 100, 4)
    with province.session() as s:
        rows = reporting(
            s,
            Hierarchy.from_settings(settings),
            ["202601", "202612"],
            15,
            datetime(2027, 1, 2, tzinfo=UTC),
        )
    assert [(r.code, r.expected, r.reported) for r in rows] == [
        ("10237", 2, 2),
        ("10238", 2, 2),
        ("10239", 2, 2),
    ]
    # first received now, long after January ended: late; December is still in time
    assert [r.on_time for r in rows] == [1, 1, 1]


SERVER = (
    "import sys, logging; logging.disable(logging.INFO)\n"
    "from werkzeug.serving import make_server\n"
    "from coc.api import create_app\n"
    "from coc.cli.context import Context\n"
    "from coc.config import load_settings\n"
    "c = Context(load_settings(sys.argv[1]))\n"
    "app = create_app(c.store, c.settings, c.catalog)\n"
    "make_server('127.0.0.1', int(sys.argv[2]), app, threaded=True).serve_forever()\n"
)


def test_two_province_processes_roll_up_consistently(tmp_path, pg_store: Store) -> None:
    """Two web processes on one PostgreSQL database receive two communes' pushes at the
    same time; the incremental aggregates must equal a full recomputation."""
    import subprocess
    import sys

    import yaml

    from coc.province.rollup import rollup_all

    pg_url = pg_store.engine.url.render_as_string(hide_password=False)
    links = [{"code": "20001", "name": "Xã A"}, {"code": "20002", "name": "Xã B"}]
    tokens = {"20001": "push-20001-aa11", "20002": "push-20002-bb22"}
    config = tmp_path / "province.yaml"
    config.write_text(
        yaml.safe_dump(
            {
                "role": "province",
                "commune": {"code": "02", "province_code": "02"},
                "indicators_file": str(SMALL_CATALOG),
                "store": {"database_url": pg_url},
                "province": {"communes": links, "push_tokens": tokens},
            }
        ),
        encoding="utf-8",
    )
    ports, procs = [free_port(), free_port()], []
    # pg_store is migrated already, before the two processes start
    try:
        for port in ports:
            procs.append(
                subprocess.Popen(
                    [sys.executable, "-c", SERVER, str(config), str(port)],
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
            )
        for port in ports:
            health = f"http://127.0.0.1:{port}/api/v1/health"
            wait_until(lambda url=health: url_answers(url), 20, what=f"{health} to answer")
        results = {}
        stores = {}
        for code in tokens:  # Alembic set-up is not thread-safe: do it first
            stores[code] = new_store(tmp_path / f"mp-{code}.sqlite3")
            put_values(stores[code], year_of_values(code, codes=10))

        def push(code: str, port: int) -> None:
            store = stores[code]
            s = commune_settings(
                code,
                upstream={
                    "url": f"http://127.0.0.1:{port}",
                    "token": tokens[code],
                    "page_size": 10,
                },
            )
            results[code] = push_once(store, s)

        threads = [
            threading.Thread(target=push, args=(c, p)) for c, p in zip(tokens, ports, strict=True)
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
    finally:
        for proc in procs:
            proc.terminate()
            proc.wait(10)
    assert {c: r.status for c, r in results.items()} == {"20001": "ok", "20002": "ok"}
    settings = province_settings(links, commune={"code": "02", "province_code": "02"})
    assert rollup_all(pg_store, small_catalog(), Hierarchy.from_settings(settings)) == 0
    got = stored(pg_store)
    parts = [got[("TTHC_DUNG_HAN", c, "202607")] for c in tokens]
    assert got[("TTHC_DUNG_HAN", "02", "202607")].numerator == sum(p.numerator for p in parts)
