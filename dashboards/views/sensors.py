"""Sensors: live values, a roll-up chart with threshold lines, and alert history."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from dash import dcc, html

from coc import fmt
from coc.timeutil import VN_TZ, as_utc, parse_datetime, to_local
from dashboards import sensors, state
from dashboards.components import card, data_table, no_data, value_text, wall_table
from dashboards.figures import sensor_chart
from dashboards.i18n import t

RANGES = {"1d": timedelta(days=1), "7d": timedelta(days=7), "30d": timedelta(days=30)}


def live(lang: str) -> list[sensors.Latest]:
    st = state.get()
    return sensors.latest_values(st.store, st.settings)


def live_cards(items: list[sensors.Latest], lang: str) -> html.Div:
    if not items:
        return no_data(lang)
    return html.Div(
        [
            html.Div(
                [
                    html.Div(x.metric(lang), className="tile-name"),
                    html.Div(value_text(x.value, x.unit, lang, 2), className="tile-actual"),
                    html.Div(x.name, className="tile-meta"),
                    html.Div(fmt.moment(x.ts, lang), className="tile-meta"),
                ],
                className="tile band-none",
                id=f"live-{x.device_id}-{x.key}",
            )
            for x in items
        ],
        className="tiles",
        id="sensor-live",
    )


def series_options(items: list[sensors.Latest], lang: str = "vi") -> list[dict[str, str]]:
    return [
        {"label": f"{x.name} – {x.metric(lang)}", "value": f"{x.device_id}|{x.key}"} for x in items
    ]


def chart_figure(
    choice: str | None, start: datetime, end: datetime, dark: bool = False, lang: str = "vi"
) -> Any | None:
    """The figure of one 'device|key' between two UTC times, or None without data.

    The span picks the roll-up (5-minute up to 2 days, hourly beyond), so zooming in on the
    chart asks for finer data. Times are shown in Vietnamese local time.
    """
    if not choice or "|" not in choice:
        return None
    device_id, key = choice.split("|", 1)
    st = state.get()
    times, values = sensors.series(st.store, device_id, key, start, end)
    if not times:
        return None
    lines = sensors.thresholds(st.store, st.settings, device_id, key)
    local = [to_local(x).replace(tzinfo=None) for x in times]
    metric = sensors.metric(st.settings, device_id, key)
    name = sensors.device_names(st.store).get(device_id, device_id)
    step = t(f"resolution_{sensors.resolution(start, end)}", lang)
    title = f"{name} – {metric.name(lang) if metric else key} ({step})"
    return sensor_chart(local, values, title, metric.unit if metric else "", lines, dark, lang)


def chart(choice: str | None, span: str, lang: str) -> Any:
    """The roll-up chart of one 'device|key' over the chosen span, ending now."""
    end = state.get().now()
    fig = chart_figure(choice, end - RANGES.get(span, RANGES["1d"]), end, lang=lang)
    if fig is None:
        return no_data(lang)
    fig.update_layout(uirevision=f"{choice}|{span}")
    return dcc.Graph(figure=fig, id="sensor-graph", config={"displaylogo": False})


def zoomed(relayout: dict[str, Any] | None) -> tuple[datetime, datetime] | None:
    """The UTC range a user zoomed to on the chart (local times in relayoutData)."""
    if not relayout or "xaxis.range[0]" not in relayout:
        return None
    try:
        start = datetime.fromisoformat(str(relayout["xaxis.range[0]"])).replace(tzinfo=VN_TZ)
        end = datetime.fromisoformat(str(relayout["xaxis.range[1]"])).replace(tzinfo=VN_TZ)
    except ValueError:
        return None
    return (as_utc(start), as_utc(end)) if end > start else None


WALL_LIVE = 12  # two rows of live values on the wall
WALL_HISTORY = 5


def history_rows(lang: str) -> list[dict[str, str]]:
    store = state.get().store
    alerts = sensors.alert_history(store)
    names = sensors.device_names(store)
    return [
        {
            "opened": fmt.moment(parse_datetime(a["opened_at"]), lang),
            "severity": t(f"severity_{a['severity']}", lang),
            "device": names.get(a["device_id"], a["device_id"]),
            "message": a["message"],
            "status": t(f"alert_{a['status']}", lang),
            "cleared": fmt.moment(parse_datetime(a["cleared_at"]), lang)
            if a["cleared_at"]
            else "—",
        }
        for a in alerts
    ]


def history_columns(lang: str) -> list[tuple[str, str]]:
    return [("opened", t("opened_at", lang)), ("severity", t("severity", lang)),
            ("device", t("device", lang)), ("message", t("message", lang)),
            ("status", t("status", lang)), ("cleared", t("cleared_at", lang))]  # fmt: skip


def history(lang: str) -> html.Div:
    """Recent alerts with local times and Vietnamese (or English) words."""
    return data_table("lich-su-canh-bao", history_columns(lang), history_rows(lang), lang)


def render_wall(lang: str) -> Any:
    """Live values (as many as two rows hold) and the latest alerts, on one screen."""
    items = live(lang)
    more = len(items) - WALL_LIVE
    cols = [c for c in history_columns(lang) if c[0] in ("opened", "device", "message", "status")]
    return [
        html.H1(t("nav_sensors", lang), className="page-title"),
        card(
            t("live_values", lang),
            live_cards(items[:WALL_LIVE], lang),
            html.Div(t("wall_more", lang, n=more), className="wall-more") if more > 0 else None,
        ),
        card(t("alert_history", lang),
             wall_table(cols, history_rows(lang), lang, WALL_HISTORY, "sensor-history",
                        wide="message")),
    ]  # fmt: skip


def render(params: dict[str, Any]) -> Any:
    """Live values and alert history (the refreshing part of the page)."""
    lang = state.lang(params)
    if params.get("wall"):
        return render_wall(lang)
    return [
        card(t("live_values", lang), live_cards(live(lang), lang)),
        card(t("alert_history", lang), history(lang)),
    ]
