"""Devices: a grid of cameras, loudspeakers and sensors with status and uptime, and a map."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from dash import html
from sqlalchemy import select
from sqlmodel import Session

from coc import fmt
from coc.store.models import Device, DeviceEvent
from coc.timeutil import VN_TZ, as_utc, to_local
from dashboards import state
from dashboards.components import card, graph, no_data
from dashboards.figures import device_map
from dashboards.i18n import t

KINDS = ("camera", "speaker", "sensor")


def day_bounds(now: datetime) -> tuple[datetime, datetime]:
    local = to_local(now)
    start = datetime(local.year, local.month, local.day, tzinfo=VN_TZ)
    return as_utc(start), as_utc(start + timedelta(days=1))


def uptime_today(session: Session, device: Device, now: datetime) -> float | None:
    """Share of today (local) the device was online, from its state-change events."""
    start, _ = day_bounds(now)
    try:  # wired after merge: coc.devices.queries.uptime (issue 4)
        from coc.devices.queries import uptime
    except ImportError:
        uptime = None
    if uptime is not None:
        return uptime(session, device.device_id, to_local(now).date())
    before = session.scalars(
        select(DeviceEvent)
        .where(DeviceEvent.device_id == device.device_id, DeviceEvent.ts < start)
        .order_by(DeviceEvent.ts.desc())
        .limit(1)
    ).first()
    events = session.scalars(
        select(DeviceEvent)
        .where(DeviceEvent.device_id == device.device_id, DeviceEvent.ts >= start)
        .order_by(DeviceEvent.ts)
    ).all()
    if before is None and not events:
        return None
    online = bool(before.online) if before else False
    cursor, up = start, timedelta(0)
    for event in events:
        ts = as_utc(event.ts)
        if online:
            up += ts - cursor
        cursor, online = ts, bool(event.online)
    if online:
        up += as_utc(now) - cursor
    total = as_utc(now) - start
    return 100.0 * up / total if total > timedelta(0) else None


def device_card(d: Device, uptime: float | None, lang: str) -> html.Div:
    word = t("online" if d.online else "offline", lang)
    return html.Div(
        [
            html.Div(d.name, className="tile-name"),
            html.Div(
                [html.Span("✔" if d.online else "✖", className="status-icon"), html.Span(word)],
                className=f"status status-{'green' if d.online else 'red'}",
            ),
            html.Div(
                " · ".join(x for x in (t("kind_" + d.kind, lang), d.hamlet) if x),
                className="tile-meta",
            ),
            html.Div(
                f"{t('last_seen', lang)}: {fmt.moment(d.last_seen, lang)}", className="tile-meta"
            ),
            html.Div(f"{t('uptime', lang)}: {fmt.percent(uptime, lang)}", className="tile-meta"),
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
        uptimes = {d.device_id: uptime_today(session, d, now) for d in devices}
    if not devices:
        return [html.H1(t("nav_devices", lang), className="page-title"), no_data(lang)]
    sections = []
    for kind in KINDS:
        items = [d for d in devices if d.kind == kind]
        if items:
            online = sum(1 for d in items if d.online)
            sections.append(
                card(
                    f"{t('kind_' + kind, lang)}: {online}/{len(items)} {t('online', lang).lower()}",
                    html.Div(
                        [device_card(d, uptimes[d.device_id], lang) for d in items],
                        className="device-grid",
                    ),
                    id_=f"devices-{kind}",
                )
            )
    dark = bool(params.get("wall"))
    labels = {k: t("kind_" + k, lang) for k in KINDS}
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
