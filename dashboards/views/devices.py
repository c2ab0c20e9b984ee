"""Devices: a grid of cameras, loudspeakers and sensors with status and uptime, and a map."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from dash import html

from coc import fmt
from coc.devices import queries
from coc.devices.states import KINDS, kind_name
from coc.store.versions import events_version
from coc.timeutil import parse_datetime
from dashboards import data, state
from dashboards.components import card, graph, no_data
from dashboards.figures import device_map
from dashboards.i18n import t


def uptimes_today(devices: list[dict[str, Any]], now: datetime) -> dict[str, float | None]:
    """Today's uptime per device, memoised per minute until a new event arrives."""
    st = state.get()
    now = data.this_minute(now)
    ids = [d["device_id"] for d in devices]
    with st.store.session() as session:
        key = ("uptime", id(st), tuple(ids), now, events_version(session))
        return data.memo(key, lambda: queries.uptimes_today(session, ids, now))


def device_card(d: dict[str, Any], share: float | None, lang: str) -> html.Div:
    online = bool(d["online"])
    seen = fmt.moment(parse_datetime(d["last_seen"]), lang)
    return html.Div(
        [
            html.Div(d["name"], className="tile-name"),
            html.Div(
                [html.Span("✔" if online else "✖", className="status-icon"),
                 html.Span(t("online" if online else "offline", lang))],
                className=f"status status-{'green' if online else 'red'}",
            ),
            html.Div(
                " · ".join(x for x in (kind_name(d["kind"], lang), d["hamlet"]) if x),
                className="tile-meta",
            ),
            html.Div(f"{t('last_seen', lang)}: {seen}", className="tile-meta"),
            html.Div(f"{t('uptime', lang)}: {fmt.percent(share, lang)}", className="tile-meta"),
        ],
        className=f"device-card {'on' if online else 'off'}",
        id=f"device-{d['device_id']}",
    )  # fmt: skip


def render(params: dict[str, Any]) -> Any:
    lang = state.lang(params)
    st = state.get()
    now = st.now()
    with st.store.session() as session:
        devices = queries.devices(session)
    uptimes = uptimes_today(devices, now)
    if not devices:
        return [html.H1(t("nav_devices", lang), className="page-title"), no_data(lang)]
    sections = []
    for kind in KINDS:
        items = [d for d in devices if d["kind"] == kind]
        if items:
            online = sum(1 for d in items if d["online"])
            sections.append(
                card(
                    f"{kind_name(kind, lang)}: {online}/{len(items)} {t('online', lang).lower()}",
                    html.Div(
                        [device_card(d, uptimes[d["device_id"]], lang) for d in items],
                        className="device-grid",
                    ),
                    id_=f"devices-{kind}",
                )
            )
    dark = bool(params.get("wall"))
    labels = {k: kind_name(k, lang) for k in KINDS}
    labels |= {"online": t("online", lang), "offline": t("offline", lang)}
    points = [{k: d[k] for k in ("name", "kind", "lat", "lon", "online")} for d in devices]
    return [
        html.H1(t("nav_devices", lang), className="page-title"),
        *sections,
        card(t("map", lang), graph(device_map(points, labels, dark=dark), "device-map"),
             html.Small(t("map_note", lang))),
    ]  # fmt: skip
