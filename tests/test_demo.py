"""`coc demo` end to end: a real process generating the sample for its day and pulling it
over HTTP, its wall screen in headless Chromium showing Vietnamese tiles (whole names with
diacritics, values in 1.234,5, no internal codes), Ctrl-C, and a second run that adds
nothing."""

from __future__ import annotations

import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import requests
from fixtures_base import free_port, url_answers, wait_until
from fixtures_web import needs_chromium, shot

from coc.indicators.catalog import Catalog

pytestmark = needs_chromium

COUNTED = (
    "document",
    "work_file",
    "dossier",
    "data_value",
    "device",
    "indicator",
    "target",
    "org_unit",
)
AS_OF = "2026-12-02"  # the demo's sample day, fixed so the run is the same on any day
PERIOD = "202610"  # its last month with reporting figures (November's are due on 21/12)
# A Vietnamese number: groups of three split by '.', decimals after ',' (60.359; 82,5; 1,5).
VI_NUMBER = re.compile(r"-?\d{1,3}(\.\d{3})*(,\d+)?")


def _start(data: Path, port: int, log: Path) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("COC_")}
    command = [sys.executable, "-m", "coc.cli", "demo", "--port", str(port)]
    command += ["--data-dir", str(data), "--no-devices", "--as-of", AS_OF]
    with log.open("wb") as out:  # a file, not a pipe: nothing blocks however much it logs
        return subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, env=env)


def _wait_until_serving(proc: subprocess.Popen[bytes], port: int, log: Path) -> None:
    def serving() -> bool:
        assert proc.poll() is None, "demo exited early:\n" + log.read_text(encoding="utf-8")
        printed = f"http://127.0.0.1:{port}/" in log.read_text(encoding="utf-8")
        return printed and url_answers(f"http://127.0.0.1:{port}/api/v1/health")

    wait_until(serving, 120, 0.1, what="the demo to print its URL and answer")


def _stop(proc: subprocess.Popen[bytes], log: Path) -> tuple[int, str]:
    proc.send_signal(signal.SIGINT)
    proc.wait(30)
    return proc.returncode, log.read_text(encoding="utf-8")


def _counts(db: Path) -> dict[str, int]:
    conn = sqlite3.connect(db)
    try:
        return {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in COUNTED}
    finally:
        conn.close()


def vi_number(value: float, decimals: int) -> str:
    """1234.5 → '1.234,5': written out here, independent of coc.fmt, as the spec."""
    text = f"{value:,.{decimals}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text.translate(str.maketrans({",": ".", ".": ","}))


def demo_sample(data: Path, name: str) -> list[dict[str, Any]]:
    """A file of the sample the demo generated into its data folder."""
    return json.loads((data / "sample" / name).read_text(encoding="utf-8"))


def reported_tiles(catalog: Catalog, data: Path) -> dict[str, str]:
    """What the tile of each reported indicator must show for PERIOD, from the sample."""
    items = demo_sample(data, "reporting.json")
    assert max(v["period"] for v in items) == PERIOD
    values = {v["code"]: v["value"] for v in items if v["period"] == PERIOD}
    out = {}
    for ind in catalog.with_targets:
        if ind.formula["type"] == "element" and ind.aggregation == "last" and ind.code in values:
            number = vi_number(values[ind.code], ind.decimals)
            out[ind.code] = f"{number}%" if ind.unit == "%" else f"{number} {ind.unit}"
    return out


def assert_vietnamese_wall(page: Any, url: str, catalog: Catalog, data: Path) -> None:
    tiles: list[Any] = []
    visible = ""
    for part in range(len(catalog.with_targets)):  # the wall's pages of tiles, in turn
        page.goto(f"{url}/wall?kiosk=1&period={PERIOD}&i={part}")
        page.wait_for_selector("#wall-tiles .tile", timeout=30_000)
        page.wait_for_load_state("networkidle")
        if part and page.locator("#wall-root").get_attribute("data-part") == "0":
            break  # back at the first page
        tiles += page.eval_on_selector_all(  # one round trip for every tile's rendered text
            "#wall-tiles .tile",
            """tiles => tiles.map(t => [t.id, t.querySelector('.tile-name').innerText,
                                        t.querySelector('.tile-actual').innerText])""",
        )
        visible += page.locator("body").inner_text()
        if part == 0:
            shot(page, "demo-wall-1920x1080")
    shown = {}
    for tile_id, name, actual in tiles:
        code = tile_id.removeprefix("tile-")
        assert name.strip() == catalog.get(code).name_vi and not name.isascii(), (code, name)
        shown[code] = actual.strip()
    assert sorted(shown) == sorted(i.code for i in catalog.with_targets)  # every indicator
    for code, text in shown.items():  # a number in Vietnamese format, or the empty dash
        number = text.removesuffix("%").split(" ")[0]
        assert text == "—" or VI_NUMBER.fullmatch(number), (code, text)
    expected = reported_tiles(catalog, data)
    assert {"DAN_SO", "TY_LE_HO_NGHEO"} <= set(expected)  # thousands, and a decimal comma
    assert {code: shown[code] for code in expected} == expected
    leaked = {i.code for i in catalog.indicators if re.search(rf"\b{i.code}\b", visible)}
    assert leaked == set(), f"internal indicator codes on screen: {sorted(leaked)}"
    assert page.coc_errors == []


def test_demo_serves_vietnamese_tiles_and_twice_duplicates_nothing(
    tmp_path: Path, request: pytest.FixtureRequest, shipped_catalog: Catalog
) -> None:
    data, port = tmp_path / "data", free_port()
    url = f"http://127.0.0.1:{port}"
    proc = _start(data, port, tmp_path / "first.log")
    try:
        _wait_until_serving(proc, port, tmp_path / "first.log")
        health = requests.get(f"{url}/api/v1/health", timeout=30).json()
        assert health["database"]["status"] == "ok"
        assert {c["name"] for c in health["connectors"]} >= {"documents", "tthc", "reporting"}
        json.loads(requests.get(f"{url}/_dash-layout", timeout=30).text)
        page = request.getfixturevalue("page")  # Chromium starts once the demo is up
        assert_vietnamese_wall(page, url, shipped_catalog, data)
        page.context.close()  # its open connections would hold the server's shutdown
    finally:
        code, out = _stop(proc, tmp_path / "first.log")
    assert code == 0, out
    assert "Đã dừng demo" in out
    assert "Traceback" not in out
    first = _counts(data / "coc.sqlite3")
    assert first["dossier"] == len(demo_sample(data, "dossiers.json"))
    assert first["document"] == len(demo_sample(data, "documents.json"))
    assert max(d["NgayTiepNhan"] for d in demo_sample(data, "dossiers.json")) < "20261202"
    assert first["indicator"] == len(shipped_catalog.indicators)

    proc = _start(data, port, tmp_path / "second.log")
    try:
        _wait_until_serving(proc, port, tmp_path / "second.log")
    finally:
        code, out = _stop(proc, tmp_path / "second.log")
    assert code == 0, out
    assert _counts(data / "coc.sqlite3") == first
