"""The monthly report: figures, PDF text layer, pages, CLI, web routes, province edition.

The commune data is tests/fixtures_web.py's seeded store (hand-computed figures in its
docstring); pdftotext and pdftoppm (Debian's poppler-utils) read the PDFs back.
"""

from __future__ import annotations

import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fixtures_base import needs, new_store
from fixtures_web import NOW, make_settings, province_settings, seed_province

from coc.reports import html, monthly, pdf
from coc.reports.generate import default_period, render

POPPLER = shutil.which("pdftotext") is not None and shutil.which("pdftoppm") is not None
needs_poppler = needs(POPPLER, "pdftotext/pdftoppm not found (apt-get install poppler-utils)")


def pdf_text(data: bytes, tmp_path: Path, layout: bool = True) -> str:
    """The PDF's text layer; `layout=False` reads it in reading order, words joined."""
    path = tmp_path / "r.pdf"
    path.write_bytes(data)
    args = ["pdftotext", *(["-layout"] if layout else []), str(path), "-"]
    out = subprocess.run(args, capture_output=True, check=True, text=True).stdout
    return out if layout else " ".join(out.split())


def page_ink(data: bytes, tmp_path: Path, page: int = 1) -> float:
    """Share of the page's pixels that are not white (page rendered by pdftoppm, grey)."""
    path = tmp_path / "ink.pdf"
    path.write_bytes(data)
    out = subprocess.run(
        ["pdftoppm", "-f", str(page), "-l", str(page), "-r", "40", "-gray", str(path)],
        capture_output=True,
        check=True,
    ).stdout
    # PGM: "P5\n<w> <h>\n255\n" then one byte a pixel
    header, rest = out.split(b"\n", 3)[:3], out.split(b"\n", 3)[3]
    assert header[0] == b"P5"
    width, height = (int(x) for x in header[1].split())
    pixels = rest[: width * height]
    return sum(1 for p in pixels if p < 200) / len(pixels)


# The briefing of early December reviews November, a month that has ended.
AFTER = datetime(2026, 12, 2, 3, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def commune_report(seeded_store, shipped_catalog, tmp_path_factory):
    settings = make_settings(tmp_path_factory.mktemp("data"))
    report = monthly.build(seeded_store, shipped_catalog, settings, "202611", AFTER)
    return settings, report, pdf.to_pdf(html.render_monthly(report))


def test_report_figures_come_from_the_indicator_rows(commune_report):
    _settings, report, _pdf = commune_report
    by_code = {line.code: line for line in report.indicators}
    assert by_code["TK_THANH_TOAN"].actual == 72.5
    assert by_code["TK_THANH_TOAN"].previous == 70
    # 90,6 % of the target, but the year-end projection misses it: at risk, not "Đạt"
    assert by_code["TK_THANH_TOAN"].status == "at_risk"
    assert by_code["DINH_DANH_DIEN_TU"].status == "missed"  # 37,5 %
    assert by_code["LOA_HOAT_DONG"].status == "met"  # exceeded (105,3 %) counts as met
    # missed first, then at risk; within a status the lowest completion first
    statuses = [line.status for line in report.attention]
    assert statuses == sorted(statuses, key=monthly.STATUS_ORDER.index)
    attention = [line.code for line in report.attention]
    assert {"DINH_DANH_DIEN_TU", "TK_THANH_TOAN"} <= set(attention)
    assert "LOA_HOAT_DONG" not in attention
    # counts, never names: 4 dossiers in Nov; late: one finished late, and the one still
    # open on 30/11 past its 24/11 due date (judged at the end of the month)
    assert report.backlog.dossiers_received == 4
    assert report.backlog.dossiers_late == 2
    assert report.backlog.documents_overdue == 1
    # cam-02's offline alert opened in the period and is still open at its end
    warning = next(a for a in report.alerts if a.severity == "warning")
    assert warning.opened >= 1 and warning.still_open >= 1
    # every pillar's counts add up to its indicators
    assert sum(sum(p.counts.values()) for p in report.pillars) == len(report.indicators)


@needs_poppler
def test_pdf_text_layer_has_the_figures_names_and_diacritics(commune_report, tmp_path):
    _settings, report, data = commune_report
    assert data.startswith(b"%PDF")
    text = pdf_text(data, tmp_path)
    for expected in (
        "Xã Chương Dương",
        "Thành phố Hà Nội",
        "Tháng 11/2026",
        "BÁO CÁO TÌNH HÌNH THỰC HIỆN CHỈ TIÊU",
        "Chủ tịch Ủy ban nhân dân xã",
        "Tỷ lệ hồ sơ",
        "Quyết định 766/QĐ-TTg",
        "72,5%",  # TK_THANH_TOAN's actual
        "90,6%",  # and its completion of the 80 % target
        "37,5%",  # DINH_DANH_DIEN_TU: 30 of 80
        "Không đạt",
        "Nguy cơ không đạt",
        "Trang 1 /",
    ):
        assert expected in text, expected
    # the report never carries a citizen's name (the seeded dossiers have four)
    for name in ("Nguyễn Văn An", "Trần Thị Bình", "Lê Văn Cường", "Phạm Thị Dung"):
        assert name not in text
    # the 766 line says how many points were computable, never scaled to 100
    points = monthly_points(report)
    assert f"{points} / " in text and "điểm tính được" in text


def monthly_points(report: monthly.MonthlyReport) -> str:
    from coc import fmt

    return fmt.number(report.score_points, 1)


@needs_poppler
def test_first_page_is_not_blank_and_fonts_are_embedded(commune_report, tmp_path):
    _settings, _report, data = commune_report
    assert page_ink(data, tmp_path, 1) > 0.01
    fonts = subprocess.run(
        ["pdffonts", str(tmp_path / "ink.pdf")], capture_output=True, text=True, check=True
    ).stdout
    rows = [line for line in fonts.splitlines()[2:] if line.strip()]
    assert rows and all(" yes " in row for row in rows)  # every font embedded
    assert any("DejaVu" in row for row in rows)


def test_english_edition(commune_report, seeded_store, shipped_catalog):
    settings, _report, _pdf = commune_report
    report = monthly.build(seeded_store, shipped_catalog, settings, "202611", NOW, "en")
    page = html.render_monthly(report, "en")
    assert "INDICATOR PERFORMANCE REPORT" in page and "Nov 2026" in page
    assert 'lang="en"' in page


def test_html_is_escaped(commune_report):
    _settings, report, _pdf = commune_report
    from dataclasses import replace

    hostile = replace(report, commune="<script>alert(1)</script>")
    page = html.render_monthly(hostile)
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;" in page


@needs_poppler
def test_province_edition_ranks_communes(tmp_path, shipped_catalog):
    settings = province_settings(tmp_path / "data")
    store = new_store(tmp_path / "p.sqlite3")
    seed_province(store, shipped_catalog, settings)
    from coc.store.models import DataApproval

    with store.write() as session:  # Chương Dương's chairperson approved October
        session.add(
            DataApproval(workflow=settings.approval.workflow, org_unit="10237", period="202610",
                         approved=True, approved_by="10237", approved_at=NOW, source="upstream")
        )  # fmt: skip
    data = render(store, shipped_catalog, settings, "202610", NOW)
    text = pdf_text(data, tmp_path)
    assert "BÁO CÁO TỔNG HỢP CÁC XÃ" in text and "Thành phố Hà Nội" in text
    reporting = text[text.index("2. Tình hình báo cáo") : text.index("3. So sánh theo chỉ tiêu")]
    rows = {line.split()[1]: line for line in reporting.splitlines() if " Xã " in line}
    assert "Đã phê duyệt" in rows["Chương"] and "Chưa phê duyệt" in rows["Thượng"]
    ranking = text[text.index("1. Xếp hạng các xã") : text.index("2. Tình hình báo cáo")]
    # 10237 (87,5 %) ranks before 10238 (50 %); 10239 reported nothing for 202610
    assert ranking.index("Xã Chương Dương") < ranking.index("Xã Thượng Phúc")
    assert "87,5%" in ranking and "50%" in ranking
    assert "3. So sánh theo chỉ tiêu" in text


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        ("2026-12-01T00:30:00+07:00", "202611"),  # first hour of the month, local
        ("2026-11-30T23:59:00+07:00", "202610"),  # last minute of November
        ("2027-01-01T08:00:00+07:00", "202612"),  # across the year end
        ("2026-12-31T16:59:00+00:00", "202611"),  # 23:59 on 31/12 in Hà Nội
        ("2026-12-31T17:00:00+00:00", "202612"),  # 00:00 on 1/1 in Hà Nội
    ],
)
def test_default_period_is_last_month_in_local_time(now, expected):
    from datetime import datetime

    assert default_period(datetime.fromisoformat(now)) == expected


@needs_poppler
def test_sections_for_explanations_and_field_reports_without_personal_data(
    tmp_path, shipped_catalog
):
    """An answered explanation request shows under its indicator; the month's citizen
    field reports are counted by category and hamlet, never with the reporter's name or
    phone."""
    from fieldreports_helpers import NAME, PHONE, categories, png_bytes
    from fixtures_web import seed

    from coc.fieldreports import abuse, service
    from coc.fieldreports.intake import Limits, parse_form
    from coc.store.models import ExplanationRequest

    store = new_store(tmp_path / "s.sqlite3")
    seed(store, shipped_catalog)
    cats = categories()
    fields = {"category": "moi_truong", "description": "Cống thoát nước bị tắc gây ngập đường",
              "hamlet": "Thôn Từ Vân", "lat": "20.8241", "lon": "105.9118", "name": NAME,
              "phone": PHONE}  # fmt: skip
    draft = parse_form(fields, [png_bytes()], categories=cats, limits=Limits())
    when = datetime(2026, 11, 25, 3, 0, tzinfo=UTC)
    rates = abuse.Rates(per_address_hour=3, per_phone_day=4, hard_factor=2)
    service.submit(store, draft, categories=cats, rates=rates, pepper="k", org_unit="10237",
                   address="203.0.113.7", now=when)  # fmt: skip
    with store.write() as session:
        session.add(
            ExplanationRequest(
                indicator_code="DINH_DANH_DIEN_TU", org_unit="10237", period="202611",
                question="Vì sao tỷ lệ định danh điện tử thấp?", requested_by="chutich",
                assignee="congan", due_date=datetime(2026, 12, 10).date(), status="answered",
                answer="Công an xã đang rà soát, dự kiến kích hoạt thêm 2.000 tài khoản.",
                answered_by="congan", answered_at=when, created_at=when,
            )
        )  # fmt: skip
    settings = make_settings(tmp_path / "data")
    report = monthly.build(store, shipped_catalog, settings, "202611", AFTER)
    line = next(x for x in report.attention if x.code == "DINH_DANH_DIEN_TU")
    answer = "Công an xã đang rà soát, dự kiến kích hoạt thêm 2.000 tài khoản."
    assert line.explanations == (answer,)
    titles = [s.title for s in report.extra]
    assert "Phản ánh hiện trường của người dân" in titles
    text = pdf_text(pdf.to_pdf(html.render_monthly(report)), tmp_path, layout=False)
    assert f"Giải trình: {answer}" in text
    assert "Phản ánh hiện trường của người dân" in text and "tiếp nhận 1" in text
    assert "Thôn Từ Vân" in text
    assert PHONE not in text and NAME not in text
    store.dispose()
