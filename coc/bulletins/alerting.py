"""Bulletins drafted by alerts: an alert rule in `alerts.yaml` may carry a `bulletin:`
template (title, text, priority, hamlets or clusters, hours valid); when an alert of that
rule opens, a draft is made from it, voiced, and waits for the chairperson's approval.
At most one draft per alert (the alert id is unique on the bulletin)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from coc import fmt
from coc.bulletins import PRIORITIES
from coc.bulletins.content import voice_bulletin
from coc.bulletins.schedule import Schedule
from coc.bulletins.speech import SpeechUnavailable
from coc.bulletins.workflow import Draft, WorkflowError, create
from coc.config import Settings, read_yaml
from coc.errors import ConfigError
from coc.store.db import Store
from coc.store.models import Alert, Bulletin, Device
from coc.timeutil import as_utc, utcnow

log = logging.getLogger(__name__)
ACTOR = "hệ thống"  # who drafts from an alert, in the audit log
LOOKBACK = timedelta(hours=1)  # alerts opened longer ago than this are not drafted


@dataclass(frozen=True)
class Template:
    rule_id: str
    title: str
    text: str
    priority: str = "khan_cap"
    hamlets: tuple[str, ...] = ()
    clusters: tuple[str, ...] = ()
    valid_hours: float = 6.0


def _template(rule_id: str, raw: Any) -> Template:
    if not isinstance(raw, dict) or not raw.get("text"):
        raise ConfigError(f"mẫu bản tin của luật cảnh báo '{rule_id}' cần 'text'")
    t = Template(
        rule_id=rule_id,
        title=str(raw.get("title") or "Bản tin cảnh báo"),
        text=str(raw["text"]),
        priority=str(raw.get("priority", "khan_cap")),
        hamlets=tuple(str(h) for h in raw.get("hamlets") or ()),
        clusters=tuple(str(c) for c in raw.get("clusters") or ()),
        valid_hours=float(raw.get("valid_hours", 6)),
    )
    if t.priority not in PRIORITIES:
        raise ConfigError(f"mẫu bản tin '{rule_id}': mức ưu tiên phải là {', '.join(PRIORITIES)}")
    if t.valid_hours <= 0:
        raise ConfigError(f"mẫu bản tin '{rule_id}': valid_hours phải dương")
    return t


def load_templates(settings: Settings) -> dict[str, Template]:
    """Templates by alert rule id, read from the alert rules file."""
    data = read_yaml(settings.config_file(settings.devices.alerts_file), "tệp luật cảnh báo")
    out: dict[str, Template] = {}
    for rule in data.get("rules") or []:
        if isinstance(rule, dict) and rule.get("bulletin") is not None:
            out[str(rule.get("id"))] = _template(str(rule.get("id")), rule["bulletin"])
    return out


def fill(template: str, alert: Alert, device: Device | None) -> str:
    """{device}, {hamlet}, {value}, {threshold}, {unit} in Vietnamese number format."""
    values = {
        "device": device.name if device else alert.device_id,
        "hamlet": (device.hamlet if device else None) or "",
        "value": fmt.number(alert.value, 2),
        "threshold": fmt.number(alert.threshold, 2),
        "unit": (device.unit if device else None) or "",
    }
    out = template
    for key, value in values.items():
        out = out.replace("{" + key + "}", value)
    return out


def draft_for_alerts(store: Store, settings: Settings, now: datetime | None = None) -> list[str]:
    """Drafts for alerts opened recently whose rule carries a template; returns their ids.
    A draft whose speech fails is still made (a clerk can voice it or upload audio)."""
    now = as_utc(now or utcnow())
    templates = load_templates(settings)
    if not templates:
        return []
    with store.session() as s:
        drafted = select(Bulletin.alert_id).where(Bulletin.alert_id.is_not(None))
        alerts = list(
            s.scalars(
                select(Alert).where(
                    Alert.rule_id.in_(list(templates)),
                    Alert.status == "open",
                    Alert.opened_at >= now - LOOKBACK,
                    Alert.id.not_in(drafted),
                )
            )
        )
        devices = {d.device_id: d for d in s.scalars(select(Device))}
    made: list[str] = []
    for alert in alerts:
        t = templates[alert.rule_id]
        device = devices.get(alert.device_id)
        kind, targets = ("clusters", t.clusters) if t.clusters else ("hamlets", t.hamlets)
        if not targets:
            kind = "all"
        draft = Draft(
            title=fill(t.title, alert, device),
            text=fill(t.text, alert, device),
            priority=t.priority,
            target_kind=kind,
            targets=targets,
            schedule=Schedule("now", valid_until=now + timedelta(hours=t.valid_hours)),
        )
        try:
            bulletin_id = create(store, draft, ACTOR, settings.commune.code, now, alert_id=alert.id)
        except WorkflowError as exc:
            log.warning("không tạo được bản tin từ cảnh báo #%s: %s", alert.id, exc)
            continue
        made.append(bulletin_id)
        try:
            voice_bulletin(store, settings, bulletin_id, ACTOR)
        except (SpeechUnavailable, WorkflowError) as exc:
            log.warning("bản tin %s chưa có giọng đọc: %s", bulletin_id, exc)
    return made
