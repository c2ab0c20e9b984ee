"""No citizen personal data leaves the commune: every feed page and every API answer is
scanned for the names, ID numbers, phones, e-mails and addresses held in dossiers."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import pytest
import requests
from fixtures_base import ROOT, new_store, small_catalog
from fixtures_http import auth, commune_settings, serve_coc

from coc.indicators.engine import Engine
from coc.ingest.writers import write_records
from coc.store.models import Device

pytestmark = pytest.mark.timeout(60)
PERSONAL = ("ChuHoSo", "SoGiayToChuHoSo", "SoDienThoai", "Email", "DiaChi")
SURNAMES = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ"]
GIVEN = ["Văn Hùng", "Thị Lan", "Minh Tuấn", "Thu Trang", "Đức Anh", "Ngọc Mai"]


def _dossiers(count: int) -> list[dict[str, Any]]:
    rng = random.Random(20261122)
    out = []
    for i in range(count):
        month = 1 + i % 11
        out.append(
            {
                "MaHoSo": f"000.00.10237.H26-2026{month:02d}-{i:05d}",
                "MaTTHC": "1.001612",
                "TenTTHC": "Đăng ký khai sinh",
                "KenhThucHien": rng.choice([1, 2]),
                "NgayTiepNhan": f"2026-{month:02d}-{1 + i % 27:02d}T08:30:00+07:00",
                "NgayHenTra": f"2026-{month:02d}-{2 + i % 27:02d}T17:00:00+07:00",
                "NgayKetThucXuLy": f"2026-{month:02d}-{2 + i % 27:02d}T10:00:00+07:00",
                "TrangThaiHoSo": 10,
                "DuocThanhToanTrucTuyen": rng.choice([0, 1]),
                "ChuHoSo": f"{rng.choice(SURNAMES)} {rng.choice(GIVEN)} {i:03d}",
                "SoGiayToChuHoSo": f"0012{rng.randrange(10**8):08d}",
                "SoDienThoai": f"09{rng.randrange(10**8):08d}",
                "Email": f"congdan{i:03d}@example.vn",
                "DiaChi": f"Thôn {1 + i % 9}, Xã Chương Dương, Hà Nội, số {i:03d}",
            }
        )
    return out


def _sample_data_dossiers() -> list[dict[str, Any]]:
    """Dossier records of the shipped sample data, when another part has produced them."""
    found = []
    for path in sorted((ROOT / "sample_data").glob("**/*.json")):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (ValueError, OSError):
            continue
        items = (
            data
            if isinstance(data, list)
            else next((v for v in data.values() if isinstance(v, list)), [])
            if isinstance(data, dict)
            else []
        )
        found += [r for r in items if isinstance(r, dict) and "ChuHoSo" in r]
    return found


def _secrets(records: list[dict[str, Any]]) -> set[str]:
    return {str(r[k]) for r in records for k in PERSONAL if r.get(k) and len(str(r[k])) >= 6}


def test_no_personal_data_anywhere_in_the_feed(tmp_path: Path) -> None:
    store = new_store(tmp_path / "c.sqlite3")
    records = _dossiers(120) + _sample_data_dossiers()
    summary = write_records(store, "dossier", records, "10237", "test")
    assert summary.imported == len({r["MaHoSo"] for r in records})
    bad = {**records[0], "MaHoSo": "bad-1", "TrangThaiHoSo": 99, "ChuHoSo": "Đỗ Quarantine Bảy"}
    assert write_records(store, "dossier", [bad], "10237", "test").rejected == 1
    with store.write() as s:
        s.add(Device(device_id="cam-01", org_unit="10237", kind="camera", name="Camera cổng"))
    written = Engine(small_catalog()).refresh(
        store, "10237", [f"2026{m:02d}" for m in range(1, 12)] + ["2026"]
    )
    assert written.inserted > 0
    secrets = _secrets(records) | {"Đỗ Quarantine Bảy"}
    assert len(secrets) >= 600

    texts = []
    with serve_coc(store, commune_settings()) as (url, _):
        token, pages = None, 0
        while pages < 500:
            params = {"limit": 25, **({"next": token} if token else {})}
            r = requests.get(
                f"{url}/api/v1/dataValueSets", params=params, headers=auth(), timeout=5
            )
            assert r.status_code == 200
            texts.append(r.text)
            pages += 1
            token = r.json()["next"]
            if not token:
                break
        for path in ("devices", "alerts", "indicators", "health", "openapi.json"):
            texts.append(requests.get(f"{url}/api/v1/{path}", headers=auth(), timeout=5).text)
    values = sum(len(json.loads(t)["dataValues"]) for t in texts[:pages])
    assert values == written.inserted
    blob = "\n".join(texts)

    # JSON escapes non-ASCII by default; check both the raw and the escaped forms
    def found(text: str) -> bool:
        return text in blob or json.dumps(text)[1:-1] in blob

    assert found("Camera cổng")  # the scan does see Vietnamese text that is in the feed
    assert [s for s in secrets if found(s)] == []
