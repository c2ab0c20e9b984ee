"""The rows behind an indicator: which dossiers, documents or devices drag it down.

Citizen names are masked unless the viewer is at least a clerk.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select
from sqlmodel import Session

from coc import fmt
from coc.indicators.tthc import EXCLUDED, DossierFacts, facts_of
from coc.periods import parse_period
from coc.store.models import Device, Document, Dossier
from coc.timeutil import as_utc

CHANNELS = {1: ("Trực tiếp", "In person"), 2: ("Trực tuyến", "Online"), 3: ("Bưu chính", "Post")}

# TTHC indicator → the dossiers that pull it down (failing the indicator's condition)
DOSSIER_FILTERS: dict[str, Callable[[DossierFacts], bool]] = {
    "TTHC_DUNG_HAN": lambda f: not f.on_time,
    "TTHC_TRUC_TUYEN": lambda f: not f.online,
    "TTHC_THANH_TOAN_TRUC_TUYEN": lambda f: f.fee_bearing and not f.paid_online,
    "TTHC_KET_QUA_DIEN_TU": lambda f: f.completed and not f.e_result,
    "TTHC_SO_HOA_HO_SO": lambda f: not f.digitised,
    "TTHC_HAI_LONG": lambda f: not f.on_time or f.complaint,
    "TTHC_SO_HO_SO_TIEP_NHAN": lambda f: True,
}


@dataclass(frozen=True)
class Drill:
    columns: list[tuple[str, str]]  # (id, header)
    rows: list[dict[str, Any]]
    masked: bool = False


def mask_name(name: str | None) -> str:
    """'Nguyễn Văn An' → 'N***** V** A*': initials stay so a clerk can still talk about it."""
    if not name:
        return ""
    return " ".join(w[0] + "*" * (len(w) - 1) for w in name.split())


def _dossiers(
    session: Session, org_unit: str, period: str, now: datetime, lang: str, show_names: bool
) -> list[dict[str, Any]]:
    p = parse_period(period)
    stmt = (
        select(Dossier)
        .where(
            Dossier.org_unit == org_unit,
            Dossier.NgayTiepNhan >= p.start_utc,
            Dossier.NgayTiepNhan < p.end_utc,
        )
        .order_by(Dossier.NgayTiepNhan)
    )
    out = []
    for d in session.scalars(stmt):
        if d.TrangThaiHoSo in EXCLUDED:
            continue
        f = facts_of(d, now)
        channel = CHANNELS.get(d.KenhThucHien or 0, ("—", "—"))
        out.append(
            {
                "_facts": f,
                "ma": d.MaHoSo,
                "tthc": d.TenTTHC or d.MaTTHC or "",
                "chu": (d.ChuHoSo or "") if show_names else mask_name(d.ChuHoSo),
                "nhan": fmt.day(d.NgayTiepNhan, lang),
                "hen": fmt.day(d.NgayHenTra, lang),
                "xong": fmt.day(d.NgayKetThucXuLy, lang),
                "kenh": channel[0 if lang == "vi" else 1],
                "dung_han": ("Đúng hạn" if lang == "vi" else "On time")
                if f.on_time
                else ("Quá hạn" if lang == "vi" else "Late"),
            }
        )
    return out


def _dossier_columns(lang: str) -> list[tuple[str, str]]:
    vi = lang == "vi"
    return [
        ("ma", "Mã hồ sơ" if vi else "Dossier"),
        ("tthc", "Thủ tục" if vi else "Procedure"),
        ("chu", "Chủ hồ sơ" if vi else "Applicant"),
        ("nhan", "Ngày tiếp nhận" if vi else "Received"),
        ("hen", "Ngày hẹn trả" if vi else "Due"),
        ("xong", "Ngày kết thúc xử lý" if vi else "Finished"),
        ("kenh", "Kênh" if vi else "Channel"),
        ("dung_han", "Tiến độ" if vi else "Timeliness"),
    ]


def document_columns(lang: str) -> list[tuple[str, str]]:
    vi = lang == "vi"
    return [
        ("so", "Số, ký hiệu" if vi else "Number"),
        ("trich_yeu", "Trích yếu" if vi else "Summary"),
        ("ngay", "Ngày văn bản" if vi else "Date"),
        ("han", "Hạn xử lý" if vi else "Deadline"),
        ("xong", "Ngày hoàn thành" if vi else "Completed"),
        ("nguoi", "Người xử lý" if vi else "Handler"),
    ]


def document_rows(docs: list[Document], lang: str) -> list[dict[str, Any]]:
    return [
        {
            "so": "/".join(x for x in (d.number, d.symbol) if x),
            "trich_yeu": d.summary or "",
            "ngay": fmt.day(d.issued_date, lang),
            "han": fmt.day(d.deadline, lang),
            "xong": fmt.day(d.completed_date, lang),
            "nguoi": d.handler or "",
        }
        for d in docs
    ]


def _period_docs(session: Session, org_unit: str, period: str, *conditions: Any) -> list[Document]:
    p = parse_period(period)
    stmt = (
        select(Document)
        .where(
            Document.org_unit == org_unit,
            Document.issued_date >= p.start_utc,
            Document.issued_date < p.end_utc,
            Document.status != "cancelled",
            *conditions,
        )
        .order_by(Document.issued_date)
    )
    return list(session.scalars(stmt))


def overdue_condition(now: datetime) -> Any:
    late_done = Document.completed_date.is_not(None) & (Document.completed_date > Document.deadline)
    late_open = Document.completed_date.is_(None) & (Document.deadline < as_utc(now))
    return (Document.direction == "in") & Document.deadline.is_not(None) & or_(late_done, late_open)


DOC_FILTERS: dict[str, Callable[[datetime], Any]] = {
    "VB_DI_KY_SO": lambda now: (Document.direction == "out") & Document.signed.is_(False),
    "VB_DIEN_TU": lambda now: Document.electronic.is_(False),
    "VB_DEN_QUA_HAN": overdue_condition,
}


def device_columns(lang: str) -> list[tuple[str, str]]:
    vi = lang == "vi"
    return [
        ("id", "Mã" if vi else "Id"),
        ("name", "Tên" if vi else "Name"),
        ("hamlet", "Thôn" if vi else "Hamlet"),
        ("state", "Trạng thái" if vi else "State"),
        ("seen", "Liên lạc cuối" if vi else "Last seen"),
    ]


def drill(
    session: Session,
    code: str,
    org_unit: str,
    period: str,
    now: datetime,
    lang: str,
    show_names: bool,
) -> Drill | None:
    """The rows behind `code` for the period, or None when it has no stored facts."""
    if code in DOSSIER_FILTERS:
        keep = DOSSIER_FILTERS[code]
        rows = [
            {k: v for k, v in r.items() if k != "_facts"}
            for r in _dossiers(session, org_unit, period, now, lang, show_names)
            if keep(r["_facts"])
        ]
        return Drill(_dossier_columns(lang), rows, masked=not show_names)
    if code in DOC_FILTERS:
        docs = _period_docs(session, org_unit, period, DOC_FILTERS[code](now))
        return Drill(document_columns(lang), document_rows(docs, lang))
    if code in ("CAMERA_HOAT_DONG", "LOA_HOAT_DONG"):
        kind = "camera" if code == "CAMERA_HOAT_DONG" else "speaker"
        stmt = select(Device).where(Device.kind == kind, Device.online.is_(False))
        rows = [
            {
                "id": d.device_id,
                "name": d.name,
                "hamlet": d.hamlet or "",
                "state": d.state,
                "seen": fmt.moment(d.last_seen, lang),
            }
            for d in session.scalars(stmt.order_by(Device.device_id))
        ]
        return Drill(device_columns(lang), rows)
    return None
