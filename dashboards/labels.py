"""Words for internal ids the pages would otherwise show raw: source systems, sensor
metrics, run statuses and audit-log actions and tables (Vietnamese, or English)."""

from __future__ import annotations

from coc.config import Settings
from dashboards.i18n import STRINGS, t


def source_name(name: str, settings: Settings | None, lang: str) -> str:
    """A configured source (by its name) or a catalog source kind, in words."""
    kind = name
    for source in settings.sources if settings else ():
        if source.name == name:
            kind = source.kind
            break
    key = f"source_{kind}"
    return t(key, lang) if key in STRINGS else name
