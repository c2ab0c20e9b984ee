"""Strings of the calendar feature: periods, lags, status words, validation flags."""

from __future__ import annotations

STRINGS: dict[str, tuple[str, str]] = {
    "calendar_period": ("Kỳ báo cáo", "Reporting period"),
    "calendar_bad_period": (
        "Kỳ “{asked}” không hợp lệ (dùng 202611, 2026Q3 hoặc 2026); đang hiển thị {shown}.",
        "Period “{asked}” is not valid (use 202611, 2026Q3 or 2026); showing {shown}.",
    ),
    "calendar_in_progress": (
        "Tháng đang diễn ra: số liệu {to_day}, chưa phải số cuối kỳ",
        "Month in progress: figures {to_day}, not final",
    ),
    "calendar_value_of": ("Số liệu {period}", "Figure for {period}"),
    "calendar_late": ("Chưa cập nhật", "Not updated"),
    "calendar_late_detail": (
        "chưa cập nhật: số liệu mới nhất {period} (cập nhật {date}), cần có {expected}",
        "not updated: latest figure {period} (updated {date}), {expected} is due",
    ),
    "calendar_ytd": ("Lũy kế năm", "Year to date"),
    "calendar_exceeded": ("vượt", "exceeded"),
    "calendar_status_at_risk": ("Nguy cơ không đạt", "At risk"),
    "calendar_status_missed": ("Chưa đạt", "Missed"),
    "calendar_status_behind": ("Chậm tiến độ", "Behind"),
    "calendar_status_near": ("Gần đạt", "Close"),
    "calendar_status_provisional": ("Tạm tính", "Provisional"),
    "calendar_status_on_track": ("Đúng tiến độ", "On track"),
    "calendar_status_met": ("Đạt", "Met"),
    "calendar_status_exceeded": ("Vượt mục tiêu", "Exceeded"),
    "calendar_status_no_target": ("Không đặt mục tiêu", "No target set"),
    "calendar_status_no_data": ("Chưa có số liệu", "No data"),
    "calendar_act_first": ("Cần chỉ đạo", "Needs action"),
    "calendar_projection": ("Dự báo cuối năm", "Year-end projection"),
    "calendar_path": ("Tiến độ kế hoạch đến tháng này", "Planned path to this month"),
    "calendar_how_projection": (
        "Cách đánh giá: “Đạt” chỉ khi số liệu đạt mục tiêu năm. Trước tháng 12, số liệu được "
        "so với tiến độ kế hoạch: chỉ tiêu cộng dồn so lũy kế với mục tiêu năm × số tháng đã "
        "qua ÷ 12; chỉ tiêu tỷ lệ so với đường thẳng từ tháng đầu năm (hoặc tháng 12 năm trước) "
        "đến mục tiêu vào tháng 12. Dự báo cuối năm: chỉ tiêu cộng dồn lấy lũy kế cộng bình "
        "quân 3 tháng gần nhất nhân số tháng còn lại; chỉ tiêu tỷ lệ kéo dài đường xu hướng "
        "(bình phương nhỏ nhất) của các tháng đã có đến tháng 12. Dự báo không đạt mục tiêu là "
        "“Nguy cơ không đạt”. Tháng đang diễn ra chỉ là số tạm tính.",
        "How status is judged: “Met” only when the yearly target is met. Before December a "
        "figure is compared with the planned path: a summed indicator's year to date with the "
        "yearly target × months passed ÷ 12; a rate with a straight line from the year's first "
        "month (or last December) to the target in December. Year-end projection: for sums, "
        "the year to date plus the average of the last 3 months times the months left; for "
        "rates, the least-squares trend of this year's months extended to December. A "
        "projection short of the target is “At risk”. A month in progress is provisional.",
    ),
    "calendar_check": ("Cần kiểm tra", "Needs checking"),
    "calendar_check_heading": ("Số liệu cần kiểm tra", "Figures to check"),
    "calendar_check_intro": (
        "Các số liệu dưới đây vi phạm quy tắc kiểm tra. Số liệu vẫn được lưu và hiển thị có "
        "đánh dấu, nhưng chưa gửi lên cấp trên cho đến khi được xác nhận đúng hoặc sửa lại.",
        "These figures break a validation rule. They are kept and shown marked, but not sent "
        "upward until a clerk confirms them or corrects them.",
    ),
    "calendar_check_none": ("Không có số liệu nào cần kiểm tra.", "Nothing to check."),
    "calendar_check_confirm": ("Xác nhận số liệu đúng", "Confirm the figures"),
    "calendar_check_correct": ("Sửa số liệu", "Correct the figures"),
    "calendar_check_confirmed": ("Đã xác nhận: {rule}", "Confirmed: {rule}"),
    "calendar_check_held": ("Chưa gửi lên cấp trên", "Not sent upward"),
    "calendar_check_rule": ("Quy tắc", "Rule"),
    "calendar_check_opened": ("Phát hiện lúc", "Found at"),
    "calendar_check_values": ("Số liệu liên quan", "Figures concerned"),
    "nav_check": ("Cần kiểm tra", "To check"),
    "calendar_cumulative_target": ("Kế hoạch lũy kế", "Planned year to date"),
}
