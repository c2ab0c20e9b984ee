"""Clerk writes: form entry, Excel upload, quarantine review; viewers and other sites refused."""

from __future__ import annotations

import base64
import io
import re

import openpyxl
import pandas as pd
from fixtures_web import ORIGIN, call, find, finish_job, login, render_page, texts
from sqlalchemy import select

from coc.store.models import AuditLog, DataValue, Quarantine


def _save(client, code, period, value, headers=ORIGIN):
    state = [
        {"id": "entry-code", "property": "value", "value": code},
        {"id": "entry-period", "property": "value", "value": period},
        {"id": "entry-value", "property": "value", "value": value},
        {"id": "entry-comment", "property": "value", "value": None},
        {"id": "entry-lang", "property": "data", "value": "vi"},
        {"id": "entry-ou", "property": "data", "value": "10237"},
    ]
    inputs = [{"id": "entry-save", "property": "n_clicks", "value": 1}]
    response = call(client, "entry-message.children", inputs, state, headers)
    assert response.status_code == 200, response.data[:300]
    message = response.json["response"]["entry-message"]["children"]
    if find(message, "entry-save-job-box") is None:  # refused before any work started
        return texts(message)
    assert texts(message) == ["Đang lưu và tính lại chỉ tiêu…"]
    return texts(finish_job(client, "entry-save", message))


def test_clerk_enters_value_and_indicator_updates(fresh_app):
    client = fresh_app.server.test_client()
    login(client, "thuky")
    assert _save(client, "DINH_DANH_DIEN_TU", "202611", "72,5") == [
        "Đã lưu: Tỷ lệ người dân có tài khoản định danh điện tử mức 2 – Tháng 11/2026 = 72,5"
    ]  # the indicator's name and the period in words, not their codes
    tile = find(render_page(client, "/", "?period=202611"), "tile-DINH_DANH_DIEN_TU")
    assert {"72,5%", "90,6%", "Tạm tính"} <= set(texts(tile))  # November still in progress
    store = fresh_app.coc_state.store
    with store.session() as session:
        [entry] = session.scalars(select(AuditLog).where(AuditLog.entity == "data_value")).all()
    assert (entry.actor, entry.action, entry.old_value, entry.new_value) == (
        "thuky", "update", "30.0", "72.5"
    )  # fmt: skip
    assert _save(client, "DINH_DANH_DIEN_TU", "202611", "72,5") == ["Không thay đổi: giá trị đã có"]


def test_entry_recomputes_ratio_indicator(fresh_app):
    client = fresh_app.server.test_client()
    login(client, "thuky")
    _save(client, "SO_HO_PHU_CAP_QUANG", "202611", "14.400")  # 14,400 ÷ 16,000 = 90 %
    page = render_page(client, "/chi-tieu/HO_PHU_CAP_QUANG", "?period=202611")
    assert texts(find(page, "ind-actual"))[0] == "90%"
    assert texts(find(page, "ind-numerator"))[0] == "14.400"
    assert texts(find(page, "ind-denominator"))[0] == "16.000"


def test_validation_messages_are_vietnamese(fresh_app):
    client = fresh_app.server.test_client()
    login(client, "thuky")
    assert _save(client, "DINH_DANH_DIEN_TU", "202611", "120") == [
        "giá trị 120 lớn hơn mức tối đa 100 của chỉ tiêu DINH_DANH_DIEN_TU"
    ]
    assert _save(client, "DINH_DANH_DIEN_TU", "202611", "nhiều") == [
        "giá trị không phải số: 'nhiều'"
    ]
    assert _save(client, "DINH_DANH_DIEN_TU", "", "5") == ["Hãy chọn chỉ tiêu, kỳ và nhập giá trị."]
    with fresh_app.coc_state.store.session() as session:
        reasons = [q.reason for q in session.scalars(select(Quarantine))]
    assert len(reasons) == 2  # bad values are kept, never dropped


def test_viewer_and_anonymous_cannot_write(fresh_app):
    client = fresh_app.server.test_client()
    assert _save(client, "DINH_DANH_DIEN_TU", "202611", "50") == [
        "Cần đăng nhập với vai trò công chức để ghi dữ liệu."
    ]
    login(client, "xem")
    assert _save(client, "DINH_DANH_DIEN_TU", "202611", "50") == [
        "Cần đăng nhập với vai trò công chức để ghi dữ liệu."
    ]
    _assert_value(fresh_app, "DINH_DANH_DIEN_TU", 30.0)


def test_write_without_origin_is_refused(fresh_app):
    client = fresh_app.server.test_client()
    login(client, "thuky")
    assert _save(client, "DINH_DANH_DIEN_TU", "202611", "50", headers={}) == [
        "Yêu cầu không hợp lệ (khác nguồn gốc)."
    ]
    _assert_value(fresh_app, "DINH_DANH_DIEN_TU", 30.0)


def _assert_value(app, code, expected):
    with app.coc_state.store.session() as session:
        value = session.scalar(
            select(DataValue.value).where(
                DataValue.indicator_code == code, DataValue.period == "202611"
            )
        )
    assert value == expected


def _upload(client, frame: pd.DataFrame, name="so-lieu.xlsx"):
    buffer = io.BytesIO()
    frame.to_excel(buffer, index=False)
    contents = (
        "data:application/octet-stream;base64," + base64.b64encode(buffer.getvalue()).decode()
    )
    inputs = [{"id": "entry-upload", "property": "contents", "value": contents}]
    state = [
        {"id": "entry-upload", "property": "filename", "value": name},
        {"id": "entry-lang", "property": "data", "value": "vi"},
        {"id": "entry-ou", "property": "data", "value": "10237"},
    ]
    response = call(client, "entry-upload-message.children", inputs, state, ORIGIN)
    assert response.status_code == 200, response.data[:300]
    return _imported(client, response)


def _imported(client, response):
    message = response.json["response"]["entry-upload-message"]["children"]
    if find(message, "entry-upload-job-box") is None:
        return texts(message)
    assert texts(message) == ["Đang nhập tệp và tính lại chỉ tiêu…"]
    return texts(finish_job(client, "entry-upload", message))


def test_excel_upload_with_one_bad_row(fresh_app):
    client = fresh_app.server.test_client()
    login(client, "thuky")
    frame = pd.DataFrame(
        {
            "Mã": ["TK_THANH_TOAN", "DINH_DANH_DIEN_TU", "KHONG_CO"],
            "Kỳ": ["202611", "202611", "202611"],
            "Giá trị": ["75", "40,5", "1"],
        }
    )
    assert _upload(client, frame) == [
        "Đã nhập 0 mới, 2 cập nhật, 0 không đổi, 1 bị từ chối.",
        "dòng 4: mã chỉ tiêu không tồn tại: 'KHONG_CO'",
    ]
    _assert_value(fresh_app, "DINH_DANH_DIEN_TU", 40.5)


def test_upload_missing_column(fresh_app):
    client = fresh_app.server.test_client()
    login(client, "thuky")
    frame = pd.DataFrame({"code": ["TK_THANH_TOAN"], "value": ["1"]})
    assert _upload(client, frame) == [
        "Không đọc được tệp: tệp so-lieu.xlsx không có dòng tiêu đề hợp lệ (cần các cột "
        "Mã chỉ tiêu, Kỳ báo cáo, Giá trị; hoặc định dạng bản ghi của văn bản, hồ sơ công việc, "
        "hồ sơ TTHC)"
    ]


def test_template_download_fill_and_upload(fresh_app):
    """The connectors' template, period filled with this month; uploaded back it recomputes."""
    client = fresh_app.server.test_client()
    login(client, "thuky")
    inputs = [{"id": "entry-template", "property": "n_clicks", "value": 1}]
    response = call(client, "entry-template-dl.data", inputs, [], ORIGIN)
    payload = response.json["response"]["entry-template-dl"]["data"]
    assert payload["filename"] == "mau-nhap-so-lieu.xlsx"
    book = openpyxl.load_workbook(io.BytesIO(base64.b64decode(payload["content"])))
    assert book.sheetnames == ["Số liệu", "Danh mục", "Hướng dẫn"]
    sheet = book["Số liệu"]
    header = [c.value for c in sheet[1]]
    assert header == ["Mã chỉ tiêu", "Tên chỉ tiêu", "Đơn vị tính", "Kỳ báo cáo", "Giá trị",
                      "Ghi chú"]  # fmt: skip
    row = next(r for r in sheet.iter_rows(min_row=2) if r[0].value == "DINH_DANH_DIEN_TU")
    assert row[3].value == "202611"  # NOW is in November 2026
    row[4].value = 72.5
    filled = io.BytesIO()
    book.save(filled)
    contents = (
        "data:application/octet-stream;base64," + base64.b64encode(filled.getvalue()).decode()
    )
    upload = [{"id": "entry-upload", "property": "contents", "value": contents}]
    state = [{"id": "entry-upload", "property": "filename", "value": "mau-nhap-so-lieu.xlsx"},
             {"id": "entry-lang", "property": "data", "value": "vi"},
             {"id": "entry-ou", "property": "data", "value": "10237"}]  # fmt: skip
    response = call(client, "entry-upload-message.children", upload, state, ORIGIN)
    assert _imported(client, response) == ["Đã nhập 0 mới, 1 cập nhật, 0 không đổi, 0 bị từ chối."]
    _assert_value(fresh_app, "DINH_DANH_DIEN_TU", 72.5)
    tile = find(render_page(client, "/", "?period=202611"), "tile-DINH_DANH_DIEN_TU")
    assert {"72,5%", "90,6%", "Tạm tính"} <= set(texts(tile))  # recomputed: 72.5 of 80


def test_quarantine_review(fresh_app):
    client = fresh_app.server.test_client()
    login(client, "thuky")
    _save(client, "DINH_DANH_DIEN_TU", "202611", "999")
    page = render_page(client, "/cach-ly")
    table = find(page, {"type": "coc-table", "table": "cach-ly"})
    rows = table["props"]["rowData"]
    assert [r["reason"] for r in rows] == [
        "giá trị 999 lớn hơn mức tối đa 100 của chỉ tiêu DINH_DANH_DIEN_TU"
    ]
    inputs = [{"id": "quarantine-reject", "property": "n_clicks", "value": 1},
              {"id": "quarantine-accept", "property": "n_clicks", "value": None}]  # fmt: skip
    table_id = {"type": "coc-table", "table": "cach-ly"}
    state = [
        {"id": table_id, "property": "selectedRows", "value": rows[:1]},
        {"id": "quarantine-lang", "property": "data", "value": "vi"},
    ]
    body = {
        "output": "..quarantine-message.children...quarantine-table.children..",
        "outputs": [{"id": "quarantine-message", "property": "children"},
                    {"id": "quarantine-table", "property": "children"}],
        "inputs": [inputs[1], inputs[0]],
        "changedPropIds": ["quarantine-reject.n_clicks"],
        "state": state,
    }  # fmt: skip
    response = client.post("/_dash-update-component", json=body, headers=ORIGIN)
    assert response.status_code == 200, response.data[:300]
    assert texts(response.json["response"]["quarantine-message"]["children"]) == [
        "Đã xử lý 1 bản ghi."
    ]
    with fresh_app.coc_state.store.session() as session:
        item = session.scalars(select(Quarantine)).one()
        audit = session.scalars(select(AuditLog).where(AuditLog.entity == "quarantine")).one()
    assert (item.status, item.resolved_by) == ("rejected", "thuky")
    assert (audit.action, audit.actor) == ("reject", "thuky")


def test_audit_page_lists_changes(fresh_app):
    client = fresh_app.server.test_client()
    login(client, "thuky")
    _save(client, "DINH_DANH_DIEN_TU", "202611", "31")
    table = find(render_page(client, "/nhat-ky"), {"type": "coc-table", "table": "nhat-ky"})
    first = table["props"]["rowData"][0]
    assert first == {  # the action, table, key and source in words, the values 1.234,5
        "ts": first["ts"], "actor": "thuky", "action": "Cập nhật",
        "entity": "Số liệu chỉ tiêu",
        "key": "Tỷ lệ người dân có tài khoản định danh điện tử mức 2 – Tháng 11/2026",
        "old": "30", "new": "31", "detail": "Nhập tay",
    }  # fmt: skip
    assert re.fullmatch(r"\d\d:\d\d \d\d/\d\d/\d{4}", first["ts"])
    codes = {"update", "create", "data_value", "user", "login", "manual", "reporting"}
    shown = {v for row in table["props"]["rowData"] for v in row.values()}
    assert not codes & shown, codes & shown


def test_clerk_pages_hidden_from_anonymous(web_app):
    client = web_app.server.test_client()
    for path in ("/nhap-lieu", "/nhat-ky", "/cach-ly"):
        assert texts(render_page(client, path))[0] == (
            "Cần đăng nhập với vai trò công chức để ghi dữ liệu."
        )


def _decide(client, rows, button: str):
    table_id = {"type": "coc-table", "table": "cach-ly"}
    other = "quarantine-reject" if button == "quarantine-accept" else "quarantine-accept"
    body = {
        "output": "..quarantine-message.children...quarantine-table.children..",
        "outputs": [{"id": "quarantine-message", "property": "children"},
                    {"id": "quarantine-table", "property": "children"}],
        "inputs": [{"id": button, "property": "n_clicks", "value": 1},
                   {"id": other, "property": "n_clicks", "value": None}],
        "changedPropIds": [f"{button}.n_clicks"],
        "state": [{"id": table_id, "property": "selectedRows", "value": rows[:1]},
                  {"id": "quarantine-lang", "property": "data", "value": "vi"}],
    }  # fmt: skip
    response = client.post("/_dash-update-component", json=body, headers=ORIGIN)
    assert response.status_code == 200, response.data[:300]
    return texts(response.json["response"]["quarantine-message"]["children"])


def test_accepting_reingests_and_still_invalid_stays_open(fresh_app):
    client = fresh_app.server.test_client()
    login(client, "thuky")
    _save(client, "DINH_DANH_DIEN_TU", "202611", "999")
    rows = find(render_page(client, "/cach-ly"), {"type": "coc-table", "table": "cach-ly"})[
        "props"
    ]["rowData"]
    # 999 % is still out of range: accepting it is refused and the record stays open
    assert _decide(client, rows, "quarantine-accept") == [
        "Đã xử lý 0 bản ghi.",
        f"#{rows[0]['id']}: bản ghi vẫn không hợp lệ: giá trị 999 lớn hơn mức tối đa 100 "
        "của chỉ tiêu DINH_DANH_DIEN_TU",
    ]
    store = fresh_app.coc_state.store
    with store.write() as session:
        session.add(Quarantine(source="reporting", reason="nguồn tạm lỗi",
                               raw='{"code": "DINH_DANH_DIEN_TU", "period": "202611", '
                                   '"value": 75}'))  # fmt: skip
    rows = find(render_page(client, "/cach-ly"), {"type": "coc-table", "table": "cach-ly"})[
        "props"
    ]["rowData"]
    assert rows[0]["reason"] == "nguồn tạm lỗi"
    assert _decide(client, rows, "quarantine-accept") == ["Đã xử lý 1 bản ghi."]
    _assert_value(fresh_app, "DINH_DANH_DIEN_TU", 75.0)
    with store.session() as session:
        statuses = sorted(q.status for q in session.scalars(select(Quarantine)))
    assert statuses == ["accepted", "open"]
