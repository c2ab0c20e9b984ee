"""CLI: user errors are one clear line and a non-zero exit, never a traceback.

Most run `coc` in this process (the `cli` fixture of conftest.py). A few run it as its own
process, where the process is the point: the exit code the shell sees, and that nothing
(a driver's warning, a traceback) reaches stderr beside the one line.
"""

from __future__ import annotations

import os
import queue
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from fixtures_base import ROOT, free_port

from coc.cli import build_parser
from coc.config import load_settings
from coc.keys import contact_key, secret_key


def _env(env: dict[str, str] | None) -> dict[str, str]:
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("COC_")}
    full_env.update(env or {})
    return full_env


def coc_process(*args: str, env: dict[str, str] | None = None) -> tuple[int, str]:
    """`python -m coc.cli ARGS…` as its own process, stdin an empty pipe (never a
    terminal): (exit code, stderr)."""
    result = subprocess.run(
        [sys.executable, "-m", "coc.cli", *args],
        capture_output=True,
        text=True,
        input="",
        env=_env(env),
        timeout=120,
        check=False,
    )
    return result.returncode, result.stderr


def assert_one_line_error(code: int, err: str, fragment: str) -> None:
    assert code != 0
    assert "Traceback" not in err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    assert fragment in lines[0]


def test_bad_arguments_exit_2_from_the_console() -> None:
    code, err = coc_process("no-such-command")
    assert code == 2
    assert_one_line_error(code, err, "lỗi tham số")


@pytest.mark.parametrize(
    "url",
    [
        "postgresql+psycopg://nobody@127.0.0.1:1/coc",
        "not a url",
    ],
)
def test_unreachable_or_invalid_database_is_one_line_on_stderr(url: str) -> None:
    code, err = coc_process("init", env={"COC_DATABASE_URL": url})
    assert code == 1
    assert_one_line_error(code, err, "cơ sở dữ liệu")


def test_bad_arguments_in_process(cli) -> None:
    result = cli("refresh", "--from")
    assert result.code == 2
    assert_one_line_error(result.code, result.err, "cần một giá trị")


def test_missing_config_file(cli, tmp_path: Path) -> None:
    result = cli("--config", str(tmp_path / "nope.yaml"), "init")
    assert_one_line_error(result.code, result.err, "không tìm thấy tệp cấu hình")


def test_invalid_config_file(cli, tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("http:\n  port: tám nghìn\n", encoding="utf-8")
    result = cli("--config", str(bad), "init")
    assert_one_line_error(result.code, result.err, "http.port")


def test_unreadable_yaml(cli, tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("commune: [\n", encoding="utf-8")
    result = cli("--config", str(bad), "init")
    assert_one_line_error(result.code, result.err, "không phải YAML hợp lệ")


def test_init_refresh_backup(cli, tmp_path: Path, shipped_catalog) -> None:
    env = {"COC_DATA_DIR": str(tmp_path / "data")}
    assert cli("init", env=env).code == 0
    refreshed = cli("refresh", env=env)
    assert refreshed.code == 0 and "Đã tính lại" in refreshed.out
    settings = load_settings(environ=env)
    made = {"secret_key": secret_key(settings), "contact_key": contact_key(settings)}
    result = cli("backup", str(tmp_path / "bk") + "/", env=env)
    assert result.code == 0, result.err
    [copy] = list((tmp_path / "bk").glob("coc-backup-*.sqlite3"))
    # the keys go beside it, owner-only: a restore without them loses sessions and ids
    for name, key in made.items():
        kept = copy.with_name(f"{copy.name}.{name}")
        assert kept.read_text() == key and kept.stat().st_mode & 0o777 == 0o600
    assert "giữ chúng cùng nhau" in result.out
    conn = sqlite3.connect(copy)
    try:
        assert conn.execute("SELECT count(*) FROM indicator").fetchone()[0] == len(
            shipped_catalog.indicators
        )
    finally:
        conn.close()


def test_bad_refresh_period(cli, tmp_path: Path) -> None:
    result = cli("refresh", "--from", "2026-13", env={"COC_DATA_DIR": str(tmp_path)})
    assert_one_line_error(result.code, result.err, "kỳ báo cáo không hợp lệ")


def test_every_command_is_in_the_readme() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    sub = next(a for a in build_parser()._actions if a.dest == "command")
    for name in sub.choices:
        assert f"`coc {name}" in readme, f"README lacks `coc {name}`"


def test_config_option_after_the_subcommand(cli, tmp_path: Path) -> None:
    site = tmp_path / "site.yaml"
    site.write_text("commune:\n  code: '09634'\n  name: Xã Cổ Đô\n", encoding="utf-8")
    result = cli("settings", "--check", "--config", str(site))
    assert result.code == 0, result.err
    assert result.out.strip() == "Cấu hình hợp lệ: Xã Cổ Đô (09634)"


def test_invalid_commune_code_is_refused_in_vietnamese(cli) -> None:
    result = cli("settings", "--check", env={"COC_COMMUNE_CODE": "abc"})
    assert_one_line_error(result.code, result.err, "commune.code")
    assert "mã đơn vị hành chính" in result.err


def test_port_out_of_range(cli) -> None:
    code, err = coc_process("web", "--port", "99999")
    assert_one_line_error(code, err, "cổng phải từ 1 đến 65535: 99999")
    for args in (("demo", "--port", "0"), ("web", "--port", "http"), ("web", "--port", "-1")):
        result = cli(*args)
        assert result.code == 2
        assert_one_line_error(result.code, result.err, "tham số --port: cổng phải")
    result = cli("web", env={"COC_HTTP_PORT": "99999"})
    assert result.code == 1
    assert_one_line_error(
        result.code, result.err, "cấu hình không hợp lệ ở 'http.port': phải ≤ 65535"
    )


def test_unwritable_data_dir(cli, tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("", encoding="utf-8")
    expected = f"không tạo được thư mục dữ liệu {blocker}/data: Not a directory"
    code, err = coc_process("init", env={"COC_DATA_DIR": str(blocker / "data")})
    assert_one_line_error(code, err, expected)
    # `coc web` checks its port before the data folder
    env = {"COC_DATA_DIR": str(blocker / "data"), "COC_HTTP_PORT": str(free_port())}
    for command in ("web", "user list", "backup x"):
        result = cli(*command.split(), env=env)
        assert result.code == 1
        assert_one_line_error(result.code, result.err, f"{expected} (store.data_dir, COC_DATA_DIR)")


def test_a_data_dir_that_cannot_be_created(cli, tmp_path: Path) -> None:
    """A folder COC may not create in is one line. Root writes into a 0500 folder, so as
    root only /sys (where nobody creates folders) is tried."""
    refused = [Path("/sys/coc-test/data")]
    if os.geteuid() != 0:
        locked = tmp_path / "locked"
        locked.mkdir(mode=0o500)
        refused.append(locked / "data")
    for folder in refused:
        result = cli("init", env={"COC_DATA_DIR": str(folder)})
        assert result.code == 1
        assert_one_line_error(result.code, result.err, f"không tạo được thư mục dữ liệu {folder}")


def test_user_passwd_needs_an_existing_user_and_a_terminal(cli, tmp_path: Path) -> None:
    env = {"COC_DATA_DIR": str(tmp_path)}
    made = cli("user", "add", "quantri", "--role", "admin", "--password-stdin",
               env=env, stdin="mat-khau-123\n")  # fmt: skip
    assert made.code == 0, made
    code, err = coc_process("user", "passwd", "quantri", env=env)  # a real process, stdin a pipe
    assert_one_line_error(code, err, "không có terminal để nhập mật khẩu; dùng --password-stdin")
    assert "coc user passwd quantri --password-stdin" in err
    result = cli("user", "passwd", "khong-co", env=env)
    assert result.code == 1
    assert_one_line_error(result.code, result.err, "không có người dùng 'khong-co'")  # asked first
    result = cli("user", "add", "quantri", env=env)
    assert_one_line_error(result.code, result.err, "người dùng 'quantri' đã tồn tại")
    result = cli("user", "passwd", "quantri", "--password-stdin", env=env, stdin="mat-khau-456")
    assert result.code == 0, result.err
    assert "Đã đổi mật khẩu của quantri" in result.out


def test_template_with_a_bad_period(cli, tmp_path: Path) -> None:
    env = {"COC_DATA_DIR": str(tmp_path)}
    target = str(tmp_path / "t.xlsx")
    code, err = coc_process("template", target, "--period", "2026-11", env=env)
    assert_one_line_error(code, err, "--period: kỳ báo cáo không hợp lệ: '2026-11'")
    for period in ("202613", "11/2026", "2026Q5"):
        result = cli("template", target, "--period", period, env=env)
        assert result.code == 1
        assert_one_line_error(
            result.code, result.err, f"--period: kỳ báo cáo không hợp lệ: '{period}'"
        )
    assert not (tmp_path / "t.xlsx").exists()
    assert cli("template", target, "--period", "2026Q4", env=env).code == 0
    assert (tmp_path / "t.xlsx").exists()


def test_ingest_says_the_broker_is_unreachable_and_keeps_retrying(tmp_path: Path) -> None:
    """A real process: it keeps running and logging until SIGTERM, then exits 0."""
    port = free_port()  # nobody listens there
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
