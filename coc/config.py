"""Settings: shipped defaults in `config/`, a site file, then `COC_*` environment variables.

Every setting has a default and a one-line help text (the Field description); the README's
settings table is generated from this model and a test keeps the two in step.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic import ValidationError as PydanticValidationError

from coc.errors import ConfigError

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_CONFIG_DIR = ROOT / "config"


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CommuneSettings(Section):
    code: str = Field(
        "10237",
        pattern=r"^\d{2,5}$",
        description="Own org-unit code: commune 5 digits (Decision 19/2025/QĐ-TTg); "
        "in province/district mode the province (2) or district (3) code.",
    )
    name: str = Field("Xã Chương Dương", description="Commune name in Vietnamese.")
    province_code: str = Field("01", pattern=r"^\d{2}$", description="Province code (2 digits).")
    province_name: str = Field("Thành phố Hà Nội", description="Province name in Vietnamese.")
    district_code: str | None = Field(
        None, description="Optional district code where a district-era IOC still runs."
    )
    district_name: str | None = Field(None, description="Optional district name.")
    lat: float = Field(20.8354, description="Latitude of the commune centre (map default).")
    lon: float = Field(105.9008, description="Longitude of the commune centre (map default).")


class StoreSettings(Section):
    data_dir: str = Field(
        "./coc-data", description="Folder for the SQLite file, backups and logs (COC_DATA_DIR)."
    )
    database_url: str | None = Field(
        None, description="SQLAlchemy URL; overrides the SQLite default (COC_DATABASE_URL)."
    )
    busy_timeout_ms: int = Field(10000, description="SQLite busy timeout in milliseconds.")


class HttpSettings(Section):
    host: str = Field("127.0.0.1", description="Address the web server binds (COC_HTTP_HOST).")
    port: int = Field(
        8050, ge=1, le=65535, description="Port of the dashboard and API (COC_HTTP_PORT)."
    )
    threads: int = Field(8, description="WSGI worker threads per web process.")
    public_read: bool = Field(True, description="Wall screen and read-only pages need no login.")
    secret_key: str | None = Field(
        None, description="Session signing key; generated into the data folder when unset."
    )
    session_hours: int = Field(8, description="Hours before a login session expires.")
    secure_cookies: bool = Field(
        False, description="Send cookies only over HTTPS (turn on behind a TLS proxy)."
    )
    proxy_hops: int = Field(
        0,
        ge=0,
        description="Reverse proxies in front whose X-Forwarded-For/-Proto are trusted.",
    )
    login_max_failures: int = Field(
        5, ge=1, description="Failed logins per account or address before waits begin."
    )
    login_delay_s: float = Field(
        1.0, gt=0, description="First wait after those failures; doubles with each more."
    )
    login_delay_max_s: float = Field(
        900.0, gt=0, description="Longest wait between two login attempts in seconds."
    )
    login_window_min: float = Field(
        15.0, gt=0, description="Quiet minutes after which failed logins are forgotten."
    )
    max_body_mb: float = Field(
        2.0, gt=0, description="Largest request body on any route, Dash callbacks included."
    )
    max_upload_mb: float = Field(
        15.0,
        gt=0,
        description="Largest dashboard callback body of a logged-in clerk (Excel upload).",
    )


class DashboardSettings(Section):
    refresh_s: int = Field(60, description="Seconds between dashboard page refreshes (floor 5).")
    wall_interval_s: int = Field(30, description="Seconds each page shows in a wall playlist.")
    wall_pages: str = Field(
        "tong-quan", description="Wall playlist when /wall has no ?pages= (comma-separated)."
    )
    stale_factor: float = Field(
        2.0, description="A source is stale after this many of its pull intervals."
    )


class MqttSettings(Section):
    url: str | None = Field(
        None, description="Broker URL mqtt://[user:pass@]host:port (COC_MQTT_URL); none = off."
    )
    client_id: str = Field("coc-ingester", description="Fixed client id of the persistent session.")
    topic_root: str = Field("coc", description="First level of every COC topic.")
    batch_size: int = Field(10000, description="Most messages per write batch.")
    flush_ms: int = Field(50, description="Longest wait before a partial batch is written.")
    queue_size: int = Field(30000, description="Bounded ingest queue size (back-pressure).")
    receive_maximum: int = Field(
        65535, description="MQTT 5 Receive Maximum asked of the broker (unacked window)."
    )
    session_expiry_s: int = Field(
        7 * 86400,
        description="MQTT 5 session expiry: how long the broker queues while COC is down.",
    )
    keepalive_s: int = Field(30, description="MQTT keepalive in seconds.")
    protocol: Literal["auto", "5", "3.1.1"] = Field(
        "auto", description="MQTT version; auto tries 5 and falls back to 3.1.1."
    )
    reconnect_min_s: float = Field(1.0, description="First reconnect delay (doubles up to max).")
    reconnect_max_s: float = Field(60.0, description="Longest reconnect delay in seconds.")
    auto_register: bool = Field(
        False, description="Register unknown devices as 'pending' instead of quarantining."
    )
    max_future_s: int = Field(300, description="Readings further in the future are rejected.")
    max_age_days: int = Field(
        30,
        description="Readings older than this many days are rejected (a reset clock, ts=1).",
    )
    supervise_s: float = Field(
        5.0, description="Seconds between ingester liveness checks (restart, heartbeat)."
    )
    stall_s: float = Field(
        60.0, description="Messages waiting this long with nothing stored = ingester stalled."
    )


class DeviceSettings(Section):
    file: str = Field("devices.yaml", description="Device registry file (relative to config/).")
    timeout_camera_s: int = Field(300, description="Camera silent this long is shown offline.")
    timeout_speaker_s: int = Field(600, description="Loudspeaker silent this long is offline.")
    timeout_sensor_s: int = Field(900, description="Sensor silent this long is shown offline.")
    offline_alert_min: int = Field(
        15, description="Camera/speaker offline this long raises an alert."
    )
    raw_retention_days: int = Field(30, description="Days raw readings are kept.")
    rollup_retention_days: int = Field(
        730, description="Days 5-minute and hourly roll-ups are kept."
    )
    alerts_file: str = Field("alerts.yaml", description="Alert rules file (relative to config/).")
    status_check_s: int = Field(30, description="Seconds between inactivity-timeout checks.")
    alert_check_s: int = Field(30, description="Seconds between alert rule evaluations.")
    rollup_interval_s: int = Field(60, description="Seconds between incremental roll-ups.")
    prune_interval_min: int = Field(60, description="Minutes between retention pruning runs.")
    prune_chunk: int = Field(5000, description="Rows deleted per pruning transaction.")


class SourceSettings(Section):
    name: str = Field(description="Connector name: documents, tthc or reporting.")
    kind: Literal["documents", "tthc", "reporting"] = Field(description="Connector type.")
    url: str = Field(description="Base URL of the source system's API.")
    auth: Literal["none", "bearer", "basic"] = Field("bearer", description="Auth scheme.")
    token: str | None = Field(None, description="Bearer token (or COC_SOURCE_<NAME>_TOKEN).")
    username: str | None = Field(None, description="Basic-auth user.")
    password: str | None = Field(None, description="Basic-auth password.")
    interval_minutes: int = Field(15, description="Minutes between scheduled pulls.")
    page_size: int = Field(100, description="Records per page requested.")
    timeout_s: float = Field(20.0, description="HTTP timeout per request in seconds.")
    max_retries: int = Field(5, description="Retries on network errors, 5xx and 429.")
    backoff_s: float = Field(1.0, description="First retry wait in seconds; doubles each retry.")
    backoff_max_s: float = Field(60.0, description="Longest wait between retries in seconds.")
    enabled: bool = Field(True, description="Pull this source on schedule.")


class FeedSettings(Section):
    tokens: list[str] = Field(
        default_factory=list, description="Bearer tokens the feed accepts (COC_FEED_TOKENS)."
    )
    page_size: int = Field(1000, description="Default data values per feed page.")
    max_page_size: int = Field(10000, description="Largest page a feed client may ask for.")
    max_post_mb: float = Field(
        32.0, gt=0, description="Largest POST /api/v1/dataValueSets body (receiving side)."
    )


PERIOD_TYPES = ("Daily", "Monthly", "Quarterly", "Yearly")


class UpstreamElement(Section):
    data_set: str | None = Field(None, description="The upstream data set the element is in.")
    period_type: Literal["Daily", "Monthly", "Quarterly", "Yearly"] = Field(
        "Monthly", description="The one period type that data set accepts."
    )


class UpstreamSettings(Section):
    url: str | None = Field(None, description="Upstream IOC base URL for push (COC_UPSTREAM_URL).")
    token: str | None = Field(
        None, description="Bearer token for the upstream (COC_UPSTREAM_TOKEN)."
    )
    interval_minutes: int = Field(60, description="Minutes between scheduled pushes.")
    page_size: int = Field(500, description="Data values per pushed page.")
    max_retries: int = Field(5, description="Retries per page on 5xx and network errors.")
    flavor: Literal["auto", "coc", "dhis2"] = Field(
        "auto",
        description="auto: a URL ending in dataValueSets is used as is, else /api/v1/… is added.",
    )
    auth_scheme: str = Field(
        "Bearer", description="Authorization scheme for the token (DHIS2 tokens: ApiToken)."
    )
    timeout_s: float = Field(30.0, description="HTTP timeout per pushed page in seconds.")
    backoff_s: float = Field(1.0, description="First retry delay; doubles per retry, jittered.")
    backoff_max_s: float = Field(60.0, description="Longest delay between two retries.")
    watermark_lag_s: float = Field(
        120.0, description="Seconds re-sent before the last watermark (late commits are caught)."
    )
    elements: dict[str, UpstreamElement] = Field(
        default_factory=dict,
        description="Data element code → upstream data set and its period type; only that "
        "period type of the element is pushed.",
    )
    period_types: list[Literal["Daily", "Monthly", "Quarterly", "Yearly"]] | None = Field(
        None,
        description="Period types pushed for elements not in `elements`; none = all for a COC "
        "upstream, Daily and Monthly for DHIS2 (it computes quarters and years itself).",
    )


class CommuneLink(Section):
    code: str = Field(description="Commune code (5 digits).")
    name: str = Field(description="Commune name in Vietnamese.")
    url: str | None = Field(None, description="Base URL of the commune's COC; none = push only.")
    token: str | None = Field(None, description="Bearer token for pulling the commune's feed.")
    lat: float | None = Field(None, description="Latitude of the commune centre (map).")
    lon: float | None = Field(None, description="Longitude of the commune centre (map).")
    parent: str | None = Field(
        None, description="Parent org unit code (a district); none = the province itself."
    )


class DistrictLink(Section):
    code: str = Field(description="District code.")
    name: str = Field(description="District name in Vietnamese.")


class ProvinceSettings(Section):
    communes: list[CommuneLink] = Field(
        default_factory=list, description="Communes this province/district receives or pulls."
    )
    districts: list[DistrictLink] = Field(
        default_factory=list, description="District-era org units between communes and root."
    )
    push_tokens: dict[str, str] = Field(
        default_factory=dict,
        description="Commune code → bearer token it pushes with (plain or sha256:<hex>).",
    )
    pull_interval_minutes: int = Field(60, description="Minutes between scheduled pulls.")
    pull_workers: int = Field(4, description="Communes pulled at the same time.")
    pull_page_size: int = Field(5000, description="Data values asked per pulled page.")
    pull_timeout_s: float = Field(30.0, description="HTTP timeout per pulled page in seconds.")
    pull_lag_s: float = Field(
        120.0, description="Seconds re-read before the last pulled lastUpdated (late commits)."
    )
    timely_days: int = Field(
        15, description="Days after a period ends within which a report counts as on time."
    )


class ReportSettings(Section):
    day: int = Field(
        3, ge=0, le=28, description="Day of the month the last month's report is sent (0: never)."
    )
    hour: int = Field(7, ge=0, le=23, description="Local hour (Asia/Ho_Chi_Minh) it is sent from.")
    recipients: list[str] = Field(
        default_factory=list,
        description="Who receives it, as channel:address (email:chutich@xa.gov.vn, telegram:…).",
    )
    language: Literal["vi", "en"] = Field("vi", description="Language of the scheduled report.")
    link_base: str | None = Field(
        None,
        description="Public base URL of this COC, for a link where a channel cannot carry files.",
    )
    max_attempts: int = Field(12, ge=1, description="Failed sends of one month before giving up.")


class ApprovalSettings(Section):
    data_set: str = Field(
        "COC_XA", description="Data set code of completeness registrations (DHIS2 dataSet)."
    )
    workflow: str = Field("COC_XA", description="Approval workflow code (DHIS2 wf).")
    push_approved_only: bool = Field(
        False, description="Push only values of periods the chairperson has approved."
    )


class AlertSettings(Section):
    user_tokens: dict[str, str] = Field(
        default_factory=dict,
        description="API tokens for alert actions, username → token (COC_ALERT_TOKENS "
        "as user:token,…); the action is done as that user, with that user's role.",
    )
    notifications_file: str = Field(
        "notifications.yaml",
        description="Notification channels and routing rules (relative to config/).",
    )
    check_s: int = Field(60, description="Seconds between checks of the non-sensor alerts.")
    dispatch_s: int = Field(15, description="Seconds between runs of the notification outbox.")
    retry_base_s: float = Field(30.0, description="First retry delay of a failed notification.")
    retry_max_s: float = Field(3600.0, description="Longest delay between notification retries.")
    max_attempts: int = Field(20, description="Attempts before a notification is given up.")
    failing_runs: int = Field(
        3, description="Failed runs in a row of a connector or the push that raise an alert."
    )


class FieldReportSettings(Section):
    categories_file: str = Field(
        "fieldreports.yaml",
        description="Field-report categories, deadlines and hamlets (relative to config/).",
    )
    answer_channel: str | None = Field(
        None,
        description="SMS channel of the notification settings that sends the published "
        "answer to a citizen who left a phone number; none: the clerk is told it was not sent.",
    )
    zalo_channel: str | None = Field(
        None,
        description="Zalo OA channel of the notification settings that sends the published "
        "answer to a citizen who reported through Zalo; none: the clerk is told it was not sent.",
    )
    public_url: str | None = Field(
        None,
        description="Public base URL of the citizen pages (https://…), for the status link in "
        "an answer sent back; none: report.link_base, else the code only.",
    )
    contact_key: str | None = Field(
        None,
        repr=False,
        description="Fernet key(s), comma-separated, that encrypt reporters' Zalo user ids "
        "(COC_FIELDREPORT_CONTACT_KEY); generated into the data folder when unset.",
    )
    tokens: list[str] = Field(
        default_factory=list,
        description="Bearer tokens of the intake API for other channels, e.g. the hotline "
        "(COC_FIELDREPORT_TOKENS).",
    )
    zalo_app_id: str | None = Field(None, description="Zalo Official Account app id (webhook).")
    zalo_secret: str | None = Field(
        None, description="Zalo OA secret key that signs webhook events (COC_ZALO_SECRET)."
    )
    max_photos: int = Field(3, ge=0, le=10, description="Most photos per field report.")
    max_photo_mb: float = Field(8.0, gt=0, description="Largest photo file a citizen may send.")
    photo_max_side: int = Field(
        1600, ge=200, description="Photos are scaled down to this many pixels on the long side."
    )
    photo_url_prefixes: list[str] = Field(
        default_factory=lambda: ["https://"],
        description="A photo a channel sends as a link (Zalo OA) is downloaded only from an "
        "address starting with one of these; any other is kept as not fetched.",
    )
    photo_fetch_s: int = Field(
        60, ge=5, description="Seconds between runs of the job that downloads linked photos."
    )
    photo_fetch_timeout_s: float = Field(
        20.0, gt=0, description="Longest wait for a linked photo's server, per read."
    )
    photo_fetch_max_s: float = Field(
        60.0, gt=0, description="Longest time one linked photo may take to download."
    )
    photo_fetch_tries: int = Field(
        4, ge=1, description="Runs of the fetch job that try a linked photo before giving up."
    )
    max_description_chars: int = Field(
        2000, ge=50, description="Longest description of a field report."
    )
    per_address_hour: int = Field(
        5,
        ge=1,
        description="Public-form reports per client address per hour before they go to "
        "moderation (the hotline and Zalo are counted per caller only).",
    )
    per_phone_day: int = Field(
        5, ge=1, description="Reports per phone number per day before they go to moderation."
    )
    hard_factor: int = Field(
        4, ge=2, description="Past this many times a limit, intake answers 429 (try later)."
    )
    lookups_per_hour: int = Field(
        60,
        ge=1,
        description="Look-ups of reports by code per client address per hour (429 past it).",
    )
    remind_hours: float = Field(
        24.0, gt=0, description="Hours before a report's deadline that its handler is reminded."
    )
    moderation_alert_hours: float = Field(
        24.0,
        gt=0,
        description="Reports held in the moderation queue longer than this raise an alert.",
    )
    area_margin_deg: float = Field(
        0.06,
        gt=0,
        description="A report's position must be within this many degrees of the commune centre.",
    )


class BulletinSettings(Section):
    engine: Literal["espeak", "http"] = Field(
        "espeak", description="Speech engine: espeak (espeak-ng, offline) or http (a TTS API)."
    )
    voice: str = Field("vi", description="Voice name the engine is given (espeak-ng: vi).")
    speed_wpm: int = Field(150, description="espeak-ng speaking rate in words per minute.")
    audio_format: Literal["ogg", "wav"] = Field(
        "ogg", description="Format served to clusters (ogg via sox or ffmpeg; wav as is)."
    )
    audio_base_url: str | None = Field(
        None, description="Base URL clusters fetch audio from; none = http://<http.host>:<port>."
    )
    max_chars: int = Field(5000, description="Longest bulletin text in characters.")
    max_upload_mb: float = Field(20.0, description="Largest uploaded audio file in megabytes.")
    tts_url: str | None = Field(None, description="TTS API URL (engine http).")
    tts_auth_scheme: str = Field(
        "none", description="TTS API auth: none, basic, a header scheme (Bearer), or header:NAME."
    )
    tts_token: str | None = Field(None, description="TTS API token (or COC_TTS_TOKEN).")
    tts_body: str = Field(
        '{"text": "{text}", "voice": "{voice}"}',
        description="Request body template; {text} and {voice} are filled in (JSON-escaped).",
    )
    tts_content_type: str = Field("application/json", description="Content type of the body.")
    tts_response: str = Field(
        "audio", description="audio (the body is the audio) or json:<field> (a URL to fetch)."
    )
    tts_timeout_s: float = Field(60.0, description="HTTP timeout per TTS request in seconds.")
    tts_max_retries: int = Field(3, description="Retries of a TTS request (5xx, 429, network).")
    dispatch_s: int = Field(5, description="Seconds between delivery rounds to the clusters.")
    ack_timeout_s: int = Field(60, description="A command unanswered this long is sent again.")
    max_retries: int = Field(3, description="Times a failed delivery to a cluster is retried.")


class Settings(Section):
    role: Literal["commune", "district", "province"] = Field(
        "commune", description="commune, or district/province to receive and compare communes."
    )
    language: Literal["vi", "en"] = Field("vi", description="Default UI language.")
    indicators_file: str = Field(
        "indicators.yaml", description="Indicator catalog file (relative to config/)."
    )
    commune: CommuneSettings = Field(default_factory=CommuneSettings)
    store: StoreSettings = Field(default_factory=StoreSettings)
    http: HttpSettings = Field(default_factory=HttpSettings)
    dashboard: DashboardSettings = Field(default_factory=DashboardSettings)
    mqtt: MqttSettings = Field(default_factory=MqttSettings)
    devices: DeviceSettings = Field(default_factory=DeviceSettings)
    sources: list[SourceSettings] = Field(default_factory=list)
    feed: FeedSettings = Field(default_factory=FeedSettings)
    upstream: UpstreamSettings = Field(default_factory=UpstreamSettings)
    province: ProvinceSettings = Field(default_factory=ProvinceSettings)
    report: ReportSettings = Field(default_factory=ReportSettings)
    approval: ApprovalSettings = Field(default_factory=ApprovalSettings)
    alerts: AlertSettings = Field(default_factory=AlertSettings)
    fieldreports: FieldReportSettings = Field(default_factory=FieldReportSettings)
    bulletins: BulletinSettings = Field(default_factory=BulletinSettings)

    config_dir: str = Field(
        str(DEFAULT_CONFIG_DIR), description="Folder of the catalog and device files."
    )

    @model_validator(mode="after")
    def _code_fits_role(self) -> Settings:
        digits = {"commune": 5, "district": 3, "province": 2}[self.role]
        if len(self.commune.code) != digits:
            raise ValueError(
                f"mã đơn vị ở chế độ {self.role} phải có {digits} chữ số: {self.commune.code!r}"
            )
        return self

    @property
    def data_path(self) -> Path:
        return Path(self.store.data_dir).expanduser().resolve()

    def config_file(self, name: str) -> Path:
        path = Path(name)
        return path if path.is_absolute() else Path(self.config_dir) / path

    def source(self, name: str) -> SourceSettings:
        for source in self.sources:
            if source.name == name:
                return source
        known = ", ".join(s.name for s in self.sources) or "không có"
        raise ConfigError(f"không có nguồn dữ liệu '{name}' (các nguồn: {known})")


ENV_VARS: dict[str, tuple[str, ...]] = {
    "COC_DATA_DIR": ("store", "data_dir"),
    "COC_DATABASE_URL": ("store", "database_url"),
    "COC_MQTT_URL": ("mqtt", "url"),
    "COC_HTTP_HOST": ("http", "host"),
    "COC_HTTP_PORT": ("http", "port"),
    "COC_COMMUNE_CODE": ("commune", "code"),
    "COC_FEED_TOKENS": ("feed", "tokens"),
    "COC_UPSTREAM_URL": ("upstream", "url"),
    "COC_UPSTREAM_TOKEN": ("upstream", "token"),
    "COC_ALERT_TOKENS": ("alerts", "user_tokens"),
    "COC_FIELDREPORT_TOKENS": ("fieldreports", "tokens"),
    "COC_ZALO_SECRET": ("fieldreports", "zalo_secret"),
    "COC_FIELDREPORT_CONTACT_KEY": ("fieldreports", "contact_key"),
    "COC_TTS_TOKEN": ("bulletins", "tts_token"),
}


def read_yaml(path: Path, label: str = "tệp cấu hình") -> dict[str, Any]:
    """A YAML mapping from a config file; any problem is one ConfigError line naming
    `label` (e.g. "danh mục chỉ tiêu") and the path."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"không đọc được {label} {path}: {exc.strerror}") from None
    try:
        data = yaml.safe_load(text) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (dòng {mark.line + 1})" if mark else ""
        raise ConfigError(f"{label} {path} không phải YAML hợp lệ{where}") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{label} {path} phải là một bảng khóa: giá trị")
    return data


def _merge(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out


def _apply_env(data: dict[str, Any], environ: dict[str, str]) -> dict[str, Any]:
    for var, (section, key) in ENV_VARS.items():
        if var not in environ or environ[var] == "":
            continue
        value: Any = environ[var]
        if var in ("COC_FEED_TOKENS", "COC_FIELDREPORT_TOKENS"):
            value = [t.strip() for t in value.split(",") if t.strip()]
        elif var == "COC_ALERT_TOKENS":
            pairs = (p.partition(":") for p in value.split(",") if p.strip())
            value = {u.strip(): t.strip() for u, _, t in pairs if u.strip() and t.strip()}
        data.setdefault(section, {})[key] = value
    for source in data.get("sources", []) or []:
        if isinstance(source, dict) and source.get("name"):
            secret = environ.get(f"COC_SOURCE_{source['name'].upper()}_TOKEN")
            if secret:
                source["token"] = secret
    return data


def load_settings(
    path: str | os.PathLike[str] | None = None, environ: dict[str, str] | None = None
) -> Settings:
    """Defaults, then `config/coc.yaml`, then the site file, then `COC_*` variables."""
    environ = dict(os.environ if environ is None else environ)
    data = read_yaml(DEFAULT_CONFIG_DIR / "coc.yaml")
    site = path or environ.get("COC_CONFIG")
    if site:
        site_path = Path(site)
        if not site_path.exists():
            raise ConfigError(f"không tìm thấy tệp cấu hình {site_path}")
        data = _merge(data, read_yaml(site_path))
    data = _apply_env(data, environ)
    try:
        return Settings.model_validate(data)
    except PydanticValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"]) or "commune.code"
        raise ConfigError(f"cấu hình không hợp lệ ở '{where}': {_reason_vi(err)}") from None


_REASONS_VI = {
    "int_parsing": "phải là số nguyên",
    "int_type": "phải là số nguyên",
    "float_parsing": "phải là số",
    "float_type": "phải là số",
    "bool_parsing": "phải là true hoặc false",
    "bool_type": "phải là true hoặc false",
    "string_type": "phải là chuỗi ký tự",
    "list_type": "phải là danh sách",
    "dict_type": "phải là bảng khóa: giá trị",
    "model_type": "phải là bảng khóa: giá trị",
    "extra_forbidden": "không có thiết lập này (xem: coc settings)",
    "missing": "thiếu giá trị bắt buộc",
    "string_pattern_mismatch": "sai định dạng",
}


def _reason_vi(err: Any) -> str:
    """Pydantic's reason in Vietnamese, for the one-line error users see."""
    kind = err.get("type", "")
    if kind == "literal_error":
        expected = (err.get("ctx") or {}).get("expected", "")
        return f"phải là một trong: {expected}".replace("'", "").replace(" or ", " hoặc ")
    if kind == "string_pattern_mismatch" and err["loc"][-1:] == ("code",):
        return "mã đơn vị hành chính phải gồm đúng các chữ số quy định"
    if kind in ("greater_than_equal", "less_than_equal", "greater_than", "less_than"):
        ctx = err.get("ctx") or {}
        words = {"ge": "≥", "le": "≤", "gt": ">", "lt": "<"}
        return "phải " + ", ".join(f"{words[k]} {v}" for k, v in ctx.items() if k in words)
    if kind == "value_error":
        return str(err.get("ctx", {}).get("error", err.get("msg", "không hợp lệ")))
    return _REASONS_VI.get(kind, err.get("msg", "không hợp lệ"))


def settings_reference() -> list[tuple[str, str, str]]:
    """(dotted key, default, help) for every setting, for the README table."""
    rows: list[tuple[str, str, str]] = []

    def walk(model: type[BaseModel], prefix: str) -> None:
        for name, field in model.model_fields.items():
            annotation = field.annotation
            if isinstance(annotation, type) and issubclass(annotation, BaseModel):
                walk(annotation, f"{prefix}{name}.")
                continue
            if name == "sources":
                walk(SourceSettings, f"{prefix}sources[].")
                continue
            if name in ("communes", "districts"):
                item = CommuneLink if name == "communes" else DistrictLink
                walk(item, f"{prefix}{name}[].")
                continue
            default = field.get_default(call_default_factory=True)
            rows.append(
                (
                    f"{prefix}{name}",
                    "" if default is None else str(default),
                    field.description or "",
                )
            )

    walk(Settings, "")
    return rows
