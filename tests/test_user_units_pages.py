"""Users bound to org units on every page and action (province mode, two districts): a
user bound to one commune sees only that commune's figures, alerts, explanation requests,
approvals and report, and an edit of another commune is refused with the reason and
changes nothing; an admin keeps the whole tree; commune mode is unchanged."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from fixtures_base import new_store
from fixtures_web import (
    NOW,
    ORIGIN,
    PASSWORD,
    call,
    dump,
    find,
    login,
    make_settings,
    render_page,
    seed_province,
    texts,
)

from coc import explain
from coc.alerts import lifecycle
from coc.approval import approve as appr
from coc.auth import add_user
from coc.auth.units import bind_units, scope_of
from coc.config import Settings
from coc.notify.config import NotifyConfig
from coc.province.hierarchy import Hierarchy
from coc.province.rollup import rollup_all
from coc.scope import UnitRefused
from coc.store.audit import recent

MINE, OTHER, FAR = "10238", "10237", "10239"  # Thượng Phúc (hers), Chương Dương, Tự Nhiên
NAMES = {MINE: "Xã Thượng Phúc", OTHER: "Xã Chương Dương", FAR: "Xã Tự Nhiên"}
HOA_TOKEN = "ma-canh-bao-cua-hoa-0123456789"


def two_districts(tmp: Path) -> Settings:
    return Settings.model_validate(
        {
            "role": "province",
            "commune": {"code": "01", "name": "Thành phố Hà Nội"},
            "store": {"data_dir": str(tmp)},
            "alerts": {"user_tokens": {"hoa": HOA_TOKEN}},
            "province": {
                "districts": [
                    {"code": "277", "name": "Huyện Thường Tín"},
                    {"code": "278", "name": "Huyện Phú Xuyên"},
                ],
                "communes": [
                    {"code": OTHER, "name": NAMES[OTHER], "parent": "277"},
                    {"code": MINE, "name": NAMES[MINE], "parent": "277"},
                    {"code": FAR, "name": NAMES[FAR], "parent": "278"},
                ],
            },
        }
    )


@pytest.fixture
def province(tmp_path: Path, shipped_catalog: Any) -> Any:
    """fixtures_web.seed_province's values rolled up the tree; hoa (approver) bound to
    Thượng Phúc answers for TTHC_DUNG_HAN; one overdue explanation request per commune
    and its alert; quantri is an admin."""
    from dashboards.app import create_app

    settings = two_districts(tmp_path / "data")
    store = new_store(tmp_path / "p.sqlite3")
    seed_province(store, shipped_catalog, settings)
    rollup_all(store, shipped_catalog, Hierarchy.from_settings(settings))
    add_user(store, "hoa", PASSWORD, "approver", name="Chị Hoa")
    add_user(store, "quantri", PASSWORD, "admin", name="Quản trị")
    bind_units(store, settings, "hoa", [MINE])
    explain.set_responsible(store, shipped_catalog, "TTHC_DUNG_HAN", "hoa", "quantri", NOW)
    cfg = NotifyConfig(channels={}, routes=())
    asked = {}
    for ou in (OTHER, MINE):
        asked[ou] = explain.request(
            store, shipped_catalog, cfg, code="TTHC_DUNG_HAN", org_unit=ou, period="202610",
            by="quantri", due=date(2026, 11, 20), question=f"Vì sao {NAMES[ou]} thấp?", now=NOW,
        )  # fmt: skip
    assert explain.check_overdue(store, shipped_catalog, NOW + timedelta(days=2)) == 2
    app = create_app(store, settings, shipped_catalog, clock=lambda: NOW)
    from coc.api import mount

    mount(app.server, store, settings, shipped_catalog)
    yield app, store, settings, asked
    store.dispose()


def _client(app: Any, who: str) -> Any:
    client = app.server.test_client()
    login(client, who)
    return client


def _others_absent(page: Any, *codes: str) -> None:
    text = dump(page)
    for code in codes:
        assert NAMES[code] not in text, f"{NAMES[code]} shown"


def test_scope_of_a_bound_user_a_district_an_admin_and_commune_mode(
    province: Any, tmp_path: Path
) -> None:
    _app, store, settings, _asked = province
    hoa = scope_of(store, settings, "hoa", "approver")
    assert (hoa.home, hoa.allowed, [p.code for p in hoa.choices]) == (MINE, {MINE}, [MINE])
    with pytest.raises(UnitRefused, match=r"không được giao Xã Chương Dương \(10237\)"):
        hoa.check(OTHER)
    with pytest.raises(UnitRefused, match="việc chung"):
        hoa.check(None)  # the system's own (a failing push): unrestricted people only
    assert hoa.pick(OTHER) == MINE and hoa.pick(MINE) == MINE
    bind_units(store, settings, "hoa", ["277"])  # a district brings its communes
    district = scope_of(store, settings, "hoa", "approver")
    assert district.allowed == {"277", OTHER, MINE} and district.home == "277"
    admin = scope_of(store, settings, "quantri", "admin")
    assert admin.allowed is None and admin.home == "01" and len(admin.choices) == 6
    commune = scope_of(store, make_settings(tmp_path / "c"), "hoa", "approver")
    assert (commune.home, commune.allowed, commune.choices) == ("10237", None, ())


def test_overview_indicators_and_indicator_page_show_only_her_commune(province: Any) -> None:
    app, *_ = province
    hoa = _client(app, "hoa")
    overview = render_page(hoa, "/", "?period=202610")
    assert find(overview, "overview-unit-name")["props"]["children"] == NAMES[MINE]
    tile = find(overview, "tile-TTHC_DUNG_HAN")
    assert "47,5%" in texts(tile)  # Thượng Phúc's own, not the province's 71,25
    _others_absent(overview, OTHER, FAR)
    assert "71,2" not in dump(overview) and "95%" not in dump(overview)
    table = render_page(hoa, "/chi-tieu", "?period=202610")
    rows = {r["code"]: r for r in find(table, {"type": "coc-table", "table": "chi-tieu"})
            ["props"]["rowData"]}  # fmt: skip
    assert rows["TTHC_DUNG_HAN"]["actual"] == 47.5
    assert rows["DINH_DANH_DIEN_TU"]["actual"] is None  # only Chương Dương reported it (60)
    # asking for another commune's page in the URL shows her own
    detail = render_page(hoa, "/chi-tieu/TTHC_DUNG_HAN", f"?period=202610&ou={OTHER}")
    assert "47,5%" in texts(find(detail, "ind-actual"))
    assert "Vì sao Xã Thượng Phúc thấp?" in dump(detail)
    assert "Vì sao Xã Chương Dương thấp?" not in dump(detail)

    admin = _client(app, "quantri")
    whole = render_page(admin, "/", "?period=202610")
    assert "71,2%" in texts(find(whole, "tile-TTHC_DUNG_HAN"))  # the province's roll-up
    picker = find(whole, {"type": "unit-picker", "page": "overview"})
    assert [o["value"] for o in picker["props"]["options"]] == [
        "01", "277", "278", OTHER, MINE, FAR,
    ]  # fmt: skip
    one = render_page(admin, "/", f"?period=202610&ou={OTHER}")
    assert "95%" in texts(find(one, "tile-TTHC_DUNG_HAN"))  # an admin may look at any unit


def test_alerts_and_explanations_are_hers_only(province: Any) -> None:
    app, store, _settings, asked = province
    hoa = _client(app, "hoa")
    alerts = render_page(hoa, "/canh-bao")
    options = find(alerts, "alerts-selected")["props"]["options"]
    ids = [o["value"] for o in options]
    assert len(ids) == 1 and NAMES[MINE] in dump(options) and NAMES[OTHER] not in dump(alerts)
    listing = render_page(hoa, "/giai-trinh")
    assert "Vì sao Xã Thượng Phúc thấp?" in texts(listing)
    assert "Vì sao Xã Chương Dương thấp?" not in texts(listing)
    admin = render_page(_client(app, "quantri"), "/canh-bao")
    assert len(find(admin, "alerts-selected")["props"]["options"]) == 2
    admin_list = texts(render_page(_client(app, "quantri"), "/giai-trinh"))
    assert {"Vì sao Xã Thượng Phúc thấp?", "Vì sao Xã Chương Dương thấp?"} <= set(admin_list)

    # the REST API with her alert token: her alert only; acting on the other is refused
    auth = {"Authorization": f"Bearer {HOA_TOKEN}", **ORIGIN}
    listed = hoa.get("/api/v1/alerts", headers=auth).json["alerts"]
    assert [(a["kind"], a["org_unit"]) for a in listed] == [("explanation_overdue", MINE)]
    other = next(a for a in lifecycle.list_alerts(store) if a["org_unit"] == OTHER)
    refused = hoa.post("/api/v1/alerts/acknowledge", json={"ids": [other["id"]]}, headers=auth)
    assert refused.status_code == 403 and "Xã Chương Dương" in refused.json["reason"]
    answer = {"id": asked[OTHER], "answer": "Do thiếu cán bộ."}
    refused = hoa.post("/api/v1/explanations/answer", json=answer, headers=auth)
    assert refused.status_code == 403
    ask = {"indicator": "TTHC_DUNG_HAN", "period": "202610", "question": "?",
           "due": "2026-12-01", "orgUnit": OTHER}  # fmt: skip
    assert hoa.post("/api/v1/explanations", json=ask, headers=auth).status_code == 403
    mine = hoa.get("/api/v1/explanations", headers=auth).json["explanations"]
    assert [e["orgUnit"] for e in mine] == [MINE]
    still = next(a for a in lifecycle.list_alerts(store) if a["id"] == other["id"])
    assert still["acknowledged_by"] is None  # nothing changed
    assert [r["status"] for r in explain.open_requests(store, NOW)] == ["open", "open"]


def _approval_click(client: Any, period: str, ou: str) -> Any:
    button = {"action": "approve", "period": period, "type": "approval-action"}
    body = {
        "output": "..approval-message.children...approval-months.children..",
        "outputs": [{"id": "approval-message", "property": "children"},
                    {"id": "approval-months", "property": "children"}],
        "inputs": [[{"id": button, "property": "n_clicks", "value": 1}]],
        "changedPropIds": [json.dumps(button, separators=(",", ":"), sort_keys=True)
                           + ".n_clicks"],
        "state": [[], [], {"id": "approval-lang", "property": "data", "value": "vi"},
                  {"id": "approval-ou", "property": "data", "value": ou}],
    }  # fmt: skip
    response = client.post("/_dash-update-component", json=body, headers=ORIGIN)
    assert response.status_code == 200, response.text
    return response.json["response"]


def test_approval_lists_her_commune_and_refuses_another(province: Any) -> None:
    app, store, settings, _asked = province
    hoa = _client(app, "hoa")
    page = render_page(hoa, "/phe-duyet")
    assert find(page, "approval-unit-name")["props"]["children"] == NAMES[MINE]
    assert find(page, "approval-ou")["props"]["data"] == MINE
    october = find(page, "approval-month-202610")
    assert "1 giá trị" in texts(october)  # Thượng Phúc's one value (Chương Dương has two)
    refused = _approval_click(hoa, "202610", OTHER)
    message = texts(refused["approval-message"]["children"])[0]
    assert message.startswith("Tài khoản này không được giao Xã Chương Dương (10237)")
    assert appr.status(store, settings, OTHER, "202610", NOW).state == appr.READY
    with store.session() as session:
        assert not [e for e in recent(session) if e.action == "approve"]
    done = _approval_click(hoa, "202610", MINE)
    assert texts(done["approval-message"]["children"]) == ["Đã phê duyệt Tháng 10/2026."]
    assert appr.status(store, settings, MINE, "202610", NOW).state == appr.APPROVED
    admin = render_page(_client(app, "quantri"), "/phe-duyet", f"?ou={OTHER}")
    picker = find(admin, {"type": "unit-picker", "page": "approval"})
    assert [o["value"] for o in picker["props"]["options"]] == [OTHER, MINE, FAR]
    assert "2 giá trị" in texts(find(admin, "approval-month-202610"))


def test_entry_for_another_commune_is_refused_and_nothing_is_written(province: Any) -> None:
    from fixtures_web import finish_job

    from coc.indicators.query import indicator_rows

    app, store, _settings, _asked = province
    hoa = _client(app, "hoa")
    assert find(render_page(hoa, "/nhap-lieu"), "entry-ou")["props"]["data"] == MINE
    state = [
        {"id": "entry-code", "property": "value", "value": "DINH_DANH_DIEN_TU"},
        {"id": "entry-period", "property": "value", "value": "202610"},
        {"id": "entry-value", "property": "value", "value": "99"},
        {"id": "entry-comment", "property": "value", "value": None},
        {"id": "entry-lang", "property": "data", "value": "vi"},
        {"id": "entry-ou", "property": "data", "value": OTHER},
    ]
    inputs = [{"id": "entry-save", "property": "n_clicks", "value": 1}]
    pending = call(hoa, "entry-message.children", inputs, state, ORIGIN)
    result = finish_job(hoa, "entry-save", pending.json["response"]["entry-message"]["children"])
    assert texts(result)[0].startswith("Tài khoản này không được giao Xã Chương Dương")
    with store.session() as session:
        rows = indicator_rows(session, app.coc_state.catalog, OTHER, "202610", now=NOW)
    assert next(r for r in rows if r.code == "DINH_DANH_DIEN_TU").actual == 60.0


def test_monthly_report_and_sync_page_cover_her_commune_only(province: Any) -> None:
    app, *_ = province
    hoa = _client(app, "hoa")
    report = hoa.get("/bao-cao/thang?period=202610").get_data(as_text=True)
    assert NAMES[MINE] in report
    assert NAMES[OTHER] not in report and NAMES[FAR] not in report
    sync = render_page(hoa, "/dong-bo")
    rows = find(sync, {"type": "coc-table", "table": "lay-tu-xa"})["props"]["rowData"]
    assert [r["code"] for r in rows] == [MINE]
    whole = _client(app, "quantri").get("/bao-cao/thang?period=202610").get_data(as_text=True)
    assert all(name in whole for name in NAMES.values())


def test_commune_mode_keeps_the_single_commune_pages(fresh_app: Any) -> None:
    client = fresh_app.server.test_client()
    login(client, "thuky")
    page = render_page(client, "/phe-duyet")
    assert find(page, "approval-ou")["props"]["data"] == "10237"
    assert find(page, "approval-month-202610") is not None
    assert find(page, {"type": "unit-picker", "page": "approval"}) is None
    overview = render_page(client, "/", "?period=202611&ou=01")  # no other unit to ask for
    assert "72,5%" in texts(find(overview, "tile-TK_THANH_TOAN"))
