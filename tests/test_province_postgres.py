"""Province mode on PostgreSQL (the recommended store there): pushes from two communes at
once and a pull, over real HTTP, then roll-up and completeness read back from PostgreSQL."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest
from fixtures_http import (
    FEED_TOKEN,
    PUSH_TOKENS,
    commune_settings,
    load_test_catalog,
    new_store,
    pg_url,  # noqa: F401  (fixture)
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


def test_province_on_postgres(tmp_path, pg_url):  # noqa: F811
    province = Store.from_url(pg_url).init()
    assert province.dialect == "postgresql"
    try:
        _run(tmp_path, province)
    finally:
        province.dispose()


def _run(tmp_path, province: Store) -> None:
    communes = {}
    for code in ("10237", "10238"):
        store = new_store(tmp_path / f"{code}.sqlite3")
        put_values(store, year_of_values(code, codes=10))  # 120 values each
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
                province, settings, load_test_catalog(), settings.province.communes[2]
            )
    assert {c: (r.status, r.imported) for c, r in results.items()} == {
        "10237": ("ok", 120),
        "10238": ("ok", 120),
    }
    assert (pulled.status, pulled.imported, pulled.pages) == ("ok", 120, 3)
    got = stored(province)
    for code in ("10237", "10238", "10239"):
        assert len([k for k in got if k[1] == code]) == 120
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
