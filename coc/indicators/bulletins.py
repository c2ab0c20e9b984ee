"""Loudspeaker bulletin measures, per month like any other: bulletins broadcast, minutes
on air, and the share of deliveries that played on their cluster.

A delivery counts in the period its occurrence started (starts_at); "settled" deliveries
are those that ended: done, failed (retries used up) or expired. Minutes on air count each
occurrence once (the commune's airtime), however many clusters played it.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import distinct, func, select

from coc.indicators.context import MeasureContext, MeasureFn
from coc.store.models import Bulletin, BulletinDelivery

SETTLED = ("done", "failed", "expired")


def _scope(ctx: MeasureContext) -> tuple[Any, ...]:
    return (
        Bulletin.org_unit == ctx.org_unit,
        BulletinDelivery.starts_at >= ctx.period.start_utc,
        BulletinDelivery.starts_at < ctx.period.end_utc,
    )


def _joined(*columns: Any) -> Any:
    return (
        select(*columns)
        .select_from(BulletinDelivery)
        .join(Bulletin, Bulletin.id == BulletinDelivery.bulletin_id)
    )


def broadcast(ctx: MeasureContext) -> float:
    """Bulletins that played on at least one cluster."""
    stmt = _joined(func.count(distinct(BulletinDelivery.bulletin_id))).where(
        *_scope(ctx), BulletinDelivery.state == "done"
    )
    return float(ctx.session.scalar(stmt) or 0)


def airtime_min(ctx: MeasureContext) -> float:
    played = (
        _joined(BulletinDelivery.bulletin_id, BulletinDelivery.occurrence, Bulletin.duration_s)
        .where(*_scope(ctx), BulletinDelivery.state == "done")
        .distinct()
        .subquery()
    )
    seconds = ctx.session.scalar(select(func.sum(played.c.duration_s)))
    return round(float(seconds or 0) / 60, 1)


def deliveries_done(ctx: MeasureContext) -> float:
    stmt = _joined(func.count()).where(*_scope(ctx), BulletinDelivery.state == "done")
    return float(ctx.session.scalar(stmt) or 0)


def deliveries_settled(ctx: MeasureContext) -> float:
    stmt = _joined(func.count()).where(*_scope(ctx), BulletinDelivery.state.in_(SETTLED))
    return float(ctx.session.scalar(stmt) or 0)


MEASURES: dict[str, MeasureFn] = {
    "bulletins_broadcast": broadcast,
    "bulletin_airtime_min": airtime_min,
    "bulletin_deliveries_done": deliveries_done,
    "bulletin_deliveries_settled": deliveries_settled,
}
