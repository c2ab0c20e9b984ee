"""Process parts stop in reverse order whatever happens (Services is an ExitStack), and
the one waitress launch path serves and then frees its port."""

from __future__ import annotations

import logging
import urllib.error
import urllib.request

import pytest
from fixtures_base import free_port

from coc.cli.runtime import Services, run_until_stopped, start_server


def test_parts_stop_in_reverse_even_when_one_fails(caplog):
    stopped: list[str] = []

    def fail() -> None:
        stopped.append("broker")
        raise RuntimeError("broker hung")

    with caplog.at_level(logging.ERROR), Services() as services:
        services.add("scheduler", lambda: stopped.append("scheduler"))
        services.add("broker", fail)
        services.add("web", lambda: stopped.append("web"))
    assert stopped == ["web", "broker", "scheduler"]
    assert "stopping broker failed" in caplog.text


def test_ctrl_c_during_start_up_stops_what_was_started():
    stopped: list[str] = []

    def start(services: Services) -> None:
        services.add("scheduler", lambda: stopped.append("scheduler"))
        raise KeyboardInterrupt

    run_until_stopped(start)
    assert stopped == ["scheduler"]


def test_start_server_serves_then_frees_the_port():
    def app(_environ, start_response):
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"xin chao"]

    port = free_port()
    with Services() as services:
        start_server(services, app, "127.0.0.1", port, 2)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as response:
            assert (response.read(), response.headers["Server"]) == (b"xin chao", "coc")
    with pytest.raises(urllib.error.URLError):
        urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2)
