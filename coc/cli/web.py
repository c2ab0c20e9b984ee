"""`coc web`: the dashboard and API behind waitress, a production WSGI server.

`build_web_app` is reused by `coc run` and `coc demo`; all three serve with
`coc.cli.runtime.start_server`.
"""

from __future__ import annotations

import argparse
import gc
import logging
from typing import Any

from coc.cli.context import Context, port_number

log = logging.getLogger(__name__)


def build_web_app(ctx: Context) -> Any:
    """The Dash app with the HTTP API mounted on its Flask server under /api/v1."""
    from coc.api import PREFIX, create_blueprint, install_json_errors
    from coc.api.approvals import dhis2_blueprint
    from dashboards.app import create_app

    app = create_app(ctx.store, ctx.settings, ctx.catalog)
    app.server.register_blueprint(
        create_blueprint(ctx.store, ctx.settings, ctx.catalog), url_prefix=PREFIX
    )
    app.server.register_blueprint(dhis2_blueprint(ctx.store, ctx.settings), url_prefix="/api")
    install_json_errors(app.server)
    _api_not_found(app.server, PREFIX)
    return app


def _api_not_found(server: Any, prefix: str) -> None:
    """Unknown API paths answer a JSON 404: Dash's page router would otherwise match every
    GET path and serve its HTML shell, so the 404 handler never runs for them."""
    from coc.api.http import refuse

    methods = ["GET", "POST", "PUT", "PATCH", "DELETE"]

    @server.route(f"{prefix}/<path:rest>", methods=methods, endpoint="coc_api_not_found")
    def _not_found(rest: str) -> Any:
        from flask import request

        path = f"{prefix}/{rest}"
        allowed = sorted(
            m
            for rule in server.url_map.iter_rules()
            if rule.endpoint != "coc_api_not_found" and rule.rule == path
            for m in (rule.methods or ())
            if m not in ("HEAD", "OPTIONS")
        )
        if allowed:
            return refuse(
                405, f"{path} không nhận phương thức {request.method} (dùng {', '.join(allowed)})"
            )
        return refuse(404, f"không có đường dẫn {path}")


def settle_heap() -> None:
    """Put every object alive after start-up out of the garbage collector's reach.

    The app keeps tens of thousands of long-lived objects (Dash components, Plotly
    validators); without `gc.freeze` each full collection rescans them, a ~100 ms pause in
    whichever callback triggers it (measured on the 30-day sensor chart).
    """
    gc.collect()
    gc.freeze()


def serve(app_server: Any, host: str, port: int, threads: int = 8) -> None:
    """Serve the WSGI app with waitress until Ctrl-C or SIGTERM (`coc web`)."""
    from coc.cli.runtime import run_until_stopped, start_server

    settle_heap()

    def start(services: Any) -> None:
        start_server(services, app_server, host, port, threads)
        print(f"COC: bảng điều khiển tại http://{host}:{port}/", flush=True)

    run_until_stopped(start)


def _web(args: argparse.Namespace) -> int:
    from coc.cli.core import prepare
    from coc.cli.runtime import check_port_free, install_stop_signals

    install_stop_signals()
    ctx = Context.from_args(args)
    http = ctx.settings.http
    host, port = args.host or http.host, args.port or http.port
    check_port_free(host, port)
    prepare(ctx)
    app = build_web_app(ctx)
    serve(app.server, host, port, http.threads)
    return 0


def register(sub: Any) -> None:
    parser = sub.add_parser("web", help="chạy bảng điều khiển và API (waitress)")
    parser.add_argument("--host", help="địa chỉ lắng nghe (mặc định http.host)")
    parser.add_argument("--port", type=port_number, help="cổng (mặc định http.port)")
    parser.set_defaults(func=_web)
