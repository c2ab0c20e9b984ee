"""The entry page's calls into the core (`coc.ingest.entry`): the values a person reports,
one value from the form, a whole uploaded file, the Excel template."""

from __future__ import annotations

import base64
from typing import Any

from coc.counts import Counts
from coc.ingest import entry
from coc.ingest.tabular import ImportError_, ImportSummary
from coc.ingest.tabular import template_bytes as tabular_template
from coc.scope import Scope
from dashboards import data, state


class FileError(ValueError):
    """The uploaded file cannot be read as a value table; the message is Vietnamese."""


def enterable_codes() -> list[tuple[str, str]]:
    """(code, label) of every catalog entry a person reports."""
    return [(i.code, f"{i.code} – {i.name_vi}") for i in state.get().catalog.enterable]


def save_value(code: str, period: str, value: Any, comment: str | None, actor: str,
               org_unit: str, scope: Scope) -> Counts:  # fmt: skip
    """Raises `coc.scope.UnitRefused` for an org unit outside the person's scope."""
    st = state.get()
    item = {"code": code, "period": period, "value": value, "comment": comment or None}
    return entry.save_value(st.store, st.catalog, org_unit, item, actor, st.now(), scope)


def decode_upload(contents: str) -> bytes:
    try:
        _header, encoded = contents.split(",", 1)
        return base64.b64decode(encoded)
    except (ValueError, TypeError):
        raise FileError("tệp tải lên bị hỏng") from None


def import_upload(
    contents: str, filename: str, actor: str, org_unit: str, scope: Scope
) -> ImportSummary:
    """Import an uploaded file (a data: URL from dcc.Upload) and recompute what changed;
    `coc.scope.UnitRefused` for an org unit outside the person's scope."""
    st = state.get()
    raw = decode_upload(contents)
    try:
        return entry.import_bytes(
            st.store, st.catalog, org_unit, raw, filename, actor, st.now(), scope
        )
    except ImportError_ as exc:
        raise FileError(str(exc)) from None


def template_bytes() -> bytes:
    """The .xlsx template, its period column filled with the current month."""
    return tabular_template(state.get().catalog, data.current_month())
