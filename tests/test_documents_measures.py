"""Document indicators (ký số, văn bản điện tử, quá hạn xử lý, hồ sơ công việc trên mạng)
on hand-made records for October 2026, judged at 01/11/2026 12:00 (Hà Nội)."""

from __future__ import annotations

import pytest
from fixtures_base import new_store, shipped_catalog

from coc.indicators.engine import Engine
from coc.ingest.writers import write_records
from coc.periods import parse_period
from coc.timeutil import parse_datetime

NOW = parse_datetime("2026-11-01T12:00:00+07:00")


def _out(doc_id: str, issued: str, signed: bool, **more) -> dict:
    return {"id": doc_id, "direction": "out", "issued_date": issued, "signed": signed, **more}


def _in(doc_id: str, received: str, deadline: str | None, done: str | None, **more) -> dict:
    return {
        "id": doc_id,
        "direction": "in",
        "issued_date": received[:10],
        "received_date": received,
        "deadline": deadline,
        "completed_date": done,
        "status": "done" if done else "processing",
        "signed": True,
        **more,
    }


DOCS = [
    _out("out1", "2026-10-02", True),
    _out("out2", "2026-10-03", False, electronic=False),
    _out("out3", "2026-10-04", True, status="cancelled"),  # cancelled: counted nowhere
    _out("out4", "2026-09-30", True),  # September
    # issued in September, arrived 1 October: an October document for the commune
    _in("in1", "2026-10-01T09:00:00+07:00", "2026-10-05T17:00:00+07:00",
        "2026-10-04T10:00:00+07:00", issued_date="2026-09-29"),
    _in("in2", "2026-10-06T09:00:00+07:00", "2026-10-08T17:00:00+07:00",
        "2026-10-10T10:00:00+07:00"),  # finished late
    _in("in3", "2026-10-20T09:00:00+07:00", "2026-10-25T17:00:00+07:00", None),  # open, overdue
    _in("in4", "2026-10-28T09:00:00+07:00", "2026-11-05T17:00:00+07:00", None),  # open, in time
    _in("in5", "2026-10-15T09:00:00+07:00", None, None, electronic=False),  # no deadline
    _in("in6", "2026-10-31T23:30:00+07:00", None, None),  # last half hour of October
    _in("in7", "2026-11-01T00:10:00+07:00", "2026-11-02T17:00:00+07:00", None),  # November
    # due 3/11, finished 20/11 (late, but in November): in time at the end of October
    _in("in8", "2026-10-30T09:00:00+07:00", "2026-11-03T17:00:00+07:00",
        "2026-11-20T10:00:00+07:00"),
    # due 30/10, finished 2/11: still open and overdue at the end of October
    _in("in9", "2026-10-27T09:00:00+07:00", "2026-10-30T17:00:00+07:00",
        "2026-11-02T10:00:00+07:00"),
]  # fmt: skip
WORK_FILES = [
    {"id": "wf1", "opened_date": "2026-10-03T08:00:00+07:00", "online": True},
    {"id": "wf2", "opened_date": "2026-10-10T08:00:00+07:00", "online": False},
    {"id": "wf3", "opened_date": "2026-10-31T23:00:00+07:00", "online": True},
    {"id": "wf4", "opened_date": "2026-11-01T07:00:00+07:00", "online": True},
]


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory):
    store = new_store(tmp_path_factory.mktemp("docs"))
    assert write_records(store, "document", DOCS, "10237", "test").rejected == 0
    assert write_records(store, "work_file", WORK_FILES, "10237", "test").rejected == 0
    return store


def _value(store, code: str, period: str = "202610", now=NOW) -> tuple:
    with store.session() as session:
        result = Engine(shipped_catalog()).compute(
            session, shipped_catalog().get(code), "10237", parse_period(period), now
        )
    value = None if result.value is None else round(result.value, 4)
    return value, result.numerator, result.denominator


def test_signed_outgoing(store) -> None:
    assert _value(store, "VB_DI_KY_SO") == (50.0, 1.0, 2.0)  # out1 of out1, out2


def test_electronic_documents(store) -> None:
    # out1, out2, in1–in6, in8, in9 count; out2 and in5 were handled on paper
    assert _value(store, "VB_DIEN_TU") == (80.0, 8.0, 10.0)


def test_incoming_overdue(store) -> None:
    # with a deadline: in1, in2, in3, in4, in8, in9; overdue at the end of October: in2
    # (finished late), in3 (still open), in9 (open then, deadline passed); in8 not yet due
    assert _value(store, "VB_DEN_QUA_HAN") == (50.0, 3.0, 6.0)
    assert _value(store, "VB_DEN_QUA_HAN", "202611") == (0.0, 0.0, 1.0)  # in7 not yet due


@pytest.mark.parametrize(
    "now",
    [
        "2026-11-01T00:00:00+07:00",
        "2026-12-01T09:00:00+07:00",
        "2027-01-01T00:00:00+07:00",
        "2027-06-15T12:00:00+07:00",
    ],
)
def test_past_month_overdue_does_not_drift(store, now: str) -> None:
    """October judged at its end whatever the day it is computed: in4 (due 5/11, still
    open), in8 (finished late in November) are not October's overdue documents."""
    assert _value(store, "VB_DEN_QUA_HAN", now=parse_datetime(now)) == (50.0, 3.0, 6.0)


def test_month_in_progress_overdue_judged_against_now(store) -> None:
    # November (in7, due 2/11 17:00, open): in time on the 2nd at noon, overdue an hour
    # after its deadline
    early, late = (
        parse_datetime(t) for t in ("2026-11-02T12:00:00+07:00", "2026-11-02T18:00:00+07:00")
    )
    assert _value(store, "VB_DEN_QUA_HAN", "202611", early) == (0.0, 0.0, 1.0)
    assert _value(store, "VB_DEN_QUA_HAN", "202611", late) == (100.0, 1.0, 1.0)


def test_work_files_online(store) -> None:
    assert _value(store, "HSCV_TREN_MANG") == (66.6667, 2.0, 3.0)  # wf1, wf3 of wf1–wf3
