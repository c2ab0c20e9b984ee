"""A reporter's channel id (the Zalo user id an answer is addressed to), sealed at rest.

Fernet (the `cryptography` package: AES-128-CBC with an HMAC-SHA256 over the whole
token) rather than anything hand-made: a changed or truncated token, or the wrong key, is
refused as a whole, never decrypted into garbage. The key is `fieldreports.contact_key`
(COC_FIELDREPORT_CONTACT_KEY), else one generated once into the data folder
(coc.keys.contact_key). Several comma-separated keys may be given while rotating: the
first seals, every one of them opens (MultiFernet), so an old report is never lost.

Only intake seals and only the outbox's sending path opens (coc.fieldreports.answers);
no page, export or log ever holds the plain id.
"""

from __future__ import annotations

from datetime import datetime

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from coc.config import Settings
from coc.errors import CocError
from coc.keys import contact_key

SETTING = "fieldreports.contact_key, COC_FIELDREPORT_CONTACT_KEY"


class ContactKeyError(CocError):
    """A key that is no Fernet key, or a sealed id none of the keys opens."""


class ContactBox:
    def __init__(self, keys: str) -> None:
        parts = [k.strip() for k in keys.split(",") if k.strip()]
        try:
            fernets = [Fernet(k.encode("ascii")) for k in parts]
        except (ValueError, UnicodeEncodeError):
            raise ContactKeyError(
                f"khóa mã hóa liên hệ không hợp lệ ({SETTING}): mỗi khóa là 32 byte "
                "base64 url-safe (44 ký tự), như Fernet.generate_key() tạo ra"
            ) from None
        if not fernets:
            raise ContactKeyError(f"chưa có khóa mã hóa liên hệ ({SETTING})")
        self._box = MultiFernet(fernets)

    @classmethod
    def from_settings(cls, settings: Settings) -> ContactBox:
        return cls(contact_key(settings))

    def seal(self, plain: str, *, now: datetime) -> str:
        return self._box.encrypt_at_time(plain.encode("utf-8"), int(now.timestamp())).decode()

    def open(self, token: str) -> str:
        """The plain id; ContactKeyError when no key opens it (the sealed value is kept)."""
        try:
            return self._box.decrypt(token.encode("ascii")).decode("utf-8")
        except (InvalidToken, UnicodeError):
            raise ContactKeyError(
                "không giải mã được mã người dùng Zalo: khóa mã hóa liên hệ không khớp khóa "
                f"đã dùng khi nhận phản ánh ({SETTING}; khi đổi khóa, giữ khóa cũ sau dấu phẩy)"
            ) from None
