"""Strings of the Decision 766 scorecard page (/thu-tuc): groups, items, "chưa tính"."""

from __future__ import annotations

STRINGS: dict[str, tuple[str, str]] = {
    "tthc766_computable_total": (
        "điểm tính được (tối đa 100)",
        "computable points (of 100)",
    ),
    "tthc766_groups": ("Điểm theo nhóm", "Points by group"),
    "tthc766_items": ("Điểm theo chỉ tiêu", "Points by item"),
    "tthc766_item": ("Chỉ tiêu", "Item"),
    "tthc766_rate": ("Tỷ lệ", "Rate"),
    "tthc766_count": ("Hồ sơ", "Dossiers"),
    "tthc766_threshold": ("Ngưỡng đạt tối đa", "Full points from"),
    "tthc766_computable": ("Điểm tính được", "Computable"),
    "tthc766_not_computed": ("chưa tính", "not computed"),
    "tthc766_no_dossiers": ("không có hồ sơ", "no dossiers"),
    "tthc766_note": (
        "Điểm chỉ cộng từ các chỉ tiêu có nguồn số liệu trong hệ thống; chỉ tiêu “chưa tính” "
        "(số liệu do Cổng Dịch vụ công quốc gia, Cơ sở dữ liệu quốc gia về TTHC hoặc hệ thống "
        "phản ánh, kiến nghị nắm giữ) không được suy ra từ các chỉ tiêu khác. Hồ sơ chưa "
        "hoàn thành được xét tại ngày cuối kỳ; kỳ đang diễn ra xét đến thời điểm hiện tại.",
        "Points are added only from items the system has data for; an item “not computed” "
        "(its data is held by the national public-service portal, the national procedures "
        "database or the feedback system) is never inferred from the others. Open dossiers "
        "are judged at the end of the period; the period in progress is judged as of now.",
    ),
}
