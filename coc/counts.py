"""What a write did, counted one way everywhere: an Excel import, a connector page, a
province receiving a push, a pull, a push, an upsert, the MQTT writer. Each of those
returns `Counts` or a result that extends it with its own context (file, run, commune).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Conflict:
    """One refused item: the reason (Vietnamese), what it was, and where it sat.

    The DHIS2 import-summary conflict `{"object", "value", "indexes"}` on the wire."""

    reason: str
    object: str | None = None  # the item's key, or where it was ("dòng 3", "trang 2 …")
    index: int | None = None  # position in the page or body, when it has one
    code: str | None = None  # DHIS2's error code (E7617 …), when it has one

    @property
    def text(self) -> str:
        return f"{self.object}: {self.reason}" if self.object else self.reason


@dataclass
class Counts:
    """Records imported (new), updated (changed), unchanged (already so), deleted (soft),
    rejected (to quarantine), with one conflict per refused record."""

    imported: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0
    rejected: int = 0
    conflicts: list[Conflict] = field(default_factory=list)
    duplicates: int = 0  # valid records whose key came again later in the same batch
    merged: list[str] = field(default_factory=list)  # which, "dòng 2 trùng dòng 9 (…)"

    def add(self, other: Counts) -> None:
        """Add another write's counts to these (a run adding up its pages)."""
        self.imported += other.imported
        self.updated += other.updated
        self.unchanged += other.unchanged
        self.deleted += other.deleted
        self.rejected += other.rejected
        self.conflicts.extend(other.conflicts)
        self.duplicates += other.duplicates
        self.merged.extend(other.merged)

    def reject(
        self,
        reason: str,
        object: str | None = None,
        index: int | None = None,
        code: str | None = None,
    ) -> None:
        self.rejected += 1
        self.conflicts.append(Conflict(reason, object, index, code))

    @property
    def reasons(self) -> list[str]:
        """One line per refused record, e.g. "dòng 3: thiếu NgayTiepNhan"."""
        return [c.text for c in self.conflicts]

    @property
    def handled(self) -> int:
        """Records that were stored, or were already stored as they are."""
        return self.imported + self.updated + self.unchanged + self.deleted

    def as_dict(self) -> dict[str, Any]:
        return {
            "imported": self.imported,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "deleted": self.deleted,
            "rejected": self.rejected,
        }
