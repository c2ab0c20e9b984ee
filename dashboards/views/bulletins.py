"""Bulletin pieces shared by the bulletins page and the wall: awaiting approval (with the
one-step approve button), history, the live delivery map and report, the wall strip."""

from __future__ import annotations

from typing import Any

from dash import dcc, html

from coc import fmt
from coc.bulletins import priority_name
from coc.bulletins.workflow import BulletinRow, awaiting_urgent, deliveries, listing, on_air
from coc.devices import queries
from dashboards import state
from dashboards.components import card, data_table
from dashboards.figures import DELIVERY_COLOURS, delivery_map
from dashboards.i18n import t

AUDIO_PATH = "/api/v1/bulletins/audio/{key}.{fmt}"


def duration_text(seconds: float | None, lang: str) -> str:
    if seconds is None:
        return "—"
    whole = round(seconds)
    if whole < 60:
        return t("bulletin_seconds", lang, s=fmt.number(seconds, 1, lang))
    return t("bulletin_minutes", lang, m=whole // 60, s=whole % 60)


def audio_src(key: str) -> str:
    return AUDIO_PATH.format(key=key, fmt=state.get().settings.bulletins.audio_format)


def priority_badge(priority: str, lang: str) -> html.Span:
    return html.Span(priority_name(priority, lang), className=f"prio prio-{priority}")


def status_text(row: BulletinRow, lang: str) -> str:
    if row.status == "approved" and row.finished:
        return t("bulletin_status_finished", lang)
    return t(f"bulletin_status_{row.status}", lang)


def approve_buttons(row: BulletinRow, lang: str, can_approve: bool) -> list[Any]:
    """One click approves (a khẩn cấp bulletin in red); no second confirmation."""
    if not can_approve:
        return [
            html.A(
                t("bulletin_login_to_approve", lang),
                href="/login?next=/ban-tin",
                className="btn btn-secondary",
            )
        ]
    urgent = row.priority == "khan_cap"
    return [
        html.Button(
            t("bulletin_approve_now" if urgent else "bulletin_approve", lang),
            id={"type": "bulletin-approve", "id": row.id},
            className="btn btn-approve" + (" btn-urgent" if urgent else ""),
        ),
        html.Button(
            t("bulletin_reject", lang),
            id={"type": "bulletin-reject", "id": row.id},
            className="btn btn-secondary",
        ),
        html.Span(id={"type": "bulletin-msg", "id": row.id}, role="status"),
    ]


def awaiting_item(row: BulletinRow, lang: str, can_approve: bool) -> html.Div:
    meta = [
        t("bulletin_created", lang) + ": " + fmt.moment(row.created_at, lang),
        t("bulletin_duration", lang, d=duration_text(row.duration_s, lang)),
    ]
    if row.alert_id:
        meta.append(t("bulletin_from_alert", lang))
    audio = (
        html.Audio(
            src=audio_src(row.audio_key), controls=True, preload="none", className="bulletin-audio"
        )
        if row.audio_key
        else None
    )
    return html.Div(
        [
            html.Div(
                [priority_badge(row.priority, lang), html.B(row.title)], className="bulletin-head"
            ),
            html.P(row.text or "", className="bulletin-text"),
            html.Div(" · ".join(meta), className="tile-meta"),
            audio,
            html.Div(approve_buttons(row, lang, can_approve), className="bulletin-actions"),
        ],
        className=f"bulletin-item prio-{row.priority}",
        id=f"bulletin-{row.id}",
    )


def awaiting(lang: str, can_approve: bool) -> Any:
    st = state.get()
    rows = sorted(
        listing(st.store, st.now(), status="draft"), key=lambda r: r.priority != "khan_cap"
    )
    if not rows:
        return html.P(t("bulletin_none_awaiting", lang), className="no-data")
    return [awaiting_item(r, lang, can_approve) for r in rows]


def _played(row: BulletinRow) -> str:
    total = sum(row.counts.values())
    return f"{row.counts.get('done', 0)}/{total}" if total else "—"


def history(lang: str) -> Any:
    st = state.get()
    rows = listing(st.store, st.now())
    columns = [
        ("title", t("bulletin_title", lang)),
        ("priority", t("bulletin_priority", lang)),
        ("status", t("status", lang)),
        ("created", t("bulletin_created", lang)),
        ("by", t("bulletin_by", lang)),
        ("duration", t("bulletin_duration", lang, d="").rstrip(": ")),
        ("next", t("bulletin_next", lang)),
        ("played", t("bulletin_delivered", lang)),
    ]
    data = [
        {
            "title": f"[{r.title}](/ban-tin?b={r.id})",
            "priority": priority_name(r.priority, lang),
            "status": status_text(r, lang),
            "created": fmt.moment(r.created_at, lang),
            "by": r.created_by,
            "duration": duration_text(r.duration_s, lang),
            "next": _next(r, lang),
            "played": _played(r),
        }
        for r in rows
    ]
    return data_table("bulletins-history", columns, data, lang, page_size=15, markdown=["title"])


def _next(r: BulletinRow, lang: str) -> str:
    if r.status == "draft" and r.schedule_kind == "now":
        return t("bulletin_when_approved", lang)
    return fmt.moment(r.next_start, lang) if r.next_start else "—"


def _state_labels(lang: str) -> dict[str, str]:
    return {s: t(f"bulletin_state_{s}", lang) for s in DELIVERY_COLOURS}


def chosen(params: dict[str, Any]) -> BulletinRow | None:
    """?b=<id>, else the newest bulletin that was sent anywhere."""
    st = state.get()
    rows = listing(st.store, st.now(), limit=50)
    wanted = params.get("b")
    for r in rows:
        if r.id == wanted:
            return r
    return next((r for r in rows if r.counts), None)


def delivery_panel(params: dict[str, Any]) -> Any:
    """The live map of clusters for one bulletin, and its per-cluster report."""
    lang = state.lang(params)
    st = state.get()
    row = chosen(params)
    if row is None:
        return html.P(t("bulletin_map_none", lang), className="no-data")
    with st.store.session() as session:
        clusters = queries.devices(session, "speaker")
    report = deliveries(st.store, row.id)
    latest: dict[str, Any] = {}
    for d in report:  # newest occurrence first
        latest.setdefault(d.device_id, d)
    points = [
        {
            "name": c["name"],
            "lat": c["lat"],
            "lon": c["lon"],
            "online": c["online"],
            "state": latest[c["device_id"]].state if c["device_id"] in latest else "none",
        }
        for c in clusters
    ]
    labels = _state_labels(lang)
    columns = [
        ("cluster", t("bulletin_cluster", lang)),
        ("hamlet", t("bulletin_hamlet", lang)),
        ("occurrence", t("bulletin_occurrence", lang)),
        ("state", t("status", lang)),
        ("attempts", t("bulletin_attempts", lang)),
        ("played", t("bulletin_played_at", lang)),
        ("reason", t("bulletin_reason", lang)),
    ]
    data = [
        {
            "cluster": d.name,
            "hamlet": d.hamlet or "",
            "occurrence": _occurrence(d.occurrence, row, lang),
            "state": labels.get(d.state, d.state),
            "attempts": d.attempts,
            "played": fmt.moment(d.played_at, lang) if d.played_at else "—",
            "reason": _reason(d.reason, lang),
        }
        for d in report
    ]
    return [
        html.Div(
            [priority_badge(row.priority, lang), html.B(row.title), " · ", status_text(row, lang)],
            className="bulletin-head",
            id="bulletins-map-title",
        ),
        dcc.Graph(
            figure=delivery_map(points, labels),
            id="bulletins-map",
            config={"displayModeBar": False},
        ),
        data_table("bulletins-report", columns, data, lang, page_size=20, numeric=["attempts"]),
    ]


def _occurrence(key: str, row: BulletinRow, lang: str) -> str:
    if key == "now":
        return fmt.moment(row.approved_at, lang)
    day, _, hhmm = key.partition("T")
    y, m, d = day.split("-")
    return f"{hhmm} {d}/{m}/{y}" if lang == "vi" else f"{day} {hhmm}"


def _reason(reason: str | None, lang: str) -> str:
    if reason == "preempted":
        return "nhường bản tin khẩn cấp hơn" if lang == "vi" else "pre-empted by a more urgent one"
    return reason or ""


def wall_strip(lang: str, can_approve: bool) -> html.Div:
    """One small, one-line element for the wall: the most urgent draft awaiting approval
    (with its approve button), else the most urgent bulletin on air; "+n" for the rest."""
    st = state.get()
    urgent = awaiting_urgent(st.store, st.now())
    playing = on_air(st.store)
    parts: list[Any] = []
    if urgent:
        row, more = urgent[0], len(urgent) - 1
        parts.append(
            html.Div(
                [
                    html.Span(
                        [f"{t('bulletin_urgent_waiting', lang)}: ", html.B(row.title),
                         f" (+{more})" if more else ""],
                        className="wall-bulletin-text",
                    ),
                    *approve_buttons(row, lang, can_approve)[:1],
                    html.Span(id={"type": "bulletin-msg", "id": row.id}, role="status"),
                ],
                className="wall-bulletin urgent",
            )
        )  # fmt: skip
    elif playing:
        item, more = playing[0], len(playing) - 1
        parts.append(
            html.Div(
                [
                    priority_badge(item.priority, lang),
                    html.Span(
                        [f"{t('bulletin_on_air', lang)}: ", html.B(item.title), " — ",
                         t("bulletin_on_air_clusters", lang, n=item.clusters),
                         f" (+{more})" if more else ""],
                        className="wall-bulletin-text",
                    ),
                ],
                className="wall-bulletin on-air",
            )
        )  # fmt: skip
    return html.Div(parts, className="wall-bulletins", id="wall-bulletins")


def top_cards(params: dict[str, Any], can_approve: bool) -> list[Any]:
    """The live top of the bulletins page: what awaits approval."""
    lang = state.lang(params)
    body = html.Div(awaiting(lang, can_approve))
    return [card(t("bulletin_awaiting", lang), body, id_="bulletins-awaiting")]


def bottom_cards(params: dict[str, Any]) -> list[Any]:
    """The live bottom: the delivery map and report, and the history."""
    lang = state.lang(params)
    return [
        card(t("bulletin_map", lang), html.Div(delivery_panel(params)), id_="bulletins-live"),
        card(t("bulletin_history", lang), history(lang), id_="bulletins-history-card"),
    ]
