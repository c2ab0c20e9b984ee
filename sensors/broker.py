"""ensure_broker: Mosquitto with the shipped config where the binary exists, else amqtt.

`coc demo`, the tests and the benchmark start their own broker on loopback; production
points `mqtt.url` at the site's Mosquitto instead.
"""

from __future__ import annotations

import asyncio
import getpass
import logging
import os
import shutil
import socket
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from coc.config import DEFAULT_CONFIG_DIR
from coc.errors import CocError
from coc.files import private_dir

log = logging.getLogger(__name__)

SHIPPED_CONF = DEFAULT_CONFIG_DIR / "mosquitto" / "coc.conf"
MOSQUITTO_PATHS = (
    "/usr/sbin/mosquitto",
    "/usr/local/sbin/mosquitto",
    "/opt/homebrew/sbin/mosquitto",
)


def mosquitto_binary() -> str | None:
    found = shutil.which("mosquitto")
    if found:
        return found
    return next((p for p in MOSQUITTO_PATHS if os.access(p, os.X_OK)), None)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_port(port: int, timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return True
        except OSError:
            time.sleep(0.05)
    return False


@dataclass
class BrokerHandle:
    port: int
    kind: str  # mosquitto | amqtt
    settings_text: str = ""
    process: subprocess.Popen[bytes] | None = None
    _stop: Any = field(default=None, repr=False)

    @property
    def url(self) -> str:
        return f"mqtt://127.0.0.1:{self.port}"

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        elif self._stop is not None:
            self._stop()


def mosquitto_conf(data_dir: Path, port: int, extra: str = "") -> Path:
    """Write the runtime config: the shipped settings plus listener and persistence path."""
    folder = private_dir(data_dir / "mosquitto")  # its log and persistence: owner only
    conf = folder / "mosquitto.conf"
    conf.write_text(
        SHIPPED_CONF.read_text(encoding="utf-8")
        + f"\nlistener {port} 127.0.0.1\npersistence_location {folder.as_posix()}/\n"
        + f"log_dest file {(folder / 'mosquitto.log').as_posix()}\n"
        + f"user {getpass.getuser()}\n"
        + extra,
        encoding="utf-8",
    )
    return conf


def start_mosquitto(binary: str, data_dir: Path, port: int, extra: str = "") -> BrokerHandle:
    conf = mosquitto_conf(data_dir, port, extra)
    proc = subprocess.Popen(
        [binary, "-c", str(conf)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    if not wait_port(port):
        proc.kill()
        raise CocError(f"không khởi động được Mosquitto trên cổng {port} (xem {conf.parent})")
    settings = "; ".join(
        line for line in conf.read_text().splitlines() if line and not line.startswith("#")
    )
    return BrokerHandle(port, "mosquitto", settings, proc)


def start_amqtt(port: int) -> BrokerHandle:
    """The embedded fallback: amqtt (MQTT 3.1.1) on its own event-loop thread."""
    try:
        from amqtt.broker import Broker
    except ImportError:  # pragma: no cover - amqtt is a dependency
        raise CocError("không có Mosquitto và không có amqtt (pip install amqtt)") from None
    config = {
        "listeners": {"default": {"type": "tcp", "bind": f"127.0.0.1:{port}"}},
        "plugins": {"amqtt.plugins.authentication.AnonymousAuthPlugin": {"allow_anonymous": True}},
    }
    loop = asyncio.new_event_loop()
    broker = Broker(config, loop=loop)
    ready = threading.Event()

    def run() -> None:
        asyncio.set_event_loop(loop)
        loop.run_until_complete(broker.start())
        ready.set()
        loop.run_forever()

    thread = threading.Thread(target=run, name="coc-amqtt", daemon=True)
    thread.start()
    if not ready.wait(15) or not wait_port(port):
        raise CocError(f"không khởi động được broker nhúng trên cổng {port}")

    def stop() -> None:
        asyncio.run_coroutine_threadsafe(broker.shutdown(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(5)

    return BrokerHandle(port, "amqtt", "amqtt defaults (MQTT 3.1.1, in memory)", None, stop)


def ensure_broker(data_dir: Path, port: int | None = None) -> BrokerHandle:
    """Start a broker on 127.0.0.1 for the demo: Mosquitto if installed, else embedded."""
    port = port or free_port()
    binary = mosquitto_binary()
    if binary:
        return start_mosquitto(binary, Path(data_dir), port)
    log.info("không thấy Mosquitto, dùng broker nhúng amqtt")
    return start_amqtt(port)
