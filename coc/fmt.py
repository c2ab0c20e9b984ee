"""Vietnamese display formats: 1.234,5 and dd/mm/yyyy."""

from __future__ import annotations

from datetime import date, datetime

from coc.timeutil import to_local


def number(value: float | int | None, decimals: int = 1, lang: str = "vi") -> str:
    if value is None:
        return "—"
    text = f"{value:,.{decimals}f}"
    if decimals and text.rstrip("0").endswith("."):
        text = text.rstrip("0").rstrip(".")
    elif decimals:
        text = text.rstrip("0").rstrip(".") if "." in text else text
    if lang == "vi":
        text = text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")
    return text


def percent(value: float | None, lang: str = "vi") -> str:
    return "—" if value is None else f"{number(value, 1, lang)}%"


def day(value: date | datetime | None, lang: str = "vi") -> str:
    if value is None:
        return "—"
    if isinstance(value, datetime):
        value = to_local(value)
    return value.strftime("%d/%m/%Y") if lang == "vi" else value.strftime("%Y-%m-%d")


def moment(value: datetime | None, lang: str = "vi") -> str:
    if value is None:
        return "—"
    local = to_local(value)
    return local.strftime("%H:%M %d/%m/%Y") if lang == "vi" else local.strftime("%Y-%m-%d %H:%M")
