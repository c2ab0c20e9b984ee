"""Decision 766 measures and scorecard on hand-made dossiers with hand-computed results.

Period 202610, judged at 01/11/2026 12:00 (Hà Nội), i.e. at the end of October. Received in
October and counted (15): D1–D7, D9–D11, D13, D17–D20; carried over from September and
still processed in October: D0 (open), D15 (ended 01/10) — so 17 processed.
  D1  returned early, online, fee 2.000 paid on the national portal, digitised, e-result
  D2  finished late, in person, fee unpaid, result without a file
  D3  one supplement (2 days) moves the due date; finished inside it; free; e-result
  D4  two supplements: late although finished early; every fee 0; paid 2 ignored
  D5  open, due 05/11: on time at the end of October; fee paid on the local portal (2)
  D6  open, due 14/10: overdue; postal; a complaint too (lowers 5.4 once)
  D7  withdrawn (7) after acceptance, before its due time: stays in the denominators
  D8  not accepted (3): counted nowhere
  D9  no NgayHenTra: judged late; fee paid (1); e-result
  D10 no NgayKetThucXuLy but NgayTra before the due time: on time by NgayTra
  D11 received 31/10 23:30 local: October (open, not yet due)
  D12 received 01/11 00:00 (November); D0 30/09 23:59:59 (September, open: carried over)
  D13 processed (9), on time, with a complaint
  D15 received 25/09, ended 01/10 on time: processed in October; D16 ended 28/09: not
  D17 due 30/10, ended 03/11: open and overdue at the end of October
  D18 due 04/11, ended 10/11 (late in November): open and in time at the end of October
  D19 stopped (8) without a result: on time for 2.1, out of 4.1's completed set
  D20 stopped (8) with an electronic result: in 4.1's completed set
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from fixtures_base import new_store, shipped_catalog

from coc.indicators.drill import rows_of
from coc.indicators.engine import Engine
from coc.indicators.tthc import GROUPS, RATES, item_points, scorecard
from coc.ingest.writers import write_records
from coc.periods import parse_period
from coc.timeutil import parse_datetime

NOW = parse_datetime("20261101120000")
FILE = [{"TenGiayTo": "Kết quả", "DuongDanTepTinKetQua": "https://dvc.example/kq.pdf"}]
NO_FILE = [{"TenGiayTo": "Kết quả"}]


def _d(code: str, received: str | None, **fields) -> dict:
    return {"MaHoSo": code, "NgayTiepNhan": received, "KenhThucHien": 1, **fields}


def _supplement(asked: str, back: str) -> dict:
    return {"NgayBoSung": asked, "NgayTiepNhanBoSung": back}


DOSSIERS = [
    _d("D0", "20260930235959", NgayHenTra="20261001170000", TrangThaiHoSo=4),
    _d("D1", "20261001080000", NgayHenTra="20261005170000", NgayKetThucXuLy="20261002100000",
       TrangThaiHoSo=10, KenhThucHien=2, DanhSachLePhi=[{"Gia": 2000}],
       DuocThanhToanTrucTuyen=1, HoSoCoThanhPhanSoHoa=1, DanhSachGiayToKetQua=FILE),
    _d("D2", "20261002080000", NgayHenTra="20261003170000", NgayKetThucXuLy="20261006090000",
       TrangThaiHoSo=10, DanhSachLePhi=[{"Gia": 10000}], DuocThanhToanTrucTuyen=0,
       HoSoCoThanhPhanSoHoa=0, DanhSachGiayToKetQua=NO_FILE),
    _d("D3", "20261005080000", NgayHenTra="20261007170000", NgayKetThucXuLy="20261009100000",
       TrangThaiHoSo=10, KenhThucHien=2, HoSoCoThanhPhanSoHoa=1, DanhSachGiayToKetQua=FILE,
       DanhSachHoSoBoSung=[_supplement("20261006080000", "20261008080000")]),
    _d("D4", "20261006080000", NgayHenTra="20261010170000", NgayKetThucXuLy="20261008100000",
       TrangThaiHoSo=10, DanhSachLePhi=[{"Gia": 0}, {"Gia": "0"}], DuocThanhToanTrucTuyen=2,
       HoSoCoThanhPhanSoHoa=1, DanhSachGiayToKetQua=NO_FILE,
       DanhSachHoSoBoSung=[_supplement("20261006090000", "20261006100000"),
                           _supplement("20261007090000", "20261007100000")]),
    _d("D5", "20261019080000", NgayHenTra="20261105170000", TrangThaiHoSo=4, KenhThucHien=2,
       DanhSachLePhi=[{"Gia": 8000}], DuocThanhToanTrucTuyen=2, HoSoCoThanhPhanSoHoa=1),
    _d("D6", "20261012080000", NgayHenTra="20261014170000", TrangThaiHoSo=4, KenhThucHien=3,
       CoKhieuNai=1),
    _d("D7", "20261003080000", NgayHenTra="20261004170000", NgayKetThucXuLy="20261004090000",
       TrangThaiHoSo=7),
    _d("D8", "20261004080000", TrangThaiHoSo=3),
    _d("D9", "20261007080000", NgayKetThucXuLy="20261007150000", TrangThaiHoSo=10,
       DanhSachLePhi=[{"Gia": 2000}], DuocThanhToanTrucTuyen=1, DanhSachGiayToKetQua=FILE),
    _d("D10", "20261008080000", NgayHenTra="20261008170000", NgayTra="20261008160000",
       TrangThaiHoSo=10, DanhSachGiayToKetQua=FILE),
    _d("D11", "20261031233000", NgayHenTra="20261103170000", TrangThaiHoSo=4, KenhThucHien=2),
    _d("D12", "20261101000000", NgayHenTra="20261102170000", TrangThaiHoSo=4),
    _d("D13", "20261009080000", NgayHenTra="20261009170000", NgayKetThucXuLy="20261009110000",
       TrangThaiHoSo=9, CoKhieuNai=1, DanhSachGiayToKetQua=FILE),
    _d("D14", None, TrangThaiHoSo=3),  # not accepted, never received: stored, counted nowhere
    _d("D15", "20260925080000", NgayHenTra="20261002170000", NgayKetThucXuLy="20261001100000",
       TrangThaiHoSo=10),
    _d("D16", "20260920080000", NgayHenTra="20260930170000", NgayKetThucXuLy="20260928100000",
       TrangThaiHoSo=10),
    _d("D17", "20261020080000", NgayHenTra="20261030170000", NgayKetThucXuLy="20261103100000",
       TrangThaiHoSo=10, DanhSachGiayToKetQua=FILE),
    _d("D18", "20261026080000", NgayHenTra="20261104170000", NgayKetThucXuLy="20261110100000",
       TrangThaiHoSo=10, DanhSachGiayToKetQua=NO_FILE),
    _d("D19", "20261014080000", NgayHenTra="20261020170000", NgayKetThucXuLy="20261015100000",
       TrangThaiHoSo=8),
    _d("D20", "20261015080000", NgayHenTra="20261016170000", NgayKetThucXuLy="20261016100000",
       TrangThaiHoSo=8, DanhSachGiayToKetQua=FILE),
]  # fmt: skip


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory):
    store = new_store(tmp_path_factory.mktemp("tthc"))
    summary = write_records(store, "dossier", DOSSIERS, "10237", "test")
    assert (summary.imported, summary.rejected) == (len(DOSSIERS), 0)
    return store


def _value(store, code: str, period: str = "202610", now: datetime = NOW) -> tuple:
    with store.session() as session:
        result = Engine(shipped_catalog()).compute(
            session, shipped_catalog().get(code), "10237", parse_period(period), now
        )
    value = None if result.value is None else round(result.value, 4)
    return value, result.numerator, result.denominator


def test_received_keeps_withdrawn_drops_not_accepted_and_other_months(store: Path) -> None:
    assert _value(store, "TTHC_SO_HO_SO_TIEP_NHAN") == (15.0, None, None)
    assert _value(store, "TTHC_SO_HO_SO_TIEP_NHAN", "202609") == (3.0, None, None)  # D0, D15, D16
    assert _value(store, "TTHC_SO_HO_SO_TIEP_NHAN", "202611") == (1.0, None, None)  # D12


def test_2_1_on_time_over_the_dossiers_processed_in_the_period(store: Path) -> None:
    # on time: D1, D3, D5, D7, D10, D11, D13, D15, D18, D19, D20; late: D0, D2, D4, D6, D9, D17
    assert _value(store, "TTHC_DUNG_HAN") == (64.7059, 11.0, 17.0)


@pytest.mark.parametrize(
    "now", ["20261101000000", "20261101120000", "20261106080000", "20261201000000",
            "20270101000000", "20270315090000"],
)  # fmt: skip
def test_past_month_does_not_drift(store: Path, now: str) -> None:
    """October from the same records is the same on 1/11, 6/11 (D5 and D11 now past their
    due dates), 1/12, at the new year and months later: open dossiers are judged at the
    end of October, dossiers that ended after it as open then."""
    at = parse_datetime(now)
    assert _value(store, "TTHC_DUNG_HAN", now=at) == (64.7059, 11.0, 17.0)
    assert _value(store, "TTHC_HAI_LONG", now=at) == (58.8235, None, None)
    with store.session() as session:
        card = scorecard(session, "10237", "202610", at)
    assert round(card.points, 4) == 32.9627


def test_month_in_progress_judged_against_now(store: Path) -> None:
    # November processed: D12 (received 01/11) + carried over D0, D5, D6, D11, D17, D18.
    # On 02/11 at noon: D12 (due 02/11 17:00), D5, D11, D18 in time; D0, D6, D17 late
    noon = _value(store, "TTHC_DUNG_HAN", "202611", parse_datetime("20261102120000"))
    assert noon == (57.1429, 4.0, 7.0)
    # on 04/11 at 08:00: D12 and D11 (due 03/11) are now overdue; D5 and D18 still in time
    later = _value(store, "TTHC_DUNG_HAN", "202611", parse_datetime("20261104080000"))
    assert later == (28.5714, 2.0, 7.0)
    # from the end of November on, November is fixed: every one of the seven was late by
    # then (D17 and D18 ended after their due dates, the others are still open)
    for now in ("20261201000000", "20270101000000"):
        assert _value(store, "TTHC_DUNG_HAN", "202611", parse_datetime(now)) == (0.0, 0.0, 7.0)


def test_3_3_online(store: Path) -> None:
    assert _value(store, "TTHC_TRUC_TUYEN") == (26.6667, 4.0, 15.0)  # D1, D3, D5, D11


def test_3_6_online_payment(store: Path) -> None:
    # fee-bearing: D1, D2, D5, D9 (D4's fees are all 0); paid: D1 (1), D5 (2), D9 (1)
    assert _value(store, "TTHC_THANH_TOAN_TRUC_TUYEN") == (75.0, 3.0, 4.0)


def test_4_1_electronic_result(store: Path) -> None:
    # completed: D1, D2, D3, D4, D9, D10, D13, D17, D18, D20 (D19 stopped without a result
    # and D7 withdrawn are out); with a result file: D1, D3, D9, D10, D13, D17, D20
    assert _value(store, "TTHC_KET_QUA_DIEN_TU") == (70.0, 7.0, 10.0)


def test_4_2_digitised(store: Path) -> None:
    # flagged 1: D1 (e-result), D3 (e-result), D4 (completed, no file: no), D5 (open)
    assert _value(store, "TTHC_SO_HOA_HO_SO") == (20.0, 3.0, 15.0)


def test_5_4_satisfaction_counts_a_late_complained_dossier_once(store: Path) -> None:
    # processed 17; late D0, D2, D4, D6, D9, D17; complaints D6 (late too), D13 → 7 lower it
    assert _value(store, "TTHC_HAI_LONG") == (58.8235, None, None)  # 100 − 7/17 × 100


def test_item_points_rule() -> None:
    assert item_points(40.0, 12, 50) == pytest.approx(9.6)
    assert item_points(55.0, 12, 50) == 12
    assert item_points(None, 12, 50) is None


def test_groups_are_the_portals_six_with_their_points() -> None:
    assert [(g.name_vi, g.max_points) for g in GROUPS] == [
        ("Công khai, minh bạch", 18), ("Tiến độ, kết quả giải quyết", 20),
        ("Dịch vụ công trực tuyến", 12), ("Thanh toán trực tuyến", 10),
        ("Số hóa hồ sơ", 22), ("Mức độ hài lòng", 18),
    ]  # fmt: skip
    assert sum(g.max_points for g in GROUPS) == 100
    catalog = shipped_catalog()
    for item in (i for g in GROUPS for i in g.items if i.indicator):
        assert catalog.get(item.indicator).code == item.indicator


def test_scorecard_never_scales_a_group_up(store: Path) -> None:
    with store.session() as session:
        card = scorecard(session, "10237", "202610", NOW)
    points = {g.spec.code: None if g.points is None else round(g.points, 4) for g in card.groups}
    # 2.1 11/17 × 20 = 12.9412; 3.3 26.67/50 × 12 = 6.4; 3.6 75 % × 6 = 4.5;
    # 4.1 70 % × 6 = 4.2 + 4.2 20/80 × 4 = 1.0; 5.4 58.82/90 × 6 = 3.9216; group 1: none
    assert points == {"1": None, "2": 12.9412, "3": 6.4, "4": 4.5, "5": 5.2, "6": 3.9216}
    computed = {g.spec.code: g.computed_max for g in card.groups}
    assert computed == {"1": 0, "2": 20, "3": 12, "4": 6, "5": 10, "6": 6}
    assert round(card.points, 4) == 32.9627 and card.computed_max == 54
    items = {i.spec.code: i for g in card.groups for i in g.items}
    assert (items["2.1"].numerator, items["2.1"].denominator) == (11, 17)
    assert (items["5.4"].numerator, items["5.4"].denominator) == (10, 17)
    assert items["3.3"].rate == pytest.approx(80 / 3) and items["3.3"].spec.threshold == 50
    for code in ("1.1", "1.2", "1.3", "1.4", "3.5", "3.5b", "4.3", "4.4", "5.2", "5.3"):
        assert items[code].points is None and not items[code].computable, code
    # an item with a source but no dossiers is not counted either
    with store.session() as session:
        empty = scorecard(session, "10237", "202508", NOW)
    assert empty.points is None and empty.computed_max == 0


YEAR_END = [
    # received in the last half hour of 2026, open, due 02/01/2027 17:00
    _d("Y1", "20261231233000", NgayHenTra="20270102170000", TrangThaiHoSo=4),
    # due 05/01/2027, ended 06/01/2027: open and in time at the end of 2026
    _d("Y2", "20261220080000", NgayHenTra="20270105170000", NgayKetThucXuLy="20270106100000",
       TrangThaiHoSo=10),
]  # fmt: skip


@pytest.fixture(scope="module")
def year_end(tmp_path_factory: pytest.TempPathFactory):
    store = new_store(tmp_path_factory.mktemp("tthc_year"))
    assert write_records(store, "dossier", YEAR_END, "10237", "test").rejected == 0
    return store


@pytest.mark.parametrize("period", ["202612", "2026Q4", "2026"])
@pytest.mark.parametrize("now", ["20270101000000", "20270102120000", "20270201000000"])
def test_year_boundary_past_periods_are_judged_at_their_end(year_end, period, now) -> None:
    assert _value(year_end, "TTHC_DUNG_HAN", period, parse_datetime(now)) == (100.0, 2.0, 2.0)


def test_year_boundary_new_month_carries_the_open_dossiers(year_end) -> None:
    # January 2027 in progress on the 2nd at noon: Y1 not yet due, Y2 still open then
    jan = _value(year_end, "TTHC_DUNG_HAN", "202701", parse_datetime("20270102120000"))
    assert jan == (100.0, 2.0, 2.0)
    # once January is over: Y1 still open past its due date, Y2 ended after its due date
    jan = _value(year_end, "TTHC_DUNG_HAN", "202701", parse_datetime("20270201000000"))
    assert jan == (0.0, 0.0, 2.0)
    assert _value(year_end, "TTHC_SO_HO_SO_TIEP_NHAN", "202701") == (0.0, None, None)


def test_docs_list_every_item_with_its_points_and_source() -> None:
    """docs/decision-766.md stays true: each numbered item's row gives its points and
    whether COC computes it, as GROUPS and RATES do."""
    doc = (Path(__file__).parents[1] / "docs" / "decision-766.md").read_text(encoding="utf-8")
    rows = [line for line in doc.splitlines() if line.startswith("| ")]
    for item in (i for g in GROUPS for i in g.items if i.code):
        (row,) = [r for r in rows if f"| {item.code} " in r]
        cells = [c.strip() for c in row.split("|")]
        assert cells[3].split()[0] == f"{item.points:g}", item.code
        assert cells[5].startswith("yes" if item.code in RATES else "no"), item.code


@pytest.mark.parametrize("now", ["20261101120000", "20261201000000"])
def test_drill_down_lists_the_same_dossiers_the_measures_count(store: Path, now: str) -> None:
    at = parse_datetime(now)
    with store.session() as session:
        late = rows_of(session, "dossiers_late", None, "10237", "202610", at, show_names=True)
        lower = rows_of(session, "tthc_satisfaction", None, "10237", "202610", at, True)
        offline = rows_of(session, "dossiers_received", "dossiers_online", "10237", "202610", at)
    # the six late ones of 2.1, carried-over D0 included, in order of receipt
    assert [r.code for r in late.rows] == ["D0", "D2", "D4", "D9", "D6", "D17"]
    assert [r.code for r in lower.rows] == ["D0", "D2", "D4", "D9", "D13", "D6", "D17"]
    assert len(offline.rows) == 15 - 4  # received, not online (3.3's denominator − numerator)
