"""Strings of the wall screen and of the words that replace raw ids (sources, metrics)."""

from __future__ import annotations

STRINGS: dict[str, tuple[str, str]] = {
    "wall_page": ("Trang {n}/{of}", "Page {n} of {of}"),
    "wall_continued": ("tiếp", "continued"),
    "wall_stale_sources": ("{n} nguồn dữ liệu chưa cập nhật", "{n} sources not updated"),
    "wall_more": ("… và {n} mục khác", "… and {n} more"),
    "wall_all_online": ("Tất cả đang trực tuyến", "All online"),
    "wall_offline_list": ("Mất kết nối", "Offline"),
    # source systems, by connector kind (the catalog's `source` too)
    "source_documents": ("Hệ thống quản lý văn bản", "Document management system"),
    "source_tthc": ("Hệ thống giải quyết TTHC", "One-stop dossier system"),
    "source_reporting": ("Hệ thống báo cáo", "Reporting system"),
    "source_devices": ("Thiết bị IoT", "IoT devices"),
    "source_entry": ("Nhập tay", "Manual entry"),
    "source_upload": ("Tải tệp lên", "File upload"),
    "source_upstream": ("Cấp trên", "Upstream"),
}
