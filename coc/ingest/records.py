"""Pure validation: a raw source record in, a store row or a reason for rejection out."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from coc.timeutil import parse_datetime


@dataclass(frozen=True, slots=True)
class Rejected:
    """A record, message or part of one refused at the boundary: it goes to quarantine
    with this reason. `subject` names what it was about when known (e.g. a device id)."""

    reason: str
    subject: str | None = None
    code: str | None = None  # a DHIS2 import error code (E7610 …) when one fits


DOSSIER_DATES = ("NgayTiepNhan", "NgayHenTra", "NgayKetThucXuLy", "NgayTra")
DOSSIER_INTS = (
    "KenhThucHien",
    "TrangThaiHoSo",
    "DuocThanhToanTrucTuyen",
    "HoSoCoThanhPhanSoHoa",
    "CoKhieuNai",
)
DOSSIER_TEXT = (
    "MaTTHC",
    "TenTTHC",
    "MaLinhVuc",
    "TenLinhVuc",
    "ChuHoSo",
    "SoGiayToChuHoSo",
    "SoDienThoai",
    "Email",
    "DiaChi",
    "TrichYeuHoSo",
    "DonViXuLy",
)
NOT_RECEIVED = (1, 3)  # newly registered online, or not accepted: no reception date yet
DOSSIER_LISTS = ("DanhSachLePhi", "DanhSachGiayToKetQua", "DanhSachHoSoBoSung", "TaiLieuNop")


def _date(record: dict[str, Any], key: str) -> datetime | None:
    try:
        return parse_datetime(record.get(key))
    except (ValueError, TypeError):
        raise ValueError(f"{key} không phải ngày hợp lệ: {record.get(key)!r}") from None


def _int(record: dict[str, Any], key: str) -> int | None:
    value = record.get(key)
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return int(value)
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{key} phải là số nguyên: {value!r}") from None
    if number != int(number):
        raise ValueError(f"{key} phải là số nguyên: {value!r}")
    return int(number)


def _list(record: dict[str, Any], key: str) -> list[dict[str, Any]]:
    value = record.get(key)
    if value in (None, ""):
        return []
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError:
            raise ValueError(f"{key} phải là danh sách JSON") from None
    if not isinstance(value, list) or not all(isinstance(i, dict) for i in value):
        raise ValueError(f"{key} phải là danh sách các đối tượng")
    return value


def dossier_row(record: Any, org_unit: str) -> dict[str, Any] | Rejected:
    """A portal dossier record → a `dossier` row, or the reason it cannot be stored."""
    if not isinstance(record, dict):
        return Rejected("bản ghi hồ sơ không phải đối tượng JSON")
    code = record.get("MaHoSo")
    if not code or not isinstance(code, str | int):
        return Rejected("thiếu MaHoSo")
    try:
        row: dict[str, Any] = {"org_unit": org_unit, "MaHoSo": str(code)}
        for key in DOSSIER_DATES:
            row[key] = _date(record, key)
        for key in DOSSIER_INTS:
            row[key] = _int(record, key)
        for key in DOSSIER_LISTS:
            row[key] = _list(record, key)
        for key in DOSSIER_TEXT:
            value = record.get(key)
            row[key] = None if value is None else str(value)
        row["source_updated_at"] = _date(record, "NgayCapNhat")
    except ValueError as exc:
        return Rejected(str(exc))
    row["CoKhieuNai"] = row["CoKhieuNai"] or 0
    if row["NgayTiepNhan"] is None and row["TrangThaiHoSo"] not in NOT_RECEIVED:
        return Rejected("thiếu NgayTiepNhan (ngày tiếp nhận)")
    if row["TrangThaiHoSo"] is not None and not 1 <= row["TrangThaiHoSo"] <= 10:
        return Rejected(f"TrangThaiHoSo ngoài khoảng 1–10: {row['TrangThaiHoSo']}")
    if row["KenhThucHien"] is not None and row["KenhThucHien"] not in (1, 2, 3):
        return Rejected(f"KenhThucHien phải là 1, 2 hoặc 3: {row['KenhThucHien']}")
    return row


def _bool(record: dict[str, Any], key: str, default: bool = False) -> bool:
    value = record.get(key, default)
    if isinstance(value, bool):
        return value
    if value in (0, 1, "0", "1", "true", "false", "True", "False"):
        return str(value).lower() in ("1", "true")
    raise ValueError(f"{key} phải là true/false: {value!r}")


def document_row(record: Any, org_unit: str) -> dict[str, Any] | Rejected:
    """A QLVB&ĐH document record → a `document` row, or the reason it cannot be stored."""
    if not isinstance(record, dict):
        return Rejected("bản ghi văn bản không phải đối tượng JSON")
    doc_id = record.get("id")
    if not doc_id:
        return Rejected("thiếu id văn bản")
    direction = record.get("direction")
    if direction not in ("in", "out"):
        return Rejected(f"direction phải là 'in' hoặc 'out': {direction!r}")
    try:
        row = {
            "org_unit": org_unit,
            "doc_id": str(doc_id),
            "direction": direction,
            "number": _opt_str(record.get("number")),
            "symbol": _opt_str(record.get("symbol")),
            "summary": _opt_str(record.get("summary")),
            "issued_date": _date(record, "issued_date"),
            "received_date": _date(record, "received_date"),
            "deadline": _date(record, "deadline"),
            "completed_date": _date(record, "completed_date"),
            "status": str(record.get("status") or "processing"),
            "signed": _bool(record, "signed"),
            "electronic": _bool(record, "electronic", True),
            "handler": _opt_str(record.get("handler")),
            "source_updated_at": _date(record, "updated_at"),
        }
    except ValueError as exc:
        return Rejected(str(exc))
    if row["issued_date"] is None:
        return Rejected("thiếu issued_date (ngày văn bản)")
    if row["status"] not in ("processing", "done", "cancelled"):
        return Rejected(f"status không hợp lệ: {row['status']!r}")
    return row


def work_file_row(record: Any, org_unit: str) -> dict[str, Any] | Rejected:
    if not isinstance(record, dict):
        return Rejected("bản ghi hồ sơ công việc không phải đối tượng JSON")
    file_id = record.get("id")
    if not file_id:
        return Rejected("thiếu id hồ sơ công việc")
    try:
        row = {
            "org_unit": org_unit,
            "file_id": str(file_id),
            "title": str(record.get("title") or ""),
            "opened_date": _date(record, "opened_date"),
            "closed_date": _date(record, "closed_date"),
            "online": _bool(record, "online"),
            "status": str(record.get("status") or "open"),
            "source_updated_at": _date(record, "updated_at"),
        }
    except ValueError as exc:
        return Rejected(str(exc))
    if row["opened_date"] is None:
        return Rejected("thiếu opened_date (ngày mở hồ sơ)")
    return row


def _opt_str(value: Any) -> str | None:
    return None if value is None else str(value)
