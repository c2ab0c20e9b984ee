"""start_ingest: the ingester and its single writer as one background service."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from coc.config import Settings
from coc.devices.registry import registry_from_store, sync_devices
from coc.store.db import Store
from sensors.ingester import Ingester
from sensors.parse import limits_from_registry
from sensors.writer import Writer

log = logging.getLogger(__name__)


@dataclass
class IngestHandle:
    ingester: Ingester
    writer: Writer

    @property
    def stats(self) -> dict[str, float]:
        return self.writer.stats.as_dict()

    def wait_connected(self, timeout: float = 10.0) -> bool:
        return self.ingester.connected.wait(timeout)

    def stop(self) -> None:
        """Close intake, write and ack what is queued, then leave with an 'offline' status."""
        self.ingester.close_intake()
        self.writer.stop()
        self.ingester.stop()


def start_ingest(store: Store, settings: Settings, record_lag: bool = False) -> IngestHandle:
    """Sync the registry, start the writer thread and the MQTT network thread."""
    sync_devices(store, settings)
    registry = registry_from_store(store, settings)
    mq = settings.mqtt
    limits = limits_from_registry(registry, mq.auto_register, mq.max_future_s, mq.max_age_days)
    writer = Writer(
        store,
        settings.commune.code,
        batch_size=mq.batch_size,
        flush_ms=mq.flush_ms,
        queue_size=mq.queue_size,
        record_lag=record_lag,
    ).start()
    ingester = Ingester(settings, writer, limits)
    writer.ack = ingester.ack
    ingester.start()
    log.info("bộ thu MQTT đã chạy: %s", mq.url)
    return IngestHandle(ingester, writer)
