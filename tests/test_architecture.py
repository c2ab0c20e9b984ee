"""The core/edge rule of docs/architecture.md, enforced: the import-linter contracts in
pyproject.toml hold for the tree, and they do catch each kind of violation."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from fixtures_base import ROOT

PACKAGES = ("coc", "connectors", "sensors", "dashboards")
LINT = Path(sys.executable).with_name("lint-imports")


def _lint(cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(cwd)}
    return subprocess.run(
        [str(LINT), "--no-cache"], cwd=cwd, env=env, capture_output=True, text=True, timeout=120
    )


def test_the_tree_keeps_every_contract():
    result = _lint(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Contracts: 5 kept, 0 broken." in result.stdout


def _append(path: Path, line: str) -> None:
    path.write_text(path.read_text(encoding="utf-8") + f"\n{line}\n", encoding="utf-8")


def test_each_contract_catches_its_violation(tmp_path):
    for name in PACKAGES:
        shutil.copytree(ROOT / name, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    _append(tmp_path / "coc" / "fmt.py", "import sensors.parse")  # core → edge
    _append(tmp_path / "connectors" / "streams.py", "import coc.cli.core")  # edge → CLI
    _append(tmp_path / "dashboards" / "figures.py", "import sqlalchemy")  # SQL in a page
    _append(tmp_path / "sensors" / "jobs.py", "import connectors.jobs")  # edge → edge
    # a measure module that reaches back to the registry: the old cycle
    _append(tmp_path / "coc" / "indicators" / "facts.py", "import coc.indicators.measures")
    result = _lint(tmp_path)
    assert result.returncode == 1
    assert "Contracts: 0 kept, 5 broken." in result.stdout, result.stdout
    for expected in (
        "coc.fmt -> sensors.parse",
        "connectors.streams -> coc.cli.core",
        "dashboards.figures -> sqlalchemy",
        "sensors.jobs -> connectors.jobs",
        "No cycles are allowed in coc.indicators.",
    ):
        assert expected in result.stdout, expected
