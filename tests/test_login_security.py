"""Login hardening on the real Flask server: throttling per account and per address (429
with Retry-After), lockouts in the audit log and `coc user list`, equal cost for unknown
names, a strict same-site `next`, server-side logout and Secure cookies."""

from __future__ import annotations

import hashlib
import re
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import pytest
from fixtures_base import new_store
from fixtures_web import NOW, PASSWORD, login, make_settings, render_page, texts
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from coc.auth import add_user, authenticate, disable_user, throttle
from coc.auth.passwords import dummy_hash, verify_password
from coc.auth.redirects import safe_next
from coc.store.models import AuditLog, LoginSession

NEED_CLERK = "Cần đăng nhập với vai trò công chức để ghi dữ liệu."


class Clock:
    """The app's clock, moved by the test (time is an input)."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def guarded(tmp_path: Path, catalog: Any) -> Any:
    """A dashboard app on a store with one clerk, its clock under the test's control."""
    from dashboards.app import create_app

    store = new_store(tmp_path / "login.sqlite3")
    add_user(store, "thuky", PASSWORD, "clerk", name="Thư ký xã")
    clock = Clock(NOW)
    app = create_app(store, make_settings(tmp_path / "data"), catalog, clock=clock)
    yield app, clock, store
    store.dispose()


def attempt(client: Any, username: str, password: str, next_url: str = "/",
            addr: str = "127.0.0.1", headers: dict[str, str] | None = None) -> Any:  # fmt: skip
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    return client.post(
        "/login",
        data={"csrf_token": token, "username": username, "password": password, "next": next_url},
        environ_overrides={"REMOTE_ADDR": addr},
        headers=headers or {},
    )


def test_delays_double_after_five_failures() -> None:
    policy = throttle.Policy(max_failures=5, delay_s=1, delay_max_s=900, window_s=900)
    assert [policy.delay(n) for n in range(1, 17)] == [
        0, 0, 0, 0, 1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 900, 900
    ]  # fmt: skip


def test_account_is_throttled_with_retry_after_then_released(guarded: Any) -> None:
    app, clock, store = guarded
    client = app.server.test_client()
    for _ in range(4):
        assert attempt(client, "thuky", "sai-mat-khau").status_code == 401
    fifth = attempt(client, "thuky", "sai-mat-khau")
    assert fifth.status_code == 429 and fifth.headers["Retry-After"] == "1"
    page = fifth.get_data(as_text=True)
    assert "Sai tên đăng nhập hoặc mật khẩu." in page
    assert "Đăng nhập sai quá nhiều lần, hãy thử lại sau 1 giây." in page
    # even the right password waits: the lock holds before any password is checked
    locked = attempt(client, "thuky", PASSWORD)
    assert locked.status_code == 429 and locked.headers["Retry-After"] == "1"
    clock.advance(1)
    sixth = attempt(client, "thuky", "sai-mat-khau")
    assert sixth.status_code == 429 and sixth.headers["Retry-After"] == "2"
    clock.advance(2)
    seventh = attempt(client, "thuky", "sai-mat-khau")
    assert seventh.headers["Retry-After"] == "4"
    clock.advance(4)
    assert attempt(client, "thuky", PASSWORD, addr="10.0.0.9").status_code == 302
    assert throttle.wait_s(store, "thuky", "10.0.0.9", now=clock.now) == 0
    with store.session() as session:
        audit = list(session.scalars(select(AuditLog).where(AuditLog.action == "lockout")))
    assert [(a.entity, a.entity_key, a.detail) for a in audit] == [
        ("user", "thuky", "5 lần đăng nhập sai liên tiếp; chờ 1 giây"),
        ("address", "127.0.0.1", "5 lần đăng nhập sai liên tiếp; chờ 1 giây"),
        ("user", "thuky", "6 lần đăng nhập sai liên tiếp; chờ 2 giây"),
        ("address", "127.0.0.1", "6 lần đăng nhập sai liên tiếp; chờ 2 giây"),
        ("user", "thuky", "7 lần đăng nhập sai liên tiếp; chờ 4 giây"),
        ("address", "127.0.0.1", "7 lần đăng nhập sai liên tiếp; chờ 4 giây"),
    ]


def test_address_is_throttled_across_account_names(guarded: Any) -> None:
    app, _clock, _store = guarded
    client = app.server.test_client()
    for name in ("an", "binh", "cuong", "dung"):
        assert attempt(client, name, "x", addr="10.1.1.1").status_code == 401
    assert attempt(client, "em", "x", addr="10.1.1.1").status_code == 429
    assert attempt(client, "thuky", PASSWORD, addr="10.1.1.1").status_code == 429
    assert attempt(client, "thuky", PASSWORD, addr="10.2.2.2").status_code == 302


def test_failures_are_forgotten_after_the_window(guarded: Any) -> None:
    app, clock, store = guarded
    client = app.server.test_client()
    for _ in range(4):
        attempt(client, "thuky", "sai")
    clock.advance(15 * 60 + 1)
    assert attempt(client, "thuky", "sai").status_code == 401  # counts from one again
    locks = throttle.locks(store, now=clock.now, policy=throttle.Policy())
    assert locks[("user", "thuky")].failures == 1


def test_forwarded_address_only_behind_a_configured_proxy(tmp_path: Path, catalog) -> None:
    from dashboards.app import create_app

    store = new_store(tmp_path / "p.sqlite3")
    for hops, expected in ((0, "127.0.0.1"), (1, "203.0.113.7")):
        settings = make_settings(tmp_path / f"d{hops}", proxy_hops=hops)
        app = create_app(store, settings, catalog, clock=lambda: NOW)
        client = app.server.test_client()
        attempt(client, f"u{hops}", "x", headers={"X-Forwarded-For": "203.0.113.7"})
        locks = throttle.locks(store, now=NOW, policy=throttle.Policy())
        assert locks[("address", expected)].failures >= 1
    store.dispose()


def test_lockout_is_listed_and_cleared_from_the_cli(tmp_path: Path, cli) -> None:
    from coc.timeutil import utcnow

    env = {"COC_DATA_DIR": str(tmp_path)}
    made = cli("user", "add", "thuky", "--role", "clerk", "--password-stdin",
               env=env, stdin=PASSWORD)  # fmt: skip
    assert made.code == 0, made
    store = new_store(tmp_path)  # the data folder's database, as `coc` opens it
    slow = throttle.Policy(delay_s=600)  # a lock that outlasts the test
    for _ in range(6):
        throttle.record_failure(store, "thuky", "10.0.0.5", now=utcnow(), policy=slow)
    store.dispose()
    listed = cli("user", "list", env=env).out
    assert re.search(r"thuky .*\[tạm khóa đến \d\d:\d\d \d\d/\d\d/\d{4} \(6 lần sai\)\]", listed)
    assert re.search(r"10\.0\.0\.5: tạm khóa đến .* \(6 lần sai\)", listed)
    unlocked = cli("user", "unlock", "thuky", env=env).out
    assert unlocked.strip() == "Đã mở khóa đăng nhập cho thuky."
    after = cli("user", "list", env=env).out
    assert "tạm khóa" not in after.split("Địa chỉ")[0]
    store = new_store(tmp_path)
    with store.session() as session:
        actions = [a.action for a in session.scalars(select(AuditLog).order_by(AuditLog.id))]
    store.dispose()
    assert actions.count("lockout") == 4 and actions[-1] == "unlock"


def test_unknown_and_disabled_accounts_cost_one_kdf_run(guarded: Any, monkeypatch) -> None:
    _app, _clock, store = guarded
    add_user(store, "cu", PASSWORD, "viewer")
    disable_user(store, "cu")
    calls: list[str] = []
    real = hashlib.scrypt

    def counting(*args: Any, **kwargs: Any) -> bytes:
        calls.append("scrypt")
        return real(*args, **kwargs)

    authenticate(store, "thuky", "warm-up")  # the dummy hash is made once, on first use
    authenticate(store, "khong-co", "warm-up")
    monkeypatch.setattr(hashlib, "scrypt", counting)
    names = ("thuky", "khong-co", "cu", "")
    fastest = dict.fromkeys(names, float("inf"))
    kdf = float("inf")
    for _ in range(5):  # interleaved, so a burst of load hits all of them alike
        started = time.perf_counter()
        verify_password("mat-khau-sai", dummy_hash())
        kdf = min(kdf, time.perf_counter() - started)
        for name in names:
            calls.clear()
            started = time.perf_counter()
            assert authenticate(store, name, "mat-khau-sai") is None
            fastest[name] = min(fastest[name], time.perf_counter() - started)
            assert calls == ["scrypt"], name  # one KDF run per attempt, whatever the account
    # skipping the KDF would answer in about a millisecond, fifty times sooner; the bound
    # leaves room for a loaded machine (seen: one name at a third of the KDF's time)
    assert all(t >= 0.2 * kdf for t in fastest.values()), (fastest, kdf)


# Known open-redirect payloads (PayloadsAllTheThings, OWASP cheat sheet) as they arrive
# in request.args / request.form, i.e. after one percent-decoding.
REDIRECTS = [
    "//evil.example", "///evil.example", "////evil.example", "//evil.example/%2F..",
    "/\t/evil.example", "/\n/evil.example", "/\r\n/evil.example", "/%09/evil.example",
    "/\\evil.example", "\\\\evil.example", "/\\/evil.example", "\\/evil.example",
    "https://evil.example", "http:evil.example", "http:/evil.example", "//evil.example@coc",
    "javascript:alert(1)", "JaVaScRiPt:alert(1)", "data:text/html,<script>", " //evil.example",
    "\x00//evil.example", "/ /evil.example", "/%2F%2Fevil.example", "/%5Cevil.example",
    "/%2f/evil.example", "／／evil.example", "/〱evil.example", "/\u3000/evil.example",
    "evil.example", ".evil.example", "@evil.example", "%2F%2Fevil.example", "/%0d/evil",
    "/#//evil.example", "\t//evil.example", "/.\\evil.example", "",
]  # fmt: skip


def browser_host(location: str, base: str = "https://coc.example/login") -> str | None:
    """Where a browser goes for a Location header (WHATWG URL: leading/trailing C0 and
    spaces stripped, tabs and newlines removed, backslash read as slash)."""
    cleaned = location.strip("".join(map(chr, range(33))))
    cleaned = re.sub(r"[\t\n\r]", "", cleaned).replace("\\", "/")
    return urlsplit(urljoin(base, cleaned)).hostname


@pytest.mark.parametrize("payload", REDIRECTS)
def test_known_open_redirects_go_home(payload: str) -> None:
    assert safe_next(payload) == "/"


def test_the_reported_payload_through_the_login(guarded: Any) -> None:
    app, _clock, _store = guarded
    client = app.server.test_client()
    form = client.get("/login?next=/%09/evil.example").get_data(as_text=True)
    assert 'name="next" value="/"' in form
    for payload in ("/\t/evil.example", "//evil.example", "/\\evil.example"):
        response = attempt(client, "thuky", PASSWORD, next_url=payload)
        assert response.status_code == 302 and response.headers["Location"] == "/", payload
    kept = attempt(client, "thuky", PASSWORD, next_url="/chi-tieu?period=202611&lang=en")
    assert kept.headers["Location"] == "/chi-tieu?period=202611&lang=en"


@given(st.text(max_size=60) | st.sampled_from(REDIRECTS).flatmap(
    lambda p: st.tuples(st.text(max_size=3), st.just(p), st.text(max_size=3)).map("".join)
))  # fmt: skip
def test_next_never_leaves_the_site(value: str) -> None:
    target = safe_next(value)
    assert target in ("/", value)
    assert target.startswith("/") and not target.startswith(("//", "/\\"))
    assert browser_host(target) == "coc.example"
    assert safe_next(target) == target


def test_logout_revokes_the_session_server_side(fresh_app: Any) -> None:
    client = fresh_app.server.test_client()
    login(client, "thuky")
    cookie = client.get_cookie("coc_session").value
    copy = fresh_app.server.test_client()
    copy.set_cookie("coc_session", cookie)
    assert NEED_CLERK not in texts(render_page(copy, "/nhap-lieu"))
    client.get("/logout")
    assert NEED_CLERK in texts(render_page(copy, "/nhap-lieu"))  # the copied cookie is dead
    store = fresh_app.coc_state.store
    with store.session() as session:
        rows = list(session.scalars(select(LoginSession)))
    assert [(r.username, r.revoked_at is not None) for r in rows] == [("thuky", True)]


def test_disable_revokes_every_session(fresh_app: Any) -> None:
    first, second = fresh_app.server.test_client(), fresh_app.server.test_client()
    login(first, "thuky")
    login(second, "thuky")
    disable_user(fresh_app.coc_state.store, "thuky")
    for client in (first, second):
        assert NEED_CLERK in texts(render_page(client, "/nhap-lieu"))


@pytest.mark.parametrize("secure", [False, True])
def test_secure_cookies_setting(tmp_path: Path, catalog: Any, secure: bool) -> None:
    from dashboards.app import create_app

    store = new_store(tmp_path / "s.sqlite3")
    add_user(store, "thuky", PASSWORD, "clerk")
    settings = make_settings(tmp_path / "data", secure_cookies=secure)
    client = create_app(store, settings, catalog, clock=lambda: NOW).server.test_client()
    response = attempt(client, "thuky", PASSWORD)
    session_cookie = [c for c in response.headers.getlist("Set-Cookie") if "coc_session" in c]
    assert session_cookie and ("; Secure" in session_cookie[0]) is secure
    lang = client.get("/login?lang=en").headers.getlist("Set-Cookie")
    assert any("coc_lang=en" in c and ("; Secure" in c) is secure for c in lang)
    store.dispose()
