"""Strings of the org-unit picker (users bound to org units, province and district mode)."""

from __future__ import annotations

STRINGS: dict[str, tuple[str, str]] = {
    "unit_label": ("Đơn vị", "Org unit"),
}
