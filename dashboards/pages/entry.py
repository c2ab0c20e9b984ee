"""Nhập liệu: a clerk enters a value or uploads an Excel/CSV file (CSRF-safe writes)."""

from __future__ import annotations

from typing import Any

import dash
from dash import Input, Output, State, callback, dcc, html

from coc.periods import parse_period
from coc.scope import UnitRefused
from dashboards import access, data, entry, jobs, state, units
from dashboards.components import card
from dashboards.i18n import t
from dashboards.pages_common import login_needed

dash.register_page(
    __name__,
    nav="nav_entry",
    clerk_only=True,
    path="/nhap-lieu",
    name="Nhập liệu",
    title="Nhập liệu",
    order=7,
)


def layout(**kwargs: Any) -> html.Div:
    lang = state.lang(dict(kwargs))
    if not access.has_role("clerk"):
        return login_needed(lang, "/nhap-lieu")
    codes = [{"label": label, "value": code} for code, label in entry.enterable_codes()]
    chosen = kwargs.get("code") if kwargs.get("code") in {c["value"] for c in codes} else None
    period = data.period_param(kwargs)
    form = html.Div(
        [
            html.Div(
                [
                    html.Label([t("indicator", lang), dcc.Dropdown(codes, chosen, id="entry-code",
                                                                  style={"minWidth": "420px"})]),
                    html.Label([t("period", lang), dcc.Input(id="entry-period", type="text",
                                                            value=period)]),
                    html.Label([t("value", lang), dcc.Input(id="entry-value", type="text",
                                                           placeholder="1.234,5")]),
                    html.Label([t("comment", lang), dcc.Input(id="entry-comment", type="text")]),
                    html.Button(t("save", lang), id="entry-save", className="btn"),
                ],
                className="form-row",
            ),
            html.Div(id="entry-message", role="status"),
        ]
    )  # fmt: skip
    upload = html.Div(
        [
            dcc.Upload(html.Div(t("upload_hint", lang)), id="entry-upload", className="upload",
                       accept=".xlsx,.csv"),
            html.Button(t("template", lang), id="entry-template", className="btn btn-secondary"),
            dcc.Download(id="entry-template-dl"),
            html.Div(id="entry-upload-message", role="status"),
        ]
    )  # fmt: skip
    return html.Div(
        [
            dcc.Store(id="entry-lang", data=lang),
            dcc.Store(id="entry-ou", data=units.chosen(kwargs)),
            html.H1(t("nav_entry", lang), className="page-title"),
            units.picker("entry", kwargs, lang),
            card(t("entry_heading", lang), form),
            card(t("upload_heading", lang), upload),
        ]
    )


def _reasons(summary: Any, limit: int = 20) -> str:
    lines = summary.reasons[:limit]
    more = len(summary.reasons) - limit
    return "\n".join(lines + ([f"… (+{more})"] if more > 0 else []))


def _queue() -> jobs.Jobs:
    return state.get().job_queue()


@callback(
    Output("entry-message", "children"),
    Input("entry-save", "n_clicks"),
    State("entry-code", "value"),
    State("entry-period", "value"),
    State("entry-value", "value"),
    State("entry-comment", "value"),
    State("entry-lang", "data"),
    State("entry-ou", "data"),
    prevent_initial_call=True,
)
def save(_n: int, code: str | None, period: str | None, value: str | None, comment: str | None,
         lang: str | None, ou: str | None = None) -> Any:  # fmt: skip
    """Checks here; the write and the recompute run as a job that `entry-save` polls."""
    lang = lang or "vi"
    if denied := access.write_denied(lang):
        return html.Span(denied, className="message-error")
    if not code or not period or value in (None, ""):
        return html.Span(t("missing_fields", lang), className="message-error")
    item = (code, period.strip(), value, comment, access.actor(), ou or units.chosen(),
            units.scope())  # fmt: skip
    job_id = _queue().submit(_save_job, *item)
    return jobs.pending("entry-save", job_id, t("saving", lang))


def _save_job(code: str, period: str, value: str, comment: str | None, actor: str,
              org_unit: str, scope: Any) -> Any:  # fmt: skip
    try:
        summary = entry.save_value(code, period, value, comment, actor, org_unit, scope)
    except UnitRefused as exc:
        return code, period, value, str(exc)
    return code, period, value, summary


def _saved(job: dict[str, Any], lang: str) -> Any:
    if job["state"] != "done":
        return html.Span(t("job_failed", lang), className="message-error")
    code, period, value, summary = job["result"]
    if isinstance(summary, str):  # an org unit outside the person's scope
        return html.Span(summary, className="message-error", id="entry-error")
    if summary.rejected:
        return html.Span(_reasons(summary), className="message-error", id="entry-error")
    if not (summary.imported or summary.updated):
        return html.Span(t("unchanged", lang), className="message-ok")
    catalog = state.get().catalog
    name = catalog.get(code).name(lang) if code in catalog else code
    return html.Span(t("saved", lang, code=name, period=parse_period(period).label(lang),
                       value=value), className="message-ok", id="entry-ok")  # fmt: skip


jobs.register_poll("entry-save", _queue, _saved, "entry-lang")


@callback(
    Output("entry-upload-message", "children"),
    Input("entry-upload", "contents"),
    State("entry-upload", "filename"),
    State("entry-lang", "data"),
    State("entry-ou", "data"),
    prevent_initial_call=True,
)
def upload(contents: str | None, filename: str | None, lang: str | None,
           ou: str | None = None) -> Any:  # fmt: skip
    """Checks here; the import and the recompute run as a job that `entry-upload` polls."""
    lang = lang or "vi"
    if denied := access.write_denied(lang):
        return html.Span(denied, className="message-error")
    if not contents or not filename:
        return dash.no_update
    job_id = _queue().submit(_import_job, contents, filename, access.actor(),
                             ou or units.chosen(), units.scope())  # fmt: skip
    return jobs.pending("entry-upload", job_id, t("importing", lang))


def _import_job(contents: str, filename: str, actor: str, org_unit: str,
                scope: Any) -> tuple[str, Any]:  # fmt: skip
    try:
        return "ok", entry.import_upload(contents, filename, actor, org_unit, scope)
    except entry.FileError as exc:
        return "bad_file", str(exc)
    except UnitRefused as exc:
        return "refused", str(exc)


def _imported(job: dict[str, Any], lang: str) -> Any:
    if job["state"] != "done":
        return html.Span(t("job_failed", lang), className="message-error")
    kind, result = job["result"]
    if kind == "bad_file":
        return html.Span(t("bad_file", lang, reason=result), className="message-error")
    if kind == "refused":
        return html.Span(result, className="message-error", id="upload-refused")
    done = t("import_done", lang, **result.as_dict())
    parts: list[Any] = [html.Div(done, className="message-ok", id="upload-summary")]
    if result.duplicates:
        merged = "\n".join([t("import_duplicates", lang, n=result.duplicates), *result.merged[:20]])
        parts.append(html.Div(merged, className="message-warn", id="upload-duplicates"))
    if result.rejected:
        parts.append(html.Div(_reasons(result), className="message-error", id="upload-errors"))
    return parts


jobs.register_poll("entry-upload", _queue, _imported, "entry-lang")


@callback(
    Output("entry-template-dl", "data"),
    Input("entry-template", "n_clicks"),
    prevent_initial_call=True,
)
def template(_n: int) -> Any:
    return dcc.send_bytes(entry.template_bytes(), "mau-nhap-so-lieu.xlsx")
