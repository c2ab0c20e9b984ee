"""The device registry: config/devices.yaml loaded into frozen specs and the Device table."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from coc.config import Settings, read_yaml
from coc.errors import ConfigError
from coc.store.lite import LiteStore

if TYPE_CHECKING:
    from coc.store.db import Store

KINDS = ("camera", "speaker", "sensor")
TOPIC_KINDS = {"cameras": "camera", "speakers": "speaker", "sensors": "sensor"}


@dataclass(frozen=True)
class Metric:
    """One quantity a sensor type reports: its own unit, names and physical range."""

    key: str
    unit: str
    name_vi: str
    name_en: str
    min: float
    max: float

    def name(self, lang: str = "vi") -> str:
        return self.name_en if lang == "en" else self.name_vi


@dataclass(frozen=True)
class SensorType:
    name: str
    unit: str
    min: float
    max: float
    keys: tuple[str, ...]
    metrics: dict[str, Metric] = field(default_factory=dict)

    def metric(self, key: str) -> Metric:
        """The key's metric; a key the file does not describe takes the type's unit."""
        return self.metrics.get(key) or Metric(key, self.unit, key, key, self.min, self.max)


@dataclass(frozen=True)
class DeviceSpec:
    device_id: str
    kind: str
    name: str
    hamlet: str | None = None
    lat: float | None = None
    lon: float | None = None
    sensor_type: str | None = None
    unit: str | None = None
    range_min: float | None = None
    range_max: float | None = None
    timeout_s: int | None = None


@dataclass(frozen=True)
class Registry:
    devices: dict[str, DeviceSpec]
    sensor_types: dict[str, SensorType] = field(default_factory=dict)
    hamlets: tuple[str, ...] = ()

    def key_range(self, device_id: str, key: str) -> tuple[float, float] | None:
        """The physical range that a reading of `key` from this device must fall in."""
        spec = self.devices.get(device_id)
        if spec is None or spec.sensor_type is None:
            return None
        stype = self.sensor_types.get(spec.sensor_type)
        if stype is None:
            return None
        metric = stype.metric(key)
        return (metric.min, metric.max)

    def metric(self, sensor_type: str | None, key: str) -> Metric | None:
        stype = self.sensor_types.get(sensor_type or "")
        return stype.metric(key) if stype else None


def default_timeout(kind: str, settings: Settings) -> int:
    dev = settings.devices
    return {
        "camera": dev.timeout_camera_s,
        "speaker": dev.timeout_speaker_s,
    }.get(kind, dev.timeout_sensor_s)


def _spec(raw: dict[str, Any], types: dict[str, SensorType], settings: Settings) -> DeviceSpec:
    device_id, kind = str(raw.get("id", "")), str(raw.get("kind", ""))
    if not device_id or kind not in KINDS:
        raise ConfigError(f"thiết bị không hợp lệ trong sổ thiết bị: {raw!r}")
    stype = types.get(raw.get("sensor_type") or "")
    if kind == "sensor" and stype is None:
        raise ConfigError(f"cảm biến {device_id} thiếu loại cảm biến hợp lệ (sensor_type)")
    return DeviceSpec(
        device_id=device_id,
        kind=kind,
        name=str(raw.get("name", device_id)),
        hamlet=raw.get("hamlet"),
        lat=raw.get("lat"),
        lon=raw.get("lon"),
        sensor_type=stype.name if stype else None,
        unit=raw.get("unit") or (stype.unit if stype else None),
        range_min=raw.get("min", stype.min if stype else None),
        range_max=raw.get("max", stype.max if stype else None),
        timeout_s=int(raw.get("timeout_s") or default_timeout(kind, settings)),
    )


def _sensor_type(name: str, raw: dict[str, Any]) -> SensorType:
    """`metrics: {key: {unit, vi, en, min, max}}`, or the older `unit` + `keys` (one unit)."""
    try:
        low, high = float(raw["min"]), float(raw["max"])
        unit = str(raw.get("unit", ""))
        metrics = {
            str(key): Metric(
                key=str(key),
                unit=str(m.get("unit", unit)),
                name_vi=str(m.get("vi", key)),
                name_en=str(m.get("en", m.get("vi", key))),
                min=float(m.get("min", low)),
                max=float(m.get("max", high)),
            )
            for key, m in (raw.get("metrics") or {}).items()
        }
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise ConfigError(f"loại cảm biến {name} không hợp lệ trong sổ thiết bị: {exc}") from exc
    keys = tuple(metrics) or tuple(raw.get("keys", [name]))
    return SensorType(name=name, unit=unit, min=low, max=high, keys=keys, metrics=metrics)


def load_registry(settings: Settings, path: Path | None = None) -> Registry:
    """Read the registry file; a broken file is a one-line ConfigError."""
    data = read_yaml(path or settings.config_file(settings.devices.file), "sổ thiết bị")
    types = {name: _sensor_type(name, t) for name, t in (data.get("sensor_types") or {}).items()}
    devices: dict[str, DeviceSpec] = {}
    for raw in data.get("devices") or []:
        spec = _spec(raw, types, settings)
        if spec.device_id in devices:
            raise ConfigError(f"mã thiết bị {spec.device_id} bị trùng trong sổ thiết bị")
        devices[spec.device_id] = spec
    return Registry(devices, types, tuple(data.get("hamlets") or ()))


def device_row(spec: DeviceSpec, org_unit: str) -> dict[str, Any]:
    return {
        "device_id": spec.device_id,
        "org_unit": org_unit,
        "kind": spec.kind,
        "name": spec.name,
        "sensor_type": spec.sensor_type,
        "unit": spec.unit,
        "range_min": spec.range_min,
        "range_max": spec.range_max,
        "lat": spec.lat,
        "lon": spec.lon,
        "hamlet": spec.hamlet,
        "inactivity_timeout_s": spec.timeout_s,
        "registration": "config",
    }


_SPEC_COLUMNS = (
    "device_id",
    "kind",
    "name",
    "sensor_type",
    "unit",
    "range_min",
    "range_max",
    "inactivity_timeout_s",
)


def _stored(store: LiteStore, columns: tuple[str, ...]) -> list[dict[str, Any]]:
    rows = store.read().rows(f"SELECT {', '.join(columns)} FROM device")
    return [dict(zip(columns, row, strict=True)) for row in rows]


def sync_devices(
    store: Store | LiteStore, settings: Settings, registry: Registry | None = None
) -> None:
    """Upsert the registry into the Device table; status columns are left alone.

    On a LiteStore (the ingest process) the table is compared first and the ORM is only
    loaded when the registry file changed since the last sync."""
    registry = registry or load_registry(settings)
    rows = [device_row(s, settings.commune.code) for s in registry.devices.values()]
    if isinstance(store, LiteStore):
        columns = tuple(rows[0]) if rows else ("device_id",)
        stored = {r["device_id"]: r for r in _stored(store, columns)}
        if all(stored.get(r["device_id"]) == r for r in rows):
            return
        store = store.full()
    from coc.store.models import Device
    from coc.store.upsert import upsert_rows

    with store.write_conn() as conn:
        upsert_rows(conn, Device, rows, keys=["device_id"])


def registry_from_store(store: Store | LiteStore, settings: Settings) -> Registry:
    """The config registry plus devices only known to the store (auto-registered)."""
    registry = load_registry(settings)
    devices = dict(registry.devices)
    if isinstance(store, LiteStore):
        stored = _stored(store, _SPEC_COLUMNS)
    else:
        from sqlalchemy import select

        from coc.store.models import Device

        with store.session() as session:
            stored = [
                {c: getattr(dev, c) for c in _SPEC_COLUMNS}
                for dev in session.scalars(select(Device))
            ]
    for dev in stored:
        if dev["device_id"] not in devices:
            devices[dev["device_id"]] = DeviceSpec(
                device_id=dev["device_id"],
                kind=dev["kind"],
                name=dev["name"],
                sensor_type=dev["sensor_type"],
                unit=dev["unit"],
                range_min=dev["range_min"],
                range_max=dev["range_max"],
                timeout_s=dev["inactivity_timeout_s"],
            )
    return Registry(devices, registry.sensor_types, registry.hamlets)
