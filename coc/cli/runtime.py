"""Process model: `coc run` (everything in one process), `coc worker` (scheduler + MQTT).

`Services` (an ExitStack) stops the parts in the reverse order of their start, so Ctrl-C
leaves no thread, broker or port behind; `start_server` is the one waitress launch of
`coc run`, `coc web` and `coc demo`.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import signal
import socket
import threading
from collections.abc import Callable
from typing import Any

from apscheduler.schedulers.background import BackgroundScheduler

from coc.cli.context import Context
from coc.cli.core import prepare
from coc.errors import CocError
from coc.indicators.engine import Engine
from coc.periods import recent_months, with_enclosing
from coc.timeutil import utcnow

log = logging.getLogger(__name__)


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("run", help="chạy tất cả trong một tiến trình: web, API, lịch, MQTT")
    p.set_defaults(func=cmd_run)
    p = sub.add_parser("worker", help="chỉ chạy lịch thu thập và bộ nhận MQTT (không web)")
    p.set_defaults(func=cmd_worker)


class Services(contextlib.ExitStack):
    """Parts started in order and stopped in reverse when the `with` block ends, however
    it ends; a part that fails to stop is logged and the others still stop."""

    def add(self, name: str, stop: Callable[[], Any]) -> None:
        self.callback(_stop_quietly, name, stop)


def _stop_quietly(name: str, stop: Callable[[], Any]) -> None:
    try:
        stop()
    except Exception:  # keep stopping the rest
        log.exception("stopping %s failed", name)


def make_scheduler() -> BackgroundScheduler:
    return BackgroundScheduler(
        timezone="Asia/Ho_Chi_Minh",
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 300},
    )


def add_refresh_job(scheduler: BackgroundScheduler, ctx: Context, minutes: int = 10) -> None:
    """Recompute this and last month (device snapshots, open dossiers judged against now)."""

    def job() -> None:
        months = recent_months(utcnow(), 2)
        Engine(ctx.catalog).refresh(ctx.store, ctx.org_unit, with_enclosing(months))

    scheduler.add_job(
        job, "interval", minutes=minutes, id="indicators.refresh", replace_existing=True
    )


def start_worker_parts(ctx: Context, services: Services) -> BackgroundScheduler:
    """Scheduler with every job, plus the MQTT ingester when a broker is configured."""
    from coc.alert_jobs import register_jobs as alert_jobs
    from coc.fieldreports.jobs import register_jobs as fieldreport_jobs
    from coc.reports.schedule import register_jobs as report_jobs
    from coc.sync.jobs import register_jobs as sync_jobs
    from connectors.jobs import register_jobs as connector_jobs
    from sensors.jobs import register_jobs as sensor_jobs

    scheduler = make_scheduler()
    connector_jobs(scheduler, ctx.store, ctx.settings, ctx.catalog)
    sensor_jobs(scheduler, ctx.store, ctx.settings)
    sync_jobs(scheduler, ctx.store, ctx.settings, ctx.catalog)
    alert_jobs(scheduler, ctx.store, ctx.settings, ctx.catalog, ctx.org_unit)
    fieldreport_jobs(scheduler, ctx.store, ctx.settings)
    report_jobs(scheduler, ctx.store, ctx.settings, ctx.catalog)
    add_refresh_job(scheduler, ctx)
    scheduler.start()
    services.add("scheduler", lambda: scheduler.shutdown(wait=False))
    if ctx.settings.mqtt.url:
        from sensors.service import start_ingest

        ingest = start_ingest(ctx.store, ctx.settings)
        services.add("mqtt ingester", ingest.stop)
        from sensors.commands import start_dispatch

        publisher = start_dispatch(scheduler, ctx.store, ctx.settings)
        services.add("bulletin commands", publisher.stop)
    return scheduler


def build_web(ctx: Context) -> Any:
    """The Dash app with the API blueprint on the same Flask server (see `coc web`)."""
    from coc.cli.web import build_web_app, settle_heap

    app = build_web_app(ctx)
    settle_heap()
    return app


def check_port_free(host: str, port: int) -> None:
    """Fail fast, before any slow start-up work, when the web port is taken."""
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OverflowError:
            raise CocError(f"cổng phải từ 1 đến 65535: {port}") from None
        except OSError as exc:
            raise CocError(
                f"cổng {host}:{port} đang được dùng hoặc không mở được ({exc.strerror}); "
                "chọn cổng khác (http.port hoặc COC_HTTP_PORT; coc demo --port)"
            ) from None


def start_web(ctx: Context, services: Services, host: str, port: int) -> Any:
    """The dashboard and API (see `build_web`) behind waitress, in the background."""
    return start_server(services, build_web(ctx).server, host, port, ctx.settings.http.threads)


def waitress_options(app: Any, threads: int) -> dict[str, Any]:
    """waitress settings: its body cap is the app's largest route limit (coc.api.limits,
    Flask's MAX_CONTENT_LENGTH), so nothing bigger is even buffered."""
    options: dict[str, Any] = {"threads": threads}
    largest = getattr(app, "config", {}).get("MAX_CONTENT_LENGTH")
    if largest:
        options["max_request_body_size"] = int(largest)
    return options


def start_server(services: Services, app: Any, host: str, port: int, threads: int) -> Any:
    """Serve a WSGI app with waitress (a production WSGI server, never Flask's development
    one) in a background thread, stopped with the other services: the one launch path of
    `coc run`, `coc web` and `coc demo`."""
    from waitress.server import create_server

    try:
        server = create_server(
            app, host=host, port=port, ident="coc", **waitress_options(app, threads)
        )
    except OSError as exc:
        raise CocError(f"không mở được cổng {host}:{port}: {exc.strerror}") from None
    stopping = threading.Event()

    def run() -> None:
        try:
            server.run()
        except (OSError, ValueError):  # select() on sockets stop() has just closed
            if not stopping.is_set():
                raise

    thread = threading.Thread(target=run, name="waitress", daemon=True)
    thread.start()

    def stop() -> None:
        stopping.set()
        # Let in-flight requests finish before the sockets close under them.
        server.task_dispatcher.shutdown(timeout=5)
        server.close()
        thread.join(timeout=5)

    services.add("web", stop)
    return server


def install_stop_signals() -> None:
    """Ctrl-C and SIGTERM both stop cleanly, even when started with SIGINT ignored
    (as a background job of a script is)."""

    def _stop(_signum: int, _frame: Any) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGINT, _stop)
    signal.signal(signal.SIGTERM, _stop)


def run_until_stopped(start: Callable[[Services], None]) -> None:
    """Start the parts, block until Ctrl-C or SIGTERM, stop them in reverse.

    Ctrl-C during start-up stops as cleanly as after it."""
    with Services() as services:
        try:
            start(services)
            wait_for_stop()
        except KeyboardInterrupt:
            pass


def wait_for_stop() -> None:
    """Block until Ctrl-C or SIGTERM (raised as KeyboardInterrupt by the handlers)."""
    forever = threading.Event()
    try:
        while not forever.wait(1.0):
            pass
    except KeyboardInterrupt:
        pass


def cmd_run(args: argparse.Namespace) -> int:
    ctx = Context.from_args(args)
    install_stop_signals()
    http = ctx.settings.http
    check_port_free(http.host, http.port)
    prepare(ctx)

    def start(services: Services) -> None:
        start_worker_parts(ctx, services)
        start_web(ctx, services, http.host, http.port)
        print(f"COC đang chạy: http://{http.host}:{http.port}/  (Ctrl-C để dừng)", flush=True)

    run_until_stopped(start)
    print("Đã dừng COC.")
    return 0


def cmd_worker(args: argparse.Namespace) -> int:
    install_stop_signals()
    ctx = Context.from_args(args)
    prepare(ctx)

    def start(services: Services) -> None:
        start_worker_parts(ctx, services)
        print("COC worker đang chạy (Ctrl-C để dừng)", flush=True)

    run_until_stopped(start)
    return 0
