"""Indicators for clerks: the filterable table and one indicator's page with drill-down."""

from __future__ import annotations

from typing import Any

from dash import html

from coc import fmt
from coc.indicators import calendar
from coc.indicators.query import IndicatorRow, series
from coc.periods import months_between, parse_period
from dashboards import access, data, periods, state, units
from dashboards.components import (
    card,
    completion_text,
    data_table,
    graph,
    kpi,
    row_badge,
    status_badge,
    status_word,
    verdict_word,
)
from dashboards.drill import behind as rows_behind
from dashboards.figures import BAND_ICONS, band_key, series_chart
from dashboards.i18n import PILLAR_ORDER, t
from dashboards.labels import source_name
from dashboards.views.explain import section as explain_section

STATUSES = ("green", "amber", "red", "none")


def period_options(now_month: str, lang: str) -> list[dict[str, str]]:
    """The last 12 months, this year's quarters and the year, newest first."""
    last = parse_period(now_month)
    first = last
    for _ in range(11):
        first = first.previous()
    months = [p.code for p in months_between(first.code, last.code)][::-1]
    quarters = [f"{last.year}Q{q}" for q in range((last.start.month - 1) // 3 + 1, 0, -1)]
    codes = [*months, *quarters, str(last.year)]
    return [{"label": parse_period(c).label(lang), "value": c} for c in codes]


def table_rows(rows: list[IndicatorRow], lang: str) -> list[dict[str, Any]]:
    st = state.get()
    return [
        {
            "code": r.code,
            "name": f"[{r.name}]({periods.href(f'/chi-tieu/{r.code}', r.period)})",
            "shown": _shown(r, lang),
            "pillar": st.catalog.pillar_name(r.pillar, lang),
            "source": source_name(r.source, st.settings, lang),
            "unit": r.unit,
            "actual": r.actual,
            "target": r.target,
            "completion": None if r.completion is None else round(r.completion, 1),
            "change": None if r.change is None else round(r.change, 2),
            "ytd": r.ytd,
            "status": f"{BAND_ICONS.get(r.band, BAND_ICONS[None])} {verdict_word(r.status, lang)}"
            + (f" · {t('calendar_check', lang)}" if r.held else ""),
            "band": band_key(r.band),
        }
        for r in rows
    ]


def _shown(row: IndicatorRow, lang: str) -> str:
    """The period of the value: 'T10/2026', '… (chưa cập nhật)', 'đến ngày 02/12'."""
    if row.shown_period is None:
        return "—"
    text = calendar.month_label(row.shown_period, lang)
    if row.partial:
        text += f" ({calendar.to_day_label(calendar.local_day(state.get().now()), lang)})"
    if row.late:
        text += f" ({t('calendar_late', lang).lower()})"
    return text


def filter_rows(
    rows: list[IndicatorRow],
    pillar: str | None,
    source: str | None,
    status: str | None,
) -> list[IndicatorRow]:
    return [
        r
        for r in rows
        if (not pillar or r.pillar == pillar)
        and (not source or r.source == source)
        and (not status or band_key(r.band) == status)
    ]


def table(
    period: str,
    lang: str,
    pillar: str | None,
    source: str | None,
    status: str | None,
    org_unit: str | None = None,
) -> html.Div:
    rows = filter_rows(data.rows_for(period, lang, org_unit), pillar, source, status)
    columns = [
        ("code", t("code", lang)),
        ("name", t("indicator", lang)),
        ("pillar", t("pillar", lang)),
        ("source", t("source", lang)),
        ("unit", t("unit", lang)),
        ("shown", t("calendar_period", lang)),
        ("actual", t("actual", lang)),
        ("ytd", t("calendar_ytd", lang)),
        ("target", t("target", lang)),
        ("completion", f"{t('completion', lang)} (%)"),
        ("change", t("change", lang)),
        ("status", t("status", lang)),
    ]
    colours = {"green": "#e3f4ea", "amber": "#fff3d6", "red": "#fde3e1"}
    style = [
        {"condition": f"params.data.band === '{b}'",
         "style": {"backgroundColor": c, "fontWeight": "bold"}}
        for b, c in colours.items()
    ]  # fmt: skip
    return data_table(
        "chi-tieu",
        columns,
        table_rows(rows, lang),
        lang,
        page_size=50,
        markdown=("name",),
        numeric=("actual", "ytd", "target", "completion", "change"),
        cell_styles={"status": style},
    )


def filter_options(lang: str) -> dict[str, list[dict[str, str]]]:
    st = state.get()
    sources = sorted({i.source for i in st.catalog.with_targets})
    return {
        "pillar": [{"label": st.catalog.pillar_name(p, lang), "value": p} for p in PILLAR_ORDER],
        "source": [{"label": source_name(s, st.settings, lang), "value": s} for s in sources],
        "status": [{"label": status_word(None if s == "none" else s, lang), "value": s}
                   for s in STATUSES],
    }  # fmt: skip


def detail(code: str, params: dict[str, Any]) -> Any:
    """One indicator: its value with its period and status, validation flags, the series
    against the target, the formula in words, how the status is judged, the rows behind."""
    lang = state.lang(params)
    st = state.get()
    if code not in st.catalog:
        return html.H1(t("unknown_indicator", lang, code=code), className="page-title")
    ind = st.catalog.get(code)
    period = data.period_param(params)
    org_unit = units.chosen(params)
    row = next((r for r in data.rows_for(period, lang, org_unit) if r.code == code), None)
    last = parse_period(period).months()[-1]
    first = last
    for _ in range(11):
        first = first.previous()
    with st.store.session() as session:
        points = series(session, code, org_unit, first.code, last.code)
    behind = rows_behind(st.store, ind, org_unit, period, st.now(), lang, access.has_role("clerk"))
    unit = ind.unit
    cumulative = ind.aggregation == "sum"
    fig = series_chart(points, ind.target_for(last.year), t("actual", lang),
                       t("calendar_cumulative_target", lang) if cumulative else t("target", lang),
                       unit, cumulative=cumulative)  # fmt: skip
    formula = ind.formula_vi if lang == "vi" else ind.formula_en
    facts = [
        kpi(t("actual", lang), _val(row and row.actual, unit, lang), id_="ind-actual"),
        kpi(t("target", lang), _val(row and row.target, unit, lang), id_="ind-target"),
        kpi(t("completion", lang), completion_text(row, lang) if row else "—",
            id_="ind-completion"),
    ]  # fmt: skip
    if row and row.ytd is not None:
        facts.insert(1, kpi(t("calendar_ytd", lang), _val(row.ytd, unit, lang), id_="ind-ytd"))
    if row and row.projection is not None:
        facts.append(kpi(t("calendar_projection", lang), _val(row.projection, unit, lang),
                         id_="ind-projection"))  # fmt: skip
    if row and row.numerator is not None:
        facts += [
            kpi(t("numerator", lang), fmt.number(row.numerator, 0, lang), id_="ind-numerator"),
            kpi(
                t("denominator", lang), fmt.number(row.denominator, 0, lang), id_="ind-denominator"
            ),
        ]
    rows_card = None
    if behind is not None:
        rows_card = card(
            t("rows_behind", lang),
            html.Small(t("masked_note", lang)) if behind.masked else None,
            data_table(f"chi-tiet-{code}", behind.columns, behind.rows, lang),
            id_="ind-rows",
        )
    links: list[Any] = [
        html.A(t("back_to_list", lang), href=periods.href("/chi-tieu", period), id="ind-back")
    ]
    entry_period = (row.shown_period if row and row.held else None) or period
    if ind.formula.get("type") == "element" and access.has_role("clerk"):
        links += [" · ", html.A(t("entry_heading", lang), id="ind-enter",
                                href=f"/nhap-lieu?code={code}&period={entry_period}")]  # fmt: skip
    notes: list[Any] = []
    if row and (label := periods.shown_label(row, lang)):
        notes.append(html.Div(label, className="tile-period", id="ind-shown-period"))
    if row and (late := periods.late_label(row, lang)):
        notes.append(html.Div(f"⏱ {late}", className="tile-late", id="ind-late"))
    flags = None
    if row and row.flags:
        flags = card(
            t("calendar_check", lang),
            html.Ul([html.Li(m) for m in row.flags]),
            html.P(t("calendar_check_held", lang)),
            html.A(t("calendar_check_heading", lang), href="/can-kiem-tra")
            if access.has_role("clerk") else None,
            id_="ind-flags",
        )  # fmt: skip
    return [
        html.Div(links),
        html.Div([units.picker("indicator", params, lang),
                  periods.picker("indicator", params, lang)], className="page-pickers"),
        html.H1(f"{ind.name(lang)} – {parse_period(period).label(lang)}", className="page-title",
                id="ind-title"),
        html.Div([row_badge(row, lang) if row else status_badge(None, lang), *notes]),
        flags,
        html.Div(facts, className="kpis"),
        card(t("formula", lang), html.P(formula or "—", id="ind-formula")),
        card(t("series_title", lang), graph(fig, "ind-series")),
        card(t("calendar_projection", lang), html.P(t("calendar_how_projection", lang)),
             id_="ind-how-judged"),
        explain_section(code, period, lang, org_unit),
        rows_card,
    ]  # fmt: skip


def _val(value: float | None, unit: str, lang: str) -> str:
    from dashboards.components import value_text

    return value_text(value, unit, lang)
