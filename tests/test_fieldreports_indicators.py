"""Field-report indicators broken down by category and hamlet: computed by the engine as
disaggregated values (category option combo "linh_vuc.<key>" / "thon.<code>"), served by
the feed over real HTTP as counts only, judged by an injected clock across month ends."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import requests
from fieldreports_helpers import NAME, PHONE, categories, png_bytes
from fixtures_base import new_store, shipped_catalog
from fixtures_http import FEED_TOKEN, auth, commune_settings, serve_coc
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select, update

from coc.errors import ConfigError
from coc.fieldreports import abuse, handling, service
from coc.fieldreports.categories import parse_categories
from coc.fieldreports.handling import Change
from coc.fieldreports.intake import Draft, Limits, parse_form
from coc.indicators.catalog import load_catalog
from coc.indicators.engine import Engine
from coc.indicators.fieldreports import hamlet_code
from coc.store.db import Store
from coc.store.models import DataValue, FieldReport

CATS = categories()
RATES = abuse.Rates(per_address_hour=50, per_phone_day=50, hard_factor=2)
PA = ("PA_TIEP_NHAN", "PA_DUNG_HAN", "PA_QUA_HAN")
# local midnight 01/12/2026 is 17:00 UTC on 30/11
NOV_LAST = datetime(2026, 11, 30, 16, 30, tzinfo=UTC)  # 23:30 local, 30/11
DEC_FIRST = datetime(2026, 11, 30, 17, 30, tzinfo=UTC)  # 00:30 local, 01/12
DEC_MID = datetime(2026, 12, 15, 3, 0, tzinfo=UTC)
DEC_LAST = datetime(2026, 12, 31, 16, 0, tzinfo=UTC)  # 23:00 local, 31/12
JAN_FIRST = datetime(2026, 12, 31, 17, 30, tzinfo=UTC)  # 00:30 local, 01/01/2027


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return new_store(tmp_path / "fr.sqlite3")


def report(store: Store, now: datetime, category: str, hamlet: str | None, n: int) -> str:
    fields = {"category": category, "description": f"Phản ánh thử số {n} về hạ tầng",
              "name": NAME, "phone": f"09{n:08d}"}  # fmt: skip
    if hamlet:
        fields["hamlet"] = hamlet
    draft = parse_form(fields, [png_bytes()], categories=CATS, limits=Limits())
    assert isinstance(draft, Draft)
    got = service.submit(store, draft, categories=CATS, rates=RATES, pepper="k",
                         org_unit="10237", address=f"10.0.0.{n}", now=now)  # fmt: skip
    assert isinstance(got, service.Accepted) and not got.moderated
    return got.code


def handle(store: Store, code: str, at: datetime) -> None:
    for action in ("accept", "resolve"):
        got = handling.apply(store, code, Change(action), actor="thuky", categories=CATS, now=at)
        assert isinstance(got, str), got


def values(store: Store, period: str) -> dict[tuple[str, str], tuple[float | None, bool]]:
    with store.session() as session:
        rows = session.scalars(
            select(DataValue).where(DataValue.indicator_code.in_(PA), DataValue.period == period)
        ).all()
    return {(r.indicator_code, r.category_option_combo): (r.value, r.deleted) for r in rows}


def live(store: Store, period: str) -> dict[tuple[str, str], float | None]:
    return {k: v for k, (v, deleted) in values(store, period).items() if not deleted}


def move_to_ha_vy(store: Store, code: str) -> None:
    """A report's hamlet corrected in the database (as an administrator would)."""
    with store.session() as session:
        session.execute(
            update(FieldReport).where(FieldReport.code == code).values(hamlet="Thôn Hà Vỹ")
        )
        session.commit()


def seed(store: Store) -> dict[str, str]:
    """November: one road report on its last evening. December: three on the 1st just
    after local midnight (two waste in Từ Vân, one without a hamlet), one mid-month."""
    codes = {
        "road_nov": report(store, NOV_LAST, "giao_thong", "Thôn Kỳ Dương", 1),
        "waste_1": report(store, DEC_FIRST, "moi_truong", "Thôn Từ Vân", 2),
        "waste_2": report(store, DEC_FIRST, "moi_truong", "Thôn Từ Vân", 3),
        "nowhere": report(store, DEC_FIRST, "khac", None, 4),
        "light": report(store, DEC_MID, "dien_chieu_sang", "Thôn Hà Vỹ", 5),
    }
    handle(store, codes["road_nov"], DEC_FIRST + timedelta(days=2))  # 7 days: on time
    handle(store, codes["waste_1"], DEC_FIRST + timedelta(days=3))  # 5 days: on time
    handle(store, codes["waste_2"], DEC_FIRST + timedelta(days=8))  # late
    return codes


def test_breakdowns_by_category_and_hamlet_across_the_month_boundary(store: Store) -> None:
    seed(store)
    engine = Engine(shipped_catalog())
    engine.refresh(store, "10237", ["202611", "202612"], now=DEC_LAST, codes=PA)
    nov = live(store, "202611")
    assert nov[("PA_TIEP_NHAN", "")] == 1
    assert nov[("PA_TIEP_NHAN", "linh_vuc.giao_thong")] == 1
    assert nov[("PA_TIEP_NHAN", "thon.ky_duong")] == 1
    assert ("PA_TIEP_NHAN", "linh_vuc.moi_truong") not in nov  # 00:30 on 01/12 is December
    assert ("PA_DUNG_HAN", "") not in nov  # handled in December, none in November

    dec = live(store, "202612")
    assert dec[("PA_TIEP_NHAN", "")] == 4
    assert dec[("PA_TIEP_NHAN", "linh_vuc.moi_truong")] == 2
    assert dec[("PA_TIEP_NHAN", "linh_vuc.khac")] == 1
    assert dec[("PA_TIEP_NHAN", "thon.tu_van")] == 2
    assert dec[("PA_TIEP_NHAN", "thon.khong_ro")] == 1
    assert dec[("PA_TIEP_NHAN", "thon.ha_vy")] == 1
    # the options of a breakdown add up to the total
    for dim in ("linh_vuc.", "thon."):
        parts = [v for (c, combo), v in dec.items() if c == "PA_TIEP_NHAN" and dim in combo]
        assert sum(parts) == dec[("PA_TIEP_NHAN", "")]
    # handled in December: the November road report and two waste reports, one late
    assert dec[("PA_DUNG_HAN", "")] == pytest.approx(200 / 3)
    assert dec[("PA_DUNG_HAN", "linh_vuc.giao_thong")] == 100
    assert dec[("PA_DUNG_HAN", "linh_vuc.moi_truong")] == 50
    assert dec[("PA_DUNG_HAN", "thon.tu_van")] == 50
    assert ("PA_DUNG_HAN", "linh_vuc.khac") not in dec  # nothing handled: no ratio
    # received in December, late by its last evening: one of the two waste reports
    # (handled after 8 of its 5 days), the open "khác" one (due 11/12) and the open light
    # one (due 20/12)
    assert dec[("PA_QUA_HAN", "linh_vuc.moi_truong")] == 50
    assert dec[("PA_QUA_HAN", "linh_vuc.khac")] == 100
    assert dec[("PA_QUA_HAN", "linh_vuc.dien_chieu_sang")] == 100
    assert dec[("PA_QUA_HAN", "")] == 75


@pytest.mark.parametrize("later", [datetime(2027, 1, d, 3, 0, tzinfo=UTC) for d in (1, 10, 28)])
def test_december_computed_in_january_is_december_at_its_end(store: Store, later: datetime) -> None:
    """Computed on the 1st, 10th or 28th of the next month, December's breakdowns are what
    they were at its last evening (open reports are judged at the period's end)."""
    seed(store)
    engine = Engine(shipped_catalog())
    engine.refresh(store, "10237", ["202612"], now=DEC_LAST, codes=PA)
    at_end = live(store, "202612")
    engine.refresh(store, "10237", ["202612"], now=later, codes=PA)
    assert live(store, "202612") == at_end


def test_a_past_month_is_the_same_at_two_nows(store: Store) -> None:
    seed(store)
    engine = Engine(shipped_catalog())
    engine.refresh(store, "10237", ["202612"], now=DEC_LAST, codes=PA)
    at_end = live(store, "202612")
    engine.refresh(store, "10237", ["202612"], now=JAN_FIRST + timedelta(days=40), codes=PA)
    assert live(store, "202612") == at_end
    # mid-month the open "khác" report (due 11/12) was not late yet
    engine.refresh(store, "10237", ["202612"], now=DEC_FIRST + timedelta(days=5), codes=PA)
    assert live(store, "202612")[("PA_QUA_HAN", "linh_vuc.khac")] == 0


def test_an_option_left_empty_is_retired_and_the_feed_says_so(store: Store, tmp_path: Path) -> None:
    codes = seed(store)
    engine = Engine(shipped_catalog())
    engine.refresh(store, "10237", ["202612"], now=DEC_LAST, codes=PA)
    move_to_ha_vy(store, codes["nowhere"])  # the one report without a hamlet corrected
    engine.refresh(store, "10237", ["202612"], now=DEC_LAST, codes=PA)
    got = values(store, "202612")
    assert got[("PA_TIEP_NHAN", "thon.khong_ro")] == (1, True)  # kept, marked deleted
    assert got[("PA_TIEP_NHAN", "thon.ha_vy")] == (2, False)
    assert got[("PA_TIEP_NHAN", "")] == (4, False)

    settings = commune_settings(feed={"tokens": [FEED_TOKEN]})
    with serve_coc(store, settings, catalog=shipped_catalog()) as (url, _app):
        body = requests.get(
            f"{url}/api/v1/dataValueSets", params={"period": "202612"}, headers=auth(), timeout=10
        )
    assert body.status_code == 200, body.text
    wire = body.json()["dataValues"]
    pa = [v for v in wire if v["dataElement"].startswith("PA_")]
    by_combo = {(v["dataElement"], v.get("categoryOptionCombo", "")): v for v in pa}
    assert by_combo[("PA_TIEP_NHAN", "thon.khong_ro")]["deleted"] is True
    assert by_combo[("PA_TIEP_NHAN", "thon.ha_vy")]["value"] == "2"
    assert by_combo[("PA_TIEP_NHAN", "linh_vuc.moi_truong")]["value"] == "2"
    assert "categoryOptionCombo" not in by_combo[("PA_TIEP_NHAN", "")]  # the total
    # aggregates only: no code, name, phone or description of a report goes up
    text = body.text
    for secret in (NAME, PHONE, *(f"09{n:08d}" for n in range(1, 6)), *codes.values(),
                   "Phản ánh thử"):  # fmt: skip
        assert secret not in text


def test_an_approved_month_keeps_its_breakdown(store: Store) -> None:
    from coc.approval.approve import approve

    codes = seed(store)
    engine = Engine(shipped_catalog())
    engine.refresh(store, "10237", ["202612"], now=DEC_LAST, codes=PA)
    before = values(store, "202612")
    approve(store, commune_settings(), "10237", "202612", actor="chutich", now=JAN_FIRST)
    move_to_ha_vy(store, codes["nowhere"])
    result = engine.refresh(store, "10237", ["202612"], now=DEC_LAST, codes=PA)
    assert values(store, "202612") == before  # nothing retired, nothing changed
    held = [c.object for c in result.conflicts]
    # Hà Vỹ's count 1 → 2 and its overdue ratio's parts 1/1 → 2/2: held, with a reason
    assert sorted(held) == ["PA_QUA_HAN", "PA_TIEP_NHAN"]


def test_breakdowns_are_checked_when_the_catalog_loads(tmp_path: Path) -> None:
    def catalog(extra: str) -> Path:
        path = tmp_path / "c.yaml"
        path.write_text(
            "indicators:\n  - code: X_Y\n    name_vi: Thử\n    name_en: Test\n"
            "    pillar: chinh_quyen_so\n    unit: ''\n    source: fieldreports\n" + extra,
            encoding="utf-8",
        )
        return path

    ok = load_catalog(catalog("    formula: {type: measure, name: fieldreports_received}\n"
                              "    breakdowns: [thon]\n"))  # fmt: skip
    assert ok.get("X_Y").breakdowns == ("thon",)
    bad = {
        "    formula: {type: measure, name: fieldreports_received}\n    breakdowns: [gioi_tinh]\n":
            "không chia được theo chiều 'gioi_tinh'",
        "    formula: {type: measure, name: dossiers_received}\n    breakdowns: [thon]\n":
            "không chia được theo chiều 'thon'",
        "    breakdowns: [thon]\n": "phần tử nhập tay không chia nhỏ được",
        "    formula: {type: ratio, numerator: 'element:A',"
        " denominator: 'measure:fieldreports_handled'}\n"
        "    breakdowns: [thon]\n": "chỉ chia nhỏ được tỷ lệ giữa hai phép đo",
        "    formula: {type: measure, name: fieldreports_received}\n    breakdowns: thon\n":
            "breakdowns phải là danh sách",
    }  # fmt: skip
    for extra, reason in bad.items():
        with pytest.raises(ConfigError, match=reason):
            load_catalog(catalog(extra))


def test_two_hamlets_with_one_code_are_refused() -> None:
    data = {"categories": [{"key": "khac", "vi": "Khác"}],
            "hamlets": ["Thôn Hà Vỹ", "Xóm Hà Vỹ"]}  # fmt: skip
    with pytest.raises(ConfigError, match="hai thôn cùng mã"):
        parse_categories(data)
    shipped = [hamlet_code(h) for h in CATS.hamlets]
    assert len(set(shipped)) == len(shipped) and "tu_van" in shipped


JSONISH = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)


@given(JSONISH)
def test_any_breakdowns_value_is_a_tuple_or_a_config_error(raw: object) -> None:
    """Whatever a site's catalog file puts under `breakdowns` (YAML gives any of these),
    the catalog reads dimensions or refuses them with a reason; nothing else escapes."""
    from coc.indicators.catalog import _breakdowns

    formula = {"type": "measure", "name": "fieldreports_received"}
    try:
        got = _breakdowns("PA_X", formula, raw)
    except ConfigError as exc:
        assert "PA_X" in str(exc)
    else:
        assert set(got) <= {"linh_vuc", "thon"} and len(got) == len(set(got))


@given(st.one_of(st.none(), st.text(max_size=200)))
def test_any_hamlet_name_has_a_short_ascii_code(name: str | None) -> None:
    code = hamlet_code(name)
    assert 0 < len(code) <= 24
    assert all(c.isascii() and (c.isalnum() or c == "_") for c in code)
    assert len(f"thon.{code}") <= 32  # fits the category option combo column


def test_a_recategorized_report_counts_under_its_new_category(store: Store) -> None:
    """The December "khác" report corrected to roads: the engine counts it there, retires
    the "khác" option (kept, marked deleted), and judges it by the roads deadline."""
    codes = seed(store)
    engine = Engine(shipped_catalog())
    engine.refresh(store, "10237", ["202612"], now=DEC_LAST, codes=("PA_TIEP_NHAN",))
    assert values(store, "202612")[("PA_TIEP_NHAN", "linh_vuc.khac")] == (1, False)
    moved = handling.apply(store, codes["nowhere"], Change("recategorize", category="giao_thong"),
                           actor="thuky", categories=CATS, now=DEC_MID)  # fmt: skip
    assert moved == "moi"
    engine.refresh(store, "10237", ["202612"], now=DEC_LAST, codes=("PA_TIEP_NHAN",))
    got = values(store, "202612")
    assert got[("PA_TIEP_NHAN", "linh_vuc.khac")] == (1, True)
    assert got[("PA_TIEP_NHAN", "linh_vuc.giao_thong")] == (1, False)
    assert got[("PA_TIEP_NHAN", "")] == (4, False)  # the total is unchanged
    with store.session() as session:
        row = session.scalars(select(FieldReport).where(FieldReport.code == codes["nowhere"])).one()
    assert row.deadline == DEC_FIRST + timedelta(days=7)  # roads: 7 days from receipt
