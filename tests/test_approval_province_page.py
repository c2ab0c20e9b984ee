"""The province's reporting page reads completeness registrations (values as the fallback
for communes that never register) and shows which communes' months are approved; the
commune's entry form and quarantine page say why a change to an approved month was held."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fixtures_base import new_store
from fixtures_web import NOW, find, province_settings, render_page, seed_province

from coc.approval import approve as appr
from coc.approval.complete import import_registrations

ON_TIME, LATE, MISSING = "✔ Đúng hạn", "⚠ Trễ hạn", "✖ Chưa báo cáo"


def test_registrations_and_approvals_on_the_reporting_page(tmp_path: Path, shipped_catalog: Any):
    from dashboards.app import create_app

    settings = province_settings(tmp_path / "data")
    store = new_store(tmp_path / "p.sqlite3")
    seed_province(store, shipped_catalog, settings)
    # 10238's value came late (18/11) but it marked October complete on 10/11: on time
    counts = import_registrations(
        store,
        [{"period": "202610", "organisationUnit": "10238", "date": "2026-11-10T02:00:00Z"}],
        default_data_set="COC_XA",
    )
    assert counts.imported == 1
    body = appr.read_approvals({"pe": ["202610"], "approvals": [{"ou": "10237"}]}, "COC_XA")
    assert isinstance(body, appr.ApprovalsBody)
    done = appr.receive_approvals(
        store, body, approved=True, allowed=lambda _ou: True, actor="10237", now=NOW
    )
    assert done.updated == 1
    app = create_app(store, settings, shipped_catalog, clock=lambda: NOW)
    page = render_page(app.server.test_client(), "/tinh/bao-cao", "?period=202610")
    rows = {
        r["code"]: r
        for r in find(page, {"type": "coc-table", "table": "bao-cao"})["props"]["rowData"]
    }
    assert rows["10238"]["p202610"] == ON_TIME  # by its registration
    assert rows["10237"]["p202610"] == f"{ON_TIME} · đã duyệt"
    assert (rows["10237"]["approved"], rows["10238"]["approved"]) == ("đã duyệt", "chưa duyệt")
    assert rows["10239"]["p202609"] == ON_TIME  # never registers: its first value counts
    assert rows["10238"]["p202609"] == MISSING
    store.dispose()


def test_the_entry_form_says_why_a_value_of_an_approved_month_was_held(fresh_app):
    from fixtures_web import login
    from test_dashboard_entry import _save

    st = fresh_app.coc_state
    appr.approve(st.store, st.settings, st.org_unit, "202610", "chutich", NOW)
    client = fresh_app.server.test_client()
    login(client, "thuky")
    (message,) = _save(client, "DINH_DANH_DIEN_TU", "202610", "81")
    assert "Tháng 10/2026 của đơn vị 10237 đã được phê duyệt" in message
    assert "hủy phê duyệt" in message
    page = render_page(client, "/cach-ly")
    (held,) = find(page, {"type": "coc-table", "table": "cach-ly"})["props"]["rowData"]
    assert "đã được phê duyệt" in held["reason"] and held["context"] == "tháng đã phê duyệt"
