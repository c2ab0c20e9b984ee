"""A province pulls commune feeds over real HTTP: pages, cursor, deltas and refusals."""

from __future__ import annotations

import pytest
from fixtures_base import new_store, small_catalog
from fixtures_http import (
    commune_settings,
    pulling_province,
    put_values,
    serve_coc,
    stored,
    year_of_values,
)

from coc.sync import runs
from coc.sync.pull import pull_all, pull_commune

pytestmark = pytest.mark.timeout(60)


def test_pull_pages_then_deltas(tmp_path):
    commune = new_store(tmp_path / "c.sqlite3")
    rows = year_of_values("10237")
    put_values(commune, rows)
    province = new_store(tmp_path / "p.sqlite3")
    with serve_coc(commune, commune_settings()) as (url, _app):
        settings = pulling_province({"10237": url})
        link = settings.province.communes[0]
        n = len(rows)
        pages = n // settings.province.pull_page_size + 1  # full pages, then the short last
        first = pull_commune(province, settings, small_catalog(), link)
        assert (first.status, first.pages, first.received, first.imported) == ("ok", pages, n, n)
        assert len(stored(province, "10237")) == n
        assert runs.get_watermark(province, runs.pull_name("10237")) is not None
        put_values(
            commune,
            [
                {
                    "indicator_code": "TTHC_DUNG_HAN",
                    "org_unit": "10237",
                    "period": "202605",
                    "value": 12.5,
                }
            ],
        )
        second = pull_commune(province, settings, small_catalog(), link)
    # the cursor sits at the newest lastUpdated seen (lag 0): the old batch shares that
    # timestamp on the commune, so it is re-read once and ignored; the change is updated
    assert (second.updated, second.imported) == (1, 0)
    assert second.unchanged == second.received - 1
    assert stored(province, "10237")[("TTHC_DUNG_HAN", "10237", "202605")].value == 12.5
    assert stored(province)[("TTHC_DUNG_HAN", "01", "202605")].value == 12.5


def test_pull_with_a_wrong_token_fails_and_keeps_the_cursor(tmp_path):
    commune = new_store(tmp_path / "c.sqlite3")
    put_values(commune, year_of_values("10237", codes=1))
    province = new_store(tmp_path / "p.sqlite3")
    with serve_coc(commune, commune_settings()) as (url, _):
        results = pull_all(province, pulling_province({"10237": url}, token="sai"), small_catalog())
    assert [(r.commune, r.status) for r in results] == [("10237", "failed")]
    assert "HTTP 401" in results[0].message
    assert runs.get_watermark(province, runs.pull_name("10237")) is None
    assert runs.last_run(province, runs.pull_name("10237")).status == "failed"


def test_next_cursor_stays_behind_what_could_still_commit():
    from datetime import UTC, datetime, timedelta

    from coc.sync.pull import next_cursor

    t = datetime(2026, 11, 22, 7, 0, tzinfo=UTC)
    lag = timedelta(minutes=2)
    # last page: the commune's clock less the lag, even past the newest value seen
    assert next_cursor(None, t - timedelta(days=1), t, True, lag) == t - lag
    # mid-pull: the lag behind the newest value seen (a later page may fail, and a value
    # with an earlier lastUpdated may commit late)
    assert next_cursor(None, t - timedelta(days=1), t, False, lag) == t - timedelta(days=1) - lag
    # no Date header: the newest value less the lag
    assert next_cursor(None, t, None, True, lag) == t - lag
    # never backwards
    assert next_cursor(t, t - timedelta(hours=1), None, True, lag) == t
    assert next_cursor(t, None, None, True, lag) == t
