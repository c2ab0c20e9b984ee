"""Loudspeaker bulletins (bản tin truyền thanh): content, approval, speech, delivery."""

from __future__ import annotations

# TT 39/2020/TT-BTTTT priority levels, lowest first; the wire names of the MQTT contract.
PRIORITIES = ("thuong", "uu_tien", "khan_cap")
PRIORITY_NAMES: dict[str, tuple[str, str]] = {
    "thuong": ("Thông thường", "Normal"),
    "uu_tien": ("Ưu tiên", "Priority"),
    "khan_cap": ("Khẩn cấp", "Emergency"),
}


def rank(priority: str) -> int:
    """Higher is more urgent; an unknown level ranks lowest."""
    return PRIORITIES.index(priority) if priority in PRIORITIES else -1


def priority_name(priority: str, lang: str = "vi") -> str:
    pair = PRIORITY_NAMES.get(priority, (priority, priority))
    return pair[0] if lang == "vi" else pair[1]
