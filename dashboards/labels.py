"""Words for internal ids the pages would otherwise show raw: source systems, sensor
metrics, run statuses and audit-log actions and tables (Vietnamese, or English)."""

from __future__ import annotations

import re
from datetime import datetime

from coc import fmt
from coc.config import Settings
from coc.fieldreports import service
from coc.fieldreports.categories import Categories
from coc.indicators.catalog import Catalog
from coc.periods import parse_period
from dashboards.i18n import STRINGS, t

ISO_TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d")


def source_name(name: str, settings: Settings | None, lang: str) -> str:
    """A configured source (by its name) or a catalog source kind, in words."""
    kind = name
    for source in settings.sources if settings else ():
        if source.name == name:
            kind = source.kind
            break
    key = f"source_{kind}"
    return t(key, lang) if key in STRINGS else name


def _word(prefix: str, code: str | None, lang: str) -> str:
    key = f"{prefix}{code}"
    return t(key, lang) if key in STRINGS else (code or "")


def audit_actor(actor: str, lang: str) -> str:
    """COC itself or a field-report channel in words; a person's user name as it is."""
    return _word("audit_actor_", actor, lang)


def audit_action(action: str, lang: str) -> str:
    return _word("audit_action_", action, lang)


def audit_entity(entity: str, lang: str) -> str:
    return _word("audit_entity_", entity, lang)


def audit_value(
    value: str | None, lang: str, entity: str | None = None, categories: Categories | None = None
) -> str:
    """A status or role stored as a code (open, accepted, clerk…, a field report's state or
    category) in words, a stored time in Vietnamese local time; other values as they are."""
    if not value:
        return ""
    if f"role_{value}" in STRINGS:
        return t(f"role_{value}", lang)
    if entity == "field_report" and f"fr_state_{value}" in STRINGS:
        return t(f"fr_state_{value}", lang)
    if entity == "field_report" and categories is not None and categories.get(value):
        return categories.name(value, lang)
    try:
        return fmt.number(float(value), 4, lang)  # a stored value: 30.0 → 30, 2.5 → 2,5
    except ValueError:
        pass
    if ISO_TIME.match(value):
        try:
            return fmt.moment(datetime.fromisoformat(value), lang)  # no zone: stored UTC
        except ValueError:
            pass
    return _word("audit_value_", value, lang)


def audit_key(entity: str, key: str, catalog: Catalog, lang: str) -> str:
    """A data value's key (code/org unit/period) as the indicator's name and its period."""
    if entity == "field_report" and key.startswith(service.PREFIX):
        return service.shown_code(key)
    parts = key.split("/")
    if entity != "data_value" or len(parts) != 3 or parts[0] not in catalog:
        return key
    try:
        period = parse_period(parts[2]).label(lang)
    except ValueError:
        period = parts[2]
    return f"{catalog.get(parts[0]).name(lang)} – {period}"


def detail_text(detail: str | None, settings: Settings | None, lang: str) -> str:
    """The audit detail: a source system in words, a status word, or the note as written."""
    if not detail:
        return ""
    named = source_name(detail, settings, lang)
    return named if named != detail else audit_value(detail, lang)
