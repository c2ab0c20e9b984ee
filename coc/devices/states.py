"""Device kinds and the names of kinds and states that the CLI and the pages show. The
states themselves (which count as online) are the MQTT contract's, in
`coc.ingest.messages`."""

from __future__ import annotations

KINDS = ("camera", "speaker", "sensor")

# (Vietnamese, English) names, for the CLI and the pages
KIND_NAMES: dict[str, tuple[str, str]] = {
    "camera": ("Camera", "Camera"),
    "speaker": ("Loa", "Loudspeaker"),
    "sensor": ("Cảm biến", "Sensor"),
}
STATE_NAMES: dict[str, tuple[str, str]] = {
    "online": ("trực tuyến", "online"),
    "offline": ("mất kết nối", "offline"),
    "recording": ("đang ghi hình", "recording"),
    "playing": ("đang phát", "playing"),
    "idle": ("chờ", "idle"),
    "fault": ("lỗi", "fault"),
    "unknown": ("chưa rõ", "unknown"),
}


def _name(names: dict[str, tuple[str, str]], key: str, lang: str) -> str:
    pair = names.get(key)
    if pair is None:
        return key
    return pair[0] if lang == "vi" else pair[1]


def kind_name(kind: str, lang: str = "vi") -> str:
    return _name(KIND_NAMES, kind, lang)


def state_name(state: str, lang: str = "vi") -> str:
    return _name(STATE_NAMES, state, lang)
