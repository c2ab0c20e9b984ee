"""No raw internal id on a Vietnamese page: source systems, metric keys, run and alert
statuses, audit actions and tables are shown in words (`dashboards.labels`)."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from typing import Any

from fixtures_web import NOW, ORG, login, render_page, write_levels

from coc.config import SourceSettings, load_settings
from coc.devices.alerts import evaluate, load_rules
from coc.devices.registry import load_registry
from coc.devices.rollups import rollup_all
from coc.ingest.writers import write_values
from dashboards import labels

STATUSES = {"ok", "failed", "partial", "running", "open", "cleared", "accepted", "rejected"}
AUDIT = {"create", "update", "login", "lockout", "unlock", "data_value", "quarantine"}
SOURCES = {"reporting", "documents", "tthc", "manual", "upstream", "pull", "import", "mqtt"}


def raw_ids() -> set[str]:
    metrics = {k for t in load_registry(load_settings(environ={})).sensor_types.values()
               for k in t.keys}  # fmt: skip
    return STATUSES | AUDIT | SOURCES | metrics


def shown_text(tree: Any) -> list[str]:
    """What a user reads: text, titles, grid cells and headers, options, chart titles and
    trace names."""
    out: list[str] = []
    if isinstance(tree, str):
        out.append(tree)
    elif isinstance(tree, list):
        for item in tree:
            out += shown_text(item)
    elif isinstance(tree, dict):
        props = tree.get("props", tree)
        for key in ("children", "title", "label", "placeholder"):
            if key in props:
                out += shown_text(props[key])
        for row in props.get("rowData") or []:
            out += [str(v) for k, v in row.items() if k != "band"]
        out += [c.get("headerName", "") for c in props.get("columnDefs") or []]
        out += [o["label"] for o in props.get("options") or [] if isinstance(o, dict)]
        if isinstance(props.get("figure"), dict):
            figure = props["figure"]
            out.append(json.dumps(figure.get("layout", {}).get("title", ""), ensure_ascii=False))
            out += [str(t.get("name", "")) for t in figure.get("data", [])]
    return out


def test_source_names_cover_every_kind_and_catalog_source(shipped_catalog) -> None:
    settings = load_settings(environ={}).model_copy(
        update={"sources": [SourceSettings(name="vb-huyen", kind="documents", url="http://x")]}
    )
    assert labels.source_name("vb-huyen", settings, "vi") == "Hệ thống quản lý văn bản"
    for kind in SourceSettings.model_fields["kind"].annotation.__args__:
        assert labels.source_name(kind, settings, "vi") != kind
    for source in {i.source for i in shipped_catalog.indicators}:
        assert labels.source_name(source, settings, "vi") != source, source
    assert labels.source_name("something-else", settings, "vi") == "something-else"


def test_audit_words(shipped_catalog) -> None:
    assert labels.audit_action("update", "vi") == "Cập nhật"
    assert labels.audit_entity("data_value", "en") == "Indicator value"
    assert labels.audit_value("accepted", "vi") == "Đã chấp nhận"
    assert labels.audit_value("clerk", "vi") == "công chức"
    assert labels.audit_value("60512.0", "vi") == "60.512"
    assert labels.audit_value("2.5", "vi") == "2,5"
    key = labels.audit_key("data_value", "DAN_SO/10237/202611", shipped_catalog, "vi")
    assert key == "Dân số trung bình – Tháng 11/2026"
    assert labels.audit_key("user", "thuky", shipped_catalog, "vi") == "thuky"


def test_no_raw_id_on_any_vietnamese_page(fresh_app) -> None:
    st = fresh_app.coc_state
    write_values(st.store, st.catalog,
                 [{"code": "DINH_DANH_DIEN_TU", "period": "202611", "value": 31},
                  {"code": "DINH_DANH_DIEN_TU", "period": "202610", "value": 999}],
                 ORG, source="manual", actor="thuky")  # fmt: skip
    write_levels(st.store, NOW - timedelta(hours=2), [3.0 + i / 10 for i in range(24)])
    rollup_all(st.store, raw_days=30, now=NOW)
    assert evaluate(st.store, load_rules(st.settings), now=NOW) == 1
    client = fresh_app.server.test_client()
    login(client, "thuky")
    pattern = re.compile(r"\b(" + "|".join(sorted(raw_ids())) + r")\b")
    for path in ("/", "/wall", "/chi-tieu", "/chi-tieu/DINH_DANH_DIEN_TU", "/thu-tuc", "/van-ban",
                 "/cam-bien", "/thiet-bi", "/dong-bo", "/nhat-ky", "/cach-ly"):  # fmt: skip
        for search in ("?period=202611", "?period=202611&pages=cam-bien,thiet-bi&i=1"):
            if search.endswith("i=1") and path != "/wall":
                continue
            text = " ".join(shown_text(render_page(client, path, search)))
            leaked = sorted(set(pattern.findall(text)))
            assert leaked == [], f"{path}{search}: raw ids on screen: {leaked}"
