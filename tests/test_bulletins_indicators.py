"""Monthly bulletin indicators from stored deliveries: bulletins broadcast, minutes on air
(each occurrence once), and the share of settled deliveries that played; a delivery counts
in the month its occurrence started (local time), so a month end splits them."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from fixtures_base import new_store, shipped_catalog

from coc.indicators import measures
from coc.indicators.context import MeasureContext
from coc.periods import parse_period
from coc.store.models import Bulletin, BulletinDelivery
from coc.timeutil import VN_TZ


def at(d: int, hh: int, month: int = 11) -> datetime:
    return datetime(2026, month, d, hh, 0, tzinfo=VN_TZ).astimezone(UTC)


def test_monthly_counts_airtime_and_delivery_rate(tmp_path: Path) -> None:
    store = new_store(tmp_path / "coc.sqlite3")
    with store.write() as s:
        for bid, secs in (("bt-a", 90.0), ("bt-b", 30.0), ("bt-c", 60.0)):
            s.add(Bulletin(id=bid, org_unit="10237", title=bid, duration_s=secs,
                           status="approved", created_by="thuky"))  # fmt: skip
        rows = [
            # bt-a daily: 29/11 on two clusters (one failed), 30/11 on one, 1/12 (December)
            ("bt-a", "2026-11-29T06:00", "loa-01", "done", at(29, 6)),
            ("bt-a", "2026-11-29T06:00", "loa-02", "failed", at(29, 6)),
            ("bt-a", "2026-11-30T06:00", "loa-01", "done", at(30, 6)),
            ("bt-a", "2026-12-01T06:00", "loa-01", "done", at(1, 6, 12)),
            # bt-b: 06:30 on 1/12 local is still 30/11 in UTC: it counts in December
            ("bt-b", "2026-12-01T06:30", "loa-03", "done", at(1, 6, 12).replace(minute=30)),
            # bt-c never played: one expired, one still pending (not settled)
            ("bt-c", "now", "loa-04", "expired", at(20, 9)),
            ("bt-c", "now", "loa-05", "pending", at(20, 9)),
        ]
        for bid, occ, dev, state, starts in rows:
            s.add(BulletinDelivery(bulletin_id=bid, occurrence=occ, device_id=dev,
                                   state=state, starts_at=starts, expires_at=starts))  # fmt: skip

    def value(name: str, period: str) -> float | None:
        with store.session() as session:
            ctx = MeasureContext(session, "10237", parse_period(period), at(1, 0, 12))
            return measures.get(name)(ctx)

    assert value("bulletins_broadcast", "202611") == 1
    assert value("bulletin_airtime_min", "202611") == 3.0  # two broadcasts of 90 s
    assert value("bulletin_deliveries_done", "202611") == 2
    assert value("bulletin_deliveries_settled", "202611") == 4
    assert value("bulletins_broadcast", "202612") == 2
    assert value("bulletin_airtime_min", "202612") == 2.0  # 90 s + 30 s
    assert value("bulletin_deliveries_settled", "202612") == 2
    assert value("bulletins_broadcast", "2026") == 2  # the year counts each once
    codes = {i.code: i for i in shipped_catalog().indicators}
    assert codes["TY_LE_BAN_TIN_DEN_LOA"].formula["denominator"] == (
        "measure:bulletin_deliveries_settled"
    )
    assert {"BAN_TIN_PHAT", "PHUT_PHAT_THANH"} <= set(codes)
