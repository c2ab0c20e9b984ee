"""Public health and catalog; the token-protected device summary (no personal data).
Alerts are served by `coc.api.alerts`."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

from flask import Blueprint, jsonify, request
from sqlalchemy import select, text
from sqlalchemy.exc import SQLAlchemyError

from coc.api.auth import TokenBook, bearer
from coc.api.http import refuse
from coc.api.models import (
    BrokerState,
    DatabaseState,
    DeviceInfo,
    DeviceSummary,
    Health,
    IndicatorCatalog,
    IndicatorInfo,
    IngesterState,
    KindCount,
    RunState,
    SyncState,
)
from coc.config import Settings
from coc.indicators.catalog import Catalog
from coc.store.db import Store
from coc.store.models import Device
from coc.store.runs import Run, newest_runs
from coc.store.status import IngesterLiveness, all_status, ingester_liveness
from coc.timeutil import iso_utc, to_local, utcnow


def _run(run: Run) -> RunState:
    """Public (health needs no token): counts and status only, never the run's message,
    which can hold source URLs or internal error text."""
    return RunState(
        name=run.name,
        status=run.status,
        startedAt=iso_utc(run.started_at),
        finishedAt=iso_utc(run.finished_at),
        records=run.records,
        errors=run.errors,
        pages=run.pages,
    )


def _alive(flag: bool | None) -> str | None:
    return None if flag is None else ("alive" if flag else "dead")


def ingester_state(live: IngesterLiveness) -> IngesterState:
    """The ingester's liveness as health shows it (no topics, payloads or addresses)."""
    if live.state in ("not_configured", "unknown"):
        return IngesterState(status=live.state)
    return IngesterState(
        status=live.state,
        detail=live.detail,
        networkLoop=_alive(live.network_alive),
        writer=_alive(live.writer_alive),
        connected=live.connected,
        lastReceivedAt=iso_utc(live.last_received_at),
        lastStoredAt=iso_utc(live.last_stored_at),
        queued=live.queued,
        restarts=live.restarts,
        lastRestartAt=iso_utc(live.last_restart_at),
        heartbeatAt=iso_utc(live.heartbeat_at),
    )


def health(store: Store, settings: Settings, now: datetime | None = None) -> tuple[Health, int]:
    """Database, broker link, ingester liveness, connectors and sync; `now` for tests."""
    now = now or utcnow()
    head = {"time": iso_utc(now), "role": settings.role, "orgUnit": settings.commune.code}
    try:
        with store.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        runs = newest_runs(store)
        services = {s.name: s for s in all_status(store)}
        live = ingester_liveness(store, settings, now=now)
    except SQLAlchemyError as exc:
        down = DatabaseState(status="down", dialect=store.dialect, detail=type(exc).__name__)
        return Health(status="down", database=down, **head), 503
    mqtt = services.get("mqtt")
    if not settings.mqtt.url:
        broker = BrokerState(status="not_configured")
    elif mqtt is None:
        broker = BrokerState(status="unknown")
    else:
        broker = BrokerState(
            status=mqtt.state, detail=mqtt.detail, updatedAt=iso_utc(mqtt.updated_at)
        )
    failing = [r for r in runs if r.status == "failed"]
    degraded = (
        bool(failing)
        or broker.status in ("down", "degraded")
        or live.state in ("down", "degraded", "stopped")
    )
    return Health(
        status="degraded" if degraded else "ok",
        database=DatabaseState(status="ok", dialect=store.dialect),
        broker=broker,
        connectors=[_run(r) for r in runs if r.kind == "source"],
        sync=SyncState(
            upstream=bool(settings.upstream.url),
            push=next((_run(r) for r in runs if r.kind == "push"), None),
            pulls=[_run(r) for r in runs if r.kind == "pull"],
        ),
        ingester=ingester_state(live),
        **head,
    ), 200


def indicators(catalog: Catalog, year: int) -> IndicatorCatalog:
    return IndicatorCatalog(
        year=year,
        indicators=[
            IndicatorInfo(
                **i.describe(),
                formula_vi=i.formula_vi,
                formula_en=i.formula_en,
                target=i.target_for(year),
                year=year,
                bands=list(i.bands),
            )
            for i in catalog.indicators
        ],
    )


def devices(store: Store, org_unit: str) -> DeviceSummary:
    with store.session() as session:
        rows = session.scalars(select(Device).order_by(Device.kind, Device.device_id)).all()
    kinds: dict[str, dict[str, int]] = defaultdict(lambda: {"online": 0, "offline": 0, "total": 0})
    items = []
    for d in rows:
        counts = kinds[d.kind]
        counts["total"] += 1
        counts["online" if d.online else "offline"] += 1
        items.append(
            DeviceInfo(
                id=d.device_id,
                kind=d.kind,
                name=d.name,
                orgUnit=d.org_unit,
                hamlet=d.hamlet,
                state=d.state,
                online=bool(d.online),
                lastSeen=iso_utc(d.last_seen),
                stateSince=iso_utc(d.state_since),
            )
        )
    return DeviceSummary(
        orgUnit=org_unit,
        total=len(rows),
        kinds={k: KindCount(**v) for k, v in kinds.items()},
        devices=items,
    )


def register(
    bp: Blueprint, store: Store, settings: Settings, catalog: Catalog, tokens: TokenBook
) -> None:
    def allowed() -> Any:
        token = bearer(request.headers.get("Authorization"))
        if token is None:
            return refuse(401, "cần Authorization: Bearer <mã truy cập>")
        if not tokens.is_feed(token):
            return refuse(401, "mã truy cập không hợp lệ")
        return None

    @bp.get("/health")
    def health_view() -> Any:
        body, code = health(store, settings)
        return jsonify(body.body()), code

    @bp.get("/indicators")
    def indicators_view() -> Any:
        year_text = request.args.get("year", str(to_local(utcnow()).year))
        if not (year_text.isascii() and year_text.isdigit()) or not 2000 <= int(year_text) <= 2100:
            return refuse(400, "year phải là năm từ 2000 đến 2100")
        return jsonify(indicators(catalog, int(year_text)).body())

    @bp.get("/devices")
    def devices_view() -> Any:
        return allowed() or jsonify(devices(store, settings.commune.code).body())
