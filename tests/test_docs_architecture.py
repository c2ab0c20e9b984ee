"""docs/architecture.md stays true (in the manner of Datasette's test_docs.py): every module
of the core and its edges is listed there, and nothing listed is gone; README's "What is
where" names the same four folders."""

from __future__ import annotations

import re

import pytest
from fixtures_base import ROOT

DOC = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
FOLDERS = ("coc", "connectors", "sensors", "dashboards")


def _modules() -> list[str]:
    found = []
    for folder in FOLDERS:
        for path in sorted((ROOT / folder).rglob("*.py")):
            rel = path.relative_to(ROOT).as_posix()
            if "/migrations/versions/" not in rel:
                found.append(rel)
    return found


@pytest.mark.parametrize("module", _modules())
def test_every_module_is_listed(module):
    assert f"- `{module}` — " in DOC, f"docs/architecture.md does not list {module}"


def test_every_listed_module_exists():
    listed = re.findall(r"^- `((?:coc|connectors|sensors|dashboards)/[\w/]+\.py)` — ", DOC, re.M)
    assert listed, "no module lines found"
    assert [m for m in listed if not (ROOT / m).is_file()] == []
    assert len(listed) == len(set(listed)), "a module is listed twice"


def test_readme_what_is_where_names_the_folders():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    table = readme.split("## What is where", 1)[1].split("\n## ", 1)[0]
    for folder in FOLDERS:
        assert f"| `{folder}/` |" in table
        assert f"### `{folder}/`" in DOC
