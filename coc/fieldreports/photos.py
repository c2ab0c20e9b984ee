"""Photos from citizens: the type is read from the content (Pillow opens only JPEG, PNG,
WebP, HEIF-free formats we allow), never from the name or the declared type; the picture is
re-encoded as a fresh JPEG, so EXIF (GPS position, phone model, serial numbers), XMP and
ICC metadata are not carried over. A bad file is a `Rejected` with a reason, never a raise.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

from coc.ingest.records import Rejected

ALLOWED = ("JPEG", "PNG", "WEBP", "GIF")
MAX_PIXELS = 40_000_000  # a decompression bomb is refused before it is decoded


@dataclass(frozen=True)
class Photo:
    data: bytes  # JPEG, no metadata
    width: int
    height: int


def too_large(max_bytes: int) -> Rejected:
    """The reason a file over `max_bytes` is refused (an upload or a download)."""
    shown = f"{max_bytes / 2**20:g} MB" if max_bytes >= 2**20 else f"{max_bytes // 1024} KB"
    return Rejected(f"ảnh lớn hơn {shown}")


def clean_photo(raw: bytes, *, max_bytes: int, max_side: int) -> Photo | Rejected:
    """A re-encoded JPEG of at most `max_side` pixels on its long side, or why not."""
    if not raw:
        return Rejected("tệp ảnh rỗng")
    if len(raw) > max_bytes:
        return too_large(max_bytes)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(raw), formats=ALLOWED) as img:
                if img.width * img.height > MAX_PIXELS:
                    return Rejected("ảnh có quá nhiều điểm ảnh")
                if img.format == "JPEG":  # decode at the smallest scale still >= max_side
                    k = min(1.0, max_side / max(img.width, img.height, 1))
                    img.draft("RGB", (int(img.width * k) + 1, int(img.height * k) + 1))
                img.load()
                upright = ImageOps.exif_transpose(img)
                rgb = upright.convert("RGB")
    except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning):
        return Rejected("tệp không phải ảnh JPEG, PNG, WebP hoặc GIF")
    except Exception:
        return Rejected("tệp ảnh bị hỏng, không đọc được")
    rgb.thumbnail((max_side, max_side))
    out = io.BytesIO()
    rgb.save(out, "JPEG", quality=82, optimize=True)  # no exif=, icc_profile=: none written
    return Photo(out.getvalue(), rgb.width, rgb.height)
