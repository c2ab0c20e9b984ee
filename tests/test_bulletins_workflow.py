"""The bulletin workflow: drafts are checked, only the approver approves, every step is
audited, and an alert rule with a bulletin template drafts a khẩn cấp bulletin (voiced,
its duration known) for the hamlets along the river when its alert opens."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fixtures_base import needs, new_store

from coc.bulletins.alerting import draft_for_alerts, load_templates
from coc.bulletins.schedule import Schedule
from coc.bulletins.workflow import (
    Draft,
    WorkflowError,
    approve,
    awaiting_urgent,
    cancel,
    create,
    get,
    listing,
    reject,
)
from coc.config import Settings, load_settings
from coc.devices.alerts import evaluate, load_rules
from coc.devices.registry import sync_devices
from coc.ingest.messages import Reading, Telemetry
from coc.store import audit
from coc.store.db import Store
from sensors.writer import Batch, Item, write_batch

T0 = datetime(2026, 11, 22, 3, 0, tzinfo=UTC)
needs_speech = needs(bool(shutil.which("espeak-ng") and shutil.which("sox")), "espeak-ng/sox")


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return load_settings(environ={"COC_DATA_DIR": str(tmp_path / "data")})


@pytest.fixture
def store(tmp_path: Path, settings: Settings) -> Store:
    s = new_store(tmp_path / "coc.sqlite3")
    sync_devices(s, settings)
    return s


def test_drafts_are_checked_with_reasons(store: Store) -> None:
    bad = Draft(
        title=" ",
        priority="rat_gap",
        target_kind="hamlets",
        targets=("Thôn Không Có",),
        schedule=Schedule("daily", window_start="06:00", window_end="06:30"),
    )
    with pytest.raises(WorkflowError) as err:
        create(store, bad, "thuky", "10237", T0)
    assert str(err.value) == (
        "bản tin cần tiêu đề; bản tin cần nội dung: văn bản hoặc tệp âm thanh; "
        "mức ưu tiên không hợp lệ; có thôn không thuộc xã: Thôn Không Có; "
        "lịch lặp lại cần ngày kết thúc"
    )
    assert listing(store, T0) == []


def test_only_the_approver_approves_and_every_step_is_audited(store: Store) -> None:
    draft = Draft(title="Họp dân", text="Mời bà con dự họp.", audio_key="a" * 40, duration_s=3.2)
    bid = create(store, draft, "thuky", "10237", T0)
    for role in (None, "viewer", "clerk"):
        with pytest.raises(WorkflowError, match="chỉ chủ tịch"):
            approve(store, bid, "thuky", role, T0)
    approved = approve(store, bid, "chutich", "approver", T0 + timedelta(minutes=1))
    assert (approved.status, approved.approved_by) == ("approved", "chutich")
    with pytest.raises(WorkflowError, match="trạng thái 'approved'"):
        reject(store, bid, "chutich", "admin", T0)
    cancel(store, bid, "thuky", "clerk", T0 + timedelta(minutes=2))
    with store.session() as s:
        trail = [(a.actor, a.action, a.old_value, a.new_value) for a in audit.recent(s)]
    assert trail[::-1] == [
        ("thuky", "create", None, "draft"),
        ("chutich", "approved", "draft", "approved"),
        ("thuky", "cancelled", "approved", "cancelled"),
    ]
    no_audio = create(store, Draft(title="Nhắc", text="Văn bản"), "thuky", "10237", T0)
    with pytest.raises(WorkflowError, match="chưa có âm thanh"):
        approve(store, no_audio, "chutich", "approver", T0)
    past = Draft(title="Họp", text="Họp", audio_key="a" * 40, schedule=Schedule("at", T0))
    late = create(store, past, "thuky", "10237", T0)
    with pytest.raises(WorkflowError, match="lịch phát của bản tin đã qua"):
        approve(store, late, "chutich", "approver", T0 + timedelta(hours=1))
    assert approve(store, late, "chutich", "approver", T0 + timedelta(minutes=10)).status == (
        "approved"  # still inside its 30-minute window
    )


def write_levels(store: Store, start: datetime, levels: list[float]) -> None:
    batch, base = Batch(), int(start.timestamp() * 1000)
    for i, level in enumerate(levels):
        reading = Reading("mn-01", "water_level", base + i * 60_000, level)
        batch.add(Item("t", b"", Telemetry((reading,)), base + i * 60_000))
    write_batch(store, batch, "10237")


@needs_speech
def test_an_opening_alert_drafts_an_emergency_bulletin_once(
    store: Store, settings: Settings
) -> None:
    assert list(load_templates(settings)) == ["water_critical"]
    rules = load_rules(settings)
    evaluate(store, rules, now=T0)
    write_levels(store, T0, [5.8] * 12)
    now = T0 + timedelta(minutes=12)
    evaluate(store, rules, now=now)
    made = draft_for_alerts(store, settings, now)
    assert len(made) == 1 and draft_for_alerts(store, settings, now) == []  # once per alert
    b = get(store, made[0], now)
    assert b is not None
    assert b.title == "Cảnh báo lũ: Đo mực nước sông Hồng – bến Chương Dương"
    assert (b.priority, b.status, b.target_kind) == ("khan_cap", "draft", "hamlets")
    assert b.targets == ("Thôn Chương Lộc", "Thôn Từ Vân", "Thôn Tự Nhiên")
    assert "đã lên 5,8 m, vượt mức báo động 5,5 m" in (b.text or "")
    assert b.duration_s is not None and 10 < b.duration_s < 60  # voiced before approval
    assert [r.id for r in awaiting_urgent(store, now)] == made
    with store.session() as s:
        (entry,) = [a for a in audit.recent(s) if a.action == "create"]
    assert entry.actor == "hệ thống" and entry.detail and entry.detail.startswith("từ cảnh báo #")
    # alerts opened long ago (before COC ran) are not drafted
    assert draft_for_alerts(store, settings, now + timedelta(hours=2)) == []
