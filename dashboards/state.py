"""The one place page modules get the store, settings and catalog from.

Dash imports page modules itself, so they cannot receive arguments; `create_app` fills this
holder before the pages are imported and every layout and callback reads it at call time.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

import flask

from coc.config import Settings
from coc.indicators.catalog import Catalog
from coc.store.db import Store
from coc.timeutil import utcnow
from dashboards.jobs import Jobs

LANGS = ("vi", "en")
LANG_COOKIE = "coc_lang"


@dataclass
class AppState:
    store: Store
    settings: Settings
    catalog: Catalog
    clock: Callable[[], datetime] = field(default=utcnow)  # fixed in tests
    jobs: Jobs | None = None  # long user-started work (dashboards.jobs)

    def now(self) -> datetime:
        return self.clock()

    def job_queue(self) -> Jobs:
        if self.jobs is None:
            raise RuntimeError("the app has no job queue: create it with create_app")
        return self.jobs

    @property
    def org_unit(self) -> str:
        return self.settings.commune.code


_state: AppState | None = None


def set_state(state: AppState) -> None:
    global _state
    _state = state


def get() -> AppState:
    if _state is None:
        raise RuntimeError("dashboards.state is empty: call dashboards.app.create_app first")
    return _state


def lang(query: dict | None = None) -> str:
    """The UI language: ?lang= in the page URL, else the stored cookie, else the setting."""
    if query and query.get("lang") in LANGS:
        return str(query["lang"])
    if flask.has_request_context():
        arg = flask.request.args.get("lang")
        if arg in LANGS:
            return arg
        cookie = flask.request.cookies.get(LANG_COOKIE)
        if cookie in LANGS:
            return cookie
    return get().settings.language if _state else "vi"
