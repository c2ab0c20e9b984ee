"""Photos a Zalo OA webhook sends as links are downloaded by the fetch job through coc.net:
a real loopback HTTP server serves a JPEG with GPS EXIF, an oversized file (declared and
undeclared length), a web page posing as a JPEG, a 500 and a server that never answers.
The report is always kept; a photo not fetched is recorded with its reason for clerks."""

from __future__ import annotations

import contextlib
import io
import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import requests
from fieldreports_helpers import NOW, jpeg_with_exif
from fixtures_base import new_store
from fixtures_http import commune_settings, serve_coc
from PIL import Image

from coc.fieldreports import queries
from coc.fieldreports.categories import load_categories
from coc.fieldreports.fetch import FetchPolicy, download, fetch_pending
from coc.fieldreports.intake import Limits
from coc.net import RetryPolicy
from coc.store import audit
from coc.store.db import Store

TOKEN = "zalo-bridge-token-77"
LIMIT = 400_000  # bytes: the big file is over it, the real photo under it


@dataclass
class PhotoHost:
    """What the Zalo CDN might answer, per path; `hits` counts requests per path."""

    photo: bytes = field(default_factory=lambda: jpeg_with_exif((2400, 1200)))
    hits: dict[str, int] = field(default_factory=dict)
    release: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def answer(self, path: str) -> tuple[int, dict[str, str], bytes]:
        with self.lock:
            self.hits[path] = self.hits.get(path, 0) + 1
        big = b"\xff\xd8\xff" + b"\0" * (LIMIT + 10)
        jpeg = {"Content-Type": "image/jpeg"}
        if path == "/gps.jpg":
            return 200, {**jpeg, "Content-Length": str(len(self.photo))}, self.photo
        if path == "/big-declared.jpg":
            return 200, {**jpeg, "Content-Length": str(len(big))}, big
        if path == "/big-undeclared.jpg":  # no length: the body runs until the socket closes
            return 200, jpeg, big
        if path == "/page.jpg":  # the name and the declared type say JPEG; the content does not
            body = b"<html><body>Trang dang nhap Zalo</body></html>"
            return 200, {**jpeg, "Content-Length": str(len(body))}, body
        if path == "/gone.jpg":
            return 404, {"Content-Length": "0"}, b""
        if path == "/hang.jpg":
            self.release.wait(10)  # never answers in time (released when the test ends)
            return 200, {"Content-Length": "0"}, b""
        return 500, {"Content-Length": "0"}, b""


@pytest.fixture
def host() -> Iterator[tuple[str, PhotoHost]]:
    app = PhotoHost()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.0"  # a body without a length ends when the socket closes

        def do_GET(self) -> None:
            status, headers, body = app.answer(self.path)
            self.send_response(status)
            for k, v in headers.items():
                self.send_header(k, v)
            self.end_headers()
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # client stopped
                self.wfile.write(body)

        def log_message(self, *_args: Any) -> None:
            return None

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", app
    finally:
        app.release.set()
        server.shutdown()
        server.server_close()
        thread.join(5)


def policy(tries: int = 2, **retry: Any) -> FetchPolicy:
    return FetchPolicy(
        limits=Limits(max_photo_bytes=LIMIT, photo_max_side=800),
        prefixes=("http://127.0.0.1:",),
        retry=RetryPolicy(**{"max_retries": 1, "backoff_s": 0.01, "timeout_s": 5.0, **retry}),
        max_seconds=10.0,
        tries=tries,
        between_runs_s=60.0,
    )


def no_sleep(_s: float) -> None:
    return None


def test_a_linked_jpeg_is_stored_like_a_form_photo_without_exif(
    host: tuple[str, PhotoHost],
) -> None:
    url, app = host
    with Image.open(io.BytesIO(app.photo)) as original:
        assert original.getexif().get_ifd(0x8825)  # the served file does carry GPS
    got = download(f"{url}/gps.jpg", policy(), sleep=no_sleep)
    assert not hasattr(got, "reason"), got
    assert (got.width, got.height) == (800, 400)  # type: ignore[union-attr]
    data = got.data  # type: ignore[union-attr]
    assert b"SecretPhone" not in data and b"SERIAL-998877" not in data and b"Exif" not in data
    with Image.open(io.BytesIO(data)) as clean:
        assert clean.format == "JPEG" and not clean.getexif()


@pytest.mark.parametrize(
    ("path", "reason", "hits"),
    [
        ("/big-declared.jpg", "ảnh lớn hơn 390 KB", 1),  # Content-Length says so: not read
        ("/big-undeclared.jpg", "ảnh lớn hơn 390 KB", 1),  # found while reading, then cut
        ("/page.jpg", "tệp không phải ảnh JPEG, PNG, WebP hoặc GIF", 1),
        ("/gone.jpg", "máy chủ ảnh trả lời HTTP 404", 1),
        ("/down.jpg", "không tải được ảnh: HTTP 500", 2),  # retried once, then given up
    ],
)
def test_what_cannot_become_a_photo_says_why(
    host: tuple[str, PhotoHost], path: str, reason: str, hits: int
) -> None:
    url, app = host
    got = download(url + path, policy(), sleep=no_sleep)
    assert (got.reason, got.final) == (reason, path != "/down.jpg")  # type: ignore[union-attr]
    assert app.hits[path] == hits


def test_a_server_that_never_answers_times_out(host: tuple[str, PhotoHost]) -> None:
    url, app = host
    got = download(f"{url}/hang.jpg", policy(max_retries=0, timeout_s=0.3), sleep=no_sleep)
    assert got.reason == "không tải được ảnh: lỗi mạng (ReadTimeout)"  # type: ignore[union-attr]
    assert got.final is False and app.hits["/hang.jpg"] == 1  # type: ignore[union-attr]


def test_an_address_outside_the_allowed_sources_is_never_requested(
    host: tuple[str, PhotoHost],
) -> None:
    url, app = host
    strict = FetchPolicy(prefixes=("https://",))
    got = download(f"{url}/gps.jpg", strict, sleep=no_sleep)
    assert got.reason == "địa chỉ ảnh không thuộc nguồn được phép tải" and got.final  # type: ignore[union-attr]
    assert app.hits == {}


@pytest.fixture
def api(tmp_path: Path) -> Iterator[tuple[str, Store]]:
    store = new_store(tmp_path / "fetch.sqlite3")
    settings = commune_settings(http={"secret_key": "k" * 32}, fieldreports={"tokens": [TOKEN]})
    with serve_coc(store, settings) as (url, _app):
        yield url + "/api/v1", store


def zalo_event(msg_id: str, name: str, **message: Any) -> dict[str, Any]:
    stamp = int(time.time() * 1000)  # the API stamps and threads events by the real clock
    return {"app_id": "app9", "event_name": name, "timestamp": str(stamp),
            "sender": {"id": "2512523625412515"}, "recipient": {"id": "579745863508352884"},
            "message": {"msg_id": msg_id, **message}}  # fmt: skip


def post(api_url: str, body: dict[str, Any]) -> requests.Response:
    return requests.post(f"{api_url}/fieldReports/zalo", timeout=10,
                         data=json.dumps(body).encode(),
                         headers={"Authorization": f"Bearer {TOKEN}",
                                  "Content-Type": "application/json"})  # fmt: skip


def test_webhook_photos_are_fetched_and_failures_keep_the_report(
    api: tuple[str, Store], host: tuple[str, PhotoHost]
) -> None:
    api_url, store = api
    url, app = host
    text = post(api_url, zalo_event("m1", "user_send_text",
                                    text="#giao_thong Ổ gà lớn giữa đường trục thôn"))  # fmt: skip
    assert text.status_code == 201
    code = text.json()["code"].replace("-", "")
    images = [{"type": "image", "payload": {"url": f"{url}{p}"}}
              for p in ("/gps.jpg", "/big-undeclared.jpg", "/down.jpg")]  # fmt: skip
    added = post(api_url, zalo_event("m2", "user_send_image", attachments=images))
    assert (added.status_code, added.json()["code"].replace("-", "")) == (201, code)
    assert app.hits == {}  # the webhook answers at once; nothing is fetched on its time

    first = fetch_pending(store, policy(tries=2), now=NOW, sleep=no_sleep)
    assert (len(first.stored), len(first.failed), len(first.waiting)) == (1, 1, 1)
    photos = queries.clerk_detail(store, code)["photos"]  # type: ignore[index]
    got = [(p["state"], p["error"], p["tries"]) for p in photos]
    assert got == [
        ("stored", None, 1),
        ("failed", "ảnh lớn hơn 390 KB", 1),
        ("pending", "không tải được ảnh: HTTP 500", 1),  # tried again on a later run
    ]
    assert fetch_pending(store, policy(tries=2), now=NOW, sleep=no_sleep).waiting == []
    assert app.hits["/down.jpg"] == 2  # not due yet: the second run asked nothing
    later = fetch_pending(store, policy(tries=2), now=NOW + timedelta(hours=2), sleep=no_sleep)
    assert (later.stored, len(later.failed), later.waiting) == ([], 1, [])
    photos = queries.clerk_detail(store, code)["photos"]  # type: ignore[index]
    assert [p["state"] for p in photos] == ["stored", "failed", "failed"]
    assert photos[2]["error"] == "không tải được ảnh: HTTP 500" and photos[2]["tries"] == 2
    stored = queries.photo(store, photos[0]["id"], clerk=True)
    assert stored is not None and b"Exif" not in stored and b"SecretPhone" not in stored
    assert queries.photo(store, photos[1]["id"], clerk=True) is None
    report = queries.clerk_detail(store, code)
    assert report is not None and report["state"] == "moi" and report["category"] == "giao_thong"
    with store.session() as session:
        details = [a.detail for a in audit.recent(session, 50) if a.entity_key == code]
    assert "đã tải về ảnh 1 gửi kèm" in details
    assert "không tải về được ảnh 2: ảnh lớn hơn 390 KB" in details
    assert not any(url in (d or "") for d in details)  # no link in the audit log


def test_clerks_see_a_photo_not_fetched_and_why(fresh_app: Any) -> None:
    """The clerk's detail of a report: each linked photo not fetched says why (or that it
    waits), with the original link; the report itself is there as ever."""
    from fixtures_web import call, dump, login

    from coc.fieldreports import abuse, service
    from coc.fieldreports.intake import Draft

    store = fresh_app.coc_state.store
    draft = Draft(channel="zalo", category="khac", description="Cây đổ chắn ngang đường",
                  external_id="z1", sender="u1",
                  photo_links=("https://photo.zalo.example/a.jpg",
                               "http://127.0.0.1:9/b.jpg"))  # fmt: skip
    code = service.submit(store, draft, categories=load_categories(commune_settings()),
                          rates=abuse.Rates(), pepper="k", org_unit="10237", address=None,
                          now=NOW).code  # type: ignore[union-attr]  # fmt: skip
    only_local = FetchPolicy(prefixes=("http://127.0.0.1:",), tries=2,
                             retry=RetryPolicy(max_retries=0, timeout_s=2.0))  # fmt: skip
    fetch_pending(store, only_local, now=NOW, sleep=no_sleep)  # a: refused; b: nobody listens
    client = fresh_app.server.test_client()
    login(client, "thuky")
    answer = call(client, "fieldreports-detail.children",
                  [{"id": "fieldreports-code", "property": "value", "value": code}],
                  [{"id": "fieldreports-lang", "property": "data", "value": "vi"}])  # fmt: skip
    shown = dump(answer.json["response"]["fieldreports-detail"]["children"])
    assert ("Ảnh 1 gửi qua Zalo: không tải về được — địa chỉ ảnh không thuộc nguồn được phép "
            "tải") in shown  # fmt: skip
    assert "Ảnh 2 gửi qua Zalo: đang tải về (đã thử 1 lần; không tải được ảnh: lỗi mạng" in shown
    assert "https://photo.zalo.example/a.jpg" in shown and "Cây đổ chắn ngang đường" in shown


def test_published_answers_show_only_fetched_photos(
    api: tuple[str, Store], host: tuple[str, PhotoHost]
) -> None:
    from coc.fieldreports import handling
    from coc.fieldreports.handling import Change

    api_url, store = api
    url, _app = host
    images = [{"type": "image", "payload": {"url": f"{url}{p}"}} for p in ("/gps.jpg", "/gone.jpg")]
    sent = post(api_url, zalo_event("m9", "user_send_text", text="Đèn đường hỏng cả dãy phố",
                                    attachments=images))  # fmt: skip
    code = sent.json()["code"].replace("-", "")
    fetch_pending(store, policy(), now=NOW, sleep=no_sleep)
    cats = load_categories(commune_settings())
    for action in ("accept", "resolve"):
        handling.apply(store, code, Change(action), actor="thuky", categories=cats, now=NOW)
    handling.apply(store, code, Change("answer", answer="Đã thay bóng đèn.", publish_photos=True),
                   actor="thuky", categories=cats, now=NOW)  # fmt: skip
    public = queries.public_status(store, code)
    detail = queries.clerk_detail(store, code)
    assert public is not None and detail is not None
    assert public.photo_ids == [detail["photos"][0]["id"]]  # the 404 one is not shown
    assert queries.photo(store, detail["photos"][1]["id"], code=code) is None


def test_migration_turns_kept_links_into_pending_photos(any_store: Store) -> None:
    """0014 moves `field_report.photo_links` into photo rows to fetch; down and up again."""
    import sqlalchemy as sa
    from alembic import command

    from coc.store.db import alembic_config, upgrade_schema

    cfg = alembic_config()
    with any_store.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0013_reports")
    old = sa.MetaData()
    report = sa.Table("field_report", old, autoload_with=any_store.engine)
    photo = sa.Table("field_report_photo", old, autoload_with=any_store.engine)
    links = ["https://photo.zalo.example/1.jpg", "https://photo.zalo.example/2.jpg"]
    with any_store.engine.begin() as conn:
        conn.execute(report.insert().values(
            id=1, code="PA23456A", org_unit="10237", channel="zalo", category="khac",
            description="Cây đổ chắn ngang đường", state="moi", received_at=NOW, updated_at=NOW,
            photo_links=links,
        ))  # fmt: skip
        conn.execute(photo.insert().values(report_id=1, seq=1, data=b"\xff\xd8", width=1,
                                           height=1, public=False))  # fmt: skip
    upgrade_schema(any_store.engine)
    photos = queries.clerk_detail(any_store, "PA23456A")["photos"]  # type: ignore[index]
    assert [(p["state"], p["link"]) for p in photos] == [
        ("stored", None),
        ("pending", links[0]),
        ("pending", links[1]),
    ]


def test_the_scheduled_job_fetches_with_the_sites_settings(
    tmp_path: Path, host: tuple[str, PhotoHost]
) -> None:
    from apscheduler.schedulers.background import BackgroundScheduler

    from coc.fieldreports import abuse, service
    from coc.fieldreports.intake import Draft
    from coc.fieldreports.jobs import photo_job, register_jobs

    url, app = host
    store = new_store(tmp_path / "job.sqlite3")
    fr = {"photo_url_prefixes": [url + "/"], "photo_fetch_s": 30, "photo_fetch_tries": 1}
    settings = commune_settings(fieldreports=fr)
    scheduler = BackgroundScheduler()
    register_jobs(scheduler, store, settings)
    jobs = {j.id: j.trigger.interval.total_seconds() for j in scheduler.get_jobs()}
    assert jobs == {"fieldreports-deadlines": 900.0, "fieldreports-photos": 30.0}
    links = (f"{url}/gps.jpg", f"{url}/x.jpg")
    draft = Draft(channel="zalo", category="khac", description="Nắp cống bị mất trước chợ",
                  external_id="j1", sender="u9", photo_links=links)  # fmt: skip
    code = service.submit(store, draft, categories=load_categories(settings),
                          rates=abuse.Rates(), pepper="k", org_unit="10237", address=None,
                          now=NOW).code  # type: ignore[union-attr]  # fmt: skip
    run = photo_job(store, settings)
    assert (len(run.stored), len(run.failed)) == (1, 1)  # one try allowed: the 500 is final
    photos = queries.clerk_detail(store, code)["photos"]  # type: ignore[index]
    assert [(p["state"], p["error"]) for p in photos] == [
        ("stored", None),
        ("failed", "không tải được ảnh: HTTP 500"),
    ]
    assert app.hits["/x.jpg"] == 3  # the site's job policy: two quick retries within a run
