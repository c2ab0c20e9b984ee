"""The sync page after real pushes to a province COC on loopback (coc.sync.push)."""

from __future__ import annotations

from datetime import UTC, datetime

from fixtures_base import new_store
from fixtures_http import PUSH_TOKENS, province_settings, serve_coc
from fixtures_web import NOW, ORG, find, make_settings, render_page, seed, texts
from sqlalchemy import update

from coc.ingest.writers import write_values
from coc.store.models import ConnectorRun
from coc.sync import runs
from coc.sync.push import push_once


def _kpis(page):
    return {
        key: texts(find(page, f"sync-{key}"))[0]
        for key in ("upstream", "push", "push-status", "pull", "queue", "errors")
    }


def _push_finished_at(store, when):
    """Fix the run's end time so the page shows a literal time (the push ran just now)."""
    with store.write_conn() as conn:
        conn.execute(
            update(ConnectorRun.__table__)
            .where(ConnectorRun.connector == runs.PUSH)
            .values(finished_at=when)
        )


def test_sync_page_after_push_then_failed_push(tmp_path, shipped_catalog):
    from dashboards.app import create_app

    store = new_store(tmp_path / "commune.sqlite3")
    seed(store, shipped_catalog)
    base = make_settings(tmp_path / "data")
    province = new_store(tmp_path / "province.sqlite3")
    with serve_coc(province, province_settings(), catalog=shipped_catalog) as (url, _):
        upstream = base.upstream.model_copy(
            update={"url": url, "token": PUSH_TOKENS[ORG], "watermark_lag_s": 0,
                    "backoff_s": 0.01, "backoff_max_s": 0.02, "max_retries": 1}
        )  # fmt: skip
        settings = base.model_copy(update={"upstream": upstream})
        app = create_app(store, settings, shipped_catalog, clock=lambda: NOW)
        client = app.server.test_client()
        first = push_once(store, settings)
        assert first.status == "ok" and first.sent > 0
    _push_finished_at(store, datetime(2026, 11, 20, 2, 30, tzinfo=UTC))
    page = render_page(client, "/dong-bo")
    assert _kpis(page) == {
        "upstream": url,
        "push": "09:30 20/11/2026",
        "push-status": "Thành công",
        "pull": "10:00 20/11/2026",  # the documents source pull of the seed
        "queue": "0",  # nothing changed since the watermark (lag 0)
        "errors": "0",
    }
    assert texts(find(page, "sync-push-message"))[0].startswith("Đồng bộ thành công")
    assert PUSH_TOKENS[ORG] not in str(page)

    item = {"code": "DINH_DANH_DIEN_TU", "period": "202611", "value": 50}
    assert write_values(store, shipped_catalog, [item], ORG, source="manual").updated == 1
    assert _kpis(render_page(client, "/dong-bo"))["queue"] == "1"

    # the province is gone now: the next push fails and the page says so
    assert push_once(store, settings, sleep=lambda _s: None).status == "failed"
    _push_finished_at(store, datetime(2026, 11, 20, 2, 45, tzinfo=UTC))
    page = render_page(client, "/dong-bo")
    kpis = _kpis(page)
    assert (kpis["push"], kpis["push-status"], kpis["queue"], kpis["errors"]) == (
        "09:45 20/11/2026", "Thất bại", "1", "1"
    )  # fmt: skip
    message = find(page, "sync-push-message")
    assert message["props"]["className"] == "message-error"
    assert texts(message)[0].startswith("Đồng bộ thất bại")
