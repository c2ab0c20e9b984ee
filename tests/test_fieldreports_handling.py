"""Storing field reports, abuse limits and moderation, handling states with deadlines,
reminders and overdue alerts, the citizen's view by code, and the month's counts."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fieldreports_helpers import NAME, NOW, PHONE, categories, png_bytes
from fixtures_base import new_store
from sqlalchemy import update as sa_update

from coc.fieldreports import abuse, alerts, handling, queries, service
from coc.fieldreports.handling import Change
from coc.fieldreports.intake import Draft, Limits, parse_form
from coc.indicators.context import MeasureContext
from coc.indicators.fieldreports import MEASURES
from coc.ingest.records import Rejected
from coc.periods import parse_period
from coc.store import audit
from coc.store.db import Store
from coc.store.models import FieldReport

CATS = categories()
RATES = abuse.Rates(per_address_hour=3, per_phone_day=4, hard_factor=2)


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return new_store(tmp_path / "fr.sqlite3")


def draft(text: str = "Cống thoát nước bị tắc gây ngập đường", **kw: object) -> Draft:
    fields = {"category": "moi_truong", "description": text, "hamlet": "Thôn Từ Vân",
              "lat": "20.8241", "lon": "105.9118", "name": NAME, "phone": PHONE, **kw}  # fmt: skip
    out = parse_form(fields, [png_bytes()], categories=CATS, limits=Limits())
    assert isinstance(out, Draft)
    return out


def submit(store: Store, d: Draft, address: str = "203.0.113.7", now: datetime = NOW):
    return service.submit(store, d, categories=CATS, rates=RATES, pepper="k", org_unit="10237",
                          address=address, now=now)  # fmt: skip


def act(store: Store, code: str, action: str, now: datetime = NOW, **kw: object):
    return handling.apply(
        store, code, Change(action, **kw), actor="thuky", categories=CATS, now=now
    )  # type: ignore[arg-type]


def test_submit_stores_report_with_code_deadline_and_photo(store: Store) -> None:
    got = submit(store, draft())
    assert isinstance(got, service.Accepted) and not got.moderated
    assert service.normalize_code(service.shown_code(got.code).lower()) == got.code
    row = queries.clerk_detail(store, got.code)
    assert row is not None
    assert (row["state"], row["reporter_phone"], row["reporter_name"]) == ("moi", PHONE, NAME)
    assert row["deadline"] == datetime(2026, 12, 5, 3, 0, tzinfo=UTC)  # environment: 5 days
    assert len(row["photos"]) == 1 and row["photos"][0]["public"] is False


def test_honeypot_duplicate_and_rate_limits_go_to_moderation(store: Store) -> None:
    bot = submit(store, draft(website="spam.example"))
    assert isinstance(bot, service.Accepted) and bot.moderated
    first = submit(store, draft("Đèn đường hỏng ở ngõ 5"), address="198.51.100.1")
    again = submit(store, draft("Đèn đường hỏng ở ngõ 5"), address="198.51.100.2")
    assert not first.moderated and again.moderated  # type: ignore[union-attr]
    assert (
        queries.clerk_detail(store, again.code)["moderation_reason"]
        == "trùng nội dung với phản ánh vừa gửi"
    )  # type: ignore[union-attr,index]
    # per address: 3 an hour pass, the 4th is held, past 2 × 3 the sender is told to wait
    results = [submit(store, draft(f"Rác ven đường số {i} chưa thu gom", phone=f"090000000{i}"),
                      address="192.0.2.9") for i in range(7)]  # fmt: skip
    kinds = [("refused" if isinstance(r, service.Refused) else r.moderated) for r in results]
    assert kinds == [False, False, False, True, True, True, "refused"]
    refused = results[-1]
    assert (
        isinstance(refused, service.Refused)
        and refused.status == 429
        and refused.retry_after_s == 3600
    )
    # an hour of quiet later the address is forgotten
    later = submit(store, draft("Rác thải lại xuất hiện ở ven đường", phone="0900000099"),
                   address="192.0.2.9", now=NOW + timedelta(hours=1, seconds=1))  # fmt: skip
    assert isinstance(later, service.Accepted) and not later.moderated
    held = queries.clerk_rows(store, states=(service.MODERATION,))
    assert len(held) == 5  # bot, duplicate, three over the limit: none dropped


def test_per_phone_limit_across_addresses(store: Store) -> None:
    got = [
        submit(store, draft(f"Vấn đề thứ {i} ở đầu thôn"), address=f"10.0.0.{i}") for i in range(5)
    ]
    assert [g.moderated for g in got] == [False] * 4 + [True]  # type: ignore[union-attr]


def test_channel_id_is_idempotent(store: Store) -> None:
    d = Draft(channel="hotline", category="khac", description="Gọi báo cây đổ đường đê",
              external_id="HL-1", phone=PHONE)  # fmt: skip
    a, b = submit(store, d), submit(store, d)
    assert a.code == b.code and b.duplicate  # type: ignore[union-attr]
    assert len(queries.clerk_rows(store)) == 1


def test_zalo_follow_up_adds_to_open_report(store: Store) -> None:
    text = Draft(channel="zalo", category="khac", description="Bờ kè sạt lở đoạn bến đò",
                 external_id="m1", sender="u1")  # fmt: skip
    image = Draft(channel="zalo", category="khac", description="(ảnh gửi qua Zalo)",
                  external_id="m2", sender="u1", extra_text=True,
                  photo_links=("https://zalo.example/p.jpg",), lat=20.819,
                  lon=105.9206)  # fmt: skip
    a, b = submit(store, text), submit(store, image)
    assert a.code == b.code  # type: ignore[union-attr]
    row = queries.clerk_detail(store, a.code)  # type: ignore[union-attr]
    assert [(p["state"], p["link"]) for p in row["photos"]] == [  # type: ignore[index]
        ("pending", "https://zalo.example/p.jpg")
    ]  # the fetch job downloads it (tests/test_fieldreports_fetch.py)
    assert row["lat"] == 20.819  # type: ignore[index]
    assert submit(store, image).code == a.code  # type: ignore[union-attr]  # redelivered
    again = queries.clerk_detail(store, a.code)  # type: ignore[union-attr]
    assert len(again["photos"]) == 1  # type: ignore[index]  # the same link is kept once


def test_full_lifecycle_public_view_and_audit(store: Store) -> None:
    code = submit(store, draft()).code  # type: ignore[union-attr]
    assert act(store, code, "answer", answer="xong rồi nhé bà con") == Rejected(
        "không thể đăng câu trả lời khi phản ánh đang ở trạng thái “Mới” (chỉ khi: “Đã xử lý”)"
    )
    assert act(store, code, "accept", assignee="cbmt") == "da_tiep_nhan"
    assert queries.clerk_detail(store, code)["unit"] == "Công chức Nông nghiệp – Môi trường"  # type: ignore[index]
    assert act(store, code, "start") == "dang_xu_ly"
    assert act(store, code, "resolve", now=NOW + timedelta(days=2)) == "da_xu_ly"
    bad = act(store, code, "answer", answer=f"Đã gọi cho bà con qua số {PHONE} để báo")
    assert bad == Rejected("câu trả lời có số điện thoại; bỏ thông tin cá nhân trước khi đăng")
    named = act(store, code, "answer", answer=f"Cảm ơn {NAME}, cống đã được nạo vét")
    assert isinstance(named, Rejected) and "họ tên" in named.reason
    before = queries.public_status(store, code)
    assert before is not None and before.answer is None and before.photo_ids == []
    answer = "Xã đã nạo vét cống thoát nước, đường hết ngập ngày 02/12/2026."
    assert act(store, code, "answer", answer=answer, publish_photos=True) == "da_phan_hoi"
    shown = queries.public_status(store, code)
    assert shown is not None and shown.answer == answer and len(shown.photo_ids) == 1
    assert queries.photo(store, shown.photo_ids[0], code=code) is not None
    assert queries.photo(store, shown.photo_ids[0], code="PAZZZZZZ") is None
    assert (
        not hasattr(shown, "reporter_phone")
        and PHONE not in repr(shown)
        and NAME not in repr(shown)
    )
    with store.session() as session:
        trail = [(a.action, a.old_value, a.new_value) for a in reversed(audit.recent(session))
                 if a.entity_key == code]  # fmt: skip
        texts = " ".join(f"{a.detail} {a.new_value}" for a in audit.recent(session))
    assert trail == [("create", None, "moi"), ("accept", "moi", "da_tiep_nhan"),
                     ("start", "da_tiep_nhan", "dang_xu_ly"), ("resolve", "dang_xu_ly", "da_xu_ly"),
                     ("deliver", None, "not_sendable"),  # no answer channel here
                     ("answer", "da_xu_ly", "da_phan_hoi")]  # fmt: skip
    assert PHONE not in texts and NAME not in texts


def test_reject_needs_a_reason_and_moderation_release(store: Store) -> None:
    held = submit(store, draft(website="x")).code  # type: ignore[union-attr]
    assert queries.clerk_detail(store, held)["deadline"] is None  # type: ignore[index]
    assert act(store, held, "reject") == Rejected("từ chối cần nêu lý do")
    assert act(store, held, "release") == "moi"
    assert queries.clerk_detail(store, held)["deadline"] is not None  # type: ignore[index]
    assert act(store, held, "reject", reason="Không thuộc thẩm quyền của xã") == "tu_choi"
    assert queries.public_status(store, held).reject_reason == "Không thuộc thẩm quyền của xã"  # type: ignore[union-attr]


def test_reminder_then_overdue_alert_then_cleared(store: Store) -> None:
    code = submit(store, draft()).code  # type: ignore[union-attr]  # deadline NOW + 5 days
    run = alerts.check_deadlines(store, CATS, now=NOW + timedelta(days=3), remind_hours=24)
    assert run == alerts.DeadlineRun([], [])
    run = alerts.check_deadlines(store, CATS, now=NOW + timedelta(days=4, hours=1), remind_hours=24)
    assert run == alerts.DeadlineRun([code], [])
    again = alerts.check_deadlines(
        store, CATS, now=NOW + timedelta(days=4, hours=2), remind_hours=24
    )
    assert again == alerts.DeadlineRun([], [])  # reminded once
    late = NOW + timedelta(days=5, minutes=1)
    assert alerts.check_deadlines(store, CATS, now=late, remind_hours=24).overdue == [code]
    assert alerts.check_deadlines(store, CATS, now=late, remind_hours=24).overdue == []
    from coc.alerts.lifecycle import AlertFilter
    from coc.api.alerts import alert_list

    active = AlertFilter(kinds=(alerts.KIND,))
    shown = alert_list(store, "10237", active).alerts
    assert [(a.rule, a.kind, a.subject) for a in shown] == [(alerts.RULE, alerts.KIND, code)]
    assert (
        "PA-" in shown[0].message
        and PHONE not in shown[0].message
        and "05/12/2026" in shown[0].message
    )
    act(store, code, "accept", now=late)
    assert act(store, code, "resolve", now=late) == "da_xu_ly"
    assert alert_list(store, "10237", active).alerts == []


def test_stats_month_summary_and_measures_across_a_month_boundary(store: Store) -> None:
    nov_end = datetime(2026, 11, 30, 16, 59, tzinfo=UTC)  # 23:59 local, 30/11
    dec_start = datetime(2026, 11, 30, 17, 1, tzinfo=UTC)  # 00:01 local, 01/12
    a = submit(store, draft("Ổ gà trên đường trục xã", category="giao_thong"), now=nov_end).code  # type: ignore[union-attr]
    submit(store, draft("Rác ùn ứ ở bãi tập kết", hamlet="Thôn Hà Vỹ", phone="0911111111"),
           address="10.1.1.1", now=dec_start)  # fmt: skip
    submit(store, draft(website="bot"), address="10.2.2.2", now=nov_end)  # moderation: not counted
    act(store, a, "accept", now=dec_start)
    act(store, a, "resolve", now=dec_start + timedelta(days=1))  # within 7 days: on time
    nov, dec = parse_period("202611"), parse_period("202612")
    late = dec_start + timedelta(days=6)  # b (5 days) is overdue by then
    s_nov = queries.stats(store, "10237", nov, now=late)
    assert (s_nov.total.received, s_nov.total.handled) == (1, 0)
    s_dec = queries.stats(store, "10237", dec, now=late)
    assert (s_dec.total.received, s_dec.total.handled, s_dec.total.handled_on_time) == (1, 1, 1)
    assert s_dec.total.overdue == 1 and s_dec.by_hamlet["Thôn Hà Vỹ"].overdue == 1
    summary = queries.month_summary(store, "10237", dec, now=late, categories=CATS)
    assert summary["by_category"] == [
        {"name": "Giao thông, đường sá", "received": 0, "handled": 1, "handled_on_time": 1,
         "on_time_pct": 100.0, "overdue": 0, "open": 0},
        {"name": "Môi trường, rác thải", "received": 1, "handled": 0, "handled_on_time": 0,
         "on_time_pct": None, "overdue": 1, "open": 1},
    ]  # fmt: skip
    # a past month judged at its end: November's report was not overdue on 30/11
    assert queries.month_summary(store, "10237", nov, now=late)["total"]["overdue"] == 0
    with store.session() as session:
        ctx = MeasureContext(session, "10237", dec, late)
        got = {k: fn(ctx) for k, fn in MEASURES.items()}
    assert got == {"fieldreports_received": 1.0, "fieldreports_overdue": 1.0,
                   "fieldreports_handled": 1.0, "fieldreports_handled_on_time": 1.0}  # fmt: skip


def test_reminder_reaches_the_handler_through_the_outbox_once(store: Store) -> None:
    """The handler (here the unassigned report's office) is reached where the notification
    settings say; the reminder holds the code and deadline, never the reporter's phone."""
    from coc.notify import outbox
    from coc.notify.config import parse_config

    notify = parse_config(
        {
            "channels": [{"name": "email", "type": "smtp", "host": "127.0.0.1", "port": 25,
                          "sender": "coc@chuongduong.gov.vn"}],
            "people": {"văn phòng": [{"channel": "email", "recipient": "vp@chuongduong.gov.vn"}]},
        },
        {},
    )  # fmt: skip
    code = submit(store, draft()).code  # type: ignore[union-attr]  # deadline NOW + 5 days
    soon = NOW + timedelta(days=4, hours=1)
    for _ in range(2):  # a second check (or a restart) queues nothing more
        alerts.check_deadlines(store, CATS, now=soon, remind_hours=24, notify=notify)
    with store.session() as session:
        queued = outbox.deliveries(session)
    assert [(d["channel"], d["recipient"]) for d in queued] == [("email", "vp@chuongduong.gov.vn")]
    assert code[2:] in queued[0]["title"] and PHONE not in str(queued[0])


def trail_of(store: Store, code: str) -> list[tuple[str, str | None, str | None, str | None]]:
    with store.session() as session:
        return [(a.action, a.old_value, a.new_value, a.detail)
                for a in reversed(audit.recent(session)) if a.entity_key == code]  # fmt: skip


def hotline(store: Store, n: int = 1, now: datetime = NOW) -> str:
    """A hotline ticket without a category: "Khác" (10 days, the office)."""
    d = Draft(channel="hotline", category="khac", description=f"Gọi báo sạt lở bờ sông số {n}",
              external_id=f"HL-{n}", phone=f"09{n:08d}")  # fmt: skip
    return submit(store, d, address=None, now=now).code  # type: ignore[union-attr]


def test_recategorize_moves_the_deadline_and_the_default_unit_and_is_audited(store: Store) -> None:
    code = hotline(store)
    assert act(store, code, "accept") == "da_tiep_nhan"
    before = queries.clerk_detail(store, code)
    assert before["unit"] == "Văn phòng HĐND – UBND"  # type: ignore[index]
    assert before["deadline"] == NOW + timedelta(days=10)  # type: ignore[index]
    later = NOW + timedelta(hours=20)  # 06:00 local on 01/12: another day, another month
    assert act(store, code, "recategorize", now=later, category="thien_tai") == "da_tiep_nhan"
    row = queries.clerk_detail(store, code)
    assert row is not None and row["category"] == "thien_tai" and row["state"] == "da_tiep_nhan"
    assert row["deadline"] == NOW + timedelta(days=2)  # from receipt, not from the change
    assert row["unit"] == "Ban Chỉ huy phòng chống thiên tai"
    assert trail_of(store, code)[-1] == (
        "recategorize", "khac", "thien_tai",
        "nhóm: Khác → Đê điều, thiên tai; hạn: 10/12/2026 → 02/12/2026; "
        "bộ phận: Văn phòng HĐND – UBND → Ban Chỉ huy phòng chống thiên tai",
    )  # fmt: skip
    # refused, in Vietnamese, and nothing changes
    assert act(store, code, "recategorize", category="ca_nhac") == Rejected(
        "nhóm vấn đề này không có trong danh mục phản ánh"
    )
    assert act(store, code, "recategorize", category="thien_tai") == Rejected(
        "phản ánh đã thuộc nhóm vấn đề này"
    )
    assert act(store, code, "recategorize") == Rejected("chọn nhóm vấn đề mới của phản ánh")
    assert act(store, code, "resolve") == "da_xu_ly"
    closed = act(store, code, "recategorize", category="khac")
    assert isinstance(closed, Rejected) and "đổi nhóm" in closed.reason
    assert queries.clerk_detail(store, code)["category"] == "thien_tai"  # type: ignore[index]


def test_recategorize_keeps_a_deadline_and_unit_set_otherwise(store: Store) -> None:
    code = hotline(store)
    act(store, code, "accept", assignee="cbdc", unit="Tổ công tác thôn Hà Vỹ")
    by_hand = datetime(2026, 12, 20, 10, 0, tzinfo=UTC)
    with store.session() as session:  # a deadline set otherwise than by the category
        session.execute(sa_update(FieldReport).where(FieldReport.code == code)
                        .values(deadline=by_hand))  # fmt: skip
        session.commit()
    assert act(store, code, "recategorize", category="giao_thong") == "da_tiep_nhan"
    row = queries.clerk_detail(store, code)
    assert row is not None and row["category"] == "giao_thong"
    assert (row["deadline"], row["unit"]) == (by_hand, "Tổ công tác thôn Hà Vỹ")
    assert trail_of(store, code)[-1][3] == (
        "nhóm: Khác → Giao thông, đường sá; hạn giữ nguyên 20/12/2026 (không theo nhóm cũ)"
    )
    # a report not yet accepted has no unit: accept gives it the new category's
    fresh = hotline(store, 2)
    act(store, fresh, "recategorize", category="an_ninh_trat_tu")
    assert queries.clerk_detail(store, fresh)["unit"] is None  # type: ignore[index]
    act(store, fresh, "accept")
    assert queries.clerk_detail(store, fresh)["unit"] == "Công an xã"  # type: ignore[index]


def test_a_held_report_recategorized_gets_the_new_deadline_on_release(store: Store) -> None:
    held = submit(store, draft(website="x", category="khac")).code  # type: ignore[union-attr]
    assert act(store, held, "recategorize", category="dien_chieu_sang") == service.MODERATION
    assert queries.clerk_detail(store, held)["deadline"] is None  # type: ignore[index]
    assert act(store, held, "release") == "moi"
    assert queries.clerk_detail(store, held)["deadline"] == NOW + timedelta(days=5)  # type: ignore[index]


def test_recategorize_and_the_overdue_alert(store: Store) -> None:
    """Waste (5 days) reminded on day 4, overdue on day 6; moved to "Khác" (10 days) its
    alert clears and it is reminded again before the new deadline; moved to dykes (2 days)
    it is overdue again at the next check, under the new category's name."""
    from coc.alerts.lifecycle import open_alert

    code = submit(store, draft()).code  # type: ignore[union-attr]
    day4 = NOW + timedelta(days=4, hours=1)
    assert alerts.check_deadlines(store, CATS, now=day4, remind_hours=24).reminded == [code]
    day6 = NOW + timedelta(days=6)
    assert alerts.check_deadlines(store, CATS, now=day6, remind_hours=24).overdue == [code]
    act(store, code, "recategorize", now=day6, category="khac")
    with store.session() as session:
        assert open_alert(session, alerts.KIND, code) is None
    day9 = NOW + timedelta(days=9, hours=1)
    assert alerts.check_deadlines(store, CATS, now=day9, remind_hours=24).reminded == [code]
    act(store, code, "recategorize", now=day9, category="thien_tai")
    assert alerts.check_deadlines(store, CATS, now=day9, remind_hours=24).overdue == [code]
    with store.session() as session:
        alert = open_alert(session, alerts.KIND, code)
        assert alert is not None and "(Đê điều, thiên tai)" in alert.message


KEY = re.compile(r"\b(" + "|".join((*handling.STATES, *handling.ACTIONS)) + r")\b")


def test_wrong_state_reasons_are_in_words_never_keys(store: Store) -> None:
    code = submit(store, draft()).code  # type: ignore[union-attr]
    reasons: dict[str, list[str]] = {}
    for state in handling.STATES:
        with store.session() as session:
            session.execute(sa_update(FieldReport).where(FieldReport.code == code)
                            .values(state=state))  # fmt: skip
            session.commit()
        for action, (allowed, _) in handling.MOVES.items():
            if state not in allowed:
                got = act(store, code, action, answer="x" * 20, reason="lý do", category="khac")
                assert isinstance(got, Rejected), (state, action)
                reasons.setdefault(state, []).append(got.reason)
    assert set(reasons) == set(handling.STATES)  # every state refuses something
    for state, said in reasons.items():
        for reason in said:
            assert not KEY.search(reason), reason
            assert f"“{handling.STATE_NAMES[state]}”" in reason
    assert reasons["tu_choi"][0] == (
        "không thể duyệt khi phản ánh đang ở trạng thái “Từ chối” (chỉ khi: “Chờ kiểm duyệt”)"
    )


def test_the_core_state_names_are_the_pages_vietnamese_ones() -> None:
    from dashboards.texts.fieldreports import STRINGS

    assert set(handling.STATE_NAMES) == set(handling.STATES)
    for state, name in handling.STATE_NAMES.items():
        assert STRINGS[f"fr_state_{state}"][0] == name
    assert set(handling.ACTION_NAMES) == set(handling.ACTIONS)
    assert all(f"fr_act_{a}" in STRINGS for a in handling.ACTIONS)


def test_moderation_queue_alert_raised_counted_and_cleared(store: Store) -> None:
    """Held at 23:30 local on 30/11, one report waits past 24 hours at 23:31 on 01/12;
    a second one held later joins the count; the alert clears when both are handled."""
    from coc.alerts.lifecycle import open_alert

    nov_last = datetime(2026, 11, 30, 16, 30, tzinfo=UTC)  # 23:30 local, 30/11
    first = submit(store, draft(website="x"), now=nov_last).code  # type: ignore[union-attr]
    second = submit(store, draft("Biển báo giao thông bị đổ ở ngã ba", website="x"),
                    address="10.9.9.9", now=nov_last + timedelta(hours=5)).code  # type: ignore[union-attr]  # fmt: skip
    submit(store, draft("Cây đổ chắn ngang đường liên thôn"), address="10.8.8.8", now=nov_last)

    def check(at: datetime) -> dict[str, int]:
        return alerts.check_moderation(store, now=at, hours=24)

    def alert() -> tuple[str, float | None] | None:
        with store.session() as session:
            found = open_alert(session, alerts.MODERATION_KIND, "10237")
            return (found.message, found.last_value) if found else None

    assert check(nov_last + timedelta(hours=24)) == {}  # 23:30 on 01/12: not longer yet
    assert alert() is None
    dec_1 = nov_last + timedelta(hours=24, minutes=1)
    assert check(dec_1) == {"10237": 1}
    assert alert() == ("1 phản ánh chờ kiểm duyệt quá 24 giờ (lâu nhất từ 23:30 30/11/2026)", 1)
    assert check(dec_1) == {"10237": 1}  # a level check: still one alert, not a repeat
    dec_2 = nov_last + timedelta(hours=30)  # 05:30 local on 02/12
    assert check(dec_2) == {"10237": 2}
    message, count = alert()  # type: ignore[misc]
    assert (message, count) == (
        "2 phản ánh chờ kiểm duyệt quá 24 giờ (lâu nhất từ 23:30 30/11/2026)",
        2,
    )
    assert PHONE not in message and NAME not in message and first[2:] not in message
    from coc.alerts.lifecycle import AlertFilter
    from coc.api.alerts import alert_list

    shown = alert_list(store, "10237", AlertFilter(kinds=(alerts.MODERATION_KIND,))).alerts
    assert [(a.rule, a.subject) for a in shown] == [(alerts.MODERATION_RULE, "10237")]
    assert act(store, first, "release", now=dec_2) == "moi"
    assert check(dec_2) == {"10237": 1}
    assert act(store, second, "reject", now=dec_2, reason="Tin rác quảng cáo") == "tu_choi"
    assert check(dec_2) == {}
    assert alert() is None and alert_list(store, "10237", AlertFilter(
        kinds=(alerts.MODERATION_KIND,))).alerts == []  # fmt: skip


def test_the_deadline_job_runs_the_moderation_check(store: Store) -> None:
    from coc.config import load_settings
    from coc.fieldreports import jobs

    held_at = datetime(2020, 1, 1, tzinfo=UTC)  # long ago: waiting by any clock
    submit(store, draft(website="x"), now=held_at)
    settings = load_settings(environ={})
    assert settings.fieldreports.moderation_alert_hours == 24
    jobs.deadline_job(store, settings)
    from coc.alerts.lifecycle import open_alert

    with store.session() as session:
        assert open_alert(session, alerts.MODERATION_KIND, "10237") is not None
