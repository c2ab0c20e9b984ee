"""TTHC: the commune's Decision 766 scorecard and the overdue dossiers."""

from __future__ import annotations

from typing import Any

from dash import html

from coc import fmt
from coc.indicators import tthc
from coc.indicators.tthc import Scorecard, ScoreGroup
from coc.periods import parse_period
from coc.store.versions import dossiers_version
from dashboards import access, data, state, units
from dashboards.components import card, data_table, graph, kpi, wall_table
from dashboards.drill import rows_of
from dashboards.figures import scorecard_chart
from dashboards.i18n import t

WALL_DOSSIER_COLUMNS = ("ma", "tthc", "hen")
WALL_ROWS = 14


def commune_scorecard(period: str) -> Scorecard:
    """The Decision 766 groups and items from the dossiers of the period."""
    st = state.get()
    now = data.this_minute(st.now())
    unit = units.chosen()

    def compute() -> Scorecard:
        with st.store.session() as session:
            return tthc.scorecard(session, unit, period, now)

    with st.store.session() as session:
        version = dossiers_version(session)
    return data.memo(("766", id(st), unit, period, now, version), compute)


def late_dossiers(period: str, lang: str, show_names: bool) -> Any:
    """The period's late dossiers (the drill-down rows), memoised per minute and dossier
    version like the scorecard: a wall refresh does not load them again."""
    st = state.get()
    now = data.this_minute(st.now())
    unit = units.chosen()

    def compute() -> Any:
        return rows_of(st.store, "dossiers_late", None, unit, period, now, lang, show_names)

    with st.store.session() as session:
        version = dossiers_version(session)
    key = ("766-late", id(st), unit, period, now, version, lang, show_names)
    return data.memo(key, compute)


def group_name(g: ScoreGroup, lang: str) -> str:
    return f"{g.spec.code}. {g.spec.name_en if lang == 'en' else g.spec.name_vi}"


def _points(points: float | None, computable: bool, lang: str) -> str:
    if points is not None:
        return fmt.number(points, 1, lang)
    return t("tthc766_no_dossiers" if computable else "tthc766_not_computed", lang)


def group_rows(card_: Scorecard, lang: str) -> list[dict[str, str]]:
    return [
        {
            "group": group_name(g, lang),
            "points": _points(g.points, False, lang),
            "computable": fmt.number(g.computed_max, 0, lang),
            "max": fmt.number(g.spec.max_points, 0, lang),
        }
        for g in card_.groups
    ]


def item_rows(card_: Scorecard, lang: str) -> list[dict[str, str]]:
    rows = []
    for g in card_.groups:
        for i in g.items:
            name = i.spec.name_en if lang == "en" else i.spec.name_vi
            counted = i.denominator is not None and i.numerator is not None
            rows.append(
                {
                    "group": group_name(g, lang),
                    "item": f"{i.spec.code} {name}".strip(),
                    "rate": fmt.percent(i.rate, lang),
                    "count": (
                        f"{fmt.number(i.numerator, 0, lang)}/{fmt.number(i.denominator, 0, lang)}"
                        if counted
                        else "—"
                    ),
                    "threshold": fmt.percent(i.spec.threshold, lang),
                    "points": _points(i.points, i.computable, lang),
                    "max": fmt.number(i.spec.points, 0, lang),
                }
            )
    return rows


def render(params: dict[str, Any]) -> Any:
    lang = state.lang(params)
    period = data.period_param(params)
    card_ = commune_scorecard(period)
    groups = [(group_name(g, lang), g.points, g.spec.max_points) for g in card_.groups]
    chart = scorecard_chart(groups, "", dark=bool(params.get("wall")), lang=lang)
    show_names = access.has_role("clerk")
    late = late_dossiers(period, lang, show_names)
    total = (
        f"{fmt.number(card_.points, 1, lang)} / {fmt.number(card_.computed_max, 0, lang)}"
        if card_.points is not None
        else t("tthc766_not_computed", lang)
    )
    title = html.H1(
        f"{t('scorecard', lang)} – {parse_period(period).label(lang)}", className="page-title"
    )
    kpis = html.Div(
        [
            kpi(t("tthc766_computable_total", lang), total, id_="tthc-total"),
            kpi(t("overdue_dossiers", lang), fmt.number(len(late.rows), 0, lang)),
        ],
        className="kpis",
    )
    if params.get("wall"):
        cols = [c for c in late.columns if c[0] in WALL_DOSSIER_COLUMNS]
        return [
            title,
            html.Div(
                [
                    html.Div([kpis, card(t("scorecard", lang), graph(chart, "tthc-chart"))],
                             className="wall-col"),
                    card(t("overdue_dossiers", lang),
                         wall_table(cols, late.rows, lang, WALL_ROWS, "tthc-late", wide="tthc")),
                ],
                className="wall-columns",
            ),
        ]  # fmt: skip
    return [
        title,
        kpis,
        card(
            t("tthc766_groups", lang),
            graph(chart, "tthc-chart"),
            data_table(
                "diem-766",
                [("group", t("group", lang)), ("points", t("points", lang)),
                 ("computable", t("tthc766_computable", lang)), ("max", t("max_points", lang))],
                group_rows(card_, lang),
                lang,
            ),
        ),
        card(
            t("tthc766_items", lang),
            html.P(t("tthc766_note", lang), className="note", id="tthc-note"),
            data_table(
                "chi-tieu-766",
                [("group", t("group", lang)), ("item", t("tthc766_item", lang)),
                 ("rate", t("tthc766_rate", lang)), ("count", t("tthc766_count", lang)),
                 ("threshold", t("tthc766_threshold", lang)), ("points", t("points", lang)),
                 ("max", t("max_points", lang))],
                item_rows(card_, lang),
                lang,
                page_size=30,
            ),
        ),
        card(
            t("overdue_dossiers", lang),
            html.Small(t("masked_note", lang)) if late.masked else None,
            data_table("ho-so-qua-han", late.columns, late.rows, lang),
        ),
    ]  # fmt: skip
