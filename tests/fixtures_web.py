"""Shared fixtures for dashboard, auth and browser tests: a small seeded SQLite store.

Seeded values (period 202611, targets 2026) and what the dashboard must show:
- TK_THANH_TOAN 72.5 (Oct 70) of target 80 → completion 90.6 %, green, change +2.5
- DINH_DANH_DIEN_TU 30 of 80 → 37.5 %, red
- HO_SO_SUC_KHOE_DIEN_TU 60 of 90 → 66.7 %, amber
- TY_LE_HO_NGHEO 2 (lower is better) of 1.5 → 75 %, amber
- HO_PHU_CAP_QUANG = 12,000 ÷ 16,000 households = 75 % of 80 → 93.8 %, green
- Documents: 4 outgoing in Nov 2026, 3 signed → VB_DI_KY_SO 75 %; one incoming overdue.
- Dossiers: 4 received in Nov 2026, one completed late (citizen "Nguyễn Văn An").
- Devices: cam-02 offline since 09:00 local → one open alert "Mất kết nối quá 15 phút".
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fixtures_base import ROOT, needs, new_store, wait_until

from coc.auth import add_user
from coc.config import Settings, load_settings
from coc.devices.alerts import evaluate_offline, load_rules
from coc.indicators.catalog import Catalog, sync_catalog
from coc.indicators.engine import Engine
from coc.ingest.writers import write_records, write_values
from coc.store.db import Store
from coc.store.models import ConnectorRun, Device

ORG = "10237"
NOW = datetime(2026, 11, 20, 3, 0, tzinfo=UTC)
PASSWORD = "mat-khau-123"


def _values() -> list[dict[str, Any]]:
    items = [
        {"code": "TK_THANH_TOAN", "period": "202611", "value": 72.5},
        {"code": "TK_THANH_TOAN", "period": "202610", "value": 70},
        {"code": "TK_THANH_TOAN", "period": "202609", "value": 66},
        {"code": "DINH_DANH_DIEN_TU", "period": "202611", "value": 30},
        {"code": "HO_SO_SUC_KHOE_DIEN_TU", "period": "202611", "value": 60},
        {"code": "TY_LE_HO_NGHEO", "period": "202611", "value": 2},
        {"code": "SO_HO", "period": "202611", "value": 16000},
        {"code": "SO_HO_PHU_CAP_QUANG", "period": "202611", "value": 12000},
    ]
    return items


def _documents() -> list[dict[str, Any]]:
    docs = []
    for i in range(4):
        docs.append(
            {
                "id": f"VB-DI-{i + 1}",
                "direction": "out",
                "number": f"{100 + i}",
                "symbol": "UBND",
                "summary": f"Văn bản đi số {i + 1}",
                "issued_date": f"2026-11-{10 + i:02d}T09:00:00+07:00",
                "status": "done",
                "signed": i != 3,
                "electronic": True,
            }
        )
    docs.append(
        {
            "id": "VB-DEN-1",
            "direction": "in",
            "number": "55",
            "symbol": "UBND-VP",
            "summary": "Công văn về phòng chống lụt bão",
            "issued_date": "2026-11-02T08:00:00+07:00",
            "received_date": "2026-11-03T08:00:00+07:00",
            "deadline": "2026-11-10T17:00:00+07:00",
            "status": "processing",
            "signed": True,
            "electronic": True,
        }
    )
    return docs


def _dossiers() -> list[dict[str, Any]]:
    base = {
        "MaTTHC": "1.001612",
        "TenTTHC": "Đăng ký khai sinh",
        "TrangThaiHoSo": 10,
        "HoSoCoThanhPhanSoHoa": 1,
    }
    return [
        {
            **base,
            "MaHoSo": "000.00.23.H26-261101-0001",
            "KenhThucHien": 2,
            "NgayTiepNhan": "20261102080000",
            "NgayHenTra": "20261105170000",
            "NgayKetThucXuLy": "20261104100000",
            "ChuHoSo": "Trần Thị Bình",
        },
        {
            **base,
            "MaHoSo": "000.00.23.H26-261101-0002",
            "KenhThucHien": 1,
            "NgayTiepNhan": "20261103080000",
            "NgayHenTra": "20261106170000",
            "NgayKetThucXuLy": "20261110100000",
            "ChuHoSo": "Nguyễn Văn An",
        },
        {
            **base,
            "MaHoSo": "000.00.23.H26-261101-0003",
            "KenhThucHien": 2,
            "NgayTiepNhan": "20261110080000",
            "NgayHenTra": "20261113170000",
            "NgayKetThucXuLy": "20261112100000",
            "ChuHoSo": "Lê Văn Cường",
        },
        {
            **base,
            "MaHoSo": "000.00.23.H26-261101-0004",
            "KenhThucHien": 1,
            "NgayTiepNhan": "20261117080000",
            "NgayHenTra": "20261124170000",
            "TrangThaiHoSo": 4,
            "ChuHoSo": "Phạm Thị Dung",
        },
    ]


def _devices() -> list[Device]:
    return [
        Device(device_id="cam-01", org_unit=ORG, kind="camera", name="Camera cổng UBND xã",
               lat=20.8368, lon=105.9012, online=True, state="online", last_seen=NOW),
        Device(device_id="cam-02", org_unit=ORG, kind="camera", name="Camera ngã ba",
               lat=20.8412, lon=105.9061, online=False, state="offline", last_seen=NOW,
               state_since=NOW - timedelta(hours=1)),
        Device(device_id="loa-01", org_unit=ORG, kind="speaker", name="Cụm loa Kỳ Dương",
               lat=20.8359, lon=105.9001, online=True, state="idle", last_seen=NOW),
        Device(device_id="mn-01", org_unit=ORG, kind="sensor", name="Đo mực nước sông Hồng",
               sensor_type="water_level", unit="m", range_min=-2, range_max=15,
               lat=20.8470, lon=105.9155, online=True, state="online", last_seen=NOW),
    ]  # fmt: skip


def seed(store: Store, catalog: Catalog) -> None:
    """Write the values, facts and devices described in the module docstring."""
    sync_catalog(store, catalog, ORG, [2026])
    write_values(store, catalog, _values(), ORG, source="reporting")
    write_records(store, "document", _documents(), ORG, source="documents")
    write_records(store, "dossier", _dossiers(), ORG, source="tthc")
    with store.write() as session:
        for device in _devices():
            session.add(device)
        session.add(
            ConnectorRun(
                connector="documents", started_at=NOW, finished_at=NOW, status="ok", records=5
            )
        )
    Engine(catalog).refresh(store, ORG, ["202610", "202611"], now=NOW)
    # cam-02 has been offline an hour: the real offline rule raises one open alert at NOW
    rules = load_rules(load_settings(environ={}))
    assert evaluate_offline(store, rules.offline, now=NOW) == 1


def write_levels(
    store: Store, start: datetime, levels: list[float], step_ms: int = 300_000
) -> None:
    """Water levels of mn-01 through the MQTT ingest writer (readings and sensor_latest)."""
    from coc.ingest.messages import Reading, Telemetry
    from sensors.writer import Batch, Item, write_batch

    batch = Batch()
    base = int(start.timestamp() * 1000)
    for i, level in enumerate(levels):
        reading = Reading("mn-01", "water_level", base + i * step_ms, level)
        batch.add(Item("coc/10237/sensor/mn-01/telemetry", b"", Telemetry((reading,)), base))
    write_batch(store, batch, ORG)


def make_settings(data_dir: Path, **http: Any) -> Settings:
    settings = load_settings(environ={"COC_DATA_DIR": str(data_dir)})
    if http:
        settings = settings.model_copy(
            update={"http": settings.http.model_copy(update=http)}, deep=True
        )
    return settings


@pytest.fixture(scope="session")
def seeded_store(tmp_path_factory: pytest.TempPathFactory, shipped_catalog: Catalog) -> Store:
    path = tmp_path_factory.mktemp("web") / "t.sqlite3"
    store = new_store(path)
    seed(store, shipped_catalog)
    add_user(store, "thuky", PASSWORD, "clerk", name="Thư ký xã")
    add_user(store, "xem", PASSWORD, "viewer", name="Người xem")
    add_user(store, "quantri", PASSWORD, "admin", name="Quản trị")
    return store


@pytest.fixture(scope="session")
def _shared_app(
    seeded_store: Store, shipped_catalog: Catalog, tmp_path_factory: pytest.TempPathFactory
) -> Any:
    from dashboards.app import create_app

    settings = make_settings(tmp_path_factory.mktemp("data"))
    return create_app(seeded_store, settings, shipped_catalog, clock=lambda: NOW)


@pytest.fixture
def web_app(_shared_app: Any) -> Any:
    """The read-only app on the shared seeded store (do not write through it)."""
    from dashboards import state

    state.set_state(_shared_app.coc_state)
    return _shared_app


@pytest.fixture
def fresh_app(tmp_path: Path, shipped_catalog: Catalog) -> Any:
    """An app on its own freshly seeded store, for tests that write."""
    from dashboards.app import create_app

    store = new_store(tmp_path / "w.sqlite3")
    seed(store, shipped_catalog)
    add_user(store, "thuky", PASSWORD, "clerk", name="Thư ký xã")
    add_user(store, "xem", PASSWORD, "viewer", name="Người xem")
    app = create_app(store, make_settings(tmp_path / "data"), shipped_catalog, clock=lambda: NOW)
    yield app
    store.dispose()


ORIGIN = {"Origin": "http://localhost"}


def login(client: Any, username: str, password: str = PASSWORD) -> Any:
    """Log in through the real form: fetch the CSRF token, then post it with the password."""
    import re

    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    return client.post(
        "/login",
        data={"csrf_token": token, "username": username, "password": password, "next": "/"},
    )


def render_page(client: Any, pathname: str, search: str = "") -> dict[str, Any]:
    """What Dash's page router returns for a URL, as the browser would request it."""
    body = {
        "output": ".._pages_content.children..._pages_store.data..",
        "outputs": [
            {"id": "_pages_content", "property": "children"},
            {"id": "_pages_store", "property": "data"},
        ],
        "inputs": [
            {"id": "_pages_location", "property": "pathname", "value": pathname},
            {"id": "_pages_location", "property": "search", "value": search},
        ],
        "changedPropIds": ["_pages_location.pathname"],
        "state": [],
    }
    response = client.post("/_dash-update-component", json=body)
    assert response.status_code == 200, response.data[:500]
    return response.json["response"]["_pages_content"]["children"]


def call(
    client: Any,
    output: str,
    inputs: list[dict[str, Any]],
    state: list[dict[str, Any]] | None = None,
    headers: dict[str, str] | None = None,
) -> Any:
    """POST one single-output Dash callback; returns the Flask response."""
    comp, prop = output.rsplit(".", 1)
    body = {
        "output": output,
        "outputs": {"id": comp, "property": prop},
        "inputs": inputs,
        "changedPropIds": [f"{inputs[0]['id']}.{inputs[0]['property']}"] if inputs else [],
        "state": state or [],
    }
    return client.post("/_dash-update-component", json=body, headers=headers or {})


def finish_job(client: Any, prefix: str, tree: Any, lang: str = "vi") -> Any:
    """Poll the pending box a long callback returned (dashboards.jobs) until the job's
    result replaces it; returns that result's component tree."""
    box = find(tree, f"{prefix}-job-box")
    assert box is not None, f"no pending {prefix} job in {dump(tree)[:300]}"
    job_id = find(box, f"{prefix}-job")["props"]["data"]
    inputs = [{"id": f"{prefix}-poll", "property": "n_intervals", "value": 1}]
    state = [{"id": f"{prefix}-job", "property": "data", "value": job_id},
             {"id": "entry-lang", "property": "data", "value": lang}]  # fmt: skip

    def answered() -> Any:
        response = call(client, f"{prefix}-job-box.children", inputs, state, ORIGIN)
        assert response.status_code in (200, 204), response.data[:300]
        return response if response.status_code == 200 else None  # 204: still running

    return wait_until(answered, timeout=60).json["response"][f"{prefix}-job-box"]["children"]


def texts(tree: Any) -> list[str]:
    """Every string in a serialised Dash component tree, in document order."""
    out: list[str] = []
    if isinstance(tree, str):
        out.append(tree)
    elif isinstance(tree, list):
        for item in tree:
            out.extend(texts(item))
    elif isinstance(tree, dict):
        props = tree.get("props", tree)
        for key in ("children", "data", "title", "alt"):
            if key in props and key != "data":
                out.extend(texts(props[key]))
    return out


def find(tree: Any, id_: Any) -> dict[str, Any] | None:
    """The component with this id in a serialised tree."""
    if isinstance(tree, list):
        for item in tree:
            if (hit := find(item, id_)) is not None:
                return hit
    elif isinstance(tree, dict):
        props = tree.get("props", {})
        if props.get("id") == id_:
            return tree
        for value in props.values():
            if isinstance(value, dict | list) and (hit := find(value, id_)) is not None:
                return hit
    return None


def dump(tree: Any) -> str:
    return json.dumps(tree, ensure_ascii=False)


# ── province mode ──────────────────────────────────────────────────────────────────────
# Three communes report to the province (code 01). Received (created_at) times are fixed, so
# timeliness is exact; October's reports are due by 15/11/2026 24:00 local (17:00 UTC).
# Period 202610 by hand (targets 2026: TTHC_DUNG_HAN 95, DINH_DANH_DIEN_TU 80):
# - 10237: TTHC_DUNG_HAN 95 → 100 %, DINH_DANH_DIEN_TU 60 → 75 %; mean 87.5 → rank 1, green;
#   received 05/11 (on time); also 202609 (DAN_SO) received 05/10 (on time).
# - 10238: TTHC_DUNG_HAN 47.5 → 50 % → rank 2, amber; received 18/11 (late); no 202609.
# - 10239: nothing for 202610 (missing; no rank); 202609 TTHC_DUNG_HAN 90 received 10/10.
PROVINCE_COMMUNES = [
    {"code": "10237", "name": "Xã Chương Dương", "lat": 20.83, "lon": 105.90,
     "url": "http://xa:mat-khau@10.0.0.7:8080", "token": "keo-10237-bi-mat"},
    {"code": "10238", "name": "Xã Thượng Phúc", "lat": 20.81, "lon": 105.87},
    {"code": "10239", "name": "Xã Tự Nhiên"},
]  # fmt: skip
RECEIVED: list[tuple[str, str, list[tuple[str, float]], datetime]] = [
    ("10237", "202610", [("TTHC_DUNG_HAN", 95.0), ("DINH_DANH_DIEN_TU", 60.0)],
     datetime(2026, 11, 5, 2, 0, tzinfo=UTC)),
    ("10237", "202609", [("DAN_SO", 30250.0)], datetime(2026, 10, 5, 2, 0, tzinfo=UTC)),
    ("10238", "202610", [("TTHC_DUNG_HAN", 47.5)], datetime(2026, 11, 18, 2, 0, tzinfo=UTC)),
    ("10239", "202609", [("TTHC_DUNG_HAN", 90.0)], datetime(2026, 10, 10, 2, 0, tzinfo=UTC)),
]  # fmt: skip


def province_settings(data_dir: Path, role: str = "province") -> Settings:
    return Settings.model_validate(
        {
            "role": role,
            "commune": {"code": "01", "name": "Thành phố Hà Nội"},
            "store": {"data_dir": str(data_dir)},
            "province": {"communes": PROVINCE_COMMUNES},
        }
    )


def seed_province(store: Store, catalog: Catalog, settings: Settings) -> None:
    """Values received as pushes are (coc.province.receive), then their arrival times set."""
    from sqlalchemy import update

    from coc.province.hierarchy import sync_org_units
    from coc.province.receive import import_values
    from coc.store.models import DataValue

    sync_org_units(store, settings)
    for ou, period, values, received in RECEIVED:
        items = [
            {"dataElement": code, "period": period, "orgUnit": ou, "value": str(value)}
            for code, value in values
        ]
        summary = import_values(store, catalog, items, source="upstream")
        assert summary.imported == len(items) and not summary.conflicts
        with store.write_conn() as conn:
            conn.execute(
                update(DataValue.__table__)
                .where(DataValue.org_unit == ou, DataValue.period == period)
                .values(created_at=received)
            )


# ── headless browser (Debian's chromium driven by Playwright) ──────────────────────────
CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = ROOT / "test-artifacts"
AVAILABLE = Path(CHROMIUM).exists() and shutil.which(CHROMIUM) is not None
needs_chromium = [  # a module's `pytestmark`
    pytest.mark.browser,
    needs(AVAILABLE, f"headless Chromium not found at {CHROMIUM} (apt-get install chromium)"),
]


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(
        viewport={"width": 1920, "height": 1080}, accept_downloads=True, locale="vi-VN"
    )
    tab = context.new_page()
    tab.coc_errors = []
    tab.on("console", lambda m: m.type == "error" and tab.coc_errors.append(m.text))
    tab.on("pageerror", lambda e: tab.coc_errors.append(str(e)))
    yield tab
    context.close()


def shot(page: Any, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=False)
    return path


def luminance(css_color: str) -> float:
    """WCAG 2 relative luminance of a computed colour ("rgb(r, g, b)" or "rgba(…)")."""
    inside = css_color[css_color.index("(") + 1 : css_color.rindex(")")]
    channels = [float(p) / 255 for p in inside.replace("/", ",").split(",")[:3]]
    lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def contrast(fg: str, bg: str) -> float:
    """WCAG 2 contrast ratio of two computed colours (4.5 is the bar for normal text)."""
    a, b = sorted((luminance(fg), luminance(bg)), reverse=True)
    return (a + 0.05) / (b + 0.05)
