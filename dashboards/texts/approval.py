"""Strings of the month approval page and the province's approval column."""

STRINGS: dict[str, tuple[str, str]] = {
    "approval_nav": ("Phê duyệt", "Approval"),
    "approval_title": ("Hoàn thành và phê duyệt số liệu tháng", "Month completeness and approval"),
    "approval_intro": (
        "Công chức đánh dấu tháng đã báo cáo xong; Chủ tịch phê duyệt số liệu trước khi gửi "
        "lên cấp trên. Số liệu đã phê duyệt bị khóa: muốn sửa phải hủy phê duyệt và ghi lý do.",
        "Clerks mark a month as fully reported; the chairperson approves its figures before "
        "they are sent upward. Approved figures are locked: changing them needs an "
        "un-approval with a reason.",
    ),
    "approval_values": ("{n} giá trị", "{n} values"),
    "approval_completed": (
        "Đã báo cáo xong ngày {date} ({who})",
        "Marked complete on {date} ({who})",
    ),
    "approval_not_completed": ("Chưa đánh dấu báo cáo xong", "Not marked complete"),
    "approval_state_APPROVED_HERE": ("Đã phê duyệt", "Approved"),
    "approval_state_UNAPPROVED_READY": ("Chờ phê duyệt", "Ready for approval"),
    "approval_state_UNAPPROVED_WAITING": (
        "Còn cảnh báo kiểm tra số liệu",
        "Validation flags to resolve",
    ),
    "approval_state_UNAPPROVABLE": ("Chưa phê duyệt được", "Not approvable yet"),
    "approval_by": ("bởi {who} lúc {when}", "by {who} at {when}"),
    "approval_not_ended": ("Tháng chưa kết thúc.", "The month has not ended."),
    "approval_no_values": ("Chưa có số liệu.", "No figures yet."),
    "approval_last_reason": ("Lần hủy phê duyệt gần nhất: {reason}", "Last un-approved: {reason}"),
    "approval_complete": ("Đánh dấu báo cáo xong", "Mark complete"),
    "approval_reopen": ("Bỏ đánh dấu", "Reopen"),
    "approval_approve": ("Phê duyệt", "Approve"),
    "approval_unapprove": ("Hủy phê duyệt", "Un-approve"),
    "approval_reason": ("Lý do hủy phê duyệt", "Reason for un-approving"),
    "approval_need_approver": (
        "Chỉ lãnh đạo phê duyệt (Chủ tịch) được phê duyệt hoặc hủy phê duyệt.",
        "Only the approver (chairperson) may approve or un-approve.",
    ),
    "approval_done_approve": ("Đã phê duyệt {period}.", "{period} approved."),
    "approval_done_unapprove": ("Đã hủy phê duyệt {period}.", "{period} un-approved."),
    "approval_done_complete": (
        "Đã đánh dấu {period} báo cáo xong.",
        "{period} marked complete.",
    ),
    "approval_done_reopen": ("Đã bỏ đánh dấu {period}.", "{period} reopened."),
    "approval_no_communes": (
        "Tài khoản này không được giao xã nào để phê duyệt.",
        "This account has no commune to approve.",
    ),
    "approval_col": ("Phê duyệt", "Approved"),
    "approval_yes": ("đã duyệt", "approved"),
    "approval_no": ("chưa duyệt", "not approved"),
}
