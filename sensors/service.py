"""start_ingest: the ingester, its single writer and their supervisor as one service.

The supervisor checks every `mqtt.supervise_s` that the network loop and the writer
thread are alive, restarts the one that died, and writes the ingester's liveness to the
store (`coc.store.status`, name "ingester"): that row is the heartbeat `/api/v1/health`
and the dashboard read, from this process or another.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from coc.config import Settings
from coc.devices.registry import registry_from_store, sync_devices
from coc.store.status import INGESTER, set_status
from coc.timeutil import iso_utc, to_local, utcnow
from sensors.ingester import Ingester
from sensors.parse import limits_from_registry
from sensors.writer import Writer

if TYPE_CHECKING:
    from coc.store.db import Store
    from coc.store.lite import LiteStore

log = logging.getLogger(__name__)

# A restart stays visible (health "degraded") this long, so someone sees it happened.
RESTART_NOTICE = timedelta(minutes=15)


def _moment(ms: int | None) -> str | None:
    return None if ms is None else iso_utc(datetime.fromtimestamp(ms / 1000, UTC))


@dataclass
class Supervisor:
    """Watches the two threads; restarts a dead one and reports, never calls a dead one ok."""

    ingester: Ingester
    writer: Writer
    store: Store | LiteStore
    every_s: float = 5.0
    stall_s: float = 60.0
    clock: Callable[[], datetime] = utcnow
    restarts: int = 0
    last_restart: datetime | None = None
    last_problem: str | None = None
    _progress: tuple[int, datetime] | None = None
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def start(self) -> Supervisor:
        self.check()
        self._thread = threading.Thread(target=self._run, name="coc-mqtt-supervisor", daemon=True)
        self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stop.wait(self.every_s):
            try:
                self.check()
            except Exception:  # the watcher must outlive anything it watches
                log.exception("lỗi khi kiểm tra bộ thu MQTT")

    def check(self) -> str:
        """One round: restart what died, then report. Returns the state reported."""
        now = self.clock()
        dead = []
        if not self.writer.alive():
            dead.append("luồng ghi dữ liệu")
        if not self.ingester.network_alive():
            dead.append("vòng mạng MQTT")
        if dead:
            self.restarts += 1
            self.last_restart = now
            self.last_problem = f"{' và '.join(dead)} đã dừng"
            log.error("%s; khởi động lại (lần %d)", self.last_problem, self.restarts)
            self._report("down", f"{self.last_problem}, đang khởi động lại", now)
            if not self.writer.alive():
                self.writer.restart()
            if not self.ingester.network_alive():
                self.ingester.restart_network()
            return "down"
        state, detail = self._judge(now)
        self._report(state, detail, now)
        return state

    def _judge(self, now: datetime) -> tuple[str, str]:
        messages = self.writer.stats.messages
        if self._progress is None or self._progress[0] != messages or not self.writer.queued:
            self._progress = (messages, now)
        waiting_s = (now - self._progress[1]).total_seconds()
        if self.writer.queued and waiting_s >= self.stall_s:
            since = to_local(self._progress[1]).strftime("%H:%M:%S")
            return (
                "degraded",
                f"có {self.writer.queued} tin nhắn chờ nhưng không ghi được từ {since}",
            )
        if self.last_restart is not None and now - self.last_restart < RESTART_NOTICE:
            at = to_local(self.last_restart).strftime("%H:%M %d/%m/%Y")
            return (
                "degraded",
                f"{self.last_problem}; đã tự khởi động lại lúc {at} (lần {self.restarts})",
            )
        if not self.ingester.connected.is_set():
            return "degraded", "đang chờ kết nối tới broker MQTT"
        return "ok", "đang nhận dữ liệu"

    def _data(self) -> dict[str, Any]:
        return {
            "network": self.ingester.network_alive(),
            "writer": self.writer.alive(),
            "connected": self.ingester.connected.is_set(),
            "lastReceivedAt": _moment(self.ingester.last_received_ms),
            "lastStoredAt": _moment(self.writer.last_commit_ms),
            "queued": self.writer.queued,
            "messages": self.writer.stats.messages,
            "restarts": self.restarts,
            "lastRestartAt": iso_utc(self.last_restart),
        }

    def _report(self, state: str, detail: str, now: datetime) -> None:
        try:
            set_status(self.store, INGESTER, state, detail, self._data(), now=now)
        except Exception:  # a busy database must not stop the watching
            log.exception("không ghi được trạng thái bộ thu MQTT")

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(self.every_s + 5)

    def report_stopped(self) -> None:
        self._report("stopped", "bộ thu MQTT đã dừng", self.clock())


@dataclass
class IngestHandle:
    ingester: Ingester
    writer: Writer
    supervisor: Supervisor | None = None

    @property
    def stats(self) -> dict[str, float]:
        return self.writer.stats.as_dict()

    def wait_connected(self, timeout: float = 10.0) -> bool:
        return self.ingester.connected.wait(timeout)

    def stop(self) -> None:
        """Close intake, write and ack what is queued, then leave with an 'offline' status."""
        if self.supervisor is not None:
            self.supervisor.stop()
        self.ingester.close_intake()
        self.writer.stop()
        self.ingester.stop()
        if self.supervisor is not None:
            self.supervisor.report_stopped()


def start_ingest(
    store: Store | LiteStore, settings: Settings, record_lag: bool = False
) -> IngestHandle:
    """Sync the registry, start the writer thread, the MQTT network thread and the watcher."""
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
    supervisor = Supervisor(ingester, writer, store, mq.supervise_s, mq.stall_s).start()
    log.info("bộ thu MQTT đã chạy: %s", mq.url)
    return IngestHandle(ingester, writer, supervisor)
