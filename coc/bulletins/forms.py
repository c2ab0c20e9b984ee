"""The bulletin form: what a clerk typed (strings, as the page sends them) → a Draft, or
the reasons it cannot be one. Times are local (Asia/Ho_Chi_Minh), dd/mm/yyyy HH:MM."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from coc.bulletins.schedule import Schedule
from coc.bulletins.workflow import Draft
from coc.timeutil import VN_TZ


def _text(values: Mapping[str, Any], key: str) -> str:
    value = values.get(key)
    return value.strip() if isinstance(value, str) else ""


def _moment(text: str) -> datetime | None:
    for fmt in ("%d/%m/%Y %H:%M", "%d/%m/%Y"):
        try:
            return datetime.strptime(text, fmt).replace(tzinfo=VN_TZ)
        except ValueError:
            continue
    return None


def _day(text: str) -> date | None:
    try:
        return datetime.strptime(text, "%d/%m/%Y").date()
    except ValueError:
        return None


def _list(values: Mapping[str, Any], key: str) -> tuple[str, ...]:
    raw = values.get(key) or []
    return tuple(str(v) for v in raw) if isinstance(raw, list | tuple) else ()


def draft_from_form(values: Mapping[str, Any]) -> Draft | list[str]:
    """A Draft from the form's fields, or why not (times that do not read, mostly; the
    workflow checks the rest when the draft is saved)."""
    problems: list[str] = []
    kind = _text(values, "schedule_kind") or "now"
    start_text, end_text, valid_text = (
        _text(values, "start_at"), _text(values, "end_date"), _text(values, "valid_until")
    )  # fmt: skip
    start = _moment(start_text) if start_text else None
    if start_text and start is None:
        problems.append("thời điểm phát phải có dạng dd/mm/yyyy HH:MM")
    end = _day(end_text) if end_text else None
    if end_text and end is None:
        problems.append("ngày kết thúc phải có dạng dd/mm/yyyy")
    valid = _moment(valid_text) if valid_text else None
    if valid_text and valid is None:
        problems.append("hiệu lực đến phải có dạng dd/mm/yyyy HH:MM")
    weekdays: list[int] = []
    for d in _list(values, "weekdays"):
        if d.isdigit() and int(d) < 7:
            weekdays.append(int(d))
        else:
            problems.append("ngày trong tuần không hợp lệ")
    target_kind = _text(values, "target_kind") or "all"
    targets = _list(values, "hamlets" if target_kind == "hamlets" else "clusters")
    duration = values.get("duration_s")
    if problems:
        return problems
    return Draft(
        title=_text(values, "title"),
        text=_text(values, "text") or None,
        priority=_text(values, "priority") or "thuong",
        target_kind=target_kind,
        targets=targets if target_kind != "all" else (),
        schedule=Schedule(
            kind=kind,
            start_at=start,
            window_start=_text(values, "window_start") or None,
            window_end=_text(values, "window_end") or None,
            weekdays=tuple(sorted(set(weekdays))),
            end_date=end,
            valid_until=valid,
        ),
        audio_key=_text(values, "audio_key") or None,
        duration_s=float(duration) if isinstance(duration, int | float) else None,
        audio_source=_text(values, "audio_source") or "tts",
        engine=_text(values, "engine") or None,
        voice=_text(values, "voice") or None,
    )
