"""The monthly report in the browser: `/bao-cao/thang` (the page, with its print
stylesheet) and `/bao-cao/thang.pdf` (the A4 PDF download), for `?period=` (default: the
month before this one). The login gate of `dashboards.access` covers both routes."""

from __future__ import annotations

import flask
from markupsafe import escape

from coc.errors import CocError
from coc.reports.generate import check_period, default_period, filename, render
from dashboards import state, units
from dashboards.i18n import t

PAGE = "/bao-cao/thang"
PDF = "/bao-cao/thang.pdf"


def link(period: str | None, lang: str, pdf: bool = True) -> str:
    query = f"?period={period}" if period else "?"
    query += f"{'&' if period else ''}lang={lang}" if lang != "vi" else ""
    return f"{PDF if pdf else PAGE}{query.rstrip('?')}"


def _period(lang: str) -> str | flask.Response:
    st = state.get()
    code = flask.request.args.get("period") or default_period(st.now())
    try:
        return check_period(code)
    except CocError:
        message = t("report_bad_period", lang, period=str(escape(code)))
        return flask.Response(message, status=400, mimetype="text/plain")


def install(server: flask.Flask) -> None:
    @server.get(PAGE)
    def _report_page() -> flask.Response:
        lang = state.lang(flask.request.args)
        period = _period(lang)
        if isinstance(period, flask.Response):
            return period
        st = state.get()
        page = render(
            st.store, st.catalog, st.settings, period, st.now(), lang, "html", units.tree()
        )
        bar = (
            f'<p class="screen-only"><a href="{link(period, lang)}">{t("report_download", lang)}'
            f'</a> · <a href="javascript:window.print()">{t("report_print", lang)}</a></p>'
        ).encode()
        body = page.replace(b"<body>", b"<body>" + bar, 1)
        return flask.Response(body, mimetype="text/html")

    @server.get(PDF)
    def _report_pdf() -> flask.Response:
        lang = state.lang(flask.request.args)
        period = _period(lang)
        if isinstance(period, flask.Response):
            return period
        st = state.get()
        try:
            data = render(
                st.store, st.catalog, st.settings, period, st.now(), lang, "pdf", units.tree()
            )
        except CocError as exc:
            return flask.Response(str(exc), status=503, mimetype="text/plain")
        response = flask.Response(data, mimetype="application/pdf")
        response.headers["Content-Disposition"] = (
            f'attachment; filename="{filename(st.settings, period)}"'
        )
        return response
