"""Devices: a grid of cameras, loudspeakers and sensors with status and uptime, and a map."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from dash import html
from sqlalchemy import func, select
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


def uptimes_today(
    session: Session, devices: list[Device], now: datetime
) -> dict[str, float | None]:
    """Share of today (local) each device was online, from its state-change events.

    Two queries for all devices: the last event before local midnight, and today's events.
    """
    try:  # wired after merge: coc.devices.queries.uptime (issue 4)
        from coc.devices.queries import uptime
    except ImportError:
        uptime = None
    if uptime is not None:
        day = to_local(now).date()
        return {d.device_id: uptime(session, d.device_id, day) for d in devices}
    start, _ = day_bounds(now)
    last_before = (
        select(DeviceEvent.device_id, func.max(DeviceEvent.ts).label("ts"))
        .where(DeviceEvent.ts < start)
        .group_by(DeviceEvent.device_id)
        .subquery()
    )
    initial = dict(
        session.execute(
            select(DeviceEvent.device_id, DeviceEvent.online).join(
                last_before,
                (DeviceEvent.device_id == last_before.c.device_id)
                & (DeviceEvent.ts == last_before.c.ts),
            )
        ).all()
    )
    events: dict[str, list[tuple[datetime, bool]]] = {}
    stmt = select(DeviceEvent.device_id, DeviceEvent.ts, DeviceEvent.online).where(
        DeviceEvent.ts >= start, DeviceEvent.ts <= now
    )
    for device_id, ts, online in session.execute(stmt.order_by(DeviceEvent.ts)):
        events.setdefault(device_id, []).append((as_utc(ts), bool(online)))
    return {
        d.device_id: online_share(initial.get(d.device_id), events.get(d.device_id, []), start, now)
        for d in devices
    }


def online_share(
    initial: bool | None, events: list[tuple[datetime, bool]], start: datetime, now: datetime
) -> float | None:
    """Percent of [start, now] spent online, starting from `initial` (None: no history)."""
    if initial is None and not events:
        return None
    online, cursor, up = bool(initial), start, timedelta(0)
    for ts, is_online in events:
        if online:
            up += ts - cursor
        cursor, online = ts, is_online
    if online:
        up += as_utc(now) - cursor
    total = as_utc(now) - start
    return 100.0 * (up / total) if total > timedelta(0) else None


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
