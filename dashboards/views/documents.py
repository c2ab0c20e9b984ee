"""Documents: signed %, documents handled online, overdue and unsigned lists."""

from __future__ import annotations

from typing import Any

from dash import html

from coc import fmt
from coc.periods import parse_period
from dashboards import data, state, units
from dashboards.components import card, data_table, kpi, wall_table
from dashboards.drill import rows_of
from dashboards.i18n import t


def render(params: dict[str, Any]) -> Any:
    lang = state.lang(params)
    period = data.period_param(params)
    st = state.get()
    unit = units.chosen(params)
    rows = {r.code: r for r in data.rows_for(period, lang, unit)}
    now = st.now()
    overdue = rows_of(st.store, "docs_in_overdue", None, unit, period, now, lang)
    unsigned = rows_of(st.store, "docs_out", "docs_out_signed", unit, period, now, lang)
    signed = rows.get("VB_DI_KY_SO")
    online = rows.get("VB_DIEN_TU")
    if params.get("wall"):
        return _wall(period, lang, signed, online, overdue, unsigned)
    return [
        html.H1(
            f"{t('nav_documents', lang)} – {parse_period(period).label(lang)}",
            className="page-title",
        ),
        html.Div(
            [
                kpi(t("signed_pct", lang), fmt.percent(signed and signed.actual, lang),
                    id_="docs-signed"),
                kpi(online.name if online else "", fmt.percent(online and online.actual, lang)),
                kpi(t("overdue_docs", lang), fmt.number(len(overdue.rows), 0, lang),
                    id_="docs-overdue"),
            ],
            className="kpis",
        ),
        card(t("overdue_docs", lang), data_table("van-ban-qua-han", overdue.columns,
                                                 overdue.rows, lang)),
        card(t("unsigned_docs", lang), data_table("van-ban-chua-ky-so", unsigned.columns,
                                                  unsigned.rows, lang)),
    ]  # fmt: skip


WALL_ROWS = 12


def _wall(period: str, lang: str, signed: Any, online: Any, overdue: Any, unsigned: Any) -> Any:
    """The wall version: the same figures, each list cut to what one screen holds."""
    overdue_cols = [c for c in overdue.columns if c[0] in ("so", "trich_yeu", "han")]
    unsigned_cols = [c for c in unsigned.columns if c[0] in ("so", "trich_yeu", "ngay")]
    return [
        html.H1(
            f"{t('nav_documents', lang)} – {parse_period(period).label(lang)}",
            className="page-title",
        ),
        html.Div(
            [
                kpi(t("signed_pct", lang), fmt.percent(signed and signed.actual, lang),
                    id_="docs-signed"),
                kpi(online.name if online else "", fmt.percent(online and online.actual, lang)),
                kpi(t("overdue_docs", lang), fmt.number(len(overdue.rows), 0, lang),
                    id_="docs-overdue"),
            ],
            className="kpis",
        ),
        html.Div(
            [
                card(t("overdue_docs", lang),
                     wall_table(overdue_cols, overdue.rows, lang, WALL_ROWS, "docs-overdue-list",
                                wide="trich_yeu")),
                card(t("unsigned_docs", lang),
                     wall_table(unsigned_cols, unsigned.rows, lang, WALL_ROWS, "docs-unsigned",
                                wide="trich_yeu")),
            ],
            className="wall-columns even",
        ),
    ]  # fmt: skip
