"""Typed answers of the status endpoints (health, catalog, devices, alerts). The views
build these, so the OpenAPI document (generated from them) is what is served. Wire
formats shared with sync and the province live in `coc.wire`."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

DateTime = Field(None, json_schema_extra={"format": "date-time"})


class Answer(BaseModel):
    """Served as built: fields never set are left out, fields set to None are null."""

    model_config = ConfigDict(extra="forbid")

    def body(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude_unset=True)


class RunState(Answer):
    """The newest run of a connector or sync job (counts only: messages can hold URLs)."""

    name: str
    status: str = Field(examples=["ok"], description="running | ok | partial | failed")
    startedAt: str | None = DateTime
    finishedAt: str | None = DateTime
    records: int
    errors: int
    pages: int


class DatabaseState(Answer):
    status: Literal["ok", "down"]
    dialect: str = Field(examples=["sqlite"])
    detail: str | None = Field(None, description="Error class when down.")


class BrokerState(Answer):
    status: str = Field(description="not_configured | unknown | up | down | degraded")
    detail: str | None = None
    updatedAt: str | None = DateTime


class IngesterState(Answer):
    """The MQTT ingester's liveness from its supervisor's heartbeat (no topics, payloads
    or addresses). Only `status` when not configured or never reported."""

    status: Literal["ok", "degraded", "down", "stopped", "unknown", "not_configured"] = Field(
        description="degraded: restarted lately, stalled or not connected; down: a thread "
        "died or the heartbeat stopped"
    )
    detail: str | None = None
    networkLoop: Literal["alive", "dead"] | None = None
    writer: Literal["alive", "dead"] | None = None
    connected: bool | None = None
    lastReceivedAt: str | None = DateTime
    lastStoredAt: str | None = DateTime
    queued: int | None = Field(None, description="Messages received, not yet stored.")
    restarts: int = 0
    lastRestartAt: str | None = DateTime
    heartbeatAt: str | None = DateTime


class SyncState(Answer):
    upstream: bool = Field(description="Whether a push upstream is configured.")
    push: RunState | None
    pulls: list[RunState]


class Health(Answer):
    """Public. `status` is down (503) without a database, degraded when a job failed, the
    broker is down or the ingester is not ok (down, degraded, stopped)."""

    status: Literal["ok", "degraded", "down"]
    time: str | None = DateTime
    role: Literal["commune", "district", "province"]
    orgUnit: str
    database: DatabaseState
    broker: BrokerState | None = None
    connectors: list[RunState] | None = None
    sync: SyncState | None = None
    ingester: IngesterState | None = None


class IndicatorInfo(Answer):
    code: str = Field(examples=["TTHC_DUNG_HAN"])
    kind: str = Field(description="indicator | element")
    name_vi: str
    name_en: str
    pillar: str
    unit: str
    direction: str = Field(description="higher | lower is better")
    aggregation: str = Field(description="ratio | sum | average | last")
    source: str
    formula_vi: str
    formula_en: str
    target: float | None = Field(description="The year's target, when one is set.")
    year: int
    bands: list[float] = Field(description="Red/amber and amber/green limits of completion.")


class IndicatorCatalog(Answer):
    year: int
    indicators: list[IndicatorInfo]


class KindCount(Answer):
    online: int
    offline: int
    total: int


class DeviceInfo(Answer):
    id: str
    kind: str = Field(description="camera | speaker | sensor")
    name: str
    orgUnit: str
    hamlet: str | None
    state: str = Field(description="online | offline | recording | playing | idle | fault")
    online: bool
    lastSeen: str | None = DateTime
    stateSince: str | None = DateTime


class DeviceSummary(Answer):
    orgUnit: str
    total: int
    kinds: dict[str, KindCount]
    devices: list[DeviceInfo]


class AlertInfo(Answer):
    id: int | None
    rule: str
    kind: str = Field(description="sensor | device_offline | source_stale | … (docs/alerts.md)")
    subject: str = Field(description="What the alert is about; one open alert per kind+subject.")
    device_id: str | None
    key: str | None
    hamlet: str | None
    org_unit: str | None = Field(
        None, description="The org unit it is about; null: the system's own (push, connectors)."
    )
    severity: str = Field(description="critical | warning | info")
    status: str = Field(description="open | cleared")
    state: str = Field(description="ACTIVE_UNACK | ACTIVE_ACK | CLEARED_UNACK | CLEARED_ACK")
    message: str
    value: float | None = Field(description="The value that opened the alert.")
    threshold: float | None
    count: int = Field(description="How often the condition was seen while the alert was open.")
    last_value: float | None
    last_seen_at: str | None = DateTime
    opened_at: str | None = DateTime
    cleared_at: str | None = DateTime
    cleared_by: str | None = Field(description="Who cleared it by hand; null: its rule.")
    clear_reason: str | None
    acknowledged_at: str | None = DateTime
    acknowledged_by: str | None
    ack_comment: str | None
    assignee: str | None
    assigned_by: str | None
    assigned_at: str | None = DateTime


class AlertList(Answer):
    orgUnit: str
    available: bool
    alerts: list[AlertInfo]


class FieldReportIn(Answer):
    """A hotline system's call ticket (POST /fieldReports); `callId` makes a resend harmless."""

    callId: str = Field(examples=["HL-20261130-0042"], max_length=64)
    category: str | None = Field(None, examples=["giao_thong"], description="Category key.")
    content: str = Field(examples=["Đèn đường ngõ 3 tắt cả tuần"], description="What is wrong.")
    hamlet: str | None = Field(None, examples=["Thôn Kỳ Dương"])
    lat: float | None = None
    lon: float | None = None
    callerNumber: str | None = Field(None, description="For the answer; clerks only.")
    callerName: str | None = Field(None, description="For the answer; clerks only.")
    receivedAt: str | None = DateTime


class FieldReportAccepted(Answer):
    code: str = Field(examples=["PA-7K3M9Q"], description="The short code the citizen keeps.")
    status: Literal["received", "moderation", "duplicate"]


class FieldReportStatus(Answer):
    """A report as anyone with its code sees it: no name, no phone."""

    code: str = Field(examples=["PA-7K3M9Q"])
    state: str = Field(
        examples=["dang_xu_ly"],
        description="cho_kiem_duyet | moi | da_tiep_nhan | dang_xu_ly | da_xu_ly | "
        "da_phan_hoi | tu_choi",
    )
    category: str
    hamlet: str | None = None
    receivedAt: str | None = DateTime
    deadline: str | None = DateTime
    handledAt: str | None = DateTime
    answeredAt: str | None = DateTime
    answer: str | None = Field(None, description="The published answer (đã phản hồi).")
    rejectReason: str | None = None


class BulletinInfo(Answer):
    id: str
    title: str
    priority: str = Field(description="thuong | uu_tien | khan_cap (TT 39/2020)")
    status: str = Field(description="draft | approved | rejected | cancelled")
    schedule: str = Field(description="now | at | daily | weekly")
    durationSeconds: float | None
    createdAt: str | None = DateTime
    approvedAt: str | None = DateTime
    nextStart: str | None = DateTime
    deliveries: dict[str, int] = Field(description="Clusters per delivery state.")


class BulletinList(Answer):
    orgUnit: str
    bulletins: list[BulletinInfo]


class DeliveryInfo(Answer):
    device: str
    name: str
    hamlet: str | None
    occurrence: str = Field(description="'now' or the local start YYYY-MM-DDTHH:MM")
    state: str = Field(
        description="pending | sent | received | playing | done | failed | expired | cancelled"
    )
    attempts: int
    sentAt: str | None = DateTime
    playedAt: str | None = DateTime
    finishedAt: str | None = DateTime
    reason: str | None


class DeliveryReportAnswer(Answer):
    bulletin: str
    deliveries: list[DeliveryInfo]
