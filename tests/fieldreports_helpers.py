"""Shared bits of the field-report tests: a photo with EXIF GPS and device data, the
shipped categories, and a report moved through its states."""

from __future__ import annotations

import io
from datetime import UTC, datetime

from PIL import Image

from coc.config import load_settings
from coc.fieldreports.categories import Categories, load_categories

PHONE = "0912345678"
NAME = "Nguyễn Văn Bình"
NOW = datetime(2026, 11, 30, 3, 0, tzinfo=UTC)  # 10:00 local, 30/11/2026


def categories() -> Categories:
    return load_categories(load_settings(environ={}))


def jpeg_with_exif(size: tuple[int, int] = (2400, 1200)) -> bytes:
    """A JPEG whose EXIF names a phone model, a serial number and a GPS position."""
    img = Image.new("RGB", size, (30, 120, 200))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0110] = "SecretPhone 12"  # Model
    exif[0xA431] = "SERIAL-998877"  # BodySerialNumber
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2] = "N", (20.0, 50.0, 7.0)
    gps[3], gps[4] = "E", (105.0, 54.0, 3.0)
    out = io.BytesIO()
    img.save(out, "JPEG", exif=exif)
    return out.getvalue()


def png_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGBA", (40, 30), (200, 10, 10, 128)).save(out, "PNG")
    return out.getvalue()
