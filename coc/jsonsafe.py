"""JSON from outside (HTTP bodies, and any other parser that wants it) decoded with limits.

`json.loads` raises RecursionError on deep nesting, turns `1e999` into infinity, accepts
`NaN`, and builds integers of any length; each of those later fails far from the input
(a 500, a dead thread). `loads` refuses them up front with a reason, and otherwise
returns exactly what `json.loads` would.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

MAX_DEPTH = 32
MAX_NUMBER_CHARS = 40

# A JSON string (possessive: linear time even on an unterminated one), and a bracket.
_STRING = re.compile(r'"(?:[^"\\]++|\\.)*+"', re.DOTALL)
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")


_MESSAGES_VI = {
    "Expecting value": "thiếu giá trị",
    "Expecting property name enclosed in double quotes": "tên trường phải trong dấu nháy kép",
    "Expecting ',' delimiter": "thiếu dấu phẩy",
    "Expecting ':' delimiter": "thiếu dấu hai chấm",
    "Extra data": "thừa dữ liệu sau JSON",
    "Unterminated string starting at": "chuỗi chưa đóng nháy",
    "Invalid control character at": "ký tự điều khiển trong chuỗi",
    "Invalid \\escape": "ký tự thoát không hợp lệ",
    "Invalid \\uXXXX escape": "mã \\uXXXX không hợp lệ",
    "Illegal trailing comma before end of object": "dấu phẩy thừa cuối đối tượng",
    "Illegal trailing comma before end of array": "dấu phẩy thừa cuối mảng",
}


class JsonRejected(ValueError):
    """The text is not JSON COC accepts; `reason` says why, in Vietnamese."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def depth(text: str) -> int:
    """Deepest nesting of arrays and objects, ignoring brackets inside strings."""
    deepest = level = 0
    for char in _NOT_BRACKET.sub("", _STRING.sub('""', text)):
        if char in "[{":
            level += 1
            deepest = max(deepest, level)
        else:
            level -= 1
    return deepest


def _text(data: bytes | bytearray | str) -> str:
    if isinstance(data, str):
        return data
    try:
        return bytes(data).decode(json.detect_encoding(bytes(data)))
    except (UnicodeDecodeError, LookupError):
        raise JsonRejected("nội dung không phải văn bản UTF-8") from None


def loads(
    data: bytes | bytearray | str,
    *,
    max_depth: int = MAX_DEPTH,
    max_number_chars: int = MAX_NUMBER_CHARS,
) -> Any:
    """Parsed JSON, or JsonRejected: invalid JSON, nesting deeper than `max_depth`, a
    number longer than `max_number_chars`, a non-finite number, or NaN/Infinity."""
    text = _text(data)
    if depth(text) > max_depth:
        raise JsonRejected(f"JSON lồng quá sâu (tối đa {max_depth} cấp)")

    def number_text(raw: str) -> None:
        if len(raw) > max_number_chars:
            raise JsonRejected(f"số quá dài trong JSON (tối đa {max_number_chars} ký tự)")

    def parse_int(raw: str) -> int:
        number_text(raw)
        return int(raw)

    def parse_float(raw: str) -> float:
        number_text(raw)
        value = float(raw)
        if not math.isfinite(value):
            raise JsonRejected(f"số vượt quá giới hạn trong JSON: {raw}")
        return value

    def parse_constant(raw: str) -> Any:
        raise JsonRejected(f"{raw} không phải giá trị JSON hợp lệ")

    try:
        return json.loads(
            text, parse_int=parse_int, parse_float=parse_float, parse_constant=parse_constant
        )
    except JsonRejected:
        raise
    except json.JSONDecodeError as exc:
        why = _MESSAGES_VI.get(exc.msg, exc.msg)
        raise JsonRejected(
            f"JSON không hợp lệ ở dòng {exc.lineno}, cột {exc.colno}: {why}"
        ) from None
    except RecursionError:  # depth() already refuses this; kept as the last line
        raise JsonRejected(f"JSON lồng quá sâu (tối đa {max_depth} cấp)") from None
    except ValueError as exc:  # e.g. int() over sys.get_int_max_str_digits
        raise JsonRejected(f"JSON không hợp lệ: {exc}") from None
