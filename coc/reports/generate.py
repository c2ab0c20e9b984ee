"""One entry point for every caller (CLI, dashboard, scheduled delivery): the report of a
period as PDF or HTML, the commune edition or, in province/district mode, the province's."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from coc.config import Settings
from coc.errors import CocError
from coc.indicators.catalog import Catalog
from coc.periods import month_of, parse_period
from coc.province.hierarchy import Hierarchy
from coc.reports import html, monthly, pdf, province
from coc.store.db import Store

Format = Literal["pdf", "html"]


def default_period(now: datetime) -> str:
    """The month before the month of `now` (local time): the one a briefing reviews."""
    return month_of(now).previous().code


def check_period(code: str) -> str:
    try:
        period = parse_period(code)
    except ValueError:
        raise CocError(f"kỳ báo cáo không hợp lệ '{code}' (ví dụ: 202611)") from None
    if period.kind not in ("month", "quarter", "year"):
        raise CocError(f"kỳ báo cáo phải là tháng, quý hoặc năm: '{code}'")
    return period.code


def filename(settings: Settings, period: str, kind: Format = "pdf") -> str:
    return f"bao-cao-{settings.commune.code}-{period}.{kind}"


def render(
    store: Store,
    catalog: Catalog,
    settings: Settings,
    period: str,
    now: datetime,
    lang: str = "vi",
    kind: Format = "pdf",
    tree: Hierarchy | None = None,
) -> bytes:
    """The report's bytes: PDF, or the HTML page with its print stylesheet inline. The
    province edition covers `tree` (a person's visible tree; default the whole one)."""
    period = check_period(period)
    if settings.role in ("province", "district"):
        edition = province.build(store, catalog, settings, period, now, lang, tree)
        page = html.render_province(edition, lang)
    else:
        page = html.render_monthly(monthly.build(store, catalog, settings, period, now, lang), lang)
    return pdf.to_pdf(page) if kind == "pdf" else page.encode("utf-8")
