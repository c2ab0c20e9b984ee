"""Month approval: approve, locks on every write path (form, import, connector writer,
recompute), un-approval with a reason, the audit trail, validation flags that block."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from fixtures_base import small_catalog
from fixtures_http import commune_settings, put_values, stored
from sqlalchemy import select

from coc.approval import approve as appr
from coc.errors import ValidationError
from coc.indicators.engine import Engine
from coc.ingest.entry import save_value
from coc.ingest.resolve import accept
from coc.ingest.tabular import import_file
from coc.ingest.writers import write_values
from coc.store.models import AuditLog, Quarantine

OU = "10237"
NOV_5 = datetime(2026, 11, 5, 3, 0, tzinfo=UTC)  # October has ended, November has not
OCT_31_LATE = datetime(2026, 10, 31, 16, 59, tzinfo=UTC)  # 23:59 on 31/10 in Hanoi


@pytest.fixture
def commune(any_store):
    """A commune's store on SQLite and on PostgreSQL, with October's two elements."""
    store = any_store
    settings = commune_settings(OU)
    catalog = small_catalog()
    for code, value in (("SO_HO", "16000"), ("SO_HO_PHU_CAP_QUANG", "12000")):
        item = {"code": code, "period": "202610", "value": value}
        save_value(store, catalog, OU, item, actor="thongke", now=NOV_5)
    return store, settings, catalog


def _open_quarantine(store):
    with store.session() as session:
        return list(session.scalars(select(Quarantine).where(Quarantine.status == "open")))


def test_a_month_is_approved_only_once_it_has_ended(commune):
    store, settings, _ = commune
    with pytest.raises(ValidationError, match="chưa kết thúc"):
        appr.approve(store, settings, OU, "202610", "chutich", OCT_31_LATE)
    assert appr.status(store, settings, OU, "202610", OCT_31_LATE).state == appr.UNAPPROVABLE
    assert appr.status(store, settings, OU, "202610", NOV_5).state == appr.READY
    done = appr.approve(store, settings, OU, "202610", "chutich", NOV_5)
    october = [k for k, dv in stored(store).items() if k[2] == "202610" and not dv.deleted]
    assert (done.state, done.approved_by, done.values) == (appr.APPROVED, "chutich", len(october))
    assert {k[0] for k in october} >= {"SO_HO", "SO_HO_PHU_CAP_QUANG", "HO_PHU_CAP_QUANG"}
    with pytest.raises(ValidationError, match="đã được phê duyệt"):
        appr.approve(store, settings, OU, "202610", "chutich", NOV_5)
    with pytest.raises(ValidationError, match="chưa có số liệu"):
        appr.approve(store, settings, OU, "202609", "chutich", NOV_5)


def test_form_import_and_connector_changes_of_an_approved_month_go_to_quarantine(
    commune, tmp_path: Path
):
    store, settings, catalog = commune
    before = stored(store)
    appr.approve(store, settings, OU, "202610", "chutich", NOV_5)
    form = save_value(
        store, catalog, OU, {"code": "SO_HO", "period": "202610", "value": "16500"}, "tk", NOV_5
    )
    assert (form.updated, form.rejected) == (0, 1)
    assert "đã được phê duyệt" in form.conflicts[0].reason
    same = save_value(
        store, catalog, OU, {"code": "SO_HO", "period": "202610", "value": "16000"}, "tk", NOV_5
    )
    assert (same.unchanged, same.rejected) == (1, 0)  # no change is no conflict
    csv = tmp_path / "so-lieu.csv"
    csv.write_text("code,period,value\nSO_HO,202610,17000\nSO_HO,202611,17000\n")
    imported = import_file(store, catalog, csv, OU, "tk")
    assert (imported.imported, imported.rejected) == (1, 1)  # November is not approved
    connector = write_values(
        store, catalog, [{"code": "DAN_SO", "period": "202610", "value": 9}], OU, "reporting"
    )
    assert (connector.imported, connector.rejected) == (0, 1)
    after = stored(store)
    for key, dv in before.items():
        assert after[key].value == dv.value
    held = _open_quarantine(store)
    assert sorted(q.source for q in held) == ["import", "manual", "reporting"]
    assert all("hủy phê duyệt" in q.reason for q in held)


def test_a_recompute_leaves_an_approved_month_alone(commune):
    store, settings, catalog = commune
    appr.approve(store, settings, OU, "202610", "chutich", NOV_5)
    ratio = stored(store)[("HO_PHU_CAP_QUANG", OU, "202610")].value
    # an element changed behind the lock's back (as a province writes), then a recompute
    put_values(
        store,
        [
            {
                "indicator_code": "SO_HO",
                "org_unit": OU,
                "period": "202610",
                "value": 24000.0,
                "source": "manual",
            }
        ],
    )
    result = Engine(catalog).refresh(store, OU, ["202610"], now=NOV_5)
    assert result.rejected == 1 and result.updated == 0
    assert stored(store)[("HO_PHU_CAP_QUANG", OU, "202610")].value == ratio
    assert [q.source for q in _open_quarantine(store)] == ["computed"]


def test_unapproval_needs_a_reason_is_audited_and_then_the_held_value_can_be_accepted(commune):
    store, settings, catalog = commune
    appr.approve(store, settings, OU, "202610", "chutich", NOV_5)
    save_value(
        store, catalog, OU, {"code": "SO_HO", "period": "202610", "value": "16500"}, "tk", NOV_5
    )
    (held,) = _open_quarantine(store)
    with pytest.raises(ValidationError, match="đã được phê duyệt"):
        accept(store, catalog, held.id, "tk", OU)
    with pytest.raises(ValidationError, match="lý do"):
        appr.unapprove(store, settings, OU, "202610", "chutich", "  ", NOV_5)
    back = appr.unapprove(store, settings, OU, "202610", "chutich", "sửa số hộ theo rà soát", NOV_5)
    assert (back.state, back.reason, back.unapproved_by) == (
        appr.READY,
        "sửa số hộ theo rà soát",
        "chutich",
    )
    accepted = accept(store, catalog, held.id, "tk", OU)
    assert accepted.updated == 1
    assert stored(store)[("SO_HO", OU, "202610")].value == 16500
    with store.session() as session:
        trail = [
            (a.action, a.entity_key, a.detail)
            for a in session.scalars(
                select(AuditLog).where(AuditLog.entity == "data_approval").order_by(AuditLog.id)
            )
        ]
    assert trail == [
        ("approve", f"{OU}/202610", None),
        ("unapprove", f"{OU}/202610", "sửa số hộ theo rà soát"),
    ]


def test_approving_touches_the_values_so_the_feed_and_push_carry_the_state(commune):
    store, settings, _ = commune
    before = {k: v.last_updated for k, v in stored(store).items()}
    appr.approve(store, settings, OU, "202610", "chutich", NOV_5)
    after = {k: v.last_updated for k, v in stored(store).items()}
    assert all(after[k] > before[k] for k in before if k[2] == "202610")
    assert all(after[k] == before[k] for k in before if k[2] != "202610")
    assert any(k[2] == "2026Q4" for k in before)  # the quarter is its own period
    states = appr.states_of(store, [(OU, "202610"), (OU, "202611"), (OU, "202609")], NOV_5)
    assert states == {
        (OU, "202610"): appr.APPROVED,
        (OU, "202611"): appr.UNAPPROVABLE,
        (OU, "202609"): appr.READY,
    }


def test_open_validation_flags_block_approval_until_resolved(tmp_path, shipped_catalog):
    """A real flag (coc.indicators.validation): 12 OCOP products promoted online of 5
    breaks "promoted ≤ products"; the month waits until a clerk confirms the figures."""
    from fixtures_base import new_store

    from coc.indicators import validation

    store = new_store(tmp_path / "flags.sqlite3")
    settings = commune_settings()
    items = [
        {"code": "SO_SP_OCOP_TREN_MANG", "period": "202610", "value": 12},
        {"code": "SO_SP_OCOP", "period": "202610", "value": 5},
    ]
    write_values(store, shipped_catalog, items, OU, source="reporting")
    Engine(shipped_catalog).refresh(store, OU, ["202610"], now=NOV_5)
    waiting = appr.status(store, settings, OU, "202610", NOV_5)
    assert waiting.state == appr.WAITING
    assert len(waiting.blocking) == 1 and waiting.blocking[0].endswith("(12 > 5)")
    with pytest.raises(ValidationError, match="cảnh báo kiểm tra số liệu"):
        appr.approve(store, settings, OU, "202610", "chutich", NOV_5)
    # the feed says so per value, with one query per page
    states = appr.states_of(store, [(OU, "202610"), (OU, "202609")], NOV_5)
    assert states[(OU, "202610")] == appr.WAITING
    (flag,) = validation.open_flags(store, OU, "202610", shipped_catalog)
    assert validation.confirm(store, shipped_catalog, flag.id, "thongke", "đã kiểm tra")
    assert appr.status(store, settings, OU, "202610", NOV_5).state == appr.READY
    assert appr.approve(store, settings, OU, "202610", "chutich", NOV_5).approved
    store.dispose()
