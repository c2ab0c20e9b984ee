"""The migration files' head revision, read without importing Alembic or SQLAlchemy (the
ingest process checks the schema with it before it decides to load the ORM at all)."""

from __future__ import annotations

import re
from pathlib import Path

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"

_REVISION = re.compile(r"^(down_)?revision\b[^=\n]*=\s*(.+)$", re.M)


def head_revisions() -> set[str] | None:
    """The newest migration ids, read from the version files without importing Alembic
    (a quarter of a second at every start); None when a file does not read plainly."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in (MIGRATIONS_DIR / "versions").glob("*.py"):
        found = dict.fromkeys(("revision", "down_revision"), "")
        for down, value in _REVISION.findall(path.read_text(encoding="utf-8")):
            found["down_revision" if down else "revision"] = value
        ids = re.findall(r'"([^"]+)"', found["revision"])
        if len(ids) != 1:
            return None
        revisions.add(ids[0])
        parents.update(re.findall(r'"([^"]+)"', found["down_revision"]))
    return (revisions - parents) or None
