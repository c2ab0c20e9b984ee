"""Schemathesis fuzzes every operation of the OpenAPI document, served over loopback, and
finds no server error (5xx). Bounded examples keep it well under a minute. It runs in CI:
scripts/test.sh installs the CLI (the `test` extra) and, with CI=true, a missing one fails."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from fixtures_base import missing, new_store
from fixtures_http import (
    FEED_TOKEN,
    PUSH_TOKENS,
    province_settings,
    put_values,
    serve_coc,
    year_of_values,
)

pytestmark = pytest.mark.timeout(120)


def _schemathesis() -> list[str]:
    """The CLI the test extra installs beside this Python; missing fails in CI (CI=true)."""
    exe = Path(sys.executable).with_name("schemathesis")
    found = str(exe) if exe.exists() else shutil.which("schemathesis") or shutil.which("st")
    if not found:
        missing("schemathesis is not installed (pip install -e '.[test]' or scripts/test.sh)")
    return [found]


def _warnings_but_missing_data() -> str:
    from schemathesis.core.warnings import SchemathesisWarning

    return ",".join(w.value for w in SchemathesisWarning if w.value != "missing_test_data")


def _run(url: str, token: str, operations: str, tmp_path: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [
            *_schemathesis(),
            "run",
            f"{url}/api/v1/openapi.json",
            "--url",
            f"{url}/api/v1",
            "--checks",
            "not_a_server_error",
            "--max-examples",
            "50",
            "--seed",
            "20261122",
            "--phases",
            "examples,coverage,fuzzing",
            "--workers",
            "1",
            "--request-timeout",
            "10",
            # every warning but missing test data: a path naming a bulletin or an audio
            # hash answers its declared 404 to the names a fuzzer makes up
            "--warnings",
            _warnings_but_missing_data(),
            "-H",
            f"Authorization: Bearer {token}",
            "--include-method-regex",
            operations,
        ],
        capture_output=True,
        text=True,
        timeout=100,
        cwd=tmp_path,
    )


def test_schemathesis_finds_no_server_errors(tmp_path):
    store = new_store(tmp_path / "p.sqlite3")
    put_values(store, year_of_values("10237", codes=3))
    with serve_coc(store, province_settings()) as (url, _):
        reads = _run(url, FEED_TOKEN, "GET", tmp_path)
        writes = _run(url, PUSH_TOKENS["10237"], "POST", tmp_path)
    for result in (reads, writes):
        assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
        assert "No issues found" in result.stdout and " generated, " in result.stdout
