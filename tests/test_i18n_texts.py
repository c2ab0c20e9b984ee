"""Feature string modules merge into one table; a key defined twice is refused."""

from __future__ import annotations

import pytest

from dashboards import i18n


def test_every_string_has_vietnamese_and_english():
    for key, pair in i18n.STRINGS.items():
        assert isinstance(pair, tuple) and len(pair) == 2, key
        assert all(isinstance(text, str) and text.strip() for text in pair), key


def test_a_feature_key_that_repeats_a_shell_key_is_refused(monkeypatch):
    monkeypatch.setattr(i18n, "feature_strings", lambda: {"app_title": ("Khác", "Other")})
    with pytest.raises(ValueError, match="app_title"):
        i18n._merge({"app_title": ("Trung tâm", "Centre")})


def test_feature_strings_are_merged(monkeypatch):
    monkeypatch.setattr(i18n, "feature_strings", lambda: {"x_new": ("Mới", "New")})
    merged = i18n._merge({"app_title": ("Trung tâm", "Centre")})
    assert merged == {"app_title": ("Trung tâm", "Centre"), "x_new": ("Mới", "New")}
