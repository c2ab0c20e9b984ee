"""The overview page through Dash's real router, on a seeded SQLite store."""

from __future__ import annotations

from datetime import timedelta

from fixtures_web import NOW, dump, find, make_settings, render_page, texts


def test_index_and_layout_served(web_app):
    client = web_app.server.test_client()
    assert client.get("/").status_code == 200
    layout = client.get("/_dash-layout").json
    words = texts(layout)
    assert "Trung tâm giám sát, điều hành thông minh" in words
    assert "Tổng quan" in words and "Cảm biến" in words
    assert "Nhập liệu" not in words  # clerk-only link hidden from anonymous viewers


def test_tiles_show_actual_target_completion_and_status(web_app):
    page = render_page(web_app.server.test_client(), "/", "?period=202611")
    tile = find(page, "tile-TK_THANH_TOAN")
    words = texts(tile)
    assert words[0] == "Tỷ lệ người dân từ 15 tuổi có tài khoản thanh toán"
    assert "72,5%" in words
    assert "80%" in words
    assert "90,6%" in words
    # on 20/11 November is still in progress: figures to date, never judged as final
    assert "Tạm tính" in words and "đến ngày 20/11" in words and "Đạt" not in words
    assert tile["props"]["className"] == "tile band-none status-is-provisional"

    red = find(page, "tile-DINH_DANH_DIEN_TU")
    assert {"30%", "37,5%", "○", "Tạm tính"} <= set(texts(red))

    amber = find(page, "tile-TY_LE_HO_NGHEO")  # lower is better: 1.5 ÷ 2 = 75 %
    assert {"2%", "1,5%", "75%"} <= set(texts(amber))

    ratio = find(page, "tile-HO_PHU_CAP_QUANG")
    assert {"75%", "93,8%"} <= set(texts(ratio))


def test_tiles_grouped_by_pillar_in_order(web_app):
    page = render_page(web_app.server.test_client(), "/", "?period=202611")
    text = dump(page)
    order = [text.index(f'"pillar-{p}"') for p in ("chinh_quyen_so", "kinh_te_so", "xa_hoi_so")]
    assert order == sorted(order)
    pillar = find(page, "pillar-kinh_te_so")
    assert "Kinh tế số" in texts(pillar)
    assert find(pillar, "tile-TK_THANH_TOAN") is not None
    assert find(pillar, "tile-DINH_DANH_DIEN_TU") is None


def test_missing_value_reads_no_data(web_app):
    page = render_page(web_app.server.test_client(), "/", "?period=202611")
    tile = find(page, "tile-TRUONG_HOC_NEN_TANG_SO")
    assert {"—", "○", "Chưa có số liệu"} <= set(texts(tile))


def test_english_switch(web_app):
    page = render_page(web_app.server.test_client(), "/", "?period=202611&lang=en")
    tile = find(page, "tile-DINH_DANH_DIEN_TU")
    assert {"Provisional", "to 20/11"} <= set(texts(tile))
    assert "Indicator overview – Nov 2026 (to 20/11)" in texts(page)


def test_language_cookie_remembered(web_app):
    client = web_app.server.test_client()
    client.get("/?lang=en")
    assert "Overview" in texts(client.get("/_dash-layout").json)


def test_last_updated_shown_and_no_stale_warning_without_sources(web_app):
    page = render_page(web_app.server.test_client(), "/", "?period=202611")
    assert "Dữ liệu cũ" not in dump(page)
    assert texts(find(page, "last-updated"))[0].startswith("Cập nhật lúc: ")


def test_stale_sources(seeded_store, tmp_path):
    from coc.config import SourceSettings
    from coc.store.runs import stale_sources

    settings = make_settings(tmp_path)
    settings.sources = [
        SourceSettings(name="documents", kind="documents", url="http://x", interval_minutes=15),
        SourceSettings(name="tthc", kind="tthc", url="http://y", interval_minutes=15),
    ]
    # documents last ran OK at NOW; stale after 2 × 15 minutes; tthc never ran
    fresh = stale_sources(seeded_store, settings, NOW + timedelta(minutes=29))
    assert [(s.source, s.last_ok) for s in fresh] == [("tthc", None)]
    later = stale_sources(seeded_store, settings, NOW + timedelta(minutes=31))
    assert [(s.source, s.last_ok) for s in later] == [("documents", NOW), ("tthc", None)]


def test_refresh_interval_has_floor(web_app):
    page = render_page(web_app.server.test_client(), "/", "?period=202611&refresh=1")
    assert find(page, "overview-tick")["props"]["interval"] == 5000
    page = render_page(web_app.server.test_client(), "/", "?period=202611&refresh=20")
    assert find(page, "overview-tick")["props"]["interval"] == 20000


def test_wall_shows_stale_warning(seeded_store, shipped_catalog, tmp_path):
    from coc.config import SourceSettings
    from dashboards.app import create_app

    settings = make_settings(tmp_path)
    settings.sources = [
        SourceSettings(name="documents", kind="documents", url="http://x", interval_minutes=15),
        SourceSettings(name="tthc", kind="tthc", url="http://y", interval_minutes=15),
    ]
    app = create_app(
        seeded_store, settings, shipped_catalog, clock=lambda: NOW + timedelta(hours=1)
    )
    page = render_page(app.server.test_client(), "/wall", "?period=202611")
    warnings = [w for w in texts(find(page, "wall-ticker")) if "Dữ liệu cũ" in w]
    assert warnings == [  # each source in words, one ticker item each
        "⚠ Dữ liệu cũ: nguồn «Hệ thống quản lý văn bản» chưa cập nhật từ 10:00 20/11/2026",
        "⚠ Dữ liệu cũ: nguồn «Hệ thống giải quyết TTHC» chưa từng cập nhật",
    ]
    # the header keeps one line whatever the number of stale sources
    assert texts(find(page, "wall-stale"))[0] == "⚠ 2 nguồn dữ liệu chưa cập nhật"
    desk = render_page(app.server.test_client(), "/", "?period=202611")
    assert "Dữ liệu cũ: nguồn «Hệ thống giải quyết TTHC» chưa từng cập nhật" in texts(desk)


def test_value_without_target_reads_no_target(web_app):
    from coc.ingest.writers import write_values

    st = web_app.coc_state
    write_values(st.store, st.catalog,
                 [{"code": "TTHC_SO_HO_SO_TIEP_NHAN", "period": "202611", "value": 152}],
                 st.org_unit, "test")  # fmt: skip
    page = render_page(web_app.server.test_client(), "/", "?period=202611")
    words = set(texts(find(page, "tile-TTHC_SO_HO_SO_TIEP_NHAN")))
    assert {"152", "Không đặt mục tiêu"} <= words
    assert "Chưa có số liệu" not in words
