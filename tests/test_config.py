"""Settings: defaults, site file, COC_* variables, and docs that stay true."""

from __future__ import annotations

from pathlib import Path

import pytest

from coc.config import ENV_VARS, ROOT, load_settings, settings_reference
from coc.errors import ConfigError


def test_defaults_name_the_sample_commune() -> None:
    s = load_settings(environ={})
    assert (s.commune.code, s.commune.name, s.commune.province_code) == (
        "10237",
        "Xã Chương Dương",
        "01",
    )
    assert s.http.port == 8050 and s.role == "commune"


def test_site_file_then_environment(tmp_path: Path) -> None:
    site = tmp_path / "site.yaml"
    site.write_text("http:\n  port: 9000\ncommune:\n  code: '09634'\n", encoding="utf-8")
    s = load_settings(
        site,
        environ={
            "COC_HTTP_PORT": "9100",
            "COC_FEED_TOKENS": "a, b,",
            "COC_DATABASE_URL": "sqlite:////tmp/x.db",
        },
    )
    assert s.http.port == 9100
    assert s.commune.code == "09634"
    assert s.feed.tokens == ["a", "b"]
    assert s.store.database_url == "sqlite:////tmp/x.db"


def test_coc_config_variable(tmp_path: Path) -> None:
    site = tmp_path / "site.yaml"
    site.write_text("role: province\ncommune:\n  code: '01'\n", encoding="utf-8")
    assert load_settings(environ={"COC_CONFIG": str(site)}).role == "province"


def test_code_length_must_fit_the_role(tmp_path: Path) -> None:
    site = tmp_path / "site.yaml"
    site.write_text("role: province\n", encoding="utf-8")  # keeps the commune's 5 digits
    with pytest.raises(ConfigError, match="chế độ province phải có 2 chữ số"):
        load_settings(site, environ={})


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("http:\n  port: abc\n", "http.port"),
        ("role: village\n", "role"),
        ("nonsense: 1\n", "nonsense"),
        ("- a\n", "bảng khóa"),
    ],
)
def test_invalid_config_is_one_clear_error(tmp_path: Path, text: str, message: str) -> None:
    site = tmp_path / "bad.yaml"
    site.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=message):
        load_settings(site, environ={})


def test_readme_documents_every_setting_and_variable() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for key, _default, help_text in settings_reference():
        assert f"`{key}`" in readme, f"README lacks setting {key}"
        assert help_text, f"setting {key} has no help text"
    for var in [*ENV_VARS, "COC_CONFIG"]:
        assert f"`{var}`" in readme, f"README lacks {var}"
