"""Generate the sample commune's source data deterministically (fixed seed, fixed "now").

Xã Chương Dương (10237), Thành phố Hà Nội (01): October 2025 to 22 November 2026 of
official documents, work files, one-stop dossiers and monthly reported figures. The demo
and the tests serve these files through the source simulators.

With an as-of date the sample is that day's commune: the 12 full months before its month
plus the month to date (records up to the day before), and reporting figures only for the
months whose reports are due (by the 20th of the next month) — the same files for the same
date. `coc demo` generates today's sample this way.

    python -m sample_data.generate [--out DIR] [--as-of YYYY-MM-DD]
"""

from __future__ import annotations

import argparse
import json
import random
import unicodedata
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

SEED = 10237_2026
HERE = Path(__file__).resolve().parent
NOW = datetime(2026, 11, 22, 9, 0, 0)  # local time (Asia/Ho_Chi_Minh) of the sample
FIRST_MONTH = date(2025, 10, 1)
MONTHS = 14  # 2025-10 … 2026-11 (the last one up to NOW)
REPORT_MONTHS = MONTHS  # months with reporting figures (from FIRST_MONTH)
REPORT_LAG_DAYS = 20  # a month's reports are due this many days after it ends
COMMUNE = "10237"
PROVINCE = "01"
FILES = ("documents.json", "work_files.json", "dossiers.json", "reporting.json")

HAMLETS = (
    "Thôn Kỳ Dương",
    "Thôn Chương Dương",
    "Thôn Chương Lộc",
    "Thôn Hà Vỹ",
    "Thôn Từ Vân",
    "Thôn An Cảnh",
    "Thôn Tự Nhiên",
)
SURNAMES = (
    ("Nguyễn", 30),
    ("Trần", 10),
    ("Lê", 8),
    ("Phạm", 7),
    ("Hoàng", 4),
    ("Vũ", 5),
    ("Đỗ", 5),
    ("Đặng", 3),
    ("Bùi", 4),
    ("Ngô", 3),
    ("Dương", 3),
    ("Đinh", 2),
    ("Phan", 2),
    ("Lương", 2),
    ("Tạ", 2),
    ("Trịnh", 2),
    ("Hà", 2),
    ("Chu", 1),
)
MIDDLE_M = ("Văn", "Đức", "Minh", "Quang", "Hữu", "Xuân", "Thành", "Công", "Đình", "Mạnh")
MIDDLE_F = ("Thị", "Thị", "Thị", "Thu", "Ngọc", "Thanh", "Phương", "Minh", "Hồng", "Kim")
GIVEN_M = (
    "Hùng", "Dũng", "Tuấn", "Long", "Hải", "Nam", "Sơn", "Thắng", "Cường", "Quân",
    "Huy", "Phong", "Trung", "Hiếu", "Khánh", "Bình", "Thịnh", "Lâm", "Việt", "Đạt",
)  # fmt: skip
GIVEN_F = (
    "Hương", "Lan", "Hoa", "Mai", "Thủy", "Hằng", "Nga", "Linh", "Trang", "Huyền",
    "Yến", "Oanh", "Thảo", "Ngọc", "Phương", "Nhung", "Hạnh", "Loan", "Dung", "Vân",
)  # fmt: skip
OFFICIALS = (
    "Nguyễn Thị Hồng Nhung",
    "Trần Văn Khải",
    "Lê Thị Thu Hà",
    "Phạm Đức Mạnh",
    "Vũ Thị Lan Anh",
    "Đỗ Quang Huy",
    "Bùi Thị Thanh Tâm",
)

# ── Documents ──────────────────────────────────────────────────────────────────────────
OUT_TYPES = (
    # (symbol suffix, weight, summaries)
    (
        "UBND-VP",
        40,
        (
            "V/v báo cáo kết quả thực hiện nhiệm vụ chuyển đổi số tháng {m}",
            "V/v đề nghị hỗ trợ kinh phí sửa chữa trạm bơm thôn {h}",
            "V/v tăng cường công tác phòng, chống cháy nổ mùa hanh khô",
            "V/v rà soát, cập nhật dữ liệu dân cư trên địa bàn xã",
            "V/v triển khai thu thuế sử dụng đất phi nông nghiệp năm {y}",
            "V/v tổ chức kiểm tra hiện trạng đê tả sông Hồng đoạn qua xã",
            "V/v đôn đốc tiến độ số hóa kết quả giải quyết TTHC",
        ),
    ),
    (
        "BC-UBND",
        20,
        (
            "Báo cáo tình hình kinh tế – xã hội tháng {m} và nhiệm vụ tháng tiếp theo",
            "Báo cáo kết quả giải quyết thủ tục hành chính tháng {m}",
            "Báo cáo công tác bảo đảm an ninh trật tự tháng {m}",
            "Báo cáo kết quả thu ngân sách nhà nước tháng {m}",
            "Báo cáo tiến độ xây dựng nông thôn mới nâng cao năm {y}",
        ),
    ),
    (
        "QĐ-UBND",
        15,
        (
            "Quyết định thành lập Tổ công nghệ số cộng đồng thôn {h}",
            "Quyết định phê duyệt danh sách hộ nghèo, hộ cận nghèo năm {y}",
            "Quyết định kiện toàn Bộ phận tiếp nhận và trả kết quả xã",
            "Quyết định giao chỉ tiêu thu ngân sách năm {y}",
        ),
    ),
    (
        "KH-UBND",
        10,
        (
            "Kế hoạch triển khai Đề án 06 trên địa bàn xã năm {y}",
            "Kế hoạch tuyên truyền, hướng dẫn người dân sử dụng dịch vụ công trực tuyến",
            "Kế hoạch phòng, chống thiên tai và tìm kiếm cứu nạn năm {y}",
        ),
    ),
    (
        "TB-UBND",
        10,
        (
            "Thông báo lịch tiếp công dân của Chủ tịch UBND xã tháng {m}",
            "Thông báo kết luận cuộc họp giao ban UBND xã",
            "Thông báo lịch cắt điện, thi công đường trục thôn {h}",
        ),
    ),
    (
        "TTr-UBND",
        5,
        ("Tờ trình đề nghị phê duyệt dự toán duy tu đường giao thông nông thôn thôn {h}",),
    ),
)
IN_SENDERS = (
    # (symbol suffix, weight, summaries, has deadline probability)
    (
        "UBND-KGVX",
        20,
        (
            "V/v triển khai Kế hoạch chuyển đổi số năm {y} của Thành phố",
            "V/v tăng cường ứng dụng VNeID trong giải quyết thủ tục hành chính",
            "V/v tổ chức các hoạt động hưởng ứng Ngày Chuyển đổi số quốc gia",
        ),
        0.7,
    ),
    (
        "SNV-CCHC",
        15,
        (
            "V/v báo cáo công tác cải cách hành chính quý",
            "V/v đánh giá Bộ chỉ số phục vụ người dân, doanh nghiệp theo Quyết định 766",
            "V/v rà soát, chuẩn hóa danh mục thủ tục hành chính cấp xã",
        ),
        0.8,
    ),
    (
        "STC-QLNS",
        10,
        (
            "V/v hướng dẫn xây dựng dự toán ngân sách năm {y2}",
            "V/v báo cáo tình hình thực hiện thu, chi ngân sách",
        ),
        0.9,
    ),
    (
        "STP-HCTP",
        10,
        (
            "V/v hướng dẫn liên thông thủ tục đăng ký khai sinh, thường trú, cấp thẻ BHYT",
            "V/v kiểm tra công tác đăng ký, quản lý hộ tịch",
        ),
        0.6,
    ),
    (
        "CAH-PC06",
        10,
        (
            "V/v đẩy mạnh cấp tài khoản định danh điện tử mức 2",
            "V/v làm sạch dữ liệu dân cư phục vụ Đề án 06",
        ),
        0.8,
    ),
    (
        "SNNMT-TL",
        10,
        (
            "V/v chủ động ứng phó mưa lớn, lũ trên sông Hồng",
            "V/v kiểm tra hiện trạng công trình thủy lợi trước mùa mưa bão",
        ),
        0.9,
    ),
    (
        "SKHCN-CĐS",
        10,
        (
            "V/v khảo sát hạ tầng số, chữ ký số tại UBND cấp xã",
            "V/v báo cáo số liệu chỉ tiêu chuyển đổi số cấp xã",
        ),
        0.8,
    ),
    (
        "BHXH-QLT",
        5,
        ("V/v phát triển người tham gia bảo hiểm y tế hộ gia đình",),
        0.5,
    ),
    (
        "VP-HCTC",
        10,
        (
            "Giấy mời dự hội nghị tập huấn sử dụng hệ thống quản lý văn bản",
            "Giấy mời dự họp trực tuyến về công tác chuyển đổi số",
        ),
        0.2,
    ),
)


def month_start(index: int) -> date:
    n = FIRST_MONTH.year * 12 + FIRST_MONTH.month - 1 + index
    return date(n // 12, n % 12 + 1, 1)


def days_in(index: int) -> int:
    return (month_start(index + 1) - month_start(index)).days


def progress(index: int) -> float:
    """0 in the first month, 1 in the last: drives the digital-transformation trends."""
    return index / (MONTHS - 1)


def weighted(rng: random.Random, items: tuple[tuple[Any, ...], ...], weight_at: int = 1) -> Any:
    return rng.choices(items, weights=[i[weight_at] for i in items])[0]


def workdays(rng: random.Random, first: date, last: date) -> list[date]:
    out, day = [], first
    while day <= last:
        if day.weekday() < 5:
            out.append(day)
        day += timedelta(days=1)
    return out


def office_time(rng: random.Random, day: date) -> datetime:
    """A moment in office hours (07:30–11:30, 13:30–17:00) of that day."""
    if rng.random() < 0.6:
        minutes = rng.randint(7 * 60 + 30, 11 * 60 + 30)
    else:
        minutes = rng.randint(13 * 60 + 30, 17 * 60)
    return datetime(day.year, day.month, day.day, minutes // 60, minutes % 60, rng.randint(0, 59))


def add_workdays(start: datetime, days: int) -> datetime:
    current = start
    while days > 0:
        current += timedelta(days=1)
        if current.weekday() < 5:
            days -= 1
    return current


def iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S+07:00")


def portal(moment: datetime | None) -> str | None:
    return None if moment is None else moment.strftime("%Y%m%d%H%M%S")


def person(rng: random.Random) -> tuple[str, bool, int]:
    """(full name, female, birth year)."""
    female = rng.random() < 0.52
    surname = weighted(rng, SURNAMES)[0]
    middle = rng.choice(MIDDLE_F if female else MIDDLE_M)
    given = rng.choice(GIVEN_F if female else GIVEN_M)
    return f"{surname} {middle} {given}", female, rng.randint(1950, 2004)


def unaccent(text: str) -> str:
    text = text.replace("đ", "d").replace("Đ", "D")
    return "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))


def cccd(rng: random.Random, female: bool, born: int) -> str:
    """A fake 12-digit citizen ID: province 001, gender/century digit, birth year, serial."""
    century = 0 if born < 2000 else 2
    return f"001{century + int(female)}{born % 100:02d}{rng.randint(0, 999999):06d}"


def documents(rng: random.Random) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    counters: dict[tuple[int, str], int] = {}
    for index in range(MONTHS):
        first = month_start(index)
        last = min(month_start(index + 1) - timedelta(days=1), NOW.date())
        days = workdays(rng, first, last)
        share = len(days) / max(1, len(workdays(rng, first, month_start(index + 1))))
        total = round(rng.randint(62, 88) * share)
        t = progress(index)
        for _ in range(total):
            day = rng.choice(days)
            issued = office_time(rng, day)
            if issued > NOW:
                continue
            if rng.random() < 0.45:
                out.append(_outgoing(rng, issued, t, counters))
            else:
                out.append(_incoming(rng, issued, t, counters))
    out.sort(key=lambda d: (d["updated_at"], d["id"]))
    return out


def _fill(template: str, rng: random.Random, moment: datetime) -> str:
    return template.format(
        m=f"{moment.month:02d}/{moment.year}",
        y=moment.year,
        y2=moment.year + 1,
        h=rng.choice(HAMLETS).removeprefix("Thôn "),
    )


def _number(counters: dict[tuple[int, str], int], year: int, key: str) -> int:
    counters[(year, key)] = counters.get((year, key), 0) + 1
    return counters[(year, key)]


def _outgoing(
    rng: random.Random, issued: datetime, t: float, counters: dict[tuple[int, str], int]
) -> dict[str, Any]:
    suffix, _, summaries = weighted(rng, OUT_TYPES)
    number = _number(counters, issued.year, "out")
    signed = rng.random() < 0.85 + 0.13 * t
    electronic = signed or rng.random() < 0.6
    status = "cancelled" if rng.random() < 0.01 else "done"
    return {
        "id": f"VBDI-{issued.year}-{number:05d}",
        "direction": "out",
        "number": str(number),
        "symbol": f"{number}/{suffix}",
        "summary": _fill(rng.choice(summaries), rng, issued),
        "issued_date": issued.date().isoformat(),
        "received_date": None,
        "deadline": None,
        "completed_date": issued.date().isoformat(),
        "status": status,
        "signed": signed,
        "electronic": electronic,
        "handler": rng.choice(OFFICIALS),
        "updated_at": iso(issued + timedelta(minutes=rng.randint(5, 240))),
    }


def _incoming(
    rng: random.Random, received: datetime, t: float, counters: dict[tuple[int, str], int]
) -> dict[str, Any]:
    suffix, _, summaries, deadline_p = weighted(rng, IN_SENDERS)
    issued = received - timedelta(days=rng.randint(0, 4))
    number = rng.randint(100, 9800)
    arrival = _number(counters, received.year, "in")
    deadline = None
    if rng.random() < deadline_p:
        deadline = add_workdays(received, rng.choice((3, 5, 5, 7, 10, 15))).replace(
            hour=17, minute=0, second=0
        )
    completed: datetime | None = None
    late_p = 0.09 - 0.065 * t  # overdue share falls as the office digitises
    if deadline is None:
        took = timedelta(days=rng.randint(0, 6), hours=rng.randint(0, 6))
    elif rng.random() < late_p:
        took = (deadline - received) + timedelta(days=rng.randint(1, 9))
    else:
        took = (deadline - received) * rng.uniform(0.1, 0.95)
    if received + took <= NOW:
        completed = received + took
    elif deadline is not None and deadline < NOW:
        completed = None  # still open and already past its deadline: overdue
    status = "done" if completed else "processing"
    updated = completed or received + timedelta(minutes=rng.randint(10, 120))
    return {
        "id": f"VBDEN-{received.year}-{arrival:05d}",
        "direction": "in",
        "number": str(number),
        "symbol": f"{number}/{suffix}",
        "summary": _fill(rng.choice(summaries), rng, received),
        "issued_date": issued.date().isoformat(),
        "received_date": iso(received),
        "deadline": iso(deadline) if deadline else None,
        "completed_date": iso(completed) if completed else None,
        "status": status,
        "signed": True,
        "electronic": rng.random() < 0.93 + 0.06 * t,
        "handler": rng.choice(OFFICIALS),
        "updated_at": iso(min(updated, NOW)),
    }


WORK_TITLES = (
    "Hồ sơ xây dựng kế hoạch phát triển kinh tế – xã hội năm {y2}",
    "Hồ sơ giải quyết đơn kiến nghị của công dân thôn {h}",
    "Hồ sơ quản lý trật tự xây dựng thôn {h}",
    "Hồ sơ rà soát hộ nghèo, hộ cận nghèo năm {y}",
    "Hồ sơ tổ chức hội nghị tiếp xúc cử tri",
    "Hồ sơ phòng, chống thiên tai mùa mưa bão năm {y}",
    "Hồ sơ theo dõi tiến độ Đề án 06 tháng {m}",
    "Hồ sơ quyết toán kinh phí duy tu đường thôn {h}",
    "Hồ sơ kiểm tra vệ sinh an toàn thực phẩm tháng {m}",
    "Hồ sơ chi trả trợ cấp xã hội tháng {m}",
)


def work_files(rng: random.Random) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    serial = 0
    for index in range(MONTHS):
        first = month_start(index)
        last = min(month_start(index + 1) - timedelta(days=1), NOW.date())
        days = workdays(rng, first, last)
        count = round(rng.randint(17, 23) * len(days) / 22)
        online_p = 0.45 + 0.20 * progress(index)
        for _ in range(count):
            serial += 1
            opened = office_time(rng, rng.choice(days))
            closed = opened + timedelta(days=rng.randint(3, 40))
            closed_ok = closed <= NOW
            updated = closed if closed_ok else opened + timedelta(hours=rng.randint(1, 48))
            out.append(
                {
                    "id": f"HSCV-{opened.year}-{serial:04d}",
                    "title": _fill(rng.choice(WORK_TITLES), rng, opened),
                    "opened_date": iso(opened),
                    "closed_date": iso(closed) if closed_ok else None,
                    "online": rng.random() < online_p,
                    "status": "closed" if closed_ok else "open",
                    "updated_at": iso(min(updated, NOW)),
                }
            )
    out.sort(key=lambda d: (d["updated_at"], d["id"]))
    return out


# ── One-stop dossiers ──────────────────────────────────────────────────────────────────
# (MaTTHC, TenTTHC, MaLinhVuc, TenLinhVuc, weight, workdays to handle, fees, result name)
# A fee: (TenPhiLePhi, MaPhiLePhi, Gia). Free procedures have no fee list or Gia 0.
PROCEDURES: tuple[tuple[Any, ...], ...] = (
    (
        "2.000815",
        "Chứng thực bản sao từ bản chính giấy tờ, văn bản do cơ quan, tổ chức có thẩm quyền "
        "của Việt Nam cấp hoặc chứng nhận",
        "G09-CT",
        "Chứng thực",
        34,
        0,
        (("Phí chứng thực bản sao từ bản chính", "PCT-BS", 2000),),
        "Bản sao được chứng thực từ bản chính",
    ),
    (
        "2.000884",
        "Chứng thực chữ ký trong các giấy tờ, văn bản (áp dụng cho cả trường hợp chứng thực "
        "điểm chỉ và trường hợp người yêu cầu chứng thực không thể ký, không thể điểm chỉ "
        "được)",
        "G09-CT",
        "Chứng thực",
        12,
        0,
        (("Phí chứng thực chữ ký", "PCT-CK", 10000),),
        "Giấy tờ, văn bản đã được chứng thực chữ ký",
    ),
    (
        "2.001035",
        "Chứng thực hợp đồng, giao dịch liên quan đến tài sản là động sản, quyền sử dụng đất "
        "và nhà ở",
        "G09-CT",
        "Chứng thực",
        4,
        2,
        (("Phí chứng thực hợp đồng, giao dịch", "PCT-HD", 50000),),
        "Hợp đồng, giao dịch đã được chứng thực",
    ),
    (
        "1.001193",
        "Đăng ký khai sinh",
        "G09-HT",
        "Hộ tịch",
        11,
        1,
        (),
        "Giấy khai sinh (bản chính)",
    ),
    (
        "1.000894",
        "Đăng ký kết hôn",
        "G09-HT",
        "Hộ tịch",
        5,
        1,
        (("Lệ phí đăng ký kết hôn", "LP-KH", 0),),
        "Giấy chứng nhận kết hôn",
    ),
    (
        "1.000656",
        "Đăng ký khai tử",
        "G09-HT",
        "Hộ tịch",
        4,
        1,
        (),
        "Trích lục khai tử (bản chính)",
    ),
    (
        "2.000635",
        "Cấp bản sao trích lục hộ tịch",
        "G09-HT",
        "Hộ tịch",
        8,
        0,
        (("Phí cấp bản sao trích lục hộ tịch", "PHT-BS", 8000),),
        "Bản sao trích lục hộ tịch",
    ),
    (
        "1.004873",
        "Cấp Giấy xác nhận tình trạng hôn nhân",
        "G09-HT",
        "Hộ tịch",
        8,
        3,
        (("Lệ phí cấp Giấy xác nhận tình trạng hôn nhân", "LP-TTHN", 3000),),
        "Giấy xác nhận tình trạng hôn nhân",
    ),
    (
        "1.004859",
        "Đăng ký thay đổi, cải chính, bổ sung thông tin hộ tịch",
        "G09-HT",
        "Hộ tịch",
        2,
        3,
        (("Lệ phí thay đổi, cải chính hộ tịch", "LP-CC", 15000),),
        "Trích lục thay đổi, cải chính hộ tịch",
    ),
    (
        "2.000720",
        "Đăng ký thành lập hộ kinh doanh",
        "G10-HKD",
        "Thành lập và hoạt động của hộ kinh doanh",
        3,
        3,
        (("Lệ phí đăng ký hộ kinh doanh", "LP-HKD", 100000),),
        "Giấy chứng nhận đăng ký hộ kinh doanh",
    ),
    (
        "1.001776",
        "Thực hiện, điều chỉnh, thôi hưởng trợ cấp xã hội hàng tháng, hỗ trợ kinh phí chăm "
        "sóc, nuôi dưỡng hàng tháng",
        "G14-BTXH",
        "Bảo trợ xã hội",
        3,
        7,
        (),
        "Quyết định trợ cấp xã hội hàng tháng",
    ),
    (
        "1.010832",
        "Xác nhận hộ gia đình làm nông nghiệp, lâm nghiệp, ngư nghiệp, diêm nghiệp có mức "
        "sống trung bình",
        "G14-BTXH",
        "Bảo trợ xã hội",
        2,
        5,
        (),
        "Giấy xác nhận hộ gia đình có mức sống trung bình",
    ),
    (
        "1.003622",
        "Đăng ký kê khai số lượng chăn nuôi tập trung và nuôi trồng thủy sản ban đầu",
        "G12-NN",
        "Nông nghiệp",
        1,
        5,
        (),
        "Xác nhận kê khai chăn nuôi, nuôi trồng thủy sản",
    ),
)
SUPPLEMENT_REASONS = (
    "Bổ sung bản sao Căn cước của người yêu cầu",
    "Bổ sung giấy tờ chứng minh nơi cư trú",
    "Tờ khai chưa ghi đầy đủ thông tin, đề nghị khai lại",
    "Bổ sung bản chính giấy tờ để đối chiếu",
    "Bổ sung giấy ủy quyền có chứng thực",
)


def dossiers(rng: random.Random) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    seq: dict[date, int] = {}
    for index in range(MONTHS):
        first = month_start(index)
        last = min(month_start(index + 1) - timedelta(days=1), NOW.date())
        days = workdays(rng, first, last)
        count = round(rng.randint(125, 175) * len(days) / 22)
        t = progress(index)
        for _ in range(count):
            received = office_time(rng, rng.choice(days))
            if received > NOW:
                continue
            seq[received.date()] = seq.get(received.date(), 0) + 1
            out.append(_dossier(rng, received, seq[received.date()], t))
    out.sort(key=lambda d: (d["NgayCapNhat"], d["MaHoSo"]))
    return out


def _dossier(rng: random.Random, received: datetime, number: int, t: float) -> dict[str, Any]:
    proc = weighted(rng, PROCEDURES, 4)
    code, name, field_code, field_name, _, days, fees, result_name = proc
    channel = 2 if rng.random() < 0.35 + 0.25 * t else (3 if rng.random() < 0.02 else 1)
    if not days:  # same day; received after 15:00 → the next working day
        days = 1 if received.hour >= 15 else 0
    due = add_workdays(received, days).replace(hour=17, minute=0, second=0)
    events: list[datetime] = [received]
    supplements = _supplements(rng, received, due, events)
    wait = sum(
        ((s[1] or NOW) - s[0] for s in supplements),
        timedelta(0),
    )
    extended = due + wait
    status, finished, returned = _outcome(rng, received, extended, t, len(supplements))
    if supplements and supplements[-1][1] is None and status not in (3, 7):
        status, finished, returned = 5, None, None  # waiting for the supplement
    for moment in (finished, returned):
        if moment:
            events.append(moment)
    citizen, female, born = person(rng)
    applicant_mail = f"{unaccent(citizen).lower().replace(' ', '.')}{born % 100:02d}@gmail.com"
    fee_items = [
        {
            "TenPhiLePhi": fee_name,
            "MaPhiLePhi": fee_code,
            "HinhThucThu": 2 if channel == 2 else 1,
            "Gia": price * (rng.randint(1, 5) if fee_code == "PCT-BS" else 1),
            "LoaiPhiLePhi": 2 if fee_code.startswith("LP") else 1,
        }
        for fee_name, fee_code, price in fees
    ]
    paid = 0
    if any(f["Gia"] > 0 for f in fee_items) and status not in (3, 7):
        online_pay = 0.8 if channel == 2 else 0.08 + 0.1 * t
        if rng.random() < online_pay:
            paid = 1 if rng.random() < 0.7 else 2
    completed = status in (9, 10)
    results = []
    if completed:
        item: dict[str, Any] = {
            "TenGiayTo": result_name,
            "MaThanhPhanHoSo": f"KQ-{code}",
            "GiayToId": f"{COMMUNE}-{received:%y%m%d}-{number:04d}-KQ1",
        }
        if rng.random() < 0.80 + 0.17 * t:
            item["DuongDanTepTinKetQua"] = (
                f"https://dichvucong.hanoi.gov.vn/ketqua/{COMMUNE}/{received:%Y/%m}/"
                f"{received:%y%m%d}{number:04d}.pdf"
            )
            item["MaGiayToKetQua"] = f"KQ.{PROVINCE}.{COMMUNE}.{received:%y%m%d}.{number:04d}"
        results.append(item)
    hamlet = rng.choice(HAMLETS)
    record: dict[str, Any] = {
        "MaHoSo": f"H{PROVINCE}.{COMMUNE}-{received:%y%m%d}-{number:04d}",
        "MaTTHC": code,
        "TenTTHC": name,
        "MaLinhVuc": field_code,
        "TenLinhVuc": field_name,
        "KenhThucHien": channel,
        "NgayTiepNhan": portal(received),
        "NgayHenTra": portal(due),
        "NgayKetThucXuLy": portal(finished),
        "NgayTra": portal(returned),
        "TrangThaiHoSo": status,
        "DuocThanhToanTrucTuyen": paid,
        "HoSoCoThanhPhanSoHoa": int(rng.random() < 0.60 + 0.28 * t),
        "DanhSachLePhi": fee_items,
        "DanhSachGiayToKetQua": results,
        "DanhSachHoSoBoSung": [
            {
                "HoSoBoSungId": f"BS-{received:%y%m%d}-{number:04d}-{i + 1}",
                "NguoiYeuCauBoSung": rng.choice(OFFICIALS),
                "NoiDungBoSung": rng.choice(SUPPLEMENT_REASONS),
                "NgayBoSung": portal(asked),
                "NgayTiepNhanBoSung": portal(back),
                "TrangThaiBoSung": 1 if back else 0,
                "NgayHenTraTruoc": portal(due),
                "NgayHenTraMoi": portal(due + ((back or NOW) - asked)),
            }
            for i, (asked, back) in enumerate(supplements)
        ],
        "CoKhieuNai": int(rng.random() < 0.004),
        "TrichYeuHoSo": f"{name.split(' (')[0]} – {citizen}",
        "DonViXuLy": "UBND xã Chương Dương",
        "ChuHoSo": citizen,
        "SoGiayToChuHoSo": cccd(rng, female, born),
        "SoDienThoai": f"09{rng.randint(0, 99_999_999):08d}",
        "Email": applicant_mail if channel == 2 or rng.random() < 0.2 else None,
        "DiaChi": f"{hamlet}, xã Chương Dương, TP Hà Nội",
        "NgayCapNhat": portal(min(NOW, max(events) + timedelta(minutes=rng.randint(1, 30)))),
    }
    return record


def _supplements(
    rng: random.Random, received: datetime, due: datetime, events: list[datetime]
) -> list[tuple[datetime, datetime | None]]:
    roll = rng.random()
    count = 2 if roll < 0.006 else (1 if roll < 0.04 else 0)
    if not count and NOW - received < timedelta(days=6):
        # the last week's dossiers: some still wait for the citizen's papers (status 5)
        count = int(random.Random(f"{SEED}:{received:%Y%m%d%H%M%S}").random() < 0.12)
    out: list[tuple[datetime, datetime | None]] = []
    cursor = received
    for _ in range(count):
        asked = cursor + timedelta(hours=rng.randint(1, 20))
        back: datetime | None = asked + timedelta(days=rng.randint(1, 6), hours=rng.randint(0, 5))
        if asked > NOW:
            break
        if back > NOW:
            back = None
        out.append((asked, back))
        events.extend(m for m in (asked, back) if m)
        if back is None:
            break
        cursor = back
    return out


def _outcome(
    rng: random.Random, received: datetime, due: datetime, t: float, supplements: int
) -> tuple[int, datetime | None, datetime | None]:
    """Status, NgayKetThucXuLy and NgayTra of a dossier as of NOW."""
    roll = rng.random()
    if roll < 0.006:
        return 3, None, None  # not accepted
    if roll < 0.014:  # withdrawn by the citizen, a third of the way to the due date
        return 7, min(received + (due - received) / 3, NOW), None
    if rng.random() < 0.05 - 0.04 * t:  # late: one to three working days after the due date
        finished = office_time(rng, add_workdays(due, rng.randint(1, 3)).date())
    else:
        finished = _in_time(rng, received, due)
    if finished > NOW:
        return (5 if supplements else 4), None, None
    returned = finished
    if rng.random() < 0.45:
        returned = office_time(rng, add_workdays(finished, rng.choice((1, 1, 2, 5))).date())
    if returned > NOW:
        return 9, finished, None
    return 10, finished, returned


def _in_time(rng: random.Random, received: datetime, due: datetime) -> datetime:
    """A finishing moment in office hours between receipt and the due date."""
    days = workdays(rng, received.date(), due.date())
    for _ in range(4):
        moment = office_time(rng, rng.choice(days)) if days else due
        if received < moment <= due:
            return moment
    return received + (due - received) * rng.uniform(0.2, 0.9)


# ── Monthly reporting figures ──────────────────────────────────────────────────────────
def reporting(rng: random.Random) -> list[dict[str, Any]]:
    """Values for every reported element and element-type indicator, month by month."""
    out: list[dict[str, Any]] = []
    population, households = 59_973.0, 16_200.0
    for index in range(REPORT_MONTHS):
        t = progress(index)
        start = month_start(index)
        period = f"{start.year}{start.month:02d}"
        population += rng.randint(18, 42)
        households += rng.randint(4, 12)
        working_age = round(population * 0.625)
        budget = 1_150 + 550 * (start.month == 12) + rng.uniform(-140, 160)
        if start.month in (4, 10):  # land-use tax instalments
            budget += 260
        values: dict[str, float] = {
            "DAN_SO": population,
            "SO_HO": households,
            "TY_LE_HO_NGHEO": round(1.82 - 0.30 * t, 2),
            "THU_NHAP_BINH_QUAN": round(78.0 + 6.0 * t, 1),
            "TY_LE_BHYT": round(92.1 + 2.6 * t, 1),
            "THU_NGAN_SACH": round(budget),
            "LAO_DONG_QUA_DAO_TAO": round(70.2 + 3.9 * t, 1),
            "TIEM_CHUNG_DAY_DU": round(rng.uniform(96.8, 99.2), 1),
            "TK_THANH_TOAN": round(71.5 + 9.5 * t, 1),
            "DINH_DANH_DIEN_TU": round(68.0 + 14.5 * t, 1),
            "HO_SO_SUC_KHOE_DIEN_TU": round(52.0 + 12.0 * t, 1),
            "THON_PHU_SONG_4G": 100.0 if t > 0.4 else round(100 * 6 / 7, 1),
            "SO_TTHC_CAP_XA": 108,
            "SO_TTHC_TREN_MCDT": round(96 + 12 * t),
            "SO_CB_MOT_CUA": 6,
            "SO_CB_MOT_CUA_CO_TK": 5 if t < 0.3 else 6,
            "SO_CBCC": 22,
            "SO_CBCC_CO_CTS": round(20 + 2 * t),
            "SO_MAY_TINH": 34 if t < 0.5 else 38,
            "SO_MAY_TINH_CO_AV": round(29 + 9 * t),
            "SO_KQ_CON_HL": round(9_850 + 1_900 * t),
            "SO_KQ_CON_HL_SO_HOA": round(820 + 1_180 * t),
            "SO_SP_OCOP": 9 if t < 0.6 else 11,
            "SO_SP_OCOP_TREN_MANG": round(6 + 5 * t),
            "SO_HO_VA_CO_QUAN": households + 86,
            "SO_DIA_CHI_CO_VPOSTCODE": round((households + 86) * (0.22 + 0.25 * t)),
            "SO_HO_KD": 1_240 + round(30 * t),
            "SO_HO_KD_TT_SO": round((1_240 + 30 * t) * (0.18 + 0.16 * t)),
            "SO_TRUONG": 6,
            "SO_TRUONG_DUNG_NT_SO": 5 if t < 0.25 else 6,
            "SO_HO_CO_SDT_TIN_NHAN": round(households * (0.61 + 0.22 * t)),
            "SO_NGUOI_DO_TUOI_LD": working_age,
            "SO_NGUOI_LD_CO_DTTM": round(working_age * (0.83 + 0.10 * t)),
            "SO_HO_PHU_CAP_QUANG": round(households * (0.78 + 0.13 * t)),
        }
        for code in sorted(values):
            number = values[code]
            value = int(number) if number == int(number) else number
            out.append({"code": code, "period": period, "value": value})
    return out


def dump(records: list[dict[str, Any]]) -> str:
    """One record per line: small diffs, stable bytes."""
    lines = [json.dumps(r, ensure_ascii=False, separators=(", ", ": ")) for r in records]
    return "[\n" + ",\n".join(lines) + "\n]\n"


def span(as_of: date) -> tuple[datetime, date, int, int]:
    """(now, first month, months, reporting months) of the sample as of a day: now is the
    day's local midnight, the first month 12 months before the day's month."""
    first = date(as_of.year - 1, as_of.month, 1)
    months = 13
    reported = 0
    for index in range(months):
        n = first.year * 12 + first.month + index  # the month after `index`, 0-based + 1
        end = date(n // 12, n % 12 + 1, 1)
        if end + timedelta(days=REPORT_LAG_DAYS) <= as_of:
            reported = index + 1
    return datetime(as_of.year, as_of.month, as_of.day), first, months, reported


def build(as_of: date | None = None) -> dict[str, str]:
    """File name → content. Each file has its own seeded generator, so they are independent.
    Without `as_of`, the bundled sample (to 22/11/2026)."""
    global NOW, FIRST_MONTH, MONTHS, REPORT_MONTHS
    saved = NOW, FIRST_MONTH, MONTHS, REPORT_MONTHS
    if as_of is not None:
        NOW, FIRST_MONTH, MONTHS, REPORT_MONTHS = span(as_of)
    makers = {
        "documents.json": documents,
        "work_files.json": work_files,
        "dossiers.json": dossiers,
        "reporting.json": reporting,
    }
    try:
        return {name: dump(make(random.Random(f"{SEED}:{name}"))) for name, make in makers.items()}
    finally:
        NOW, FIRST_MONTH, MONTHS, REPORT_MONTHS = saved


def generate(out_dir: Path = HERE, as_of: date | None = None) -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in build(as_of).items():
        path = out_dir / name
        path.write_text(text, encoding="utf-8", newline="\n")
        written.append(path)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Generate the sample commune's source data.")
    parser.add_argument("--out", type=Path, default=HERE, help="output folder")
    parser.add_argument(
        "--as-of", type=date.fromisoformat, default=None, help="the sample's day (YYYY-MM-DD)"
    )
    args = parser.parse_args(argv)
    for path in generate(args.out, args.as_of):
        print(f"{path} ({path.stat().st_size:,} bytes)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
