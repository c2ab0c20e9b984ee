"""Every user-facing string of the dashboard, Vietnamese first, English second."""

from __future__ import annotations

from dashboards.texts import feature_strings

STRINGS: dict[str, tuple[str, str]] = {
    # shell and navigation
    "app_title": ("Trung tâm giám sát, điều hành thông minh", "Intelligent operations centre"),
    "nav_overview": ("Tổng quan", "Overview"),
    "nav_wall": ("Màn hình lớn", "Wall screen"),
    "nav_indicators": ("Chỉ tiêu", "Indicators"),
    "nav_tthc": ("Thủ tục hành chính", "Procedures"),
    "nav_documents": ("Văn bản", "Documents"),
    "nav_sensors": ("Cảm biến", "Sensors"),
    "nav_devices": ("Thiết bị", "Devices"),
    "nav_entry": ("Nhập liệu", "Data entry"),
    "nav_audit": ("Nhật ký", "Audit log"),
    "nav_quarantine": ("Dữ liệu cách ly", "Quarantine"),
    "nav_sync": ("Đồng bộ", "Sync"),
    "nav_prov_ranking": ("Xếp hạng xã", "Commune ranking"),
    "nav_prov_compare": ("So sánh xã", "Compare communes"),
    "nav_prov_map": ("Bản đồ xã", "Commune map"),
    "nav_prov_reporting": ("Tình hình báo cáo", "Reporting"),
    "login": ("Đăng nhập", "Log in"),
    "logout": ("Đăng xuất", "Log out"),
    "logged_in_as": ("Đang đăng nhập:", "Logged in as:"),
    "other_lang": ("English", "Tiếng Việt"),
    "role_viewer": ("người xem", "viewer"),
    "role_clerk": ("công chức", "clerk"),
    "role_approver": ("lãnh đạo phê duyệt", "approver"),
    "role_admin": ("quản trị", "admin"),
    "not_found": ("Không tìm thấy trang", "Page not found"),
    # status words (shown with icon and colour)
    "status_green": ("Đạt", "On track"),
    "status_amber": ("Cần chú ý", "Watch"),
    "status_red": ("Chưa đạt", "Off track"),
    "status_none": ("Chưa có số liệu", "No data"),
    "status_no_target": ("Không đặt mục tiêu", "No target set"),
    # tiles and tables
    "actual": ("Thực hiện", "Actual"),
    "target": ("Mục tiêu", "Target"),
    "completion": ("Hoàn thành", "Completion"),
    "change": ("So với kỳ trước", "Change"),
    "indicator": ("Chỉ tiêu", "Indicator"),
    "code": ("Mã", "Code"),
    "pillar": ("Trụ cột", "Pillar"),
    "period": ("Kỳ", "Period"),
    "source": ("Nguồn", "Source"),
    "status": ("Trạng thái", "Status"),
    "unit": ("Đơn vị", "Unit"),
    "updated": ("Cập nhật lúc", "Updated at"),
    "all": ("Tất cả", "All"),
    "no_data": ("Chưa có dữ liệu", "No data yet"),
    "filter": ("Lọc…", "Filter…"),
    "export_xlsx": ("Xuất Excel", "Export Excel"),
    "export_csv": ("Xuất CSV", "Export CSV"),
    "open": ("Xem", "Open"),
    "stale": (
        "Dữ liệu cũ: nguồn «{source}» chưa cập nhật từ {when}",
        "Stale data: source “{source}” has not updated since {when}",
    ),
    "stale_never": (
        "Dữ liệu cũ: nguồn «{source}» chưa từng cập nhật",
        "Stale data: source “{source}” has never updated",
    ),
    "overview_heading": ("Tổng quan chỉ tiêu", "Indicator overview"),
    # wall
    "wall_alerts": ("Cảnh báo", "Alerts"),
    "wall_no_alerts": ("Không có cảnh báo nào đang mở", "No open alerts"),
    "cameras_online": ("Camera hoạt động", "Cameras online"),
    "speakers_online": ("Loa hoạt động", "Loudspeakers online"),
    # indicator detail
    "formula": ("Công thức", "Formula"),
    "numerator": ("Tử số", "Numerator"),
    "denominator": ("Mẫu số", "Denominator"),
    "series_title": ("Diễn biến theo tháng", "Monthly series"),
    "rows_behind": ("Các bản ghi tạo nên số liệu", "Rows behind the number"),
    "unknown_indicator": ("Không có chỉ tiêu «{code}»", "No indicator “{code}”"),
    "back_to_list": ("← Danh sách chỉ tiêu", "← Indicator list"),
    "masked_note": (
        "Tên công dân được che; đăng nhập với vai trò công chức để xem.",
        "Citizen names are masked; log in as a clerk to see them.",
    ),
    # TTHC
    "scorecard": ("Bộ chỉ số 766 của xã", "Commune Decision 766 scorecard"),
    "group": ("Nhóm", "Group"),
    "points": ("Điểm", "Points"),
    "max_points": ("Tối đa", "Maximum"),
    "total": ("Tổng", "Total"),
    "overdue_dossiers": ("Hồ sơ quá hạn", "Overdue dossiers"),
    # documents
    "signed_pct": ("Văn bản đi được ký số", "Outgoing documents signed"),
    "overdue_docs": ("Văn bản đến quá hạn xử lý", "Overdue incoming documents"),
    "unsigned_docs": ("Văn bản đi chưa ký số", "Unsigned outgoing documents"),
    # sensors and devices
    "live_values": ("Giá trị hiện tại", "Live values"),
    "device": ("Thiết bị", "Device"),
    "key": ("Đại lượng", "Quantity"),
    "value": ("Giá trị", "Value"),
    "time": ("Thời điểm", "Time"),
    "threshold": ("Ngưỡng", "Threshold"),
    "alert_history": ("Lịch sử cảnh báo", "Alert history"),
    "opened_at": ("Phát sinh lúc", "Raised at"),
    "cleared_at": ("Kết thúc lúc", "Cleared at"),
    "severity": ("Mức độ", "Severity"),
    "severity_critical": ("Nghiêm trọng", "Critical"),
    "severity_warning": ("Cảnh báo", "Warning"),
    "severity_info": ("Thông tin", "Information"),
    "alert_open": ("Đang mở", "Open"),
    "alert_cleared": ("Đã hết", "Cleared"),
    "range": ("Khoảng thời gian", "Range"),
    "range_day": ("24 giờ", "24 hours"),
    "range_week": ("7 ngày", "7 days"),
    "range_month": ("30 ngày", "30 days"),
    "online": ("Trực tuyến", "Online"),
    "offline": ("Mất kết nối", "Offline"),
    "uptime": ("Thời gian hoạt động hôm nay", "Uptime today"),
    "last_seen": ("Liên lạc cuối", "Last seen"),
    "hamlet": ("Thôn", "Hamlet"),
    "map": ("Bản đồ thiết bị", "Device map"),
    "map_note": ("Ranh giới xã là gần đúng.", "The commune boundary is approximate."),
    # data entry
    "entry_heading": ("Nhập số liệu", "Enter a value"),
    "upload_heading": ("Tải lên tệp Excel/CSV", "Upload an Excel/CSV file"),
    "upload_hint": (
        "Kéo thả hoặc chọn tệp .xlsx/.csv theo mẫu (cột Mã chỉ tiêu, Kỳ báo cáo, Giá trị) "
        "hoặc tệp bản ghi văn bản, hồ sơ công việc, hồ sơ TTHC",
        "Drop or choose an .xlsx/.csv file in the template's layout (indicator code, period, "
        "value) or a file of document, work-file or dossier records",
    ),
    "template": ("Tải mẫu", "Download template"),
    "save": ("Lưu", "Save"),
    "comment": ("Ghi chú", "Comment"),
    "saved": ("Đã lưu: {code} – {period} = {value}", "Saved: {code} – {period} = {value}"),
    "unchanged": ("Không thay đổi: giá trị đã có", "Unchanged: the value was already stored"),
    "need_clerk": (
        "Cần đăng nhập với vai trò công chức để ghi dữ liệu.",
        "Log in as a clerk to write data.",
    ),
    "bad_origin": ("Yêu cầu không hợp lệ (khác nguồn gốc).", "Invalid request (cross-origin)."),
    "missing_fields": (
        "Hãy chọn chỉ tiêu, kỳ và nhập giá trị.",
        "Choose an indicator and a period and enter a value.",
    ),
    "import_done": (
        "Đã nhập {imported} mới, {updated} cập nhật, {unchanged} không đổi, {rejected} bị từ chối.",
        "{imported} new, {updated} updated, {unchanged} unchanged, {rejected} rejected.",
    ),
    "import_duplicates": (
        "{n} dòng trùng, lấy dòng cuối:",
        "{n} duplicate rows, the last one kept:",
    ),
    "bad_file": ("Không đọc được tệp: {reason}", "Cannot read the file: {reason}"),
    "saving": ("Đang lưu và tính lại chỉ tiêu…", "Saving and recomputing the indicators…"),
    "importing": (
        "Đang nhập tệp và tính lại chỉ tiêu…",
        "Importing the file and recomputing the indicators…",
    ),
    "job_failed": (
        "Có lỗi khi xử lý; hãy thử lại hoặc báo quản trị viên.",
        "Processing failed; try again or tell the administrator.",
    ),
    # audit and quarantine
    "actor": ("Người thực hiện", "Actor"),
    "action": ("Thao tác", "Action"),
    "entity": ("Đối tượng", "Entity"),
    "old_value": ("Giá trị cũ", "Old value"),
    "new_value": ("Giá trị mới", "New value"),
    "reason": ("Lý do", "Reason"),
    "raw": ("Dữ liệu gốc", "Raw payload"),
    "received_at": ("Nhận lúc", "Received at"),
    "accept": ("Chấp nhận", "Accept"),
    "reject": ("Từ chối", "Reject"),
    "choose_rows": ("Chọn các dòng cần xử lý.", "Select the rows to resolve."),
    "resolved": ("Đã xử lý {n} bản ghi.", "Resolved {n} records."),
    # sync
    "upstream": ("Máy chủ cấp trên", "Upstream"),
    "not_configured": ("Chưa cấu hình", "Not configured"),
    "last_push": ("Lần đẩy gần nhất", "Last push"),
    "last_pull": ("Lần lấy gần nhất", "Last pull"),
    "queue_depth": ("Số giá trị chờ đẩy", "Values waiting to push"),
    "errors": ("Lỗi", "Errors"),
    "connector_runs": ("Các lần lấy dữ liệu từ nguồn", "Source pulls"),
    "started": ("Bắt đầu", "Started"),
    "records": ("Bản ghi", "Records"),
    "message": ("Thông báo", "Message"),
    "push_status": ("Kết quả lần đẩy", "Last push result"),
    "commune_pulls": ("Lấy dữ liệu từ các xã", "Pulls from the communes"),
    "push_only": ("Chỉ nhận xã đẩy lên", "Push only"),
    "never": ("Chưa chạy", "Never run"),
    "run_running": ("Đang chạy", "Running"),
    "run_ok": ("Thành công", "Succeeded"),
    "run_partial": ("Thành công một phần", "Partly succeeded"),
    "run_failed": ("Thất bại", "Failed"),
    "commune": ("Xã", "Commune"),
    "address": ("Địa chỉ", "Address"),
    # the MQTT ingester's liveness (sync and devices pages)
    "ingester": ("Bộ thu dữ liệu thiết bị", "Device data receiver"),
    "ingest_ok": ("Đang hoạt động", "Running"),
    "ingest_degraded": ("Có sự cố", "Having trouble"),
    "ingest_down": ("Ngừng hoạt động", "Not running"),
    "ingest_stopped": ("Đã dừng", "Stopped"),
    "ingest_unknown": ("Chưa báo trạng thái", "Not reported yet"),
    "ingest_not_configured": ("Chưa cấu hình", "Not configured"),
    "ingest_last_received": ("Nhận tin gần nhất", "Last message received"),
    "ingest_last_stored": ("Ghi dữ liệu gần nhất", "Last stored"),
    "ingest_restarts": ("Đã tự khởi động lại {n} lần", "Restarted automatically {n} times"),
    # province and district pages
    "province_only": (
        "Trang này chỉ có ở chế độ tỉnh hoặc huyện (role: province, district).",
        "This page is only available in province or district mode (role: province, district).",
    ),
    "no_communes": (
        "Chưa cấu hình xã nào (mục province.communes).",
        "No communes configured (province.communes).",
    ),
    "rank": ("Hạng", "Rank"),
    "completion_pct": ("Hoàn thành (%)", "Completion (%)"),
    "scored": ("Chỉ tiêu được chấm", "Indicators scored"),
    "reported_indicators": ("Chỉ tiêu có số liệu", "Indicators reported"),
    "ranking_heading": ("Xếp hạng theo mức hoàn thành", "Ranking by completion"),
    "ranking_note": (
        "Mức hoàn thành trung bình của các chỉ tiêu có mục tiêu (mỗi chỉ tiêu tối đa 100%).",
        "Mean completion of the indicators with a target (each capped at 100%).",
    ),
    "commune_map": ("Bản đồ các xã theo mức hoàn thành", "Communes by completion"),
    "no_coordinates": (
        "Chưa có tọa độ xã nào (lat, lon trong province.communes).",
        "No commune has coordinates yet (lat, lon in province.communes).",
    ),
    "map_unplaced": ("Chưa có tọa độ: {names}", "Without coordinates: {names}"),
    "missing_heading": ("Xã chưa báo cáo kỳ {period}", "Communes yet to report {period}"),
    "none_missing": ("Tất cả các xã đã báo cáo.", "Every commune has reported."),
    "completeness_heading": ("Tỷ lệ báo cáo của các xã", "Reporting rates of the communes"),
    "completeness_note": (
        "Đúng hạn: xã đánh dấu báo cáo xong (hoặc, với xã chưa bao giờ đánh dấu, số liệu đầu "
        "tiên đến) trong {days} ngày sau khi kỳ kết thúc. Tỷ lệ chỉ tính các kỳ đã kết thúc.",
        "On time: the commune marked the period complete (or, for a commune that never does, "
        "its first value arrived) within {days} days after it ended. Rates count only periods "
        "that have ended.",
    ),
    "reporting_rate": ("Tỷ lệ báo cáo (%)", "Reporting rate (%)"),
    "on_time_rate": ("Tỷ lệ đúng hạn (%)", "On-time rate (%)"),
    "reports_expected": ("Số kỳ phải báo cáo", "Reports expected"),
    "reports_received": ("Số kỳ đã báo cáo", "Reports received"),
    "reports_on_time": ("Số kỳ đúng hạn", "Reports on time"),
    "report_on_time": ("✔ Đúng hạn", "✔ On time"),
    "report_late": ("⚠ Trễ hạn", "⚠ Late"),
    "report_missing": ("✖ Chưa báo cáo", "✖ Missing"),
    "report_not_due": ("○ Chưa đến hạn", "○ Not due yet"),
    # login page
    "username": ("Tên đăng nhập", "Username"),
    "password": ("Mật khẩu", "Password"),
    "login_failed": ("Sai tên đăng nhập hoặc mật khẩu.", "Wrong username or password."),
    "login_throttled": (
        "Đăng nhập sai quá nhiều lần, hãy thử lại sau {wait}.",
        "Too many failed logins; try again in {wait}.",
    ),
    "wait_seconds": ("{n} giây", "{n} seconds"),
    "wait_minutes": ("{n} phút", "{n} minutes"),
    "csrf_failed": (
        "Phiên biểu mẫu đã hết hạn, hãy thử lại.",
        "The form expired, please try again.",
    ),
}


def _merge(base: dict[str, tuple[str, str]]) -> dict[str, tuple[str, str]]:
    extra = feature_strings()
    twice = sorted(set(base) & set(extra))
    if twice:
        raise ValueError(f"strings defined twice: {', '.join(twice)}")
    return {**base, **extra}


STRINGS = _merge(STRINGS)

PILLAR_ORDER = ("chinh_quyen_so", "kinh_te_so", "xa_hoi_so", "ha_tang_so", "kinh_te_xa_hoi")


def t(key: str, lang: str = "vi", **values: object) -> str:
    """The string for `key` in `lang`, with {placeholders} filled."""
    vi, en = STRINGS[key]
    text = en if lang == "en" else vi
    return text.format(**values) if values else text
