"""The period a page shows, in the URL: the picker every indicator page carries, the notice
for a refused `?period=`, the "to date" label of a month in progress, and links that keep
the period (drill-down and back). The rules are `coc.indicators.calendar`'s."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from dash import MATCH, Input, Output, State, dcc, html

from coc import fmt
from coc.indicators import calendar
from coc.indicators.query import IndicatorRow
from coc.periods import months_between, parse_period
from dashboards import state
from dashboards.i18n import t


def choice(params: dict[str, Any]) -> calendar.Choice:
    """`?period=` (refused with a reason when invalid), else the latest complete month."""
    st = state.get()
    lags = [i.lag_days for i in st.catalog.with_targets]
    return calendar.choose(str(params.get("period") or "") or None, lags, st.now())


def options(selected: str, lang: str) -> list[dict[str, str]]:
    """The month in progress, the 12 months before it, this year's quarters and the year."""
    st = state.get()
    now = st.now()
    current = parse_period(calendar.month_of_now(now))
    first = current
    for _ in range(12):
        first = first.previous()
    months = [p.code for p in months_between(first.code, current.code)][::-1]
    quarters = [f"{current.year}Q{q}" for q in range((current.start.month - 1) // 3 + 1, 0, -1)]
    codes = [*months, *quarters, str(current.year), str(current.year - 1)]
    if selected not in codes:
        codes.insert(0, selected)
    out = []
    for code in codes:
        label = parse_period(code).label(lang)
        if calendar.in_progress(parse_period(code), now):
            label += f" ({calendar.to_day_label(calendar.local_day(now), lang)})"
        out.append({"label": label, "value": code})
    return out


def picker(page: str, params: dict[str, Any], lang: str) -> html.Div:
    """Label, dropdown and the notices; choosing a period reloads the page with it in the
    URL (so it survives drill-down, reload and "back")."""
    chosen = choice(params)
    notices: list[Any] = []
    if chosen.error:
        notices.append(
            html.Div(
                t("calendar_bad_period", lang, asked=str(params.get("period")),
                  shown=parse_period(chosen.code).label(lang)),
                className="message-error period-error", id=f"{page}-period-error", role="alert",
            )
        )  # fmt: skip
    if chosen.partial and chosen.to_day:
        notices.append(
            html.Div(
                t("calendar_in_progress", lang,
                  to_day=calendar.to_day_label(chosen.to_day, lang)),
                className="period-partial", id=f"{page}-period-partial",
            )
        )  # fmt: skip
    return html.Div(
        [
            html.Label(t("calendar_period", lang), htmlFor=f"{page}-period-picker"),
            dcc.Dropdown(
                options(chosen.code, lang),
                chosen.code,
                id={"type": "period-picker", "page": page},
                clearable=False,
                searchable=False,
                className="period-picker",
                style={"minWidth": "260px"},
            ),
            dcc.Store(id={"type": "period-nav", "page": page}),
            *notices,
        ],
        className="period-bar",
        id=f"{page}-period-bar",
    )


def href(path: str, period: str, **extra: str) -> str:
    """A link that keeps the page's period (and `lang` when given)."""
    query = {"period": period, **{k: v for k, v in extra.items() if v}}
    return f"{path}?{urlencode(query)}"


def shown_label(row: IndicatorRow, lang: str) -> str | None:
    """'Số liệu T10/2026' when the value is for another period than the page's; 'đến ngày
    02/12' for a month in progress."""
    if row.shown_period is None:
        return None
    if row.partial:
        return calendar.to_day_label(calendar.local_day(state.get().now()), lang)
    if row.shown_period != row.period:
        return t("calendar_value_of", lang, period=calendar.month_label(row.shown_period, lang))
    return None


def late_label(row: IndicatorRow, lang: str) -> str | None:
    if not row.late or row.shown_period is None:
        return None
    return t(
        "calendar_late_detail",
        lang,
        period=calendar.month_label(row.shown_period, lang),
        date=fmt.day(row.last_updated, lang) if row.last_updated else "—",
        expected=calendar.month_label(row.expected or row.period, lang),
    )


def url_picker(app: Any, param: str, name: str, clear: tuple[str, ...] = ()) -> None:
    """One client-side callback for every `{name}-picker` dropdown: reload the page with
    `?{param}=` set (and `clear` removed), unless it already says so."""
    drops = "".join(f'params.delete("{c}");' for c in clear)
    app.clientside_callback(
        f"""function(value) {{
            if (!value) {{ return window.dash_clientside.no_update; }}
            const params = new URLSearchParams(window.location.search);
            if (params.get("{param}") === value) {{ return window.dash_clientside.no_update; }}
            params.set("{param}", value);
            {drops}
            window.location.assign(window.location.pathname + "?" + params.toString());
            return value;
        }}""",
        Output({"type": f"{name}-nav", "page": MATCH}, "data"),
        Input({"type": f"{name}-picker", "page": MATCH}, "value"),
        State({"type": f"{name}-nav", "page": MATCH}, "data"),
        prevent_initial_call=True,
    )


def register(app: Any) -> None:
    """Every period picker navigates to the URL with the period (and no open indicator)."""
    url_picker(app, "period", "period", clear=("i",))
