"""`coc web`: the dashboard and API behind waitress, a production WSGI server.

`serve` and `build_web_app` are reused by `coc run` and `coc demo`.
"""

from __future__ import annotations

import argparse
import logging
from typing import Any

from coc.cli.context import Context

log = logging.getLogger(__name__)


def build_web_app(ctx: Context) -> Any:
    """The Dash app with the HTTP API mounted on its Flask server (when the API exists)."""
    from dashboards.app import create_app

    app = create_app(ctx.store, ctx.settings, ctx.catalog)
    try:  # wired after merge: the API helper's blueprint (issue 6)
        from coc.api import create_blueprint
    except ImportError:
        log.info("coc.api is not installed: serving the dashboard without /api/v1")
    else:
        app.server.register_blueprint(
            create_blueprint(ctx.store, ctx.settings, ctx.catalog), url_prefix="/api/v1"
        )
    return app


def serve(app_server: Any, host: str, port: int, threads: int = 8) -> None:
    """Block serving the WSGI app with waitress (never Flask's development server)."""
    from waitress import serve as waitress_serve

    print(f"COC: bảng điều khiển tại http://{host}:{port}/", flush=True)
    waitress_serve(app_server, host=host, port=port, threads=threads, ident="coc")


def _web(args: argparse.Namespace) -> int:
    ctx = Context.from_args(args)
    http = ctx.settings.http
    app = build_web_app(ctx)
    serve(app.server, args.host or http.host, args.port or http.port, http.threads)
    return 0


def register(sub: Any) -> None:
    parser = sub.add_parser("web", help="chạy bảng điều khiển và API (waitress)")
    parser.add_argument("--host", help="địa chỉ lắng nghe (mặc định http.host)")
    parser.add_argument("--port", type=int, help="cổng (mặc định http.port)")
    parser.set_defaults(func=_web)
