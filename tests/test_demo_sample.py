"""The demo is always current: the sample is generated for a day (12 full months and the
month to date, reporting figures only once due), the same for the same day, and a data
folder holding another day's sample is rebuilt without leftovers or duplicates."""

from __future__ import annotations

import importlib.util
import json
import sqlite3
from datetime import date
from pathlib import Path
from types import SimpleNamespace

import pytest
from fixtures_base import ROOT, new_store

from coc.cli.demo import prepare_sample
from coc.indicators.catalog import Catalog
from coc.ingest.writers import write_records, write_values

_spec = importlib.util.spec_from_file_location("sample_gen", ROOT / "sample_data" / "generate.py")
generate = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(generate)
OU = "10237"


@pytest.mark.parametrize(
    ("day", "first", "last_report"),
    [
        # 12 full months 12/2025–11/2026 + December to date; November's reports due 21/12
        (date(2026, 12, 2), "202512", "202610"),
        (date(2026, 12, 28), "202512", "202611"),
        (date(2027, 1, 1), "202601", "202611"),
    ],
)
def test_sample_spans_the_year_before_the_day(day: date, first: str, last_report: str) -> None:
    files = {n: json.loads(t) for n, t in generate.build(day).items()}
    periods = sorted({r["period"] for r in files["reporting.json"]})
    assert (periods[0], periods[-1]) == (first, last_report)
    received = sorted(d["NgayTiepNhan"] for d in files["dossiers.json"])
    assert received[0][:6] == first and received[-1] < f"{day:%Y%m%d}"
    assert generate.build(day) == generate.build(day)  # deterministic for the day


def _ctx(store):  # the two things prepare_sample reads of a CLI context
    return SimpleNamespace(store=store, org_unit=OU)


def _load(store, catalog: Catalog, folder: Path) -> None:
    """What the demo's pull writes, straight from the files."""
    for name, kind in (("documents.json", "document"), ("work_files.json", "work_file"),
                       ("dossiers.json", "dossier")):  # fmt: skip
        records = json.loads((folder / name).read_text(encoding="utf-8"))
        write_records(store, kind, records, OU, source="demo")
    values = json.loads((folder / "reporting.json").read_text(encoding="utf-8"))
    write_values(store, catalog, values, OU, source="reporting")


def _count(db: Path, table: str) -> int:
    with sqlite3.connect(db) as conn:
        return conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


def test_a_later_day_rebuilds_the_folder_without_leftovers(
    tmp_path: Path, shipped_catalog: Catalog
) -> None:
    db = tmp_path / "coc.sqlite3"
    store = new_store(db)
    folder = prepare_sample(_ctx(store), tmp_path, date(2026, 12, 2))
    _load(store, shipped_catalog, folder)
    first = _count(db, "dossier")
    assert first == len(json.loads((folder / "dossiers.json").read_text(encoding="utf-8")))
    # the same day again: the same files, nothing removed, nothing added
    again = (folder / "dossiers.json").read_bytes()
    assert prepare_sample(_ctx(store), tmp_path, date(2026, 12, 2)) == folder
    _load(store, shipped_catalog, folder)
    assert (folder / "dossiers.json").read_bytes() == again and _count(db, "dossier") == first
    # a later day: exactly that day's records
    folder = prepare_sample(_ctx(store), tmp_path, date(2027, 2, 10))
    _load(store, shipped_catalog, folder)
    for name, table in (("dossiers.json", "dossier"), ("documents.json", "document")):
        expected = len(json.loads((folder / name).read_text(encoding="utf-8")))
        assert _count(db, table) == expected, table
    periods = {
        r["period"] for r in json.loads((folder / "reporting.json").read_text(encoding="utf-8"))
    }
    with sqlite3.connect(db) as conn:
        stored = {p for (p,) in conn.execute("SELECT DISTINCT period FROM data_value")}
    assert stored == periods and "202512" not in stored
    store.dispose()
