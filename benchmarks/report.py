"""Monthly report benchmark: generation time of the commune edition over a commune-year
of sample data, and of the province edition for 10, 100 and 300 communes.

    python -m benchmarks.report                     # commune + provinces 10/100/300
    python -m benchmarks.report --communes 10,100   # quicker

For every case the same invocation also times the plain alternative: WeasyPrint printing
the very same HTML page it was handed (no queries, no templating), the floor of any
report made this way. Reported: data (queries), HTML, PDF and total seconds (median of
--rounds), the PDF's size and pages, and the process's peak RSS.
"""

from __future__ import annotations

import argparse
import json
import re
import resource
import shutil
import statistics
import subprocess
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
NOW = datetime(2026, 12, 2, 3, 0, tzinfo=UTC)  # reports November 2026
PERIOD = "202611"


def _catalog() -> Any:
    from coc.indicators.catalog import load_catalog

    return load_catalog(ROOT / "config" / "indicators.yaml")


def commune_store(tmp: Path) -> tuple[Any, Any]:
    """The sample commune (sample_data/*.json: 14 months of documents, dossiers and
    reporting figures) written through the ingest writers, indicators computed."""
    from coc.bootstrap import prepare
    from coc.config import load_settings
    from coc.indicators.engine import Engine
    from coc.ingest.writers import write_records, write_values
    from coc.periods import recent_months, with_enclosing
    from coc.store.db import open_store

    settings = load_settings(environ={"COC_DATA_DIR": str(tmp / "commune")})
    store = open_store(settings)
    catalog = _catalog()
    prepare(store, settings, catalog, NOW)
    org = settings.commune.code
    sample = ROOT / "sample_data"

    def load(name: str) -> list[dict[str, Any]]:
        return json.loads((sample / name).read_text(encoding="utf-8"))

    write_values(store, catalog, load("reporting.json"), org, source="reporting")
    write_records(store, "document", load("documents.json"), org, source="documents")
    write_records(store, "work_file", load("work_files.json"), org, source="documents")
    write_records(store, "dossier", load("dossiers.json"), org, source="tthc")
    Engine(catalog).refresh(store, org, with_enclosing(recent_months(NOW)), now=NOW)
    return store, settings


def province_store(tmp: Path, communes: int) -> tuple[Any, Any]:
    """A province of `communes` communes, each with every indicator for the 12 months to
    November 2026, received as pushes (coc.province.receive)."""
    import random

    from coc.config import Settings
    from coc.province.hierarchy import sync_org_units
    from coc.province.receive import import_values
    from coc.store.db import open_store

    rng = random.Random(communes)
    links = [
        {"code": f"{20000 + i:05d}", "name": f"Xã Thử Nghiệm {i + 1}"} for i in range(communes)
    ]
    settings = Settings.model_validate(
        {
            "role": "province",
            "commune": {"code": "01", "name": "Thành phố Hà Nội"},
            "store": {"data_dir": str(tmp / f"province-{communes}")},
            "province": {"communes": links},
        }
    )
    store = open_store(settings)
    sync_org_units(store, settings)
    catalog = _catalog()
    months = [f"2025{m:02d}" for m in (12,)] + [f"2026{m:02d}" for m in range(1, 12)]
    codes = [i.code for i in catalog.indicators if i.kind == "indicator"]
    for link in links:
        items = [
            {
                "dataElement": code,
                "period": month,
                "orgUnit": link["code"],
                "value": str(round(rng.uniform(20, 100), 1)),
            }
            for month in months
            for code in codes
        ]
        import_values(store, catalog, items, source="upstream")
    return store, settings


def _pages(pdf: bytes) -> int | None:
    """Pages of the PDF, read by poppler's pdfinfo (None without it)."""
    if shutil.which("pdfinfo") is None:
        return None
    out = subprocess.run(["pdfinfo", "-"], input=pdf, capture_output=True, check=False).stdout
    found = re.search(rb"^Pages:\s+(\d+)", out, re.MULTILINE)
    return int(found.group(1)) if found else None


def measure(store: Any, settings: Any, rounds: int) -> dict[str, Any]:
    from weasyprint import HTML

    from coc.reports import html, monthly, province

    catalog = _catalog()
    rows: list[dict[str, float]] = []
    page = ""
    pdf = b""
    for _ in range(rounds):
        t0 = time.perf_counter()
        if settings.role == "commune":
            report: Any = monthly.build(store, catalog, settings, PERIOD, NOW)
            t1 = time.perf_counter()
            page = html.render_monthly(report)
        else:
            report = province.build(store, catalog, settings, PERIOD, NOW)
            t1 = time.perf_counter()
            page = html.render_province(report)
        t2 = time.perf_counter()
        pdf = HTML(string=page).write_pdf()
        t3 = time.perf_counter()
        # the plain alternative: print the same page, nothing else
        HTML(string=page).write_pdf()
        t4 = time.perf_counter()
        rows.append(
            {"data": t1 - t0, "html": t2 - t1, "pdf": t3 - t2, "total": t3 - t0, "floor": t4 - t3}
        )
    med = {k: round(statistics.median(r[k] for r in rows), 3) for k in rows[0]}
    return {
        **med,
        "overhead": round(med["total"] / med["floor"], 2),
        "pdf_kb": len(pdf) // 1024,
        "pages": _pages(pdf),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--communes", default="10,100,300")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--out", help="write the results as JSON")
    args = parser.parse_args()
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        store, settings = commune_store(tmp)
        results["commune-year"] = measure(store, settings, args.rounds)
        print("commune-year", results["commune-year"], flush=True)
        store.dispose()
        for n in (int(x) for x in args.communes.split(",")):
            store, settings = province_store(tmp, n)
            results[f"province-{n}"] = measure(store, settings, args.rounds)
            per = results[f"province-{n}"]["data"] / n * 1000
            results[f"province-{n}"]["data_ms_per_commune"] = round(per, 2)
            print(f"province-{n}", results[f"province-{n}"], flush=True)
            store.dispose()
    results["peak_rss_mib"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    print("peak RSS MiB", results["peak_rss_mib"])
    if args.out:
        Path(args.out).write_text(json.dumps(results, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
