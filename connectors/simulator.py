"""Source simulators: the three systems' HTTP APIs served from `sample_data/` on loopback.

One threaded HTTP server answers for all three:
  GET /qlvb/api/v1/documents, /qlvb/api/v1/work-files   (QLVB&ĐH)
  GET /dvc/api/v1/hoso                                   (one-stop portal sync API)
  GET /baocao/api/v1/dataValues                          (reporting system)
  GET|POST /_faults                                      (read or switch fault modes)
Pages are keyset-ordered by (replication value, id) and carry an opaque next-page token.

Faults (all off by default, switchable while running): slow responses, HTTP 500 and 429
(with Retry-After) every n-th request, malformed JSON every n-th request, half-valid pages
(some records corrupted so validation rejects them) and duplicate records across pages.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, fields
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from coc.config import ROOT
from coc.timeutil import VN_TZ, iso_utc, parse_datetime

log = logging.getLogger(__name__)
SAMPLE_DIR = ROOT / "sample_data"
MAX_PAGE = 1000


@dataclass
class Faults:
    slow_s: float = 0.0  # added to every response
    error_500_every: int = 0  # every n-th request answers 500
    error_429_every: int = 0  # every n-th request answers 429 + Retry-After
    retry_after_s: float = 0.0
    malformed_every: int = 0  # every n-th request answers a truncated JSON body
    half_valid: bool = False  # about one record in nine is corrupted
    duplicates: bool = False  # each next page repeats the last two records

    def update(self, values: dict[str, Any]) -> None:
        names = {f.name: f for f in fields(self)}
        for key, value in values.items():
            if key not in names:
                raise ValueError(f"không có chế độ lỗi giả lập {key!r}")
            current = getattr(self, key)
            setattr(self, key, type(current)(value))


@dataclass(frozen=True)
class Api:
    """One endpoint: its dataset and the wire names of its paging parameters."""

    records: list[tuple[datetime, str, dict[str, Any]]]  # sorted by (time, id)
    records_field: str
    next_field: str
    since_param: str
    after_param: str
    size_param: str
    token_param: str
    corrupt: Callable[[dict[str, Any], int], dict[str, Any]]
    pager: bool = False


def _load(sample_dir: Path, name: str) -> list[dict[str, Any]]:
    return json.loads((sample_dir / name).read_text(encoding="utf-8"))


def _sorted(
    items: list[dict[str, Any]], when: Callable[[dict[str, Any]], Any], ident: Callable[..., str]
) -> list[tuple[datetime, str, dict[str, Any]]]:
    rows = [(parse_datetime(when(r)), ident(r), r) for r in items]
    return sorted(((t, i, r) for t, i, r in rows if t is not None), key=lambda x: (x[0], x[1]))


def _reported_at(period: str) -> str:
    """When a monthly figure was reported: the 3rd of the next month, 08:00 (or sample now)."""
    year, month = int(period[:4]), int(period[4:6])
    year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    moment = datetime(year, month, 3, 8, 0, tzinfo=VN_TZ)
    return iso_utc(min(moment, datetime(2026, 11, 22, 8, 0, tzinfo=VN_TZ))) or ""


def _corrupt_document(record: dict[str, Any], n: int) -> dict[str, Any]:
    bad = dict(record)
    if n % 2:
        bad["issued_date"] = "31/02/2026"
    else:
        bad["direction"] = "sideways"
    return bad


def _corrupt_work_file(record: dict[str, Any], n: int) -> dict[str, Any]:
    bad = dict(record)
    bad["opened_date"] = None if n % 2 else "không rõ"
    return bad


def _corrupt_dossier(record: dict[str, Any], n: int) -> dict[str, Any]:
    bad = dict(record)
    choice = n % 3
    if choice == 0:
        bad["NgayTiepNhan"] = "20261345250000"
    elif choice == 1:
        bad["TrangThaiHoSo"] = 12
    else:
        bad["DanhSachLePhi"] = "miễn phí"
    return bad


def _corrupt_value(record: dict[str, Any], n: int) -> dict[str, Any]:
    bad = dict(record)
    bad["value"] = "không có số liệu" if n % 2 else "-5"
    return bad


def build_apis(sample_dir: Path) -> dict[str, Api]:
    docs = _load(sample_dir, "documents.json")
    files = _load(sample_dir, "work_files.json")
    dossiers = _load(sample_dir, "dossiers.json")
    values = [
        {
            "dataElement": v["code"],
            "period": v["period"],
            "orgUnit": "10237",
            "value": str(v["value"]),
            "lastUpdated": _reported_at(v["period"]),
        }
        for v in _load(sample_dir, "reporting.json")
    ]
    qlvb = {
        "records_field": "items",
        "next_field": "next_cursor",
        "since_param": "updated_since",
        "after_param": "after_id",
        "size_param": "limit",
        "token_param": "cursor",
    }
    return {
        "/qlvb/api/v1/documents": Api(
            _sorted(docs, lambda r: r["updated_at"], lambda r: r["id"]),
            corrupt=_corrupt_document,
            **qlvb,
        ),
        "/qlvb/api/v1/work-files": Api(
            _sorted(files, lambda r: r["updated_at"], lambda r: r["id"]),
            corrupt=_corrupt_work_file,
            **qlvb,
        ),
        "/dvc/api/v1/hoso": Api(
            _sorted(dossiers, lambda r: r["NgayCapNhat"], lambda r: r["MaHoSo"]),
            records_field="DanhSach",
            next_field="TrangTiep",
            since_param="TuNgayCapNhat",
            after_param="SauMaHoSo",
            size_param="SoLuong",
            token_param="TrangTiep",
            corrupt=_corrupt_dossier,
        ),
        "/baocao/api/v1/dataValues": Api(
            _sorted(
                values, lambda r: r["lastUpdated"], lambda r: f"{r['dataElement']}/{r['period']}"
            ),
            records_field="dataValues",
            next_field="nextPage",
            since_param="lastUpdated",
            after_param="after",
            size_param="pageSize",
            token_param="nextPage",
            corrupt=_corrupt_value,
            pager=True,
        ),
    }


def _token(moment: datetime, ident: str) -> str:
    raw = json.dumps({"s": iso_utc(moment), "a": ident}).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _untoken(token: str) -> tuple[datetime, str]:
    padded = token + "=" * (-len(token) % 4)
    data = json.loads(base64.urlsafe_b64decode(padded.encode()))
    moment = parse_datetime(data["s"])
    if moment is None:
        raise ValueError("empty token")
    return moment, str(data["a"])


def is_corrupted(ident: str) -> int | None:
    """About one record in nine is corrupted in half-valid mode; same ones every time.

    Public so that tests count what a half-valid pull must quarantine from the sample.
    """
    digest = int(hashlib.sha256(ident.encode()).hexdigest()[:8], 16)
    return digest // 9 if digest % 9 == 4 else None


class SimulatorState:
    def __init__(self, sample_dir: Path, faults: Faults, token: str | None, basic: Any) -> None:
        self.apis = build_apis(sample_dir)
        self.faults = faults
        self.token = token
        self.basic = basic  # (user, password) or None
        self.requests = 0
        self.lock = threading.Lock()

    def count(self) -> int:
        with self.lock:
            self.requests += 1
            return self.requests

    def authorised(self, header: str | None) -> bool:
        if self.token is None and self.basic is None:
            return True
        if not header:
            return False
        if self.token is not None and header == _wire(f"Bearer {self.token}"):
            return True
        if self.basic is not None and header.startswith("Basic "):
            expected = base64.b64encode(f"{self.basic[0]}:{self.basic[1]}".encode()).decode()
            return header[6:] == expected
        return False

    def page(self, api: Api, query: dict[str, str]) -> dict[str, Any]:
        size = max(1, min(MAX_PAGE, int(query.get(api.size_param) or 100)))
        records = api.records
        start = 0
        if query.get(api.token_param):
            moment, ident = _untoken(query[api.token_param])
            start = _bisect(records, (moment, ident))
        elif query.get(api.since_param):
            moment = parse_datetime(query[api.since_param])
            after = query.get(api.after_param)
            if moment is not None:
                start = _bisect(records, (moment, after)) if after else _lower(records, moment)
        chunk = records[start : start + size]
        items = []
        for _, ident, record in chunk:
            n = is_corrupted(ident) if self.faults.half_valid else None
            items.append(record if n is None else api.corrupt(record, n))
        more = start + size < len(records)
        last = chunk[-1] if chunk else None
        if self.faults.duplicates and len(chunk) > 2:
            last = chunk[-3]  # the next page starts two records early
        token = _token(last[0], last[1]) if (more and last) else None
        if api.pager:
            return {
                api.records_field: items,
                "pager": {"pageSize": size, "total": len(records) - start, api.next_field: token},
            }
        return {api.records_field: items, api.next_field: token, "total": len(records) - start}


def _wire(text: str) -> str:
    """A UTF-8 header value as http.server hands it over (decoded as Latin-1)."""
    return text.encode().decode("latin-1")


def _bisect(records: list[tuple[datetime, str, Any]], key: tuple[datetime, str]) -> int:
    """Index of the first record strictly after key."""
    lo, hi = 0, len(records)
    while lo < hi:
        mid = (lo + hi) // 2
        if (records[mid][0], records[mid][1]) <= key:
            lo = mid + 1
        else:
            hi = mid
    return lo


def _lower(records: list[tuple[datetime, str, Any]], moment: datetime) -> int:
    lo, hi = 0, len(records)
    while lo < hi:
        mid = (lo + hi) // 2
        if records[mid][0] < moment:
            lo = mid + 1
        else:
            hi = mid
    return lo


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("simulator: " + format, *args)

    def _send(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(body)

    def _json(self, status: int, data: Any, headers: dict[str, str] | None = None) -> None:
        self._send(status, json.dumps(data, ensure_ascii=False).encode(), headers)

    def do_GET(self) -> None:
        state = self.server.state
        parts = urlsplit(self.path)
        if parts.path == "/_faults":
            self._json(200, asdict(state.faults))
            return
        if parts.path == "/health":
            self._json(200, {"status": "ok"})
            return
        api = state.apis.get(parts.path)
        if api is None:
            self._json(404, {"error": "không có tài nguyên"})
            return
        if not state.authorised(self.headers.get("Authorization")):
            self._json(401, {"error": "chưa xác thực"}, {"WWW-Authenticate": "Bearer"})
            return
        n = state.count()
        faults = state.faults
        if faults.slow_s:
            time.sleep(faults.slow_s)
        if faults.error_500_every and n % faults.error_500_every == 0:
            self._json(500, {"error": "lỗi máy chủ (giả lập)"})
            return
        if faults.error_429_every and n % faults.error_429_every == 0:
            wait = f"{faults.retry_after_s:g}"
            self._json(429, {"error": "quá nhiều yêu cầu (giả lập)"}, {"Retry-After": wait})
            return
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        try:
            body = state.page(api, query)
        except (ValueError, KeyError, json.JSONDecodeError):
            self._json(400, {"error": "tham số phân trang không hợp lệ"})
            return
        data = json.dumps(body, ensure_ascii=False).encode()
        if faults.malformed_every and n % faults.malformed_every == 0:
            data = data[: max(1, len(data) // 2)]
        self._send(200, data)

    def do_POST(self) -> None:
        if urlsplit(self.path).path != "/_faults":
            self._json(404, {"error": "không có tài nguyên"})
            return
        length = int(self.headers.get("Content-Length") or 0)
        try:
            self.server.state.faults.update(json.loads(self.rfile.read(length) or b"{}"))
        except (ValueError, TypeError) as exc:
            self._json(400, {"error": str(exc)})
            return
        self._json(200, asdict(self.server.state.faults))


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    state: SimulatorState


class SimulatorHandle:
    """A running simulator: `.url`, `.faults` (mutable), `.requests`, `.stop()`."""

    def __init__(self, server: _Server, thread: threading.Thread) -> None:
        self._server = server
        self._thread = thread
        host, port = server.server_address[:2]
        self.url = f"http://{host}:{port}"

    @property
    def faults(self) -> Faults:
        return self._server.state.faults

    @property
    def requests(self) -> int:
        return self._server.state.requests

    def set_faults(self, **values: Any) -> None:
        """Replace the fault modes; "every n-th request" counts from here."""
        state = self._server.state
        with state.lock:
            state.faults = Faults(**values)
            state.requests = 0

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> SimulatorHandle:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def start_source_simulator(
    sample_dir: Path = SAMPLE_DIR,
    host: str = "127.0.0.1",
    port: int = 0,
    faults: Faults | dict[str, Any] | None = None,
    token: str | None = None,
    basic: tuple[str, str] | None = None,
) -> SimulatorHandle:
    """Serve the three systems' APIs from `sample_dir` in a background thread."""
    if isinstance(faults, dict):
        faults = Faults(**faults)
    server = _Server((host, port), _Handler)
    server.state = SimulatorState(Path(sample_dir), faults or Faults(), token, basic)
    thread = threading.Thread(target=server.serve_forever, name="coc-source-sim", daemon=True)
    thread.start()
    return SimulatorHandle(server, thread)


def sample_now() -> datetime:
    """The sample data's "now" (22/11/2026 09:00 local), for tests that judge open dossiers."""
    return datetime(2026, 11, 22, 9, 0, tzinfo=VN_TZ)
