"""Devices: a grid of cameras, loudspeakers and sensors with status and uptime, and a map."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from dash import html
from sqlalchemy import select
from sqlmodel import Session

from coc import fmt
from coc.devices.queries import uptime
from coc.devices.states import KINDS, kind_name
from coc.store.models import Device
from coc.timeutil import to_local
from dashboards import data, state
from dashboards.components import card, graph, no_data
from dashboards.figures import device_map
from dashboards.i18n import t


def uptimes_today(
    session: Session, devices: list[Device], now: datetime
) -> dict[str, float | None]:
    """Share of today (local day) each device was online so far, from its events
    (memoised per minute until a new event arrives)."""
    now = data.this_minute(now)
    day = to_local(now).date()
    ids = tuple(d.device_id for d in devices)
    key = ("uptime", id(state.get()), ids, now, data.event_version(session))
    return data.memo(key, lambda: {i: uptime(session, i, day, now) for i in ids})


def device_card(d: Device, share: float | None, lang: str) -> html.Div:
    word = t("online" if d.online else "offline", lang)
    return html.Div(
        [
            html.Div(d.name, className="tile-name"),
            html.Div(
                [html.Span("✔" if d.online else "✖", className="status-icon"), html.Span(word)],
                className=f"status status-{'green' if d.online else 'red'}",
            ),
            html.Div(
                " · ".join(x for x in (kind_name(d.kind, lang), d.hamlet) if x),
                className="tile-meta",
            ),
            html.Div(
                f"{t('last_seen', lang)}: {fmt.moment(d.last_seen, lang)}", className="tile-meta"
            ),
            html.Div(f"{t('uptime', lang)}: {fmt.percent(share, lang)}", className="tile-meta"),
        ],
        className=f"device-card {'on' if d.online else 'off'}",
        id=f"device-{d.device_id}",
    )


def render(params: dict[str, Any]) -> Any:
    lang = state.lang(params)
    st = state.get()
    now = st.now()
    with st.store.session() as session:
        devices = list(session.scalars(select(Device).order_by(Device.kind, Device.device_id)))
        uptimes = uptimes_today(session, devices, now)
    if not devices:
        return [html.H1(t("nav_devices", lang), className="page-title"), no_data(lang)]
    sections = []
    for kind in KINDS:
        items = [d for d in devices if d.kind == kind]
        if items:
            online = sum(1 for d in items if d.online)
            sections.append(
                card(
                    f"{kind_name(kind, lang)}: {online}/{len(items)} {t('online', lang).lower()}",
                    html.Div(
                        [device_card(d, uptimes[d.device_id], lang) for d in items],
                        className="device-grid",
                    ),
                    id_=f"devices-{kind}",
                )
            )
    dark = bool(params.get("wall"))
    labels = {k: kind_name(k, lang) for k in KINDS}
    labels |= {"online": t("online", lang), "offline": t("offline", lang)}
    points = [
        {"name": d.name, "kind": d.kind, "lat": d.lat, "lon": d.lon, "online": d.online}
        for d in devices
    ]
    return [
        html.H1(t("nav_devices", lang), className="page-title"),
        *sections,
        card(t("map", lang), graph(device_map(points, labels, dark=dark), "device-map"),
             html.Small(t("map_note", lang))),
    ]  # fmt: skip
