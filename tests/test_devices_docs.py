"""docs/sensors.md stays true: every device and MQTT setting is in its settings table."""

from __future__ import annotations

from coc.config import ROOT, settings_reference


def test_every_device_and_mqtt_setting_is_documented() -> None:
    text = (ROOT / "docs" / "sensors.md").read_text(encoding="utf-8")
    keys = [k for k, _, _ in settings_reference() if k.startswith(("mqtt.", "devices."))]
    assert len(keys) == 30
    for key, default, _ in settings_reference():
        if key.startswith(("mqtt.", "devices.")):
            shown = f"`{default}`" if default not in ("", "[]") else "—"
            assert f"| `{key}` | {shown} |" in text, key
