"""Bản tin: draft a loudspeaker bulletin (text read aloud or an uploaded file), preview it
and its length, approve it (the chairperson, in one step), and follow its delivery to each
cluster live on the map; the history below. Works on a phone-sized screen too."""

from __future__ import annotations

import base64
from typing import Any

import dash
from dash import ALL, MATCH, Input, Output, State, callback, ctx, dcc, html

from coc.bulletins import PRIORITIES, priority_name
from coc.bulletins.content import read_upload, speak
from coc.bulletins.forms import draft_from_form
from coc.bulletins.speech import SpeechUnavailable
from coc.bulletins.workflow import (
    WorkflowError,
    approve,
    create,
    reject,
    set_audio,
    speaker_targets,
)
from coc.devices import queries
from coc.errors import CocError
from dashboards import access, state
from dashboards.components import card, live_callback, live_page
from dashboards.i18n import t
from dashboards.views import bulletins as view

dash.register_page(
    __name__, nav="nav_bulletins", path="/ban-tin", name="Bản tin", title="Bản tin", order=6
)
P = "bulletins"
LIVE_S = 5


def _label(text: str, *control: Any, wide: bool = False) -> html.Label:
    return html.Label([text, *control], className="wide" if wide else None)


def form(lang: str) -> html.Div:
    st = state.get()
    hamlets, clusters = speaker_targets(st.store, st.org_unit)
    with st.store.session() as session:
        names = {d["device_id"]: d["name"] for d in queries.devices(session, "speaker")}
    priorities = [{"label": priority_name(p, lang), "value": p} for p in PRIORITIES]
    targets = [{"label": t(f"bulletin_target_{k}", lang), "value": k}
               for k in ("all", "hamlets", "clusters")]  # fmt: skip
    kinds = [{"label": t(f"bulletin_sched_{k}", lang), "value": k}
             for k in ("now", "at", "daily", "weekly")]  # fmt: skip
    days = [{"label": t(f"bulletin_wd_{d}", lang), "value": str(d)} for d in range(7)]
    return html.Div(
        [
            html.Div([
                _label(t("bulletin_title", lang), dcc.Input(id="bulletins-title", type="text",
                                                            maxLength=200), wide=True),
            ], className="form-row"),
            html.Div([
                _label(t("bulletin_text", lang), dcc.Textarea(id="bulletins-text", rows=5,
                                                              className="bulletin-textarea"),
                       wide=True),
            ], className="form-row"),
            dcc.Upload(html.Div(t("bulletin_upload", lang)), id="bulletins-upload",
                       className="upload", accept=".wav,.ogg,.mp3,.m4a"),
            html.Div([
                _label(t("bulletin_priority", lang),
                       dcc.RadioItems(priorities, "thuong", id="bulletins-priority", inline=True)),
                _label(t("bulletin_targets", lang),
                       dcc.RadioItems(targets, "all", id="bulletins-target", inline=True)),
            ], className="form-row"),
            html.Div([
                _label(t("bulletin_hamlets", lang),
                       dcc.Dropdown(sorted(hamlets), [], multi=True, id="bulletins-hamlets")),
                _label(t("bulletin_clusters", lang),
                       dcc.Dropdown([{"label": names.get(c, c), "value": c}
                                     for c in sorted(clusters)], [], multi=True,
                                    id="bulletins-clusters")),
            ], className="form-row"),
            html.Div([
                _label(t("bulletin_schedule", lang),
                       dcc.RadioItems(kinds, "now", id="bulletins-kind", inline=True)),
                _label(t("bulletin_start_at", lang),
                       dcc.Input(id="bulletins-start", type="text",
                                 placeholder="02/12/2026 06:00")),
                _label(t("bulletin_window", lang), html.Div([
                    dcc.Input(id="bulletins-w0", type="text", placeholder="06:00", size="5"),
                    dcc.Input(id="bulletins-w1", type="text", placeholder="06:30", size="5"),
                ], className="pair")),
            ], className="form-row"),
            html.Div([
                _label(t("bulletin_weekdays", lang),
                       dcc.Checklist(days, [], id="bulletins-weekdays", inline=True)),
                _label(t("bulletin_end_date", lang),
                       dcc.Input(id="bulletins-end", type="text", placeholder="31/12/2026")),
                _label(t("bulletin_valid_until", lang),
                       dcc.Input(id="bulletins-valid", type="text",
                                 placeholder="02/12/2026 09:00")),
            ], className="form-row"),
            html.Div([
                html.Button(t("bulletin_preview", lang), id="bulletins-preview",
                            className="btn btn-secondary"),
                html.Button(t("bulletin_save", lang), id="bulletins-save", className="btn"),
            ], className="form-row"),
            dcc.Store(id="bulletins-audio"),
            html.Div(id="bulletins-player", role="status"),
            html.Div(id="bulletins-message", role="status"),
        ]
    )  # fmt: skip


def layout(**kwargs: Any) -> html.Div:
    params = dict(kwargs)
    lang = state.lang(params)
    can_approve = access.has_role("approver")
    compose = (
        card(t("bulletin_compose", lang), form(lang), id_="bulletins-compose")
        if access.has_role("clerk")
        else None
    )
    return html.Div(
        [
            dcc.Store(id="bulletins-lang", data=lang),
            html.H1(t("bulletin_heading", lang), className="page-title"),
            live_page(P, lambda p: view.top_cards(p, can_approve), params, LIVE_S),
            compose,
            html.Div(view.bottom_cards(params), id="bulletins-bottom"),
        ],
        className="bulletins-page",
    )


live_callback(P, lambda p: view.top_cards(p, access.has_role("approver")))


@callback(
    Output("bulletins-bottom", "children"),
    Input(f"{P}-tick", "n_intervals"),
    State(f"{P}-params", "data"),
    prevent_initial_call=True,
)
def refresh_bottom(_n: int, params: dict[str, Any] | None) -> Any:
    """The same tick re-renders the map, the report and the history (one Interval)."""
    return view.bottom_cards(params or {})


def _player(audio: dict[str, Any], lang: str) -> Any:
    return html.Div(
        [
            html.Audio(src=view.audio_src(audio["key"]), controls=True, id="bulletins-audio-el"),
            html.Span(t("bulletin_duration", lang, d=view.duration_text(audio["duration_s"], lang)),
                      id="bulletins-duration"),
        ],
        className="bulletin-player",
    )  # fmt: skip


@callback(
    Output("bulletins-audio", "data"),
    Output("bulletins-player", "children"),
    Input("bulletins-preview", "n_clicks"),
    Input("bulletins-upload", "contents"),
    State("bulletins-upload", "filename"),
    State("bulletins-text", "value"),
    State("bulletins-lang", "data"),
    prevent_initial_call=True,
)
def preview(_n: Any, contents: str | None, filename: str | None, text: str | None,
            lang: str | None) -> Any:  # fmt: skip
    """Speak the text (or read the upload) now, so its length shows before approval."""
    lang = lang or "vi"
    if denied := access.write_denied(lang):
        return dash.no_update, html.Span(denied, className="message-error")
    settings = state.get().settings
    try:
        if ctx.triggered_id == "bulletins-upload" and contents:
            data = base64.b64decode(contents.split(",", 1)[-1])
            audio, source = read_upload(settings, data, filename or ""), "upload"
        else:
            audio, source = speak(settings, text or ""), "tts"
    except (SpeechUnavailable, ValueError) as exc:
        return None, html.Span(t("bulletin_speech_missing", lang, reason=str(exc)),
                               className="message-error", id="bulletins-error")  # fmt: skip
    stored = {"key": audio.key, "duration_s": audio.duration_s, "source": source}
    return stored, _player(stored, lang)


@callback(
    Output("bulletins-message", "children"),
    Input("bulletins-save", "n_clicks"),
    State("bulletins-title", "value"),
    State("bulletins-text", "value"),
    State("bulletins-priority", "value"),
    State("bulletins-target", "value"),
    State("bulletins-hamlets", "value"),
    State("bulletins-clusters", "value"),
    State("bulletins-kind", "value"),
    State("bulletins-start", "value"),
    State("bulletins-w0", "value"),
    State("bulletins-w1", "value"),
    State("bulletins-weekdays", "value"),
    State("bulletins-end", "value"),
    State("bulletins-valid", "value"),
    State("bulletins-audio", "data"),
    State("bulletins-lang", "data"),
    prevent_initial_call=True,
)
def save(_n: Any, title: str | None, text: str | None, priority: str, target: str,
         hamlets: list[str], clusters: list[str], kind: str, start: str | None, w0: str | None,
         w1: str | None, weekdays: list[str], end: str | None, valid: str | None,
         audio: dict[str, Any] | None, lang: str | None) -> Any:  # fmt: skip
    lang = lang or "vi"
    if denied := access.write_denied(lang):
        return html.Span(denied, className="message-error")
    st = state.get()
    values = {"title": title, "text": text, "priority": priority, "target_kind": target,
              "hamlets": hamlets, "clusters": clusters, "schedule_kind": kind, "start_at": start,
              "window_start": w0, "window_end": w1, "weekdays": weekdays, "end_date": end,
              "valid_until": valid}  # fmt: skip
    draft = draft_from_form(values)
    if isinstance(draft, list):
        return html.Span("; ".join(draft), className="message-error", id="bulletins-error")
    uploaded = audio if audio and audio.get("source") == "upload" else None
    try:
        if uploaded is None and (text or "").strip():
            spoken = speak(st.settings, text or "")
            uploaded = {"key": spoken.key, "duration_s": spoken.duration_s, "source": "tts"}
        bid = create(st.store, draft, access.actor(), st.org_unit, st.now(),
                     max_chars=st.settings.bulletins.max_chars)  # fmt: skip
        if uploaded:
            cfg = st.settings.bulletins
            engine = cfg.engine if uploaded["source"] == "tts" else None
            set_audio(st.store, bid, uploaded["key"], uploaded["duration_s"], uploaded["source"],
                      access.actor(), engine, cfg.voice if engine else None)  # fmt: skip
    except CocError as exc:
        return html.Span(str(exc), className="message-error", id="bulletins-error")
    d = view.duration_text(uploaded["duration_s"] if uploaded else None, lang)
    return html.Span(t("bulletin_saved", lang, title=draft.title, d=d), className="message-ok",
                     id="bulletins-ok")  # fmt: skip


def _decide(bulletin_id: str, lang: str, step: Any, done_key: str) -> Any:
    if not access.has_role("approver"):
        return html.Span(t("bulletin_need_approver", lang), className="message-error")
    if not access.same_origin():
        return html.Span(t("bad_origin", lang), className="message-error")
    st = state.get()
    user = access.current_user() or {}
    try:
        step(st.store, bulletin_id, access.actor(), user.get("role"), st.now())
    except WorkflowError as exc:
        return html.Span(str(exc), className="message-error")
    return html.Span(t(done_key, lang), className="message-ok")


@callback(
    Output({"type": "bulletin-msg", "id": MATCH}, "children"),
    Input({"type": "bulletin-approve", "id": MATCH}, "n_clicks"),
    prevent_initial_call=True,
)
def approve_one(n: int | None) -> Any:
    """One step: the click approves (on this page, on the wall, on a phone)."""
    if not n:
        return dash.no_update
    return _decide(ctx.triggered_id["id"], state.lang(), approve, "bulletin_approved_msg")


@callback(
    Output({"type": "bulletin-msg", "id": ALL}, "children", allow_duplicate=True),
    Input({"type": "bulletin-reject", "id": ALL}, "n_clicks"),
    State({"type": "bulletin-msg", "id": ALL}, "id"),
    prevent_initial_call=True,
)
def reject_one(clicks: list[int | None], ids: list[dict[str, str]]) -> Any:
    if not ctx.triggered_id or not any(clicks):
        return [dash.no_update] * len(ids)
    wanted = ctx.triggered_id["id"]
    message = _decide(wanted, state.lang(), reject, "bulletin_rejected_msg")
    return [message if i["id"] == wanted else dash.no_update for i in ids]
