"""The rows behind a number are the rows the number counts: for every catalog indicator with
a drill-down, on the seeded store (NOW = 20/11/2026 10:00), the list and the stored
numerator/denominator agree, and the dossier lists use the Decision 766 predicates."""

from __future__ import annotations

import pytest
from fixtures_web import NOW, ORG

from coc.indicators import tthc
from coc.indicators.context import MeasureContext
from coc.indicators.drill import mask_name, rows_behind, rows_of, selection
from coc.indicators.engine import Engine
from coc.periods import parse_period

PERIOD = "202611"


def _drilled(catalog):
    return [i for i in catalog.indicators if selection(i) is not None]


def test_every_ratio_of_stored_facts_has_a_drill(shipped_catalog):
    codes = {i.code for i in _drilled(shipped_catalog)}
    # the dossier, document and device indicators of the shipped catalog
    assert {"TTHC_DUNG_HAN", "TTHC_HAI_LONG", "VB_DI_KY_SO", "VB_DEN_QUA_HAN"} <= codes
    assert "CAMERA_HOAT_DONG" in codes


@pytest.mark.parametrize("kind", ["dossier", "document", "device"])
def test_rows_match_the_computed_numerator_and_denominator(seeded_store, shipped_catalog, kind):
    engine = Engine(shipped_catalog)
    checked = 0
    with seeded_store.session() as session:
        for ind in _drilled(shipped_catalog):
            behind = rows_behind(session, ind, ORG, PERIOD, NOW, show_names=True)
            if behind is None or behind.kind != kind:
                continue
            result = engine.compute(session, ind, ORG, parse_period(PERIOD), NOW)
            if ind.formula["type"] == "ratio":
                num, den = result.numerator or 0, result.denominator or 0
                expected = num if ind.direction == "lower" else den - num
            elif ind.formula["name"] == "tthc_satisfaction":
                ctx = MeasureContext(session, ORG, parse_period(PERIOD), NOW)
                facts = [
                    tthc.facts_of(d, ctx.period, ctx.as_of) for d in tthc.dossiers_processed(ctx)
                ]
                expected = sum(1 for f in facts if not f.on_time or f.complaint)
            else:
                expected = result.value or 0
            assert len(behind.rows) == expected, ind.code
            checked += 1
    assert checked >= 1


def test_late_dossiers_are_the_766_late_ones(seeded_store):
    with seeded_store.session() as session:
        late = rows_of(session, "dossiers_late", None, ORG, PERIOD, NOW, show_names=False)
        ctx = MeasureContext(session, ORG, parse_period(PERIOD), NOW)
        expected = [
            d.MaHoSo for d in tthc.dossiers_processed(ctx) if not tthc.is_on_time(d, ctx.as_of)
        ]
    assert late is not None and late.masked
    assert [r.code for r in late.rows] == expected
    assert expected  # the seed has late dossiers
    assert all(not r.on_time for r in late.rows)


def test_names_are_masked_for_viewers():
    assert mask_name("Nguyễn Văn An") == "N***** V** A*"
    assert mask_name(None) == ""


def test_unknown_measure_has_no_rows(seeded_store):
    with seeded_store.session() as session:
        assert rows_of(session, "no_such_measure", None, ORG, PERIOD, NOW) is None
        # work files are counted but have no list of their own
        assert rows_of(session, "work_files", "work_files_online", ORG, PERIOD, NOW) is None
