"""`coc web`: the app under waitress on real loopback HTTP, with or without the API."""

from __future__ import annotations

import socket
import threading
import time
import urllib.request

from fixtures_web import make_settings

from coc.cli.context import Context
from coc.cli.web import build_web_app, serve


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_serve_with_waitress(tmp_path, capsys):
    ctx = Context(make_settings(tmp_path))
    app = build_web_app(ctx)
    assert "/login" in [r.rule for r in app.server.url_map.iter_rules()]
    port = _free_port()
    threading.Thread(target=serve, args=(app.server, "127.0.0.1", port, 2), daemon=True).start()
    deadline = time.monotonic() + 10
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2) as response:
                body = response.read().decode()
                server = response.headers["Server"]
            break
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)
    assert server == "coc"  # waitress with our ident, not werkzeug
    assert "<title>Trung tâm giám sát, điều hành thông minh</title>" in body
    assert f"http://127.0.0.1:{port}/" in capsys.readouterr().out
    assert (tmp_path / "secret_key").stat().st_mode & 0o777 == 0o600
