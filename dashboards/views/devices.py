"""Devices: a grid of cameras, loudspeakers and sensors with status and uptime, and a map."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from dash import html

from coc import fmt
from coc.devices import queries
from coc.devices.states import KINDS, kind_name
from coc.store.status import ingester_liveness
from coc.store.versions import events_version
from coc.timeutil import parse_datetime
from dashboards import data, state
from dashboards.components import card, graph, ingester_status, no_data
from dashboards.figures import device_map
from dashboards.i18n import t

WALL_OFFLINE = 5  # offline devices named per kind on the wall


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
    live = ingester_status(
        ingester_liveness(st.store, st.settings, now=now), lang, "devices-ingester"
    )
    if not devices:
        return [html.H1(t("nav_devices", lang), className="page-title"), live, no_data(lang)]
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
    if params.get("wall"):
        return _wall(devices, lang)
    dark = bool(params.get("wall"))
    labels = {k: kind_name(k, lang) for k in KINDS}
    labels |= {"online": t("online", lang), "offline": t("offline", lang)}
    points = [{k: d[k] for k in ("name", "kind", "lat", "lon", "online")} for d in devices]
    return [
        html.H1(t("nav_devices", lang), className="page-title"),
        live,
        *sections,
        card(t("map", lang), graph(device_map(points, labels, dark=dark), "device-map"),
             html.Small(t("map_note", lang))),
    ]  # fmt: skip


def _wall(devices: list[dict[str, Any]], lang: str) -> Any:
    """Per kind: online/total (red unless all are online) and the offline ones by name; the
    map beside. One screen whatever the number of devices."""
    kinds = []
    for kind in KINDS:
        items = [d for d in devices if d["kind"] == kind]
        if not items:
            continue
        off = [d for d in items if not d["online"]]
        online = len(items) - len(off)
        band = "green" if not off else "red"
        names: list[Any] = [html.Li(d["name"]) for d in off[:WALL_OFFLINE]]
        if len(off) > WALL_OFFLINE:
            more = fmt.number(len(off) - WALL_OFFLINE, 0, lang)
            names.append(html.Li(t("wall_more", lang, n=more), className="wall-more"))
        kinds.append(
            html.Div(
                [
                    html.Div(
                        [
                            html.Span(kind_name(kind, lang), className="wall-kind-name"),
                            html.Span(f"{online}/{len(items)}",
                                      className=f"wall-kind-count status status-{band}"),
                        ],
                        className="wall-kind-head",
                    ),
                    html.Ul(names, className="wall-offline")
                    if off
                    else html.Div(f"✔ {t('wall_all_online', lang)}", className="wall-all-online"),
                ],
                className="card wall-kind",
                id=f"devices-{kind}",
            )
        )  # fmt: skip
    labels = {k: kind_name(k, lang) for k in KINDS}
    labels |= {"online": t("online", lang), "offline": t("offline", lang)}
    points = [{k: d[k] for k in ("name", "kind", "lat", "lon", "online")} for d in devices]
    figure = device_map(points, labels, dark=True)
    figure.update_layout(height=None, margin={"l": 90})  # the card's height (CSS)
    return [
        html.H1(t("nav_devices", lang), className="page-title"),
        html.Div(
            [
                html.Div(kinds, className="wall-col"),
                card(t("map", lang), graph(figure, "device-map")),
            ],
            className="wall-columns",
        ),
    ]
