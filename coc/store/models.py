"""Tables only. Natural keys are unique constraints so every write can be an upsert.

Dossier columns keep the national public-service portal's sync field names (MaHoSo, …)
so a record can be traced back to the portal without a mapping table.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, Index, LargeBinary, Text, UniqueConstraint, text
from sqlalchemy import false as sa_false
from sqlmodel import Field, SQLModel

from coc.store.types import UTCDateTime
from coc.timeutil import utcnow


def _ts(nullable: bool = True, index: bool = False) -> Any:
    return Field(default=None, sa_column=Column(UTCDateTime(), nullable=nullable, index=index))


def _now_ts(index: bool = False, onupdate: bool = False) -> Any:
    column = Column(
        UTCDateTime(),
        nullable=False,
        index=index,
        default=utcnow,
        onupdate=utcnow if onupdate else None,
    )
    return Field(default_factory=utcnow, sa_column=column)


def _json(default: Any = None) -> Any:
    if default is None:
        return Field(default=None, sa_column=Column(JSON, nullable=True))
    return Field(default_factory=default, sa_column=Column(JSON, nullable=False, default=default))


class OrgUnit(SQLModel, table=True):
    __tablename__ = "org_unit"
    code: str = Field(primary_key=True, max_length=16)
    name: str
    level: str = Field(max_length=16)  # province | district | commune
    parent_code: str | None = Field(default=None, index=True, max_length=16)
    lat: float | None = None
    lon: float | None = None
    updated_at: datetime = _now_ts(onupdate=True)


class Indicator(SQLModel, table=True):
    __tablename__ = "indicator"
    code: str = Field(primary_key=True, max_length=64)
    kind: str = Field(default="indicator", max_length=16)  # indicator | element
    name_vi: str
    name_en: str
    pillar: str = Field(index=True, max_length=32)
    unit: str = Field(max_length=32)
    direction: str = Field(default="higher", max_length=8)  # higher | lower
    aggregation: str = Field(default="ratio", max_length=16)  # sum | average | ratio | last
    source: str = Field(max_length=32)
    formula: dict[str, Any] = _json(dict)
    formula_text_vi: str = ""
    formula_text_en: str = ""
    bands: list[float] | None = _json()  # thresholds, e.g. [50, 80]: red < 50 ≤ amber < 80 ≤ green
    decimals: int = 1
    min_value: float | None = None
    max_value: float | None = None
    sort_order: int = 0
    updated_at: datetime = _now_ts(onupdate=True)


class Target(SQLModel, table=True):
    __tablename__ = "target"
    __table_args__ = (UniqueConstraint("indicator_code", "org_unit", "year"),)
    id: int | None = Field(default=None, primary_key=True)
    indicator_code: str = Field(index=True, max_length=64)
    org_unit: str = Field(max_length=16)
    year: int
    value: float
    updated_at: datetime = _now_ts(onupdate=True)


VALUE_KEY = (
    "org_unit",
    "period",
    "indicator_code",
    "category_option_combo",
    "attribute_option_combo",
)


class DataValue(SQLModel, table=True):
    """One indicator or data element for one org unit and period: the unit of the feed."""

    __tablename__ = "data_value"
    __table_args__ = (
        # org unit and period first: a page of one commune's values is a few index ranges
        UniqueConstraint(*VALUE_KEY, name="uq_data_value_key"),
        Index("ix_data_value_last_updated", "last_updated", "id"),
    )
    id: int | None = Field(default=None, primary_key=True)
    indicator_code: str = Field(max_length=64)
    org_unit: str = Field(max_length=16)
    period: str = Field(max_length=10)
    # DHIS2's disaggregation and attribute dimensions; "" is the default combo
    category_option_combo: str = Field(
        default="", max_length=32, sa_column_kwargs={"server_default": ""}
    )
    attribute_option_combo: str = Field(
        default="", max_length=32, sa_column_kwargs={"server_default": ""}
    )
    value: float | None = None
    numerator: float | None = None
    denominator: float | None = None
    source: str = Field(
        default="computed", max_length=32
    )  # computed|reporting|manual|import|upstream
    comment: str | None = None
    followup: bool = Field(default=False, sa_column_kwargs={"server_default": sa_false()})
    stored_by: str | None = Field(default=None, max_length=64)
    deleted: bool = False
    last_updated: datetime = _now_ts()
    created_at: datetime = _now_ts()


class Document(SQLModel, table=True):
    """An incoming or outgoing official document from the QLVB&ĐH system."""

    __tablename__ = "document"
    __table_args__ = (UniqueConstraint("org_unit", "doc_id"),)
    id: int | None = Field(default=None, primary_key=True)
    org_unit: str = Field(max_length=16)
    doc_id: str = Field(max_length=64)
    direction: str = Field(max_length=8)  # in | out
    number: str | None = None  # số
    symbol: str | None = None  # ký hiệu
    summary: str | None = Field(default=None, sa_column=Column(Text))  # trích yếu
    issued_date: datetime | None = _ts(index=True)
    received_date: datetime | None = _ts()
    deadline: datetime | None = _ts()
    completed_date: datetime | None = _ts()
    status: str = Field(default="processing", max_length=16)  # processing | done | cancelled
    signed: bool = False  # ký số
    electronic: bool = True  # gửi, nhận, xử lý trên môi trường mạng
    handler: str | None = None
    source_updated_at: datetime | None = _ts(index=True)
    updated_at: datetime = _now_ts(onupdate=True)


class WorkFile(SQLModel, table=True):
    """A work file (hồ sơ công việc) opened by the commune, handled online or not."""

    __tablename__ = "work_file"
    __table_args__ = (UniqueConstraint("org_unit", "file_id"),)
    id: int | None = Field(default=None, primary_key=True)
    org_unit: str = Field(max_length=16)
    file_id: str = Field(max_length=64)
    title: str = ""
    opened_date: datetime | None = _ts(index=True)
    closed_date: datetime | None = _ts()
    online: bool = False
    status: str = Field(default="open", max_length=16)
    source_updated_at: datetime | None = _ts()
    updated_at: datetime = _now_ts(onupdate=True)


class Dossier(SQLModel, table=True):
    """A one-stop administrative-procedure dossier (hồ sơ TTHC), portal field names."""

    __tablename__ = "dossier"
    __table_args__ = (
        UniqueConstraint("org_unit", "MaHoSo"),
        Index("ix_dossier_received", "org_unit", "NgayTiepNhan"),
    )
    id: int | None = Field(default=None, primary_key=True)
    org_unit: str = Field(max_length=16)
    MaHoSo: str = Field(max_length=64)
    MaTTHC: str | None = None
    TenTTHC: str | None = None
    MaLinhVuc: str | None = None
    TenLinhVuc: str | None = None
    KenhThucHien: int | None = None  # 1 in person, 2 online, 3 postal
    NgayTiepNhan: datetime | None = _ts()
    NgayHenTra: datetime | None = _ts()
    NgayKetThucXuLy: datetime | None = _ts()
    NgayTra: datetime | None = _ts()
    TrangThaiHoSo: int | None = None  # 1..10
    DuocThanhToanTrucTuyen: int | None = None  # 0 no, 1 national portal, 2 local portal
    HoSoCoThanhPhanSoHoa: int | None = None
    TrichYeuHoSo: str | None = None
    DonViXuLy: str | None = None
    TaiLieuNop: list[dict[str, Any]] = _json(list)
    DanhSachLePhi: list[dict[str, Any]] = _json(list)
    DanhSachGiayToKetQua: list[dict[str, Any]] = _json(list)
    DanhSachHoSoBoSung: list[dict[str, Any]] = _json(list)
    CoKhieuNai: int = 0  # a complaint (phản ánh, kiến nghị) was filed about this dossier
    # Citizen personal data: kept for drill-down by clerks, never in the feed.
    ChuHoSo: str | None = None
    SoGiayToChuHoSo: str | None = None
    SoDienThoai: str | None = None
    Email: str | None = None
    DiaChi: str | None = None
    source_updated_at: datetime | None = _ts(index=True)
    updated_at: datetime = _now_ts(onupdate=True)


class Device(SQLModel, table=True):
    __tablename__ = "device"
    device_id: str = Field(primary_key=True, max_length=64)
    org_unit: str = Field(max_length=16)
    kind: str = Field(max_length=16, index=True)  # camera | speaker | sensor
    name: str
    sensor_type: str | None = Field(default=None, max_length=32)
    unit: str | None = None
    range_min: float | None = None
    range_max: float | None = None
    lat: float | None = None
    lon: float | None = None
    hamlet: str | None = None  # thôn
    inactivity_timeout_s: int | None = None
    registration: str = Field(default="config", max_length=16)  # config | pending
    state: str = Field(default="unknown", max_length=16)  # online|offline|recording|…|unknown
    online: bool = False
    last_seen: datetime | None = _ts()
    state_since: datetime | None = _ts()
    updated_at: datetime = _now_ts(onupdate=True)


class DeviceEvent(SQLModel, table=True):
    __tablename__ = "device_event"
    __table_args__ = (Index("ix_device_event_device_ts", "device_id", "ts"),)
    id: int | None = Field(default=None, primary_key=True)
    device_id: str = Field(max_length=64)
    ts: datetime = _now_ts()
    state: str = Field(max_length=16)
    previous: str | None = Field(default=None, max_length=16)
    online: bool = False
    reason: str = Field(default="status", max_length=32)  # status | will | timeout | telemetry


class SensorReading(SQLModel, table=True):
    """Raw telemetry; ts in ms since epoch keeps 10⁷ rows small and indexes fast."""

    __tablename__ = "sensor_reading"
    device_id: str = Field(primary_key=True, max_length=64)
    key: str = Field(primary_key=True, max_length=32)
    ts: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    value: float


class Quarantine(SQLModel, table=True):
    """Records that failed validation, kept with the raw payload and the reason."""

    __tablename__ = "quarantine"
    __table_args__ = (UniqueConstraint("source", "dedupe_key", name="uq_quarantine_dedupe"),)
    id: int | None = Field(default=None, primary_key=True)
    source: str = Field(index=True, max_length=64)
    raw: str = Field(sa_column=Column(Text, nullable=False))
    # Which message this is (coc.store.quarantine.quarantine_row): the same message again
    # adds nothing, another message with the same payload is kept. A row made by hand is
    # its own message.
    dedupe_key: str = Field(default_factory=lambda: f"row:{uuid.uuid4().hex}", max_length=80)
    # MQTT only: what a QoS-1 redelivery of this message matches (topic, packet id, payload).
    message_key: str | None = Field(default=None, max_length=64, index=True)
    reason: str
    context: str | None = None  # e.g. "row 7", topic, page url
    received_at: datetime = _now_ts(index=True)
    status: str = Field(default="open", index=True, max_length=16)  # open | accepted | rejected
    resolved_by: str | None = None
    resolved_at: datetime | None = _ts()


class ConnectorRun(SQLModel, table=True):
    __tablename__ = "connector_run"
    id: int | None = Field(default=None, primary_key=True)
    connector: str = Field(index=True, max_length=64)
    started_at: datetime = _now_ts()
    finished_at: datetime | None = _ts()
    status: str = Field(default="running", max_length=16)  # running | ok | partial | failed
    records: int = 0
    rejected: int = 0
    errors: int = 0
    pages: int = 0
    message: str | None = None


class ConnectorCursor(SQLModel, table=True):
    __tablename__ = "connector_cursor"
    connector: str = Field(primary_key=True, max_length=64)
    cursor: str | None = None
    updated_at: datetime = _now_ts(onupdate=True)


class AuditLog(SQLModel, table=True):
    __tablename__ = "audit_log"
    id: int | None = Field(default=None, primary_key=True)
    ts: datetime = _now_ts(index=True)
    actor: str = Field(max_length=64)
    action: str = Field(max_length=32)  # create | update | delete | accept | reject | login
    entity: str = Field(max_length=32)
    entity_key: str
    old_value: str | None = None
    new_value: str | None = None
    detail: str | None = None


# ── sync ──


class ServiceStatus(SQLModel, table=True):
    """Last known state of a long-running service (e.g. the MQTT broker link) for health."""

    __tablename__ = "service_status"
    name: str = Field(primary_key=True, max_length=64)
    state: str = Field(max_length=16)  # ok | degraded | down | stopped | unknown
    detail: str | None = None
    data: dict[str, Any] | None = _json()  # e.g. the ingester's threads and last message
    updated_at: datetime = _now_ts(onupdate=True)


# ── sensors and devices ──


class SensorLatest(SQLModel, table=True):
    """Newest value per device and key, so the wall screen never scans raw readings.

    `dirty_from` (ms) marks the oldest reading not yet rolled up; `version` lets the roll-up
    job clear it only when no write came in between.
    """

    __tablename__ = "sensor_latest"
    device_id: str = Field(primary_key=True, max_length=64)
    key: str = Field(primary_key=True, max_length=32)
    ts: int = Field(sa_column=Column(BigInteger, nullable=False))
    value: float
    dirty_from: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    version: int = 0
    # Oldest reading that arrived older than the series' newest (a gateway flushing its
    # buffer, say): the alert rules look back at it once, then clear the mark.
    late_from: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))


class SensorRollup(SQLModel, table=True):
    """min/avg/max/count of readings per bucket; resolution 300 (5 min) or 3600 (hour)."""

    __tablename__ = "sensor_rollup"
    device_id: str = Field(primary_key=True, max_length=64)
    key: str = Field(primary_key=True, max_length=32)
    resolution: int = Field(primary_key=True)
    bucket: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    min: float
    max: float
    sum: float
    count: int


class Alert(SQLModel, table=True):
    """An alert that opened (and maybe cleared); at most one open per (kind, subject).

    Lifecycle (coc.alerts.lifecycle): active (`status` open) or cleared, and
    unacknowledged or acknowledged; who and when is kept for each step. A repeat of the
    condition while open raises `count` and moves `last_value`/`last_seen_at`.
    """

    __tablename__ = "alert"
    __table_args__ = (
        Index("ix_alert_status_opened", "status", "opened_at"),
        Index(
            "uq_alert_open_subject",
            "kind",
            "subject",
            unique=True,
            sqlite_where=text("status = 'open'"),
            postgresql_where=text("status = 'open'"),
        ),
    )
    id: int | None = Field(default=None, primary_key=True)
    rule_id: str = Field(max_length=64)
    device_id: str = Field(max_length=64, index=True)  # "" when the subject is no device
    key: str | None = Field(default=None, max_length=32)
    kind: str = Field(default="sensor", max_length=32)  # coc.alerts.lifecycle.KINDS
    subject: str = Field(default="", max_length=160)  # what it is about, unique while open
    hamlet: str | None = Field(default=None, max_length=64)
    # whose figures or devices it is about; None: the system's own (push, connectors)
    org_unit: str | None = Field(default=None, max_length=16, index=True)
    severity: str = Field(max_length=16)  # info | warning | critical
    status: str = Field(default="open", max_length=16)  # open | cleared
    message: str
    value: float | None = None
    threshold: float | None = None
    count: int = 1
    last_value: float | None = None
    last_seen_at: datetime | None = _ts()
    opened_at: datetime = _now_ts()
    cleared_at: datetime | None = _ts()
    cleared_by: str | None = Field(default=None, max_length=64)  # None: cleared by its rule
    clear_reason: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    acknowledged_at: datetime | None = _ts()
    acknowledged_by: str | None = Field(default=None, max_length=64)
    ack_comment: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    assignee: str | None = Field(default=None, max_length=64)
    assigned_by: str | None = Field(default=None, max_length=64)
    assigned_at: datetime | None = _ts()


class AlertState(SQLModel, table=True):
    """Where rule evaluation stopped for a device, and since when its condition holds."""

    __tablename__ = "alert_state"
    rule_id: str = Field(primary_key=True, max_length=64)
    device_id: str = Field(primary_key=True, max_length=64)
    last_ts: int = Field(default=0, sa_column=Column(BigInteger, nullable=False, default=0))
    cond_since: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    open_alert_id: int | None = None


class AlertEvent(SQLModel, table=True):
    """Each step of an alert's life (raised, repeated, escalated, acknowledged, assigned,
    cleared) with who and when; the notification router reads it in id order."""

    __tablename__ = "alert_event"
    id: int | None = Field(default=None, primary_key=True)
    alert_id: int = Field(index=True)
    event: str = Field(max_length=16)
    actor: str | None = Field(default=None, max_length=64)  # None: the system
    note: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    at: datetime = _now_ts()


class IndicatorOwner(SQLModel, table=True):
    """Who answers for an indicator when it differs from the catalog's `responsible`."""

    __tablename__ = "indicator_owner"
    indicator_code: str = Field(primary_key=True, max_length=64)
    username: str = Field(max_length=64)
    updated_by: str = Field(max_length=64)
    updated_at: datetime = _now_ts()


class ExplanationRequest(SQLModel, table=True):
    """Yêu cầu giải trình: the chairperson asks an indicator's responsible person to
    explain it by a due date; the answer shows beside the indicator."""

    __tablename__ = "explanation_request"
    __table_args__ = (Index("ix_explanation_status_due", "status", "due_date"),)
    id: int | None = Field(default=None, primary_key=True)
    indicator_code: str = Field(max_length=64, index=True)
    org_unit: str = Field(max_length=16)
    period: str = Field(max_length=16)
    question: str = Field(sa_column=Column(Text, nullable=False))
    requested_by: str = Field(max_length=64)
    assignee: str = Field(max_length=64)
    due_date: date
    status: str = Field(default="open", max_length=16)  # open | answered
    answer: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    answered_by: str | None = Field(default=None, max_length=64)
    answered_at: datetime | None = _ts()
    created_at: datetime = _now_ts()


class Notification(SQLModel, table=True):
    """The notification outbox: one row per (event, channel, recipient), written in the
    same transaction as the alert change and sent at least once by coc.notify.outbox."""

    __tablename__ = "notification"
    __table_args__ = (
        UniqueConstraint("dedupe_key", name="uq_notification_dedupe"),
        Index("ix_notification_due", "status", "next_attempt_at"),
    )
    id: int | None = Field(default=None, primary_key=True)
    dedupe_key: str = Field(max_length=200)
    alert_id: int | None = Field(default=None, index=True)
    topic: str = Field(default="", max_length=200)  # "<kind>:<subject>" (de-duplication)
    event: str = Field(max_length=16)  # raised | escalated | cleared | test | explain
    channel: str = Field(max_length=32)  # a channel name from the notification settings
    recipient: str = Field(max_length=256)
    severity: str = Field(default="warning", max_length=16)
    title: str = ""
    body: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    digest: bool = False  # gathered into one message per recipient and digest window
    status: str = Field(default="pending", max_length=16)  # pending | sent | dead
    attempts: int = 0
    next_attempt_at: datetime = _now_ts()
    last_error: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    provider_id: str | None = Field(default=None, max_length=128)  # the channel's message id
    attachment: str | None = Field(default=None, max_length=500)  # a file sent with it (email)
    sent_at: datetime | None = _ts()
    created_at: datetime = _now_ts()


# ── auth (dashboard users) ──


class User(SQLModel, table=True):
    """A dashboard login; `password_version` changes on passwd/disable so old sessions end."""

    __tablename__ = "app_user"
    username: str = Field(primary_key=True, max_length=64)
    name: str = ""
    role: str = Field(default="viewer", max_length=16)  # viewer | clerk | approver | admin
    password_hash: str
    password_version: int = 1
    active: bool = True
    last_login: datetime | None = _ts()
    created_at: datetime = _now_ts()
    updated_at: datetime = _now_ts(onupdate=True)


class UserOrgUnit(SQLModel, table=True):
    """In province and district mode: an org unit (a commune or a district) a user may see
    and edit (coc.auth.units). A user with none keeps seeing the whole tree."""

    __tablename__ = "user_org_unit"
    username: str = Field(primary_key=True, max_length=64)
    org_unit: str = Field(primary_key=True, max_length=16)


class LoginThrottle(SQLModel, table=True):
    """Recent failed logins of one account name or one client address (coc.auth.throttle).

    `locked_until` set means the next attempt must wait until then; rows quiet for the
    configured window are forgotten.
    """

    __tablename__ = "login_throttle"
    scope: str = Field(primary_key=True, max_length=8)  # user | address
    key: str = Field(primary_key=True, max_length=64)
    failures: int = 0
    last_failure: datetime = _now_ts()
    locked_until: datetime | None = _ts()


class LoginSession(SQLModel, table=True):
    """A dashboard login held server-side: the cookie carries a random token whose SHA-256
    is the id, so logout (or passwd, disable) revokes it and a copied cookie stops working."""

    __tablename__ = "login_session"
    id: str = Field(primary_key=True, max_length=64)
    username: str = Field(max_length=64, index=True)
    address: str | None = Field(default=None, max_length=64)
    created_at: datetime = _now_ts()
    expires_at: datetime = _now_ts(index=True)
    revoked_at: datetime | None = _ts()


# ── validation ──


class ValidationFlag(SQLModel, table=True):
    """A validation rule a period's values break: kept open until a clerk confirms the
    values or corrects them (a corrected value that no longer breaks the rule clears it)."""

    __tablename__ = "validation_flag"
    __table_args__ = (UniqueConstraint("org_unit", "period", "rule_code"),)
    id: int | None = Field(default=None, primary_key=True)
    org_unit: str = Field(max_length=16)
    period: str = Field(max_length=10, index=True)
    rule_code: str = Field(max_length=80)
    left_value: float | None = None
    right_value: float | None = None
    status: str = Field(default="open", max_length=16, index=True)  # open|confirmed|cleared
    opened_at: datetime = _now_ts()
    resolved_at: datetime | None = _ts()
    resolved_by: str | None = Field(default=None, max_length=64)
    note: str | None = None


class HeldValue(SQLModel, table=True):
    """A data value held back from the feed and the push while its flag is open."""

    __tablename__ = "held_value"
    __table_args__ = (UniqueConstraint("org_unit", "indicator_code", "period", "flag_id"),)
    id: int | None = Field(default=None, primary_key=True)
    org_unit: str = Field(max_length=16)
    indicator_code: str = Field(max_length=64)
    period: str = Field(max_length=10)
    flag_id: int = Field(index=True)


# ── completeness and approval (DHIS2 completeDataSetRegistrations, dataApprovals) ──


class CompleteRegistration(SQLModel, table=True):
    """A data set marked complete (or reopened) for an org unit and period, DHIS2's
    completeDataSetRegistration; `source` says whether this COC made it or received it."""

    __tablename__ = "complete_registration"
    __table_args__ = (
        UniqueConstraint("data_set", "org_unit", "period", "attribute_option_combo"),
        Index("ix_complete_registration_last_updated", "last_updated", "id"),
        Index("ix_complete_registration_ou_period", "org_unit", "period"),
    )
    id: int | None = Field(default=None, primary_key=True)
    data_set: str = Field(max_length=64)
    org_unit: str = Field(max_length=16)
    period: str = Field(max_length=10)
    attribute_option_combo: str = Field(default="", max_length=64)
    completed: bool = True
    date: datetime = _now_ts()  # when it was marked complete (DHIS2 `date`)
    stored_by: str | None = Field(default=None, max_length=64)
    source: str = Field(default="local", max_length=32)  # local | upstream
    last_updated: datetime = _now_ts()
    created_at: datetime = _now_ts()


class DataApproval(SQLModel, table=True):
    """An org unit's period approved (or un-approved, with the reason) by its approver:
    DHIS2's data approval at the commune level. Approved values are locked."""

    __tablename__ = "data_approval"
    __table_args__ = (
        UniqueConstraint("workflow", "org_unit", "period", "attribute_option_combo"),
        Index("ix_data_approval_last_updated", "last_updated", "id"),
        Index("ix_data_approval_ou_period", "org_unit", "period"),
    )
    id: int | None = Field(default=None, primary_key=True)
    workflow: str = Field(max_length=64)
    org_unit: str = Field(max_length=16)
    period: str = Field(max_length=10)
    attribute_option_combo: str = Field(default="", max_length=64)
    approved: bool = True
    approved_by: str | None = Field(default=None, max_length=64)
    approved_at: datetime | None = _ts()
    unapproved_by: str | None = Field(default=None, max_length=64)
    unapproved_at: datetime | None = _ts()
    reason: str | None = None  # why it was un-approved
    source: str = Field(default="local", max_length=32)  # local | upstream
    last_updated: datetime = _now_ts()


# ── citizen field reports (phản ánh hiện trường) ──


class FieldReport(SQLModel, table=True):
    """One citizen's report of a problem: where, what, and how the commune handled it.

    `reporter_name` and `reporter_phone` are for clerks only (coc.fieldreports.queries
    never puts them in a public or viewer shape); `reporter_key` is a keyed digest of the
    phone (or of a Zalo sender id) that rate limits and channel threads match on;
    `sender_sealed` is the Zalo user id encrypted (coc.fieldreports.contact), opened only
    to send the answer. `answer_delivery` is how the answer went back to the citizen
    (coc.fieldreports.answers): queued | sent | retrying | failed | not_sendable, with
    `answer_delivery_note` saying why."""

    __tablename__ = "field_report"
    __table_args__ = (
        UniqueConstraint("channel", "external_id", name="uq_field_report_external"),
        Index("ix_field_report_state_deadline", "state", "deadline"),
    )
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=16, unique=True)
    org_unit: str = Field(max_length=16)
    channel: str = Field(max_length=16)  # web | hotline | zalo
    external_id: str | None = Field(default=None, max_length=64)
    category: str = Field(max_length=32)
    description: str = Field(sa_column=Column(Text, nullable=False))
    hamlet: str | None = Field(default=None, max_length=64)
    lat: float | None = None
    lon: float | None = None
    location_source: str | None = Field(default=None, max_length=8)  # map | gps | zalo
    reporter_name: str | None = Field(default=None, max_length=100)
    reporter_phone: str | None = Field(default=None, max_length=16)
    reporter_key: str | None = Field(default=None, max_length=64, index=True)
    client_key: str | None = Field(default=None, max_length=64)
    sender_sealed: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    state: str = Field(default="moi", max_length=16, index=True)
    moderation_reason: str | None = None
    assignee: str | None = Field(default=None, max_length=64)
    unit: str | None = Field(default=None, max_length=100)
    deadline: datetime | None = _ts()
    received_at: datetime = _now_ts(index=True)
    accepted_at: datetime | None = _ts()
    handled_at: datetime | None = _ts()
    answered_at: datetime | None = _ts()
    answer: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    reject_reason: str | None = None
    reminded_at: datetime | None = _ts()
    answer_delivery: str | None = Field(default=None, max_length=16)
    answer_delivery_note: str | None = Field(default=None, max_length=500)
    answer_delivery_at: datetime | None = _ts()
    updated_at: datetime = _now_ts(onupdate=True)


class FieldReportPhoto(SQLModel, table=True):
    """A report's photo, re-encoded as JPEG without EXIF; shown publicly only once a clerk
    publishes it with the answer. A photo a channel sent as a link (Zalo OA) starts
    `pending` with its `source_url` and no data; the fetch job stores it (`stored`) or
    records why it could not (`failed`, `fetch_error`), for clerks to see."""

    __tablename__ = "field_report_photo"
    __table_args__ = (UniqueConstraint("report_id", "seq"),)
    id: int | None = Field(default=None, primary_key=True)
    report_id: int = Field(foreign_key="field_report.id", index=True)
    seq: int
    data: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))
    width: int | None = None
    height: int | None = None
    public: bool = False
    fetch_state: str = Field(
        default="stored", max_length=8, index=True, sa_column_kwargs={"server_default": "stored"}
    )  # stored | pending | failed
    source_url: str | None = Field(default=None, max_length=1000)
    fetch_error: str | None = Field(default=None, max_length=300)
    fetch_attempts: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    fetch_after: datetime | None = _ts()


# ── loudspeaker bulletins ──


class Bulletin(SQLModel, table=True):
    """A bulletin (bản tin) for the loudspeaker clusters: content, TT 39/2020 priority,
    targets, schedule, validity and where it stands in the approval workflow."""

    __tablename__ = "bulletin"
    id: str = Field(primary_key=True, max_length=32)
    org_unit: str = Field(max_length=16)
    title: str
    text: str | None = None
    audio_key: str | None = Field(default=None, max_length=80)  # cached audio file
    audio_source: str = Field(default="tts", max_length=8)  # tts | upload
    duration_s: float | None = None
    engine: str | None = Field(default=None, max_length=32)
    voice: str | None = Field(default=None, max_length=64)
    priority: str = Field(default="thuong", max_length=16)  # thuong | uu_tien | khan_cap
    target_kind: str = Field(default="all", max_length=16)  # all | hamlets | clusters
    targets: list[str] = _json(list)
    schedule_kind: str = Field(default="now", max_length=8)  # now | at | daily | weekly
    start_at: datetime | None = _ts()  # first (or only) start
    window_start: str | None = Field(default=None, max_length=5)  # HH:MM local, repeats
    window_end: str | None = Field(default=None, max_length=5)
    weekdays: list[int] = _json(list)  # 0 = Monday, weekly repeats
    end_date: str | None = Field(default=None, max_length=10)  # YYYY-MM-DD local, repeats
    valid_until: datetime | None = _ts()
    status: str = Field(default="draft", index=True, max_length=16)
    # draft | approved | rejected | cancelled
    alert_id: int | None = Field(default=None, unique=True)
    created_by: str = Field(max_length=64)
    created_at: datetime = _now_ts(index=True)
    approved_by: str | None = Field(default=None, max_length=64)
    approved_at: datetime | None = _ts()
    updated_at: datetime = _now_ts(onupdate=True)


class BulletinDelivery(SQLModel, table=True):
    """One occurrence of a bulletin on one cluster: its state as the cluster reports it."""

    __tablename__ = "bulletin_delivery"
    __table_args__ = (UniqueConstraint("bulletin_id", "occurrence", "device_id"),)
    id: int | None = Field(default=None, primary_key=True)
    bulletin_id: str = Field(max_length=32, index=True)
    occurrence: str = Field(max_length=20)  # local start "YYYY-MM-DDTHH:MM", or "now"
    device_id: str = Field(max_length=64, index=True)
    priority: str = Field(default="thuong", max_length=16)
    state: str = Field(default="pending", index=True, max_length=16)
    # pending | sent | received | playing | done | failed | expired | cancelled
    attempts: int = 0
    starts_at: datetime = _now_ts()
    expires_at: datetime = _now_ts(index=True)
    sent_at: datetime | None = _ts()
    played_at: datetime | None = _ts()
    finished_at: datetime | None = _ts()
    reason: str | None = None
    updated_at: datetime = _now_ts(onupdate=True)
