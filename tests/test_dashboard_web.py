"""`coc web`: the app under waitress on real loopback HTTP, with or without the API."""

from __future__ import annotations

import threading

import requests
from fixtures_base import free_port, url_answers, wait_until
from fixtures_web import make_settings

from coc.cli.context import Context
from coc.cli.web import build_web_app, serve


def test_serve_with_waitress(tmp_path, capsys):
    ctx = Context(make_settings(tmp_path))
    app = build_web_app(ctx)
    assert "/login" in [r.rule for r in app.server.url_map.iter_rules()]
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    threading.Thread(target=serve, args=(app.server, "127.0.0.1", port, 2), daemon=True).start()
    wait_until(lambda: url_answers(url), what=f"waitress to answer at {url}")
    response = requests.get(url, timeout=5)
    assert response.headers["Server"] == "coc"  # waitress with our ident, not werkzeug
    assert "<title>Trung tâm giám sát, điều hành thông minh</title>" in response.text
    assert f"http://127.0.0.1:{port}/" in capsys.readouterr().out
    assert (tmp_path / "secret_key").stat().st_mode & 0o777 == 0o600


def test_api_mounted_with_json_errors(tmp_path):
    """`coc web` serves /api/v1 on the dashboard's server; unknown API paths answer JSON."""
    app = build_web_app(Context(make_settings(tmp_path)))
    client = app.server.test_client()
    health = client.get("/api/v1/health")
    assert health.status_code == 200 and health.is_json
    missing = client.get("/api/v1/nope")
    assert missing.status_code == 404 and missing.json["error"] == "not_found"
    assert missing.json["reason"] == "không có đường dẫn /api/v1/nope"
    wrong = client.post("/api/v1/health")
    assert wrong.status_code == 405
    assert wrong.json["reason"] == "/api/v1/health không nhận phương thức POST (dùng GET)"
    assert not client.get("/nope").is_json  # dashboard 404s stay HTML


def test_two_apps_in_one_process_each_keep_their_callbacks(tmp_path):
    """Dash registers page callbacks globally; each app must still answer its own."""
    first = build_web_app(Context(make_settings(tmp_path / "a")))
    second = build_web_app(Context(make_settings(tmp_path / "b")))
    for app in (first, second):
        body = {
            "output": "sync-body.children",
            "outputs": {"id": "sync-body", "property": "children"},
            "inputs": [{"id": "sync-tick", "property": "n_intervals", "value": 1}],
            "changedPropIds": ["sync-tick.n_intervals"],
            "state": [{"id": "sync-params", "property": "data", "value": {}}],
        }
        from dashboards import state

        state.set_state(app.coc_state)
        response = app.server.test_client().post("/_dash-update-component", json=body)
        assert response.status_code == 200, response.data[:200]
