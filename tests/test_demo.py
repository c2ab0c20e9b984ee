"""`coc demo` end to end: real processes, real HTTP, Ctrl-C, and a second run that adds nothing."""

from __future__ import annotations

import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

COUNTED = (
    "document",
    "work_file",
    "dossier",
    "data_value",
    "device",
    "indicator",
    "target",
    "org_unit",
)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start(data: Path, port: int) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("COC_")}
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "coc.cli",
            "demo",
            "--port",
            str(port),
            "--data-dir",
            str(data),
            "--no-devices",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    )


def _wait_for_url(proc: subprocess.Popen[str], port: int, timeout: float = 120) -> list[str]:
    lines: list[str] = []
    deadline = time.monotonic() + timeout
    assert proc.stdout is not None
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            raise AssertionError("demo exited early:\n" + "".join(lines))
        lines.append(line)
        if f"http://127.0.0.1:{port}/" in line:
            return lines
    raise AssertionError("demo did not print its URL:\n" + "".join(lines))


def _stop(proc: subprocess.Popen[str]) -> tuple[int, str]:
    proc.send_signal(signal.SIGINT)
    out, _ = proc.communicate(timeout=30)
    return proc.returncode, out


def _counts(db: Path) -> dict[str, int]:
    conn = sqlite3.connect(db)
    try:
        return {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in COUNTED}
    finally:
        conn.close()


def test_demo_serves_vietnamese_tiles_and_twice_duplicates_nothing(tmp_path: Path) -> None:
    data, port = tmp_path / "data", _free_port()
    proc = _start(data, port)
    try:
        _wait_for_url(proc, port)
        html = urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=30).read().decode()
        assert "<html" in html.lower()
        layout = (
            urllib.request.urlopen(f"http://127.0.0.1:{port}/_dash-layout", timeout=30)
            .read()
            .decode("utf-8")
        )
        json.loads(layout)
        health = json.loads(
            urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/health", timeout=30).read()
        )
        assert health["database"]["status"] == "ok"
        assert {c["name"] for c in health["connectors"]} >= {"documents", "tthc", "reporting"}
    finally:
        code, out = _stop(proc)
    assert code == 0, out
    assert "Đã dừng demo" in out
    assert "Traceback" not in out
    first = _counts(data / "coc.sqlite3")
    assert first["dossier"] > 1000 and first["document"] > 500
    assert first["data_value"] > 500

    proc = _start(data, port)
    try:
        _wait_for_url(proc, port)
    finally:
        code, out = _stop(proc)
    assert code == 0, out
    assert _counts(data / "coc.sqlite3") == first
