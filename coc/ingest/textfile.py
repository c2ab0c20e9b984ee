"""Text files from outside (CSV exports of Excel, LibreOffice, old Windows tools): find
the encoding or refuse with a reason that names the problem.

Order: a byte-order mark (UTF-8, UTF-16, UTF-32: Excel's "Unicode text" is UTF-16 LE
with a BOM) wins; then strict UTF-8; then UTF-16 without a BOM when NUL bytes sit in
every other position; then Windows-1258 (Vietnamese Windows) when charset-normalizer (a
requests dependency) counts it among the plausible encodings. Anything else is refused,
naming what it looks like. The text is returned NFC-normalised, since Windows-1258 writes
tone marks as combining characters.
"""

from __future__ import annotations

import codecs
import unicodedata

from coc.errors import CocError

BOMS = (  # UTF-32 before UTF-16: the UTF-32 LE mark begins with the UTF-16 LE one
    (codecs.BOM_UTF32_LE, "utf-32-le", "UTF-32"),
    (codecs.BOM_UTF32_BE, "utf-32-be", "UTF-32"),
    (codecs.BOM_UTF8, "utf-8", "UTF-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le", "UTF-16"),
    (codecs.BOM_UTF16_BE, "utf-16-be", "UTF-16"),
)
LEGACY = "cp1258"
SAMPLE_BYTES = 64 * 1024


class UnreadableText(CocError):
    """The bytes are not text in an encoding COC reads; the message says which problem."""


def _nfc(text: str) -> str:
    """NFC text; a stray NUL becomes U+FFFD (PostgreSQL cannot store NUL, and its cell is
    then refused by the row checks with the rest of the row kept as the raw record)."""
    return unicodedata.normalize("NFC", text.replace("\x00", "\ufffd"))


def _utf16_without_bom(data: bytes) -> str | None:
    sample = data[:SAMPLE_BYTES]
    if len(sample) < 4:
        return None
    even, odd = sample[0::2].count(0), sample[1::2].count(0)
    half = len(sample) // 2
    if odd >= 0.3 * half and even < 0.05 * half:
        codec = "utf-16-le"
    elif even >= 0.3 * half and odd < 0.05 * half:
        codec = "utf-16-be"
    else:
        return None
    try:
        return data.decode(codec)
    except UnicodeDecodeError:
        return None


def _guess(data: bytes) -> tuple[list[str], str | None]:
    """Encodings charset-normalizer finds plausible, and its best guess with a language."""
    from charset_normalizer import from_bytes

    matches = from_bytes(data[:SAMPLE_BYTES])
    names = [m.encoding for m in matches]
    best = matches.best()
    if best is None:
        return names, None
    language = f", {best.language}" if best.language and best.language != "Unknown" else ""
    return names, f"{best.encoding}{language}"


def decode_text(data: bytes) -> tuple[str, str]:
    """(text, encoding name) or UnreadableText naming the encoding problem."""
    for bom, codec, name in BOMS:
        if data.startswith(bom):
            try:
                return _nfc(data[len(bom) :].decode(codec)), name
            except UnicodeDecodeError as exc:
                raise UnreadableText(
                    f"tệp có dấu BOM của {name} nhưng nội dung sai mã {name} ở byte {exc.start}"
                ) from None
    try:
        return _nfc(data.decode("utf-8")), "UTF-8"
    except UnicodeDecodeError:
        pass
    if b"\x00" in data:
        text = _utf16_without_bom(data)
        if text is not None:
            return _nfc(text), "UTF-16"
        raise UnreadableText(
            "tệp chứa byte NUL: không phải văn bản UTF-8, hoặc là UTF-16/UTF-32 không có BOM"
        )
    names, best = _guess(data)
    if LEGACY in names:
        try:
            return _nfc(data.decode(LEGACY)), "Windows-1258"
        except UnicodeDecodeError:
            pass
    looks = f" (có vẻ là {best})" if best else ""
    raise UnreadableText(
        f"bảng mã của tệp không phải UTF-8, UTF-16 hay Windows-1258{looks}; "
        "hãy lưu lại dưới dạng 'CSV UTF-8'"
    )
