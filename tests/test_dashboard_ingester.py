"""The sync and devices pages say in Vietnamese whether the MQTT ingester really works,
from its supervisor's heartbeat: running, restarted lately, or silent (shown as down)."""

from __future__ import annotations

from datetime import timedelta

from fixtures_base import new_store
from fixtures_web import NOW, find, make_settings, render_page, seed, texts

from coc.store.status import INGESTER, set_status


def _app(tmp_path, shipped_catalog):
    from dashboards.app import create_app

    store = new_store(tmp_path / "w.sqlite3")
    seed(store, shipped_catalog)
    base = make_settings(tmp_path / "data")
    settings = base.model_copy(
        update={"mqtt": base.mqtt.model_copy(update={"url": "mqtt://127.0.0.1:1883"})}
    )
    return store, create_app(store, settings, shipped_catalog, clock=lambda: NOW)


def _shown(client, path: str, id_: str) -> list[str]:
    return texts(find(render_page(client, path), id_))


DATA = {
    "network": True,
    "writer": True,
    "connected": True,
    "lastReceivedAt": "2026-11-20T02:59:58.000Z",
    "lastStoredAt": "2026-11-20T02:59:58.100Z",
    "queued": 0,
    "restarts": 0,
}


def test_pages_show_the_ingester_running_restarted_and_silent(tmp_path, shipped_catalog) -> None:
    store, app = _app(tmp_path, shipped_catalog)
    client = app.server.test_client()
    set_status(store, INGESTER, "ok", "đang nhận dữ liệu", DATA, now=NOW - timedelta(seconds=3))
    assert _shown(client, "/dong-bo", "sync-ingester") == [
        "Bộ thu dữ liệu thiết bị: ",
        "Đang hoạt động",
        "Nhận tin gần nhất: 09:59 20/11/2026 · Ghi dữ liệu gần nhất: 09:59 20/11/2026",
    ]

    restarted = DATA | {"restarts": 2, "lastRestartAt": "2026-11-20T02:55:00.000Z"}
    detail = "vòng mạng MQTT đã dừng; đã tự khởi động lại lúc 09:55 20/11/2026 (lần 2)"
    set_status(store, INGESTER, "degraded", detail, restarted, now=NOW - timedelta(seconds=3))
    assert _shown(client, "/thiet-bi", "devices-ingester") == [
        "Bộ thu dữ liệu thiết bị: ",
        "Có sự cố",
        f" {detail}",
        "Nhận tin gần nhất: 09:59 20/11/2026 · Ghi dữ liệu gần nhất: 09:59 20/11/2026"
        " · Đã tự khởi động lại 2 lần",
    ]

    # The process was killed: its last word was "ok", but the heartbeat stopped at 09:40.
    set_status(store, INGESTER, "ok", "đang nhận dữ liệu", DATA, now=NOW - timedelta(minutes=20))
    shown = _shown(client, "/dong-bo", "sync-ingester")
    assert shown[1:3] == ["Ngừng hoạt động", " bộ thu MQTT không còn báo nhịp từ 09:40 20/11/2026"]
    en = texts(find(render_page(client, "/dong-bo", "?lang=en"), "sync-ingester"))
    assert en[:2] == ["Device data receiver: ", "Not running"]
    store.dispose()
