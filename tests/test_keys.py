"""The site signing key is generated once, kept private, and never derived from the code."""

from __future__ import annotations

import stat
from pathlib import Path

from coc.api.feed import cursor_key
from coc.config import load_settings
from coc.keys import secret_key


def test_generated_once_private_and_reused(tmp_path: Path) -> None:
    settings = load_settings(environ={"COC_DATA_DIR": str(tmp_path)})
    first = secret_key(settings)
    assert len(first) == 64
    assert stat.S_IMODE((tmp_path / "secret_key").stat().st_mode) == 0o600
    assert secret_key(settings) == first
    other = load_settings(environ={"COC_DATA_DIR": str(tmp_path / "other")})
    assert secret_key(other) != first  # not derivable from the (shared) commune code
    assert cursor_key(settings) != cursor_key(other)


def test_configured_key_wins(tmp_path: Path) -> None:
    site = tmp_path / "site.yaml"
    site.write_text("http:\n  secret_key: khoa-bi-mat-cua-xa\n", encoding="utf-8")
    settings = load_settings(site, environ={"COC_DATA_DIR": str(tmp_path)})
    assert secret_key(settings) == "khoa-bi-mat-cua-xa"
    assert not (tmp_path / "secret_key").exists()


def test_contact_key_generated_once_private_or_configured(tmp_path: Path) -> None:
    """The Fernet key of reporters' Zalo ids: made on first use (0600), then reused;
    COC_FIELDREPORT_CONTACT_KEY wins and writes no file."""
    from cryptography.fernet import Fernet

    from coc.keys import contact_key

    settings = load_settings(environ={"COC_DATA_DIR": str(tmp_path)})
    first = contact_key(settings)
    Fernet(first.encode())  # a valid Fernet key
    assert stat.S_IMODE((tmp_path / "contact_key").stat().st_mode) == 0o600
    assert contact_key(settings) == first and first != secret_key(settings)
    given = Fernet.generate_key().decode()
    env = {"COC_DATA_DIR": str(tmp_path / "other"), "COC_FIELDREPORT_CONTACT_KEY": given}
    assert contact_key(load_settings(environ=env)) == given
    assert not (tmp_path / "other" / "contact_key").exists()
