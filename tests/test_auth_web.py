"""Login form, CSRF token, session expiry and revocation on the real Flask server."""

from __future__ import annotations

import re
import time

from fixtures_web import PASSWORD, login, render_page, texts

from coc.auth import set_password


def test_login_page_is_vietnamese_with_token(web_app):
    page = web_app.server.test_client().get("/login").get_data(as_text=True)
    assert "Đăng nhập" in page and "Tên đăng nhập" in page and "Mật khẩu" in page
    assert re.search(r'name="csrf_token" value="[\w-]{40,}"', page)


def test_login_without_token_is_refused(web_app):
    client = web_app.server.test_client()
    response = client.post("/login", data={"username": "thuky", "password": PASSWORD})
    assert response.status_code == 400
    assert "Phiên biểu mẫu đã hết hạn" in response.get_data(as_text=True)
    assert "user" not in _session(client)


def test_wrong_password(web_app):
    client = web_app.server.test_client()
    response = login(client, "thuky", "sai-mat-khau")
    assert response.status_code == 401
    assert "Sai tên đăng nhập hoặc mật khẩu." in response.get_data(as_text=True)


def test_login_shows_user_and_clerk_links(web_app):
    client = web_app.server.test_client()
    response = login(client, "thuky")
    assert response.status_code == 302 and response.headers["Location"] == "/"
    words = texts(client.get("/_dash-layout").json)
    assert "Đang đăng nhập: Thư ký xã (công chức)" in words
    assert "Nhập liệu" in words and "Đăng xuất" in words
    client.get("/logout")
    assert "Nhập liệu" not in texts(client.get("/_dash-layout").json)


def test_open_redirect_blocked(web_app):
    client = web_app.server.test_client()
    page = client.get("/login?next=//evil.example/").get_data(as_text=True)
    assert 'name="next" value="/"' in page


def test_session_expires(web_app):
    client = web_app.server.test_client()
    login(client, "thuky")
    with client.session_transaction() as sess:
        sess["user"]["exp"] = time.time() - 1
        sess.modified = True
    page = render_page(client, "/nhap-lieu")
    assert "Cần đăng nhập với vai trò công chức để ghi dữ liệu." in texts(page)


def test_password_change_ends_sessions(fresh_app):
    client = fresh_app.server.test_client()
    login(client, "thuky")
    assert "Nhập số liệu" in texts(render_page(client, "/nhap-lieu"))
    set_password(fresh_app.coc_state.store, "thuky", "mat-khau-moi-9")
    assert "Nhập số liệu" not in texts(render_page(client, "/nhap-lieu"))


def test_cross_origin_callback_refused(web_app):
    client = web_app.server.test_client()
    response = client.post(
        "/_dash-update-component", json={}, headers={"Origin": "http://evil.example"}
    )
    assert response.status_code == 403


def test_private_site_requires_login(tmp_path, seeded_store, shipped_catalog):
    from fixtures_web import make_settings

    from dashboards.app import create_app

    app = create_app(seeded_store, make_settings(tmp_path, public_read=False), shipped_catalog)
    client = app.server.test_client()
    response = client.get("/chi-tieu")
    assert response.status_code == 302
    assert response.headers["Location"] == "/login?next=/chi-tieu"
    assert client.post("/_dash-update-component", json={}).status_code == 401
    assert client.get("/login").status_code == 200
    login(client, "xem")
    assert client.get("/chi-tieu").status_code == 200


def _session(client) -> dict:
    with client.session_transaction() as sess:
        return dict(sess)
