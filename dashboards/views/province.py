"""Province and district pages: communes ranked by completion, one indicator compared, a map
of the communes, and reporting completeness as DHIS2 shows it. All reads go through
`coc.province.queries`; the org-unit tree comes from the settings (`province.communes`).
"""

from __future__ import annotations

from typing import Any

from dash import html

from coc import fmt
from coc.indicators.status import STATUS_BAND, by_completion
from coc.periods import months_between, parse_period
from coc.province.hierarchy import Hierarchy
from coc.province.queries import (
    commune_map,
    commune_ranking,
    compare_indicator,
    missing,
    reporting_completeness,
)
from dashboards import data, state, units
from dashboards.components import card, data_table, graph, no_data, status_word, verdict_word
from dashboards.figures import BAND_ICONS, ranking_chart
from dashboards.figures import commune_map as map_figure
from dashboards.i18n import t
from dashboards.views.indicators import period_options

ROLES = ("province", "district")
REPORT_MONTHS = 6  # completeness shows the selected month and the five before it


def enabled() -> bool:
    return state.get().settings.role in ROLES


def hierarchy() -> Hierarchy:
    """The served tree as far as the logged-in user may see it (coc.auth.units)."""
    return units.tree()


def periods(params: dict[str, Any], lang: str) -> tuple[str, list[dict[str, str]]]:
    """The selected period (`?period=`, else this month) and the dropdown's options."""
    period = data.period_param(params)
    options = period_options(data.current_month(), lang)
    if period not in [o["value"] for o in options]:
        options.insert(0, {"label": parse_period(period).label(lang), "value": period})
    return period, options


def not_enabled(lang: str) -> html.Div:
    return html.Div(html.P(t("province_only", lang), className="no-data"), id="province-off")


def _band(band: str | None, pct: float | None) -> str | None:
    """The colour of the verdict (green only when met), so words, icons and bars agree."""
    return STATUS_BAND[by_completion(pct)] if pct is not None else band


def _status(band: str | None, lang: str, pct: float | None = None) -> str:
    """Icon and word: "Đạt" only when the target is met (coc.indicators.status)."""
    word = verdict_word(by_completion(pct), lang) if pct is not None else status_word(band, lang)
    return f"{BAND_ICONS.get(_band(band, pct), BAND_ICONS[None])} {word}"


# ── ranking ──────────────────────────────────────────────────────────────────────────


def ranking(period: str, lang: str) -> list[Any]:
    st = state.get()
    with st.store.session() as session:
        scores = commune_ranking(session, st.catalog, hierarchy(), period)
    if not scores:
        return [no_data(lang, t("no_communes", lang))]
    rows = [
        {
            "rank": s.rank,
            "code": s.code,
            "name": s.name,
            "completion": s.completion,
            "status": _status(s.band, lang, s.completion),
            "scored": s.scored,
            "reported": s.reported,
        }
        for s in scores
    ]
    columns = [("rank", t("rank", lang)), ("code", t("code", lang)),
               ("name", t("commune", lang)), ("completion", t("completion_pct", lang)),
               ("status", t("status", lang)), ("scored", t("scored", lang)),
               ("reported", t("reported_indicators", lang))]  # fmt: skip
    chart = ranking_chart(
        [s.name for s in scores],
        [s.completion for s in scores],
        [_band(s.band, s.completion) for s in scores],
        "%",
        cap=100.0,
    )
    return [
        card(
            f"{t('ranking_heading', lang)} – {parse_period(period).label(lang)}",
            html.Small(t("ranking_note", lang)),
            graph(chart, "prov-rank-chart"),
            data_table("xep-hang", columns, rows, lang, numeric=("completion",)),
        )
    ]


# ── one indicator across the communes ────────────────────────────────────────────────


def indicator_options(lang: str) -> list[dict[str, str]]:
    return [
        {"label": f"{i.code} – {i.name(lang)}", "value": i.code}
        for i in state.get().catalog.indicators
    ]


def default_code() -> str:
    catalog = state.get().catalog
    targets = catalog.with_targets
    return (targets[0] if targets else catalog.indicators[0]).code


def comparison(code: str | None, period: str, lang: str) -> list[Any]:
    st = state.get()
    if not code or code not in st.catalog:
        return [no_data(lang, t("unknown_indicator", lang, code=code or ""))]
    ind = st.catalog.get(code)
    with st.store.session() as session:
        items = compare_indicator(session, st.catalog, hierarchy(), code, period)
    if not items:
        return [no_data(lang, t("no_communes", lang))]
    rows = [
        {
            "rank": v.rank,
            "code": v.code,
            "name": v.name,
            "value": v.value,
            "target": v.target,
            "completion": v.completion,
            "status": _status(v.band, lang, v.completion),
            "updated": fmt.moment(v.last_updated, lang) if v.last_updated else "—",
        }
        for v in items
    ]
    columns = [("rank", t("rank", lang)), ("code", t("code", lang)),
               ("name", t("commune", lang)), ("value", t("actual", lang)),
               ("target", t("target", lang)), ("completion", t("completion_pct", lang)),
               ("status", t("status", lang)), ("updated", t("updated", lang))]  # fmt: skip
    chart = ranking_chart(
        [v.name for v in items],
        [v.value for v in items],
        [_band(v.band, v.completion) for v in items],
        ind.unit,
        items[0].target,
    )
    return [
        card(
            f"{ind.name(lang)} – {parse_period(period).label(lang)}",
            graph(chart, "prov-compare-chart"),
            data_table("so-sanh", columns, rows, lang, numeric=("value", "target", "completion")),
        )
    ]


# ── map ──────────────────────────────────────────────────────────────────────────────


def commune_points(period: str, lang: str) -> tuple[list[dict[str, Any]], list[str]]:
    """Map points of the communes with coordinates, and the names of those without."""
    st = state.get()
    tree = hierarchy()
    with st.store.session() as session:
        placed = commune_map(session, st.catalog, tree, period)
    points = [
        {
            "name": s.name,
            "lat": s.lat,
            "lon": s.lon,
            "band": _band(s.band, s.completion),
            "text": f"{s.name}: {fmt.percent(s.completion, lang)}",
        }
        for s in placed
    ]
    on_map = {s.code for s in placed}
    unplaced = [u.name for u in tree.communes if u.code not in on_map]
    return points, unplaced


def map_view(period: str, lang: str) -> list[Any]:
    points, unplaced = commune_points(period, lang)
    if not points:
        return [no_data(lang, t("no_coordinates", lang))]
    labels: dict[str | None, str] = {b: t(f"status_{b}", lang) for b in ("green", "amber", "red")}
    labels[None] = t("status_none", lang)
    note = t("map_unplaced", lang, names=", ".join(unplaced)) if unplaced else ""
    return [
        card(
            f"{t('commune_map', lang)} – {parse_period(period).label(lang)}",
            graph(map_figure(points, labels), "prov-map"),
            html.Small(note, id="prov-map-unplaced"),
        )
    ]


# ── reporting completeness ───────────────────────────────────────────────────────────


def report_periods(period: str) -> list[str]:
    """The selected month and the months before it (a quarter or year: itself only)."""
    p = parse_period(period)
    if len(p.code) != 6:
        return [p.code]
    first = p
    for _ in range(REPORT_MONTHS - 1):
        first = first.previous()
    return [m.code for m in months_between(first.code, p.code)]


def _cell(reported: bool, on_time: bool, due: bool, lang: str) -> str:
    if reported:
        return t("report_on_time" if on_time else "report_late", lang)
    return t("report_missing" if due else "report_not_due", lang)


def completeness(period: str, lang: str) -> list[Any]:
    st = state.get()
    tree = hierarchy()
    codes = report_periods(period)
    now = st.now()
    with st.store.session() as session:
        rows = reporting_completeness(session, tree, codes, st.settings.province.timely_days, now)
        absent = missing(session, tree, period)
    if not rows:
        return [no_data(lang, t("no_communes", lang))]
    ends = {c: parse_period(c).end_utc <= now for c in codes}
    table = []
    for r in rows:
        item: dict[str, Any] = {
            "code": r.code,
            "name": r.name,
            "rate": None if r.rate is None else round(r.rate, 1),
            "on_time_rate": None if r.on_time_rate is None else round(r.on_time_rate, 1),
            "expected": r.expected,
            "reported": r.reported,
            "on_time": r.on_time,
        }
        for p in r.periods:
            item[f"p{p.period}"] = _cell(p.reported, p.on_time, ends[p.period], lang)
            if p.approved:
                item[f"p{p.period}"] += " · " + t("approval_yes", lang)
        item["approved"] = t("approval_yes" if r.periods[-1].approved else "approval_no", lang)
        table.append(item)
    columns = [("code", t("code", lang)), ("name", t("commune", lang)),
               ("rate", t("reporting_rate", lang)), ("on_time_rate", t("on_time_rate", lang)),
               ("expected", t("reports_expected", lang)),
               ("reported", t("reports_received", lang)),
               ("on_time", t("reports_on_time", lang))]  # fmt: skip
    columns += [("approved", f"{t('approval_col', lang)} {parse_period(period).label(lang)}")]
    columns += [(f"p{c}", parse_period(c).label(lang)) for c in codes]
    missing_rows = [{"code": code, "name": name} for code, name in absent]
    label = parse_period(period).label(lang)
    return [
        card(
            t("missing_heading", lang, period=label),
            data_table("chua-bao-cao", [("code", t("code", lang)),
                                        ("name", t("commune", lang))], missing_rows, lang)
            if missing_rows
            else html.P(t("none_missing", lang), className="message-ok", id="prov-none-missing"),
            id_="prov-missing",
        ),
        card(
            t("completeness_heading", lang),
            html.Small(t("completeness_note", lang, days=st.settings.province.timely_days)),
            data_table("bao-cao", columns, table, lang, numeric=("rate", "on_time_rate")),
        ),
    ]  # fmt: skip
