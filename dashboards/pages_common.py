"""Small pieces several pages share that are not components of their own."""

from __future__ import annotations

from dash import html

from dashboards.i18n import t


def login_needed(lang: str, path: str) -> html.Div:
    """Shown instead of a clerk-only page to anyone below the clerk role."""
    return html.Div(
        [html.P(t("need_clerk", lang), className="message-error", id="need-login"),
         html.A(t("login", lang), href=f"/login?next={path}", className="btn")]
    )  # fmt: skip
