"""TTHC: the commune's Decision 766 scorecard and the overdue dossiers."""

from __future__ import annotations

from typing import Any

from dash import html

from coc import fmt
from coc.periods import parse_period
from dashboards import access, data, state
from dashboards.components import card, data_table, graph, kpi
from dashboards.drill import drill
from dashboards.figures import scorecard_chart
from dashboards.i18n import t
from dashboards.scorecard import Scorecard, scorecard

TTHC_CODES = (
    "TTHC_DUNG_HAN",
    "TTHC_TRUC_TUYEN",
    "TTHC_THANH_TOAN_TRUC_TUYEN",
    "TTHC_KET_QUA_DIEN_TU",
    "TTHC_SO_HOA_HO_SO",
    "TTHC_HAI_LONG",
)


def commune_scorecard(period: str, lang: str) -> Scorecard:
    rows = {r.code: r.actual for r in data.rows_for(period, lang) if r.code in TTHC_CODES}
    return scorecard(rows, lang)


def render(params: dict[str, Any]) -> Any:
    lang = state.lang(params)
    period = data.period_param(params)
    st = state.get()
    score = commune_scorecard(period, lang)
    groups = [(f"{g.number}. {g.name}", g.points, g.max_points) for g in score.groups]
    table_rows = [
        {
            "group": f"{g.number}. {g.name}",
            "points": fmt.number(g.points, 1, lang) if g.points is not None else "—",
            "max": fmt.number(g.max_points, 0, lang),
        }
        for g in score.groups
    ]
    show_names = access.has_role("clerk")
    with st.store.session() as session:
        late = drill(session, "TTHC_DUNG_HAN", st.org_unit, period, st.now(), lang, show_names)
    assert late is not None
    total = fmt.number(score.total, 1, lang) if score.total is not None else "—"
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
