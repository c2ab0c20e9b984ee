"""Strings of the monthly report's buttons and messages."""

from __future__ import annotations

STRINGS: dict[str, tuple[str, str]] = {
    "report_button": ("Báo cáo tháng", "Monthly report"),
    "report_download": ("Tải bản PDF", "Download the PDF"),
    "report_print": ("In báo cáo", "Print"),
    "report_bad_period": (
        "Kỳ báo cáo không hợp lệ: {period} (ví dụ: 202611).",
        "Invalid report period: {period} (for example 202611).",
    ),
}
