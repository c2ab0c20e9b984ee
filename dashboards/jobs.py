"""Long user-started work (an Excel import, a save that recomputes indicators) off the web
threads: the callback submits a job and returns at once with a pending box that polls;
the job runs on this process's job thread, so its writes take the store's one writer path
(no forked process with copies of the server's locks), and its state and result live in a
diskcache folder under the data dir, so any web process can answer the poll.
"""

from __future__ import annotations

import logging
import secrets
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import diskcache
from dash import Input, Output, State, callback, dcc, html
from dash.exceptions import PreventUpdate

log = logging.getLogger(__name__)

KEEP_S = 24 * 3600  # a finished job's result is kept this long for its poll
LOST_AFTER_S = 3600  # a job still "running" this long died with its process
POLL_MS = 400


class Jobs:
    """Run callables one at a time on a job thread; their state in a disk cache."""

    def __init__(self, folder: Path, workers: int = 1) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.cache = diskcache.Cache(str(folder))
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="coc-job")

    def submit(self, fn: Callable[..., Any], *args: Any) -> str:
        job_id = secrets.token_urlsafe(18)
        self.cache.set(job_id, {"state": "running", "started": time.time()}, expire=KEEP_S)
        self._pool.submit(self._run, job_id, fn, args)
        return job_id

    def _run(self, job_id: str, fn: Callable[..., Any], args: tuple[Any, ...]) -> None:
        try:
            outcome = {"state": "done", "result": fn(*args)}
        except Exception:  # the job's last line of defence: the poll shows a failure
            log.exception("background job %s failed", getattr(fn, "__name__", fn))
            outcome = {"state": "failed"}
        self.cache.set(job_id, outcome, expire=KEEP_S)

    def get(self, job_id: str | None, now: float | None = None) -> dict[str, Any]:
        """{"state": running | done | failed | unknown, "result": …}."""
        found = self.cache.get(job_id) if job_id else None
        if not isinstance(found, dict):
            return {"state": "unknown"}
        if found["state"] == "running" and (now or time.time()) - found["started"] > LOST_AFTER_S:
            return {"state": "failed"}
        return found

    def close(self) -> None:
        self._pool.shutdown(wait=True)
        self.cache.close()


def pending(prefix: str, job_id: str, text: str) -> html.Div:
    """What a callback returns at once: a status line, the job id and the poll interval.
    The poll replaces this box with the result, which also ends the polling."""
    return html.Div(
        [
            html.Span(text, className="message-pending", id=f"{prefix}-pending"),
            dcc.Store(id=f"{prefix}-job", data=job_id),
            dcc.Interval(id=f"{prefix}-poll", interval=POLL_MS),
        ],
        id=f"{prefix}-job-box",
        role="status",
    )


def register_poll(
    prefix: str,
    jobs: Callable[[], Jobs],
    render: Callable[[dict[str, Any], str], Any],
    lang_store: str,
) -> None:
    """The poll callback of one kind of job: nothing until it ends, then `render(job, lang)`."""

    @callback(
        Output(f"{prefix}-job-box", "children"),
        Input(f"{prefix}-poll", "n_intervals"),
        State(f"{prefix}-job", "data"),
        State(lang_store, "data"),
        prevent_initial_call=True,
    )
    def _poll(_n: int, job_id: str | None, lang: str | None) -> Any:
        job = jobs().get(job_id)
        if job["state"] == "running":
            raise PreventUpdate  # 204: nothing yet
        return render(job, lang or "vi")
