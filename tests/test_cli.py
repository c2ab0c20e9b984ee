"""CLI: user errors are one clear line and a non-zero exit, never a traceback.

Most run `coc` in this process (the `cli` fixture of conftest.py). A few run it as its own
process, where the process is the point: the exit code the shell sees, and that nothing
(a driver's warning, a traceback) reaches stderr beside the one line.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from fixtures_base import ROOT

from coc.cli import build_parser


def coc_process(*args: str, env: dict[str, str] | None = None) -> tuple[int, str]:
    """`python -m coc.cli ARGS…` as its own process: (exit code, stderr)."""
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("COC_")}
    full_env.update(env or {})
    result = subprocess.run(
        [sys.executable, "-m", "coc.cli", *args],
        capture_output=True,
        text=True,
        env=full_env,
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
    result = cli("backup", str(tmp_path / "bk") + "/", env=env)
    assert result.code == 0, result.err
    [copy] = list((tmp_path / "bk").glob("coc-backup-*.sqlite3"))
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
