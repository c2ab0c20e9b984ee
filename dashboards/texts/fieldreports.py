"""Strings of citizen field reports (phản ánh hiện trường): the public form and look-up,
the clerks' handling page, the map and wall view."""

from __future__ import annotations

STRINGS: dict[str, tuple[str, str]] = {
    "fr_title": ("Phản ánh hiện trường", "Report a problem"),
    "fr_intro": (
        "Thấy sự cố nơi công cộng? Gửi cho UBND xã — không cần đăng nhập.",
        "Seen a problem in a public place? Tell the commune — no login needed.",
    ),
    "fr_category": ("Nhóm vấn đề", "Category"),
    "fr_choose": ("— Chọn —", "— Choose —"),
    "fr_description": ("Nội dung phản ánh", "What is wrong"),
    "fr_description_hint": (
        "Mô tả sự việc, vị trí cụ thể (ít nhất 10 ký tự)",
        "Describe it and where exactly (at least 10 characters)",
    ),
    "fr_photos": (
        "Ảnh chụp (tối đa {n} ảnh, mỗi ảnh ≤ {mb} MB)",
        "Photos (up to {n}, ≤ {mb} MB each)",
    ),
    "fr_pick_photos": ("Chụp hoặc chọn ảnh", "Take or choose photos"),
    "fr_no_photo": ("Chưa chọn ảnh nào", "No photo chosen"),
    "fr_photos_chosen": ("Đã chọn {n} ảnh", "{n} photo(s) chosen"),
    "fr_location": ("Vị trí", "Location"),
    "fr_map_hint": ("Chạm vào bản đồ để đánh dấu vị trí", "Tap the map to mark the place"),
    "fr_use_gps": ("Dùng vị trí hiện tại của điện thoại", "Use my phone's location"),
    "fr_gps_wait": ("Đang lấy vị trí…", "Getting your location…"),
    "fr_gps_failed": ("Không lấy được vị trí; hãy chạm vào bản đồ", "No location; tap the map"),
    "fr_location_set": ("Đã đánh dấu vị trí", "Location marked"),
    "fr_hamlet": ("Thôn", "Hamlet"),
    "fr_contact": (
        "Thông tin liên hệ (không bắt buộc, chỉ cán bộ xã xem được)",
        "Contact (optional, seen only by commune staff)",
    ),
    "fr_name": ("Họ và tên", "Name"),
    "fr_phone": ("Số điện thoại", "Phone number"),
    "fr_website": ("Trang web (để trống)", "Website (leave empty)"),
    "fr_send": ("Gửi phản ánh", "Send report"),
    "fr_refused": ("Chưa gửi được: {reason}", "Not sent: {reason}"),
    "fr_try_later": (
        "Đã nhận quá nhiều phản ánh từ nơi gửi này. Vui lòng thử lại sau {minutes} phút.",
        "Too many reports from here. Please try again in {minutes} minutes.",
    ),
    "fr_bad_form": (
        "Biểu mẫu đã hết hạn, vui lòng gửi lại.",
        "The form expired; please send again.",
    ),
    "fr_thanks": ("Cảm ơn bạn! UBND xã đã nhận phản ánh.", "Thank you! The commune received it."),
    "fr_keep_code": (
        "Hãy ghi lại mã này để tra cứu kết quả xử lý:",
        "Keep this code to look up the answer:",
    ),
    "fr_lookup": ("Tra cứu phản ánh", "Look up a report"),
    "fr_lookup_code": ("Mã phản ánh", "Report code"),
    "fr_lookup_go": ("Tra cứu", "Look up"),
    "fr_lookup_none": ("Không tìm thấy phản ánh với mã này.", "No report with this code."),
    "fr_lookup_busy": (
        "Tra cứu quá nhiều lần, vui lòng thử lại sau.",
        "Too many look-ups; try later.",
    ),
    "fr_new_report": ("Gửi phản ánh mới", "Send a new report"),
    "fr_status": ("Trạng thái", "Status"),
    "fr_received": ("Ngày tiếp nhận", "Received"),
    "fr_deadline": ("Hạn xử lý", "Deadline"),
    "fr_answer": ("Kết quả xử lý", "Answer"),
    "fr_reject_reason": ("Lý do từ chối", "Reason for refusal"),
    "fr_no_answer_yet": (
        "Xã đang xử lý, kết quả sẽ đăng tại đây.",
        "Being handled; the answer will appear here.",
    ),
    "fr_state_cho_kiem_duyet": ("Chờ kiểm duyệt", "Awaiting moderation"),
    "fr_state_moi": ("Mới", "New"),
    "fr_state_da_tiep_nhan": ("Đã tiếp nhận", "Accepted"),
    "fr_state_dang_xu_ly": ("Đang xử lý", "In progress"),
    "fr_state_da_xu_ly": ("Đã xử lý", "Handled"),
    "fr_state_da_phan_hoi": ("Đã phản hồi", "Answered"),
    "fr_state_tu_choi": ("Từ chối", "Refused"),
    "fr_channel_web": ("Biểu mẫu web", "Web form"),
    "fr_channel_hotline": ("Đường dây nóng", "Hotline"),
    "fr_channel_zalo": ("Zalo", "Zalo"),
    # clerks' page
    "nav_fieldreports": ("Phản ánh", "Field reports"),
    "nav_fieldreports_map": ("Bản đồ phản ánh", "Reports map"),
    "fr_handle_title": ("Xử lý phản ánh hiện trường", "Handle field reports"),
    "fr_filter": ("Lọc theo trạng thái", "Filter by status"),
    "fr_all": ("Tất cả", "All"),
    "fr_col_code": ("Mã", "Code"),
    "fr_col_channel": ("Kênh", "Channel"),
    "fr_col_assignee": ("Người xử lý", "Handler"),
    "fr_col_unit": ("Bộ phận", "Unit"),
    "fr_col_reporter": ("Người phản ánh", "Reporter"),
    "fr_col_moderation": ("Lý do kiểm duyệt", "Moderation reason"),
    "fr_pick": (
        "Chọn một phản ánh trong bảng để xử lý.",
        "Pick a report in the table to handle it.",
    ),
    "fr_action": ("Thao tác", "Action"),
    "fr_act_release": ("Duyệt (không phải tin rác)", "Release (not spam)"),
    "fr_act_accept": ("Tiếp nhận và giao xử lý", "Accept and assign"),
    "fr_act_assign": ("Giao lại", "Reassign"),
    "fr_act_start": ("Bắt đầu xử lý", "Start work"),
    "fr_act_resolve": ("Đã xử lý xong", "Mark handled"),
    "fr_act_answer": ("Đăng câu trả lời cho người dân", "Publish the answer"),
    "fr_act_reject": ("Từ chối (nêu lý do)", "Refuse (give a reason)"),
    "fr_text": ("Câu trả lời hoặc lý do", "Answer or reason"),
    "fr_publish_photos": ("Đăng kèm ảnh hiện trường", "Publish the photos with it"),
    "fr_apply": ("Thực hiện", "Apply"),
    "fr_done": ("Đã cập nhật: {state}", "Updated: {state}"),
    "fr_photo_waiting": (
        "Ảnh {n} gửi qua Zalo: đang chờ tải về",
        "Photo {n} sent by Zalo: waiting",
    ),
    "fr_photo_pending": (
        "Ảnh {n} gửi qua Zalo: đang tải về (đã thử {tries} lần; {reason})",
        "Photo {n} sent by Zalo: being fetched ({tries} tries so far; {reason})",
    ),
    "fr_photo_failed": (
        "Ảnh {n} gửi qua Zalo: không tải về được — {reason}",
        "Photo {n} sent by Zalo: not fetched — {reason}",
    ),
    "fr_photo_link": ("Mở liên kết gốc", "Open the original link"),
    "fr_reporter_zalo": (
        "Người dùng Zalo (trả lời được qua Zalo OA)",
        "A Zalo user (can be answered through Zalo OA)",
    ),
    "fr_reporter_zalo_old": ("Người dùng Zalo", "A Zalo user"),
    "fr_delivery": ("Gửi câu trả lời", "Answer sent back"),
    "fr_notify_recipient": ("Người phản ánh {code}", "Reporter of {code}"),
    "fr_way_zalo": ("Zalo OA", "Zalo OA"),
    "fr_way_sms": ("SMS", "SMS"),
    "fr_delivery_queued": ("Đang chờ gửi qua {way}", "Waiting to be sent by {way}"),
    "fr_delivery_sent": ("Đã gửi qua {way} lúc {at}", "Sent by {way} at {at}"),
    "fr_delivery_retrying": (
        "Chưa gửi được qua {way}, hệ thống sẽ thử lại — {note}",
        "Not sent by {way} yet; it will be retried — {note}",
    ),
    "fr_delivery_failed": (
        "Không gửi được qua {way} — {note}",
        "Could not be sent by {way} — {note}",
    ),
    "fr_delivery_not_sendable": (
        "Không gửi tới người phản ánh — {note}",
        "Not sent to the reporter — {note}",
    ),
    "fr_published_queued": (
        "Câu trả lời đã đăng; đang chờ gửi qua {way} tới người phản ánh.",
        "The answer is published and waiting to be sent to the reporter by {way}.",
    ),
    "fr_published_not_sent": (
        "Câu trả lời đã đăng nhưng không gửi tới người phản ánh: {note}. Người dân vẫn tra "
        "cứu được bằng mã.",
        "The answer is published but was not sent to the reporter: {note}. They can still "
        "look it up by code.",
    ),
    # map, wall and tallies
    "fr_map_title": ("Phản ánh đang mở trên bản đồ", "Open reports on the map"),
    "fr_open_reports": ("Đang mở", "Open"),
    "fr_overdue_reports": ("Quá hạn", "Overdue"),
    "fr_received_month": ("Tiếp nhận trong tháng", "Received this month"),
    "fr_on_time": ("Xử lý đúng hạn", "Handled on time"),
    "fr_by_category": ("Theo nhóm vấn đề", "By category"),
    "fr_by_hamlet": ("Theo thôn", "By hamlet"),
    "fr_no_hamlet": ("Không rõ thôn", "Hamlet not given"),
    "fr_count": ("Số phản ánh", "Reports"),
    "fr_handled": ("Đã xử lý", "Handled"),
    # photo limits on the public form (server 413 page and the form's own check)
    "fr_photos_too_large": (
        "Chưa gửi được: ảnh gửi kèm quá lớn hoặc quá nhiều. Mỗi lần gửi tối đa {n} ảnh, mỗi "
        "ảnh không quá {mb} MB (cả biểu mẫu không quá {total} MB). Vui lòng bớt ảnh hoặc chọn "
        "ảnh nhỏ hơn rồi gửi lại.",
        "Not sent: the photos are too large or too many. Send at most {n} photos of at most "
        "{mb} MB each (the whole form at most {total} MB). Please remove some or choose "
        "smaller ones and send again.",
    ),
    "fr_photos_too_many": (
        "Chỉ gửi được tối đa {n} ảnh, bạn đã chọn {k} ảnh. Vui lòng bỏ bớt ảnh rồi gửi.",
        "At most {n} photos can be sent; you chose {k}. Please remove some and send.",
    ),
    "fr_photo_too_big": (
        "Ảnh “{name}” nặng {size} MB, quá giới hạn {mb} MB mỗi ảnh. Vui lòng chọn ảnh nhỏ hơn.",
        "Photo “{name}” is {size} MB, over the {mb} MB limit per photo. Please choose a "
        "smaller one.",
    ),
}
