"""Every user-facing string of the dashboard, Vietnamese first, English second."""

from __future__ import annotations

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
    "login": ("Đăng nhập", "Log in"),
    "logout": ("Đăng xuất", "Log out"),
    "logged_in_as": ("Đang đăng nhập:", "Logged in as:"),
    "other_lang": ("English", "Tiếng Việt"),
    "role_viewer": ("người xem", "viewer"),
    "role_clerk": ("công chức", "clerk"),
    "role_admin": ("quản trị", "admin"),
    "not_found": ("Không tìm thấy trang", "Page not found"),
    # status words (shown with icon and colour)
    "status_green": ("Đạt", "On track"),
    "status_amber": ("Cần chú ý", "Watch"),
    "status_red": ("Chưa đạt", "Off track"),
    "status_none": ("Chưa có số liệu", "No data"),
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
    "range": ("Khoảng thời gian", "Range"),
    "range_day": ("24 giờ", "24 hours"),
    "range_week": ("7 ngày", "7 days"),
    "range_month": ("30 ngày", "30 days"),
    "kind_camera": ("Camera", "Camera"),
    "kind_speaker": ("Loa", "Loudspeaker"),
    "kind_sensor": ("Cảm biến", "Sensor"),
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
        "Kéo thả hoặc chọn tệp .xlsx/.csv có các cột: code, period, value",
        "Drop or choose an .xlsx/.csv file with columns: code, period, value",
    ),
    "template": ("Tải mẫu", "Download template"),
    "save": ("Lưu", "Save"),
    "comment": ("Ghi chú", "Comment"),
    "saved": ("Đã lưu: {code} kỳ {period} = {value}", "Saved: {code} for {period} = {value}"),
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
    "bad_file": ("Không đọc được tệp: {reason}", "Cannot read the file: {reason}"),
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
    # login page
    "username": ("Tên đăng nhập", "Username"),
    "password": ("Mật khẩu", "Password"),
    "login_failed": ("Sai tên đăng nhập hoặc mật khẩu.", "Wrong username or password."),
    "csrf_failed": (
        "Phiên biểu mẫu đã hết hạn, hãy thử lại.",
        "The form expired, please try again.",
    ),
}

PILLAR_ORDER = ("chinh_quyen_so", "kinh_te_so", "xa_hoi_so", "ha_tang_so", "kinh_te_xa_hoi")


def t(key: str, lang: str = "vi", **values: object) -> str:
    """The string for `key` in `lang`, with {placeholders} filled."""
    vi, en = STRINGS[key]
    text = en if lang == "en" else vi
    return text.format(**values) if values else text
