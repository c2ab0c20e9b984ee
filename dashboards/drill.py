"""Render the rows behind an indicator (`coc.indicators.drill`) as table columns and rows:
headers in the page's language, dates dd/mm/yyyy, channel and timeliness in words."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from coc import fmt
from coc.devices.states import state_name
from coc.indicators import drill as core
from coc.indicators.catalog import IndicatorDef
from coc.store.db import Store

CHANNELS = {1: ("Trực tiếp", "In person"), 2: ("Trực tuyến", "Online"), 3: ("Bưu chính", "Post")}


@dataclass(frozen=True)
class Drill:
    columns: list[tuple[str, str]]  # (id, header)
    rows: list[dict[str, Any]]
    masked: bool = False


def _pick(lang: str, vi: str, en: str) -> str:
    return vi if lang == "vi" else en


def dossier_columns(lang: str) -> list[tuple[str, str]]:
    p = lambda vi, en: _pick(lang, vi, en)  # noqa: E731
    return [
        ("ma", p("Mã hồ sơ", "Dossier")),
        ("tthc", p("Thủ tục", "Procedure")),
        ("chu", p("Chủ hồ sơ", "Applicant")),
        ("nhan", p("Ngày tiếp nhận", "Received")),
        ("hen", p("Ngày hẹn trả", "Due")),
        ("xong", p("Ngày kết thúc xử lý", "Finished")),
        ("kenh", p("Kênh", "Channel")),
        ("dung_han", p("Tiến độ", "Timeliness")),
    ]


def document_columns(lang: str) -> list[tuple[str, str]]:
    p = lambda vi, en: _pick(lang, vi, en)  # noqa: E731
    return [
        ("so", p("Số, ký hiệu", "Number")),
        ("trich_yeu", p("Trích yếu", "Summary")),
        ("ngay", p("Ngày văn bản", "Date")),
        ("han", p("Hạn xử lý", "Deadline")),
        ("xong", p("Ngày hoàn thành", "Completed")),
        ("nguoi", p("Người xử lý", "Handler")),
    ]


def device_columns(lang: str) -> list[tuple[str, str]]:
    p = lambda vi, en: _pick(lang, vi, en)  # noqa: E731
    return [
        ("id", p("Mã", "Id")),
        ("name", p("Tên", "Name")),
        ("hamlet", p("Thôn", "Hamlet")),
        ("state", p("Trạng thái", "State")),
        ("seen", p("Liên lạc cuối", "Last seen")),
    ]


def _dossier(r: core.DossierRow, lang: str) -> dict[str, Any]:
    channel = CHANNELS.get(r.channel or 0, ("—", "—"))
    return {
        "ma": r.code,
        "tthc": r.procedure,
        "chu": r.applicant,
        "nhan": fmt.day(r.received, lang),
        "hen": fmt.day(r.due, lang),
        "xong": fmt.day(r.finished, lang),
        "kenh": _pick(lang, *channel),
        "dung_han": _pick(lang, "Đúng hạn", "On time")
        if r.on_time
        else _pick(lang, "Quá hạn", "Late"),
    }


def _document(r: core.DocumentRow, lang: str) -> dict[str, Any]:
    return {
        "so": r.number,
        "trich_yeu": r.summary,
        "ngay": fmt.day(r.issued, lang),
        "han": fmt.day(r.deadline, lang),
        "xong": fmt.day(r.completed, lang),
        "nguoi": r.handler,
    }


def _device(r: core.DeviceRow, lang: str) -> dict[str, Any]:
    return {
        "id": r.device_id,
        "name": r.name,
        "hamlet": r.hamlet,
        "state": state_name(r.state, lang),
        "seen": fmt.moment(r.last_seen, lang),
    }


def render(behind: core.Behind, lang: str) -> Drill:
    if behind.kind == "dossier":
        return Drill(dossier_columns(lang), [_dossier(r, lang) for r in behind.rows], behind.masked)
    if behind.kind == "document":
        return Drill(document_columns(lang), [_document(r, lang) for r in behind.rows])
    return Drill(device_columns(lang), [_device(r, lang) for r in behind.rows])


def behind(
    store: Store, ind: IndicatorDef, org_unit: str, period: str, now: datetime, lang: str,
    show_names: bool,
) -> Drill | None:  # fmt: skip
    """The rows behind one indicator, ready for `data_table`; None without stored facts."""
    with store.session() as session:
        found = core.rows_behind(session, ind, org_unit, period, now, show_names)
    return render(found, lang) if found is not None else None


def rows_of(
    store: Store, include: str, exclude: str | None, org_unit: str, period: str,
    now: datetime, lang: str, show_names: bool = False,
) -> Drill:  # fmt: skip
    """A fixed list of a page (the late dossiers, the unsigned documents) by measure names."""
    with store.session() as session:
        found = core.rows_of(session, include, exclude, org_unit, period, now, show_names)
    if found is None:
        raise KeyError(f"no rows for measure {include!r}")
    return render(found, lang)
