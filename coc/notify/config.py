"""Notification settings from `config/notifications.yaml`: channels, routing rules, quiet
hours, digest and de-duplication windows. Secrets are never in the file: a channel names
the environment variable that holds its token or password (`*_env`), read at load time
and kept out of repr(), logs and pages (`Channel.public()` shows what may be shown)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Any

from coc.alerts.lifecycle import KINDS, SEVERITIES, SEVERITY_ORDER
from coc.config import Settings, read_yaml
from coc.errors import ConfigError
from coc.timeutil import VN_TZ, as_utc

CHANNEL_TYPES = ("smtp", "webhook", "telegram", "zalo", "sms")
EVENTS = ("raised", "escalated", "cleared")
HIGHEST = SEVERITIES[-1]  # quiet hours never hold these back


@dataclass(frozen=True)
class Channel:
    name: str
    type: str
    options: Mapping[str, Any]  # plain settings (url, host, port, template, …)
    secret: str | None = field(default=None, repr=False)  # token or password from the env

    def public(self) -> dict[str, Any]:
        """What the settings page may show: no secret, only whether one is set."""
        shown = {k: v for k, v in self.options.items() if not k.endswith("_env")}
        return {"name": self.name, "type": self.type, "secret_set": bool(self.secret), **shown}


@dataclass(frozen=True)
class Route:
    name: str
    channel: str
    recipients: tuple[str, ...]
    kinds: tuple[str, ...] = ()  # empty: every kind
    min_severity: str = "warning"
    hamlets: tuple[str, ...] = ()  # empty: every hamlet (and alerts with none)
    events: tuple[str, ...] = ("raised", "escalated")
    digest: bool = False

    def matches(self, kind: str, severity: str, hamlet: str | None, event: str) -> bool:
        return (
            event in self.events
            and (not self.kinds or kind in self.kinds)
            and SEVERITY_ORDER.get(severity, 9) <= SEVERITY_ORDER[self.min_severity]
            and (not self.hamlets or hamlet in self.hamlets)
        )


@dataclass(frozen=True)
class QuietHours:
    start: time
    end: time

    def release(self, now: datetime) -> datetime | None:
        """When a message held back at `now` may go (None: not quiet now). Local time."""
        local = as_utc(now).astimezone(VN_TZ)
        t = local.time()
        if self.start <= self.end:
            quiet = self.start <= t < self.end
        else:  # over midnight, e.g. 22:00–06:00
            quiet = t >= self.start or t < self.end
        if not quiet:
            return None
        end = local.replace(hour=self.end.hour, minute=self.end.minute, second=0, microsecond=0)
        if end <= local:
            end += timedelta(days=1)
        return as_utc(end)


@dataclass(frozen=True)
class NotifyConfig:
    channels: Mapping[str, Channel]
    routes: tuple[Route, ...]
    quiet: QuietHours | None = None
    digest_minutes: float = 60.0
    dedupe_minutes: float = 30.0
    people: Mapping[str, tuple[tuple[str, str], ...]] = field(default_factory=dict)

    def addresses(self, username: str) -> tuple[tuple[str, str], ...]:
        """(channel, recipient) pairs where a user is reached (explanation requests)."""
        return self.people.get(username, ())

    @property
    def enabled(self) -> bool:
        return bool(self.channels and self.routes)


def _clock(text: Any, what: str) -> time:
    try:
        hh, mm = str(text).split(":")
        return time(int(hh), int(mm))
    except (ValueError, TypeError):
        raise ConfigError(f"{what} phải có dạng HH:MM: {text!r}") from None


def _tuple(raw: Any, what: str) -> tuple[str, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise ConfigError(f"{what} phải là danh sách")
    return tuple(str(x) for x in raw)


REQUIRED = {
    "smtp": ("host", "sender"),
    "webhook": ("url",),
    "telegram": (),
    "zalo": (),
    "sms": ("url", "body"),
}
SECRET_KEYS = {"smtp": "password_env", "webhook": "secret_env"}


def _channel(raw: Any, environ: Mapping[str, str]) -> Channel:
    if not isinstance(raw, dict) or not raw.get("name") or raw.get("type") not in CHANNEL_TYPES:
        raise ConfigError(f"kênh thông báo cần name và type ({', '.join(CHANNEL_TYPES)}): {raw!r}")
    kind = raw["type"]
    missing = [k for k in REQUIRED[kind] if not raw.get(k)]
    if missing:
        raise ConfigError(f"kênh '{raw['name']}' thiếu {', '.join(missing)}")
    env_key = SECRET_KEYS.get(kind, "token_env")
    env_name = raw.get(env_key)
    secret = environ.get(str(env_name)) if env_name else None
    options = {k: v for k, v in raw.items() if k not in ("name", "type")}
    return Channel(str(raw["name"]), kind, options, secret or None)


def _route(raw: Any, channels: Mapping[str, Channel]) -> Route:
    if not isinstance(raw, dict):
        raise ConfigError(f"luật gửi thông báo không hợp lệ: {raw!r}")
    name = str(raw.get("name") or raw.get("channel"))
    if raw.get("channel") not in channels:
        raise ConfigError(f"luật '{name}': không có kênh '{raw.get('channel')}'")
    route = Route(
        name=name,
        channel=str(raw["channel"]),
        recipients=_tuple(raw.get("recipients"), f"luật '{name}': recipients"),
        kinds=_tuple(raw.get("kinds"), f"luật '{name}': kinds"),
        min_severity=str(raw.get("min_severity", "warning")),
        hamlets=_tuple(raw.get("hamlets"), f"luật '{name}': hamlets"),
        events=_tuple(raw.get("events"), f"luật '{name}': events") or ("raised", "escalated"),
        digest=bool(raw.get("digest", False)),
    )
    if not route.recipients:
        raise ConfigError(f"luật '{name}' cần ít nhất một người nhận (recipients)")
    bad = [k for k in route.kinds if k not in KINDS] + [e for e in route.events if e not in EVENTS]
    if bad or route.min_severity not in SEVERITIES:
        raise ConfigError(f"luật '{name}': giá trị không hợp lệ {bad or route.min_severity!r}")
    return route


def parse_config(data: Mapping[str, Any], environ: Mapping[str, str]) -> NotifyConfig:
    channels: dict[str, Channel] = {}
    for raw in data.get("channels") or []:
        channel = _channel(raw, environ)
        if channel.name in channels:
            raise ConfigError(f"kênh thông báo '{channel.name}' bị trùng")
        channels[channel.name] = channel
    routes = tuple(_route(r, channels) for r in data.get("routes") or [])
    quiet_raw = data.get("quiet_hours")
    quiet = None
    if quiet_raw:
        if not isinstance(quiet_raw, dict):
            raise ConfigError("quiet_hours cần start và end (HH:MM)")
        quiet = QuietHours(
            _clock(quiet_raw.get("start"), "quiet_hours.start"),
            _clock(quiet_raw.get("end"), "quiet_hours.end"),
        )
    try:
        digest = float(data.get("digest_minutes", 60))
        dedupe = float(data.get("dedupe_minutes", 30))
    except (TypeError, ValueError):
        raise ConfigError("digest_minutes và dedupe_minutes phải là số") from None
    people: dict[str, tuple[tuple[str, str], ...]] = {}
    for user, raw in (data.get("people") or {}).items():
        pairs = []
        for item in raw if isinstance(raw, list) else [raw]:
            if not isinstance(item, dict) or item.get("channel") not in channels:
                raise ConfigError(f"people.{user}: cần channel (một kênh đã khai) và recipient")
            pairs.append((str(item["channel"]), str(item.get("recipient", ""))))
        people[str(user)] = tuple(pairs)
    return NotifyConfig(channels, routes, quiet, digest, dedupe, people)


def load_notify(
    settings: Settings, environ: Mapping[str, str], path: Path | None = None
) -> NotifyConfig:
    """The notification settings; a missing file means no notifications."""
    path = path or settings.config_file(settings.alerts.notifications_file)
    if not path.exists():
        return NotifyConfig({}, ())
    return parse_config(read_yaml(path, "tệp cấu hình thông báo"), environ)
