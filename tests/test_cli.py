"""CLI: user errors are one clear line and a non-zero exit, never a traceback."""

from __future__ import annotations

import ctypes
import io
import os
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from coc.cli import build_parser
from coc.config import ROOT


def _env(env: dict[str, str] | None) -> dict[str, str]:
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("COC_")}
    full_env.update(env or {})
    return full_env


def coc(
    *args: str,
    env: dict[str, str] | None = None,
    cwd: Path | None = None,
    stdin: str = "",
    preexec_fn: Callable[[], None] | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run `coc` with stdin from a pipe (never a terminal) holding `stdin`."""
    return subprocess.run(
        [sys.executable, "-m", "coc.cli", *args],
        capture_output=True,
        text=True,
        input=stdin,
        env=_env(env),
        cwd=cwd,
        timeout=120,
        check=False,
        preexec_fn=preexec_fn,
    )


PR_CAPBSET_DROP, CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH = 24, 1, 2


def obey_file_modes() -> None:
    """In the child before exec (Linux): when it runs as root, drop the capabilities that
    let root ignore file modes from its bounding set, so after exec it meets a read-only
    folder as any other user does. Raises (the child does not start) if that fails."""
    if os.geteuid() != 0:
        return
    libc = ctypes.CDLL(None, use_errno=True)
    for cap in (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH):
        if libc.prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP) failed")


def assert_one_line_error(result: subprocess.CompletedProcess[str], fragment: str) -> None:
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert fragment in lines[0]


def test_bad_arguments() -> None:
    result = coc("no-such-command")
    assert result.returncode == 2
    assert_one_line_error(result, "lỗi tham số")


def test_missing_config_file(tmp_path: Path) -> None:
    assert_one_line_error(
        coc("--config", str(tmp_path / "nope.yaml"), "init"), "không tìm thấy tệp cấu hình"
    )


def test_invalid_config_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("http:\n  port: tám nghìn\n", encoding="utf-8")
    assert_one_line_error(coc("--config", str(bad), "init"), "http.port")


def test_unreadable_yaml(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("commune: [\n", encoding="utf-8")
    assert_one_line_error(coc("--config", str(bad), "init"), "không phải YAML hợp lệ")


@pytest.mark.parametrize(
    "url",
    [
        "postgresql+psycopg://nobody@127.0.0.1:1/coc",
        "not a url",
    ],
)
def test_unreachable_or_invalid_database(url: str) -> None:
    result = coc("init", env={"COC_DATABASE_URL": url})
    assert_one_line_error(result, "cơ sở dữ liệu")


def test_init_refresh_backup(tmp_path: Path) -> None:
    env = {"COC_DATA_DIR": str(tmp_path / "data")}
    assert coc("init", env=env).returncode == 0
    refreshed = coc("refresh", env=env)
    assert refreshed.returncode == 0 and "Đã tính lại" in refreshed.stdout
    result = coc("backup", str(tmp_path / "bk") + "/", env=env)
    assert result.returncode == 0, result.stderr
    [copy] = list((tmp_path / "bk").glob("coc-backup-*.sqlite3"))
    conn = sqlite3.connect(copy)
    assert conn.execute("SELECT count(*) FROM indicator").fetchone()[0] >= 30
    conn.close()


def test_bad_refresh_period(tmp_path: Path) -> None:
    result = coc("refresh", "--from", "2026-13", env={"COC_DATA_DIR": str(tmp_path)})
    assert_one_line_error(result, "kỳ báo cáo không hợp lệ")


def test_every_command_is_in_the_readme() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    sub = next(a for a in build_parser()._actions if a.dest == "command")
    for name in sub.choices:
        assert f"`coc {name}" in readme, f"README lacks `coc {name}`"


def test_config_option_after_the_subcommand(tmp_path: Path) -> None:
    site = tmp_path / "site.yaml"
    site.write_text("commune:\n  code: '09634'\n  name: Xã Cổ Đô\n", encoding="utf-8")
    result = coc("settings", "--check", "--config", str(site))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "Cấu hình hợp lệ: Xã Cổ Đô (09634)"


def test_invalid_commune_code_is_refused_in_vietnamese() -> None:
    result = coc("settings", "--check", env={"COC_COMMUNE_CODE": "abc"})
    assert_one_line_error(result, "commune.code")
    assert "mã đơn vị hành chính" in result.stderr


def in_process(monkeypatch, capsys, *args: str, env: dict[str, str] | None = None,
               stdin: str = "") -> tuple[int, str, str]:  # fmt: skip
    """`coc ARGS` through coc.cli.main in this process (fast), stdin a pipe, not a tty."""
    from coc.cli import main

    for key in [k for k in os.environ if k.startswith("COC_")]:
        monkeypatch.delenv(key)
    for key, value in (env or {}).items():
        monkeypatch.setenv(key, value)
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    capsys.readouterr()
    try:
        code = main(list(args))
    except SystemExit as exc:  # argparse usage errors
        code = int(exc.code or 0)
    out = capsys.readouterr()
    return code, out.out, out.err


def one_line(err: str, fragment: str) -> None:
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and fragment in lines[0], err
    assert "Traceback" not in err


def test_port_out_of_range(monkeypatch, capsys) -> None:
    assert_one_line_error(coc("web", "--port", "99999"), "cổng phải từ 1 đến 65535: 99999")
    for args in (("demo", "--port", "0"), ("web", "--port", "http"), ("web", "--port", "-1")):
        code, _out, err = in_process(monkeypatch, capsys, *args)
        assert code == 2
        one_line(err, "tham số --port: cổng phải")
    code, _out, err = in_process(monkeypatch, capsys, "web", env={"COC_HTTP_PORT": "99999"})
    assert code == 1
    one_line(err, "cấu hình không hợp lệ ở 'http.port': phải ≤ 65535")


def test_unwritable_data_dir(tmp_path: Path, monkeypatch, capsys) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("", encoding="utf-8")
    expected = f"không tạo được thư mục dữ liệu {blocker}/data: Not a directory"
    assert_one_line_error(coc("init", env={"COC_DATA_DIR": str(blocker / "data")}), expected)
    import socket

    with socket.socket() as probe:  # `coc web` checks its port before the data folder
        probe.bind(("127.0.0.1", 0))
        port = str(probe.getsockname()[1])
    env = {"COC_DATA_DIR": str(blocker / "data"), "COC_HTTP_PORT": port}
    for command in ("web", "user list", "backup x"):
        code, _out, err = in_process(monkeypatch, capsys, *command.split(), env=env)
        assert code == 1
        one_line(err, f"{expected} (store.data_dir, COC_DATA_DIR)")


def test_read_only_data_dir(tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    result = coc("init", env={"COC_DATA_DIR": str(locked / "data")}, preexec_fn=obey_file_modes)
    assert_one_line_error(
        result, f"không tạo được thư mục dữ liệu {locked}/data: Permission denied"
    )
    assert not (locked / "data").exists()


def test_user_passwd_needs_an_existing_user_and_a_terminal(
    tmp_path: Path, monkeypatch, capsys
) -> None:
    env = {"COC_DATA_DIR": str(tmp_path)}
    made = in_process(monkeypatch, capsys, "user", "add", "quantri", "--role", "admin",
                      "--password-stdin", env=env, stdin="mat-khau-123\n")  # fmt: skip
    assert made[0] == 0, made
    no_terminal = coc("user", "passwd", "quantri", env=env)  # a real process, stdin a pipe
    assert_one_line_error(no_terminal, "không có terminal để nhập mật khẩu; dùng --password-stdin")
    assert "coc user passwd quantri --password-stdin" in no_terminal.stderr
    code, _out, err = in_process(monkeypatch, capsys, "user", "passwd", "khong-co", env=env)
    assert code == 1
    one_line(err, "không có người dùng 'khong-co'")  # asked before any password
    code, _out, err = in_process(monkeypatch, capsys, "user", "add", "quantri", env=env)
    one_line(err, "người dùng 'quantri' đã tồn tại")
    code, out, err = in_process(monkeypatch, capsys, "user", "passwd", "quantri",
                                "--password-stdin", env=env, stdin="mat-khau-456")  # fmt: skip
    assert code == 0, err
    assert "Đã đổi mật khẩu của quantri" in out


def test_template_with_a_bad_period(tmp_path: Path, monkeypatch, capsys) -> None:
    env = {"COC_DATA_DIR": str(tmp_path)}
    target = str(tmp_path / "t.xlsx")
    result = coc("template", target, "--period", "2026-11", env=env)
    assert_one_line_error(result, "--period: kỳ báo cáo không hợp lệ: '2026-11'")
    for period in ("202613", "11/2026", "2026Q5"):
        code, _out, err = in_process(monkeypatch, capsys, "template", target, "--period",
                                     period, env=env)  # fmt: skip
        assert code == 1
        one_line(err, f"--period: kỳ báo cáo không hợp lệ: '{period}'")
    assert not (tmp_path / "t.xlsx").exists()
    code, _out, _err = in_process(monkeypatch, capsys, "template", target, "--period", "2026Q4",
                                 env=env)  # fmt: skip
    assert code == 0 and (tmp_path / "t.xlsx").exists()


def test_ingest_says_the_broker_is_unreachable_and_keeps_retrying(tmp_path: Path) -> None:
    import queue
    import signal
    import socket
    import threading

    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = _env({"COC_DATA_DIR": str(tmp_path), "COC_MQTT_URL": f"mqtt://127.0.0.1:{port}"})
    proc = subprocess.Popen(
        [sys.executable, "-m", "coc.cli", "ingest"],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    lines: queue.Queue[str] = queue.Queue()
    reader = threading.Thread(target=lambda: [lines.put(x) for x in proc.stderr], daemon=True)
    reader.start()
    seen: list[str] = []
    try:
        deadline = time.monotonic() + 20
        while sum("không kết nối được broker MQTT" in x for x in seen) < 2:
            seen.append(lines.get(timeout=max(0.1, deadline - time.monotonic())))
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=20)
    failures = [x for x in seen if "không kết nối được broker MQTT" in x]
    assert f"127.0.0.1:{port} (lần 1); vẫn thử lại" in failures[0]
    assert f"127.0.0.1:{port} (lần 2); vẫn thử lại" in failures[1]
    assert proc.returncode == 0
    reader.join(timeout=5)
    assert not any("Traceback" in x for x in seen + list(lines.queue))
