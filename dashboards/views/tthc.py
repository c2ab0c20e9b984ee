"""TTHC: the commune's Decision 766 scorecard and the overdue dossiers."""

from __future__ import annotations

from typing import Any

from dash import html

from coc import fmt
from coc.indicators import tthc
from coc.indicators.tthc import ScoreGroup
from coc.periods import parse_period
from coc.store.versions import dossiers_version
from dashboards import access, data, state
from dashboards.components import card, data_table, graph, kpi, wall_table
from dashboards.drill import rows_of
from dashboards.figures import scorecard_chart
from dashboards.i18n import t

WALL_DOSSIER_COLUMNS = ("ma", "tthc", "hen")
WALL_ROWS = 14

GROUP_EN = {
    "1": "Publicity and transparency",
    "2": "Timeliness and results",
    "3": "Online services and payment",
    "4": "Digitisation",
    "5": "Satisfaction",
}


def commune_scorecard(period: str) -> tuple[list[ScoreGroup], float | None]:
    """The Decision 766 groups from the dossiers of the period, and the total out of 100."""
    st = state.get()
    now = data.this_minute(st.now())

    def compute() -> tuple[list[ScoreGroup], float | None]:
        with st.store.session() as session:
            groups = tthc.scorecard(session, st.org_unit, period, now)
        return groups, tthc.total_score(groups)

    with st.store.session() as session:
        version = dossiers_version(session)
    return data.memo(("766", id(st), st.org_unit, period, now, version), compute)


def group_name(g: ScoreGroup, lang: str) -> str:
    return f"{g.code}. {GROUP_EN.get(g.code, g.name_vi) if lang == 'en' else g.name_vi}"


def render(params: dict[str, Any]) -> Any:
    lang = state.lang(params)
    period = data.period_param(params)
    st = state.get()
    score, total_score = commune_scorecard(period)
    groups = [(group_name(g, lang), g.points, g.max_points) for g in score]
    table_rows = [
        {
            "group": group_name(g, lang),
            "points": fmt.number(g.points, 1, lang) if g.points is not None else "—",
            "max": fmt.number(g.max_points, 0, lang),
        }
        for g in score
    ]
    show_names = access.has_role("clerk")
    late = rows_of(st.store, "dossiers_late", None, st.org_unit, period, st.now(), lang, show_names)
    total = fmt.number(total_score, 1, lang) if total_score is not None else "—"
    title = html.H1(
        f"{t('scorecard', lang)} – {parse_period(period).label(lang)}", className="page-title"
    )
    kpis = html.Div(
        [
            kpi(f"{t('total', lang)} / 100", total, id_="tthc-total"),
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
                    html.Div([kpis, card(t("scorecard", lang), graph(
                        scorecard_chart(groups, "", dark=True), "tthc-chart"))],
                        className="wall-col"),
                    card(t("overdue_dossiers", lang),
                         wall_table(cols, late.rows, lang, WALL_ROWS, "tthc-late", wide="tthc")),
                ],
                className="wall-columns",
            ),
        ]  # fmt: skip
    return [
        html.H1(
            f"{t('scorecard', lang)} – {parse_period(period).label(lang)}",
            className="page-title",
        ),
        html.Div(
            [
                kpi(f"{t('total', lang)} / 100", total, id_="tthc-total"),
                kpi(t("overdue_dossiers", lang), fmt.number(len(late.rows), 0, lang)),
            ],
            className="kpis",
        ),
        card(
            t("scorecard", lang),
            graph(scorecard_chart(groups, "", dark=bool(params.get("wall"))), "tthc-chart"),
            data_table(
                "diem-766",
                [("group", t("group", lang)), ("points", t("points", lang)),
                 ("max", t("max_points", lang))],
                table_rows,
                lang,
            ),
        ),
        card(
            t("overdue_dossiers", lang),
            html.Small(t("masked_note", lang)) if late.masked else None,
            data_table("ho-so-qua-han", late.columns, late.rows, lang),
        ),
    ]  # fmt: skip
