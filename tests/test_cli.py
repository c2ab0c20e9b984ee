"""CLI: user errors are one clear line and a non-zero exit, never a traceback."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from coc.cli import build_parser
from coc.config import ROOT


def coc(
    *args: str, env: dict[str, str] | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("COC_")}
    full_env.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "coc.cli", *args],
        capture_output=True,
        text=True,
        env=full_env,
        cwd=cwd,
        timeout=120,
        check=False,
    )


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
