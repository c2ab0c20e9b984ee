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
    device_id: str | None
    key: str | None
    severity: str = Field(description="critical | warning | info")
    status: str
    message: str
    value: float | None
    threshold: float | None
    opened_at: str | None = DateTime
    cleared_at: str | None = DateTime


class AlertList(Answer):
    orgUnit: str
    available: bool
    alerts: list[AlertInfo]


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
