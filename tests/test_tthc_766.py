"""Decision 766 measures and scorecard on hand-made dossiers with hand-computed results.

Period 202610, judged at 01/11/2026 12:00 (Hà Nội). Thirteen dossiers, ten counted:
  D1  returned early, online, fee 2.000 paid on the national portal, digitised, e-result
  D2  finished late, in person, fee unpaid, result without a file
  D3  one supplement (2 days) moves the due date; finished inside it; free; e-result
  D4  two supplements: late although finished early; every fee 0; paid 2 ignored
  D5  open, due 05/11: on time; fee paid on the local portal (2); digitised, open
  D6  open, due 14/10: overdue; postal
  D7  withdrawn (7) and D8 not accepted (3): out of every denominator
  D9  no NgayHenTra: judged late; fee paid (1); e-result
  D10 no NgayKetThucXuLy but NgayTra before the due time: on time by NgayTra
  D11 received 31/10 23:30 local: October (open, not yet due)
  D12 received 01/11 00:00 and D0 30/09 23:59:59: other months
  D13 processed (9), on time, with a complaint
"""

from __future__ import annotations

from pathlib import Path

import pytest
from fixtures_base import new_store, shipped_catalog

from coc.indicators.engine import Engine
from coc.indicators.tthc import item_points, scorecard, total_score
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
    _d("D6", "20261012080000", NgayHenTra="20261014170000", TrangThaiHoSo=4, KenhThucHien=3),
    _d("D7", "20261003080000", NgayHenTra="20261004170000", TrangThaiHoSo=7),
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
]  # fmt: skip


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory):
    store = new_store(tmp_path_factory.mktemp("tthc"))
    summary = write_records(store, "dossier", DOSSIERS, "10237", "test")
    assert (summary.imported, summary.rejected) == (len(DOSSIERS), 0)
    return store


def _value(store, code: str, period: str = "202610") -> tuple:
    with store.session() as session:
        result = Engine(shipped_catalog()).compute(
            session, shipped_catalog().get(code), "10237", parse_period(period), NOW
        )
    return result.value, result.numerator, result.denominator


def test_received_excludes_withdrawn_not_accepted_and_other_months(store: Path) -> None:
    assert _value(store, "TTHC_SO_HO_SO_TIEP_NHAN") == (10.0, None, None)
    assert _value(store, "TTHC_SO_HO_SO_TIEP_NHAN", "202609") == (1.0, None, None)
    assert _value(store, "TTHC_SO_HO_SO_TIEP_NHAN", "202611") == (1.0, None, None)


def test_2_1_on_time(store: Path) -> None:
    # on time: D1, D3 (supplement), D5 (open, not due), D10 (by NgayTra), D11, D13
    assert _value(store, "TTHC_DUNG_HAN") == (60.0, 6.0, 10.0)


def test_3_3_online(store: Path) -> None:
    assert _value(store, "TTHC_TRUC_TUYEN") == (40.0, 4.0, 10.0)  # D1, D3, D5, D11


def test_3_6_online_payment(store: Path) -> None:
    # fee-bearing: D1, D2, D5, D9 (D4's fees are all 0); paid: D1 (1), D5 (2), D9 (1)
    assert _value(store, "TTHC_THANH_TOAN_TRUC_TUYEN") == (75.0, 3.0, 4.0)


def test_4_1_electronic_result(store: Path) -> None:
    # completed: D1, D2, D3, D4, D9, D10, D13; with a result file: all but D2 and D4
    value, num, den = _value(store, "TTHC_KET_QUA_DIEN_TU")
    assert (round(value, 4), num, den) == (71.4286, 5.0, 7.0)


def test_4_2_digitised(store: Path) -> None:
    # flagged 1: D1 (e-result), D3 (e-result), D4 (completed, no file: no), D5 (open)
    assert _value(store, "TTHC_SO_HOA_HO_SO") == (30.0, 3.0, 10.0)


def test_5_4_satisfaction(store: Path) -> None:
    # overdue 4/10 = 40 %, complaints 1/10 = 10 %
    assert _value(store, "TTHC_HAI_LONG") == (50.0, None, None)


def test_open_dossier_judged_against_now(store: Path) -> None:
    later = parse_datetime("20261106080000")  # D5 (due 05/11) is now overdue too
    with store.session() as session:
        result = Engine(shipped_catalog()).compute(
            session, shipped_catalog().get("TTHC_DUNG_HAN"), "10237", parse_period("202610"), later
        )
    # D11 (due 03/11) is overdue by then as well
    assert (result.numerator, result.denominator) == (4.0, 10.0)


def test_item_points_rule() -> None:
    assert item_points(40.0, 12, 50) == pytest.approx(9.6)
    assert item_points(55.0, 12, 50) == 12
    assert item_points(None, 12, 50) is None


def test_scorecard_groups_and_total(store: Path) -> None:
    with store.session() as session:
        groups = scorecard(session, "10237", "202610", NOW)
    points = {g.code: None if g.points is None else round(g.points, 4) for g in groups}
    # 2: 60 % of 20 → 12; 3: 40/50 × 12 = 9.6 + 75 % of 10 = 7.5 → 17.1;
    # 4: 71.43 % of 6 = 4.2857 + 30/80 × 4 = 1.5 → 5.7857 of 10 computable → × 22/10;
    # 5: 50/90 × 6 = 3.3333 of 6 → × 18/6 = 10; 1: nothing COC can compute.
    assert points == {"1": None, "2": 12.0, "3": 17.1, "4": 12.7286, "5": 10.0}
    items = {i.code: i for g in groups for i in g.items}
    assert items["3.3"].rate == 40.0 and items["3.3"].threshold == 50
    assert items["1.4"].rate is None and items["1.4"].points is None
    assert round(total_score(groups), 4) == 63.2056  # 51.8286 ÷ 82 × 100
