"""Broker URL and topic names from settings, shared by the ingester and the simulator."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from coc.errors import ConfigError


@dataclass(frozen=True)
class BrokerAddress:
    host: str
    port: int
    username: str | None = None
    password: str | None = None


def parse_url(url: str) -> BrokerAddress:
    """mqtt://[user:pass@]host:port → address; anything else is a one-line ConfigError."""
    parts = urlsplit(url)
    if parts.scheme not in ("mqtt", "tcp") or not parts.hostname:
        raise ConfigError(f"địa chỉ MQTT không hợp lệ: {url!r} (dạng mqtt://máy:cổng)")
    try:
        port = parts.port or 1883
    except ValueError:
        raise ConfigError(f"cổng MQTT không hợp lệ trong {url!r}") from None
    user = unquote(parts.username) if parts.username else None
    password = unquote(parts.password) if parts.password else None
    return BrokerAddress(parts.hostname, port, user, password)


def own_status_topic(root: str, commune: str) -> str:
    """Where COC announces itself: birth 'online', last will 'offline' (retained)."""
    return f"{root}/{commune}/coc/status"


def subscriptions(root: str, commune: str) -> list[str]:
    base = f"{root}/{commune}"
    return [f"{base}/sensors/+/telemetry", f"{base}/gateway/telemetry", f"{base}/+/+/status"]


def telemetry_topic(root: str, commune: str, device_id: str) -> str:
    return f"{root}/{commune}/sensors/{device_id}/telemetry"


def status_topic(root: str, commune: str, kind: str, device_id: str) -> str:
    plural = {"camera": "cameras", "speaker": "speakers", "sensor": "sensors"}[kind]
    return f"{root}/{commune}/{plural}/{device_id}/status"
