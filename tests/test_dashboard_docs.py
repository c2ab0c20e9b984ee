"""docs/dashboard.md stays true: every page, dashboard setting and user command is in it."""

from __future__ import annotations

from pathlib import Path

import dash

from coc.config import DashboardSettings
from dashboards.app import nav_pages

DOC = (Path(__file__).resolve().parents[1] / "docs" / "dashboard.md").read_text(encoding="utf-8")


def test_every_nav_page_documented(web_app):
    pages = nav_pages()
    assert pages
    for page in pages:
        assert f"| `{page['path']}` |" in DOC, page["path"]


def test_every_registered_page_documented(web_app):
    for page in dash.page_registry.values():
        path = page.get("path_template") or page["path"]
        assert f"`{path.replace('<code>', '<CODE>')}`" in DOC, path


def test_every_dashboard_setting_documented():
    for name in DashboardSettings.model_fields:
        assert f"`dashboard.{name}`" in DOC, name


def test_user_commands_documented():
    for command in ("coc user add", "coc user list", "coc user passwd", "coc user disable"):
        assert command in DOC
