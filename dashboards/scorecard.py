"""Decision 766 scorecard of the commune, computed from the TTHC_* indicator values.

Follows docs/decision-766.md: full points when a rate meets its threshold, else
rate × points ÷ threshold; each group scaled over the items COC can compute; the total is
scaled to 100 over the groups that have at least one computable item.
# wired after merge: prefer coc.indicators.tthc.scorecard(...) from the connectors branch.
"""

from __future__ import annotations

from dataclasses import dataclass

# (group number, Vietnamese name, English name, max points, [(indicator, points, threshold)])
GROUPS: tuple[tuple[int, str, str, float, tuple[tuple[str, float, float], ...]], ...] = (
    (1, "Công khai, minh bạch", "Publicity and transparency", 18, ()),
    (2, "Tiến độ, kết quả giải quyết", "Timeliness", 20, (("TTHC_DUNG_HAN", 20, 100),)),
    (
        3,
        "Dịch vụ công trực tuyến, thanh toán trực tuyến",
        "Online services and payment",
        22,
        (("TTHC_TRUC_TUYEN", 12, 50), ("TTHC_THANH_TOAN_TRUC_TUYEN", 10, 100)),
    ),
    (
        4,
        "Số hóa hồ sơ",
        "Digitisation",
        22,
        (("TTHC_KET_QUA_DIEN_TU", 6, 100), ("TTHC_SO_HOA_HO_SO", 4, 80)),
    ),
    (5, "Mức độ hài lòng", "Satisfaction", 18, (("TTHC_HAI_LONG", 6, 90),)),
)


@dataclass(frozen=True)
class GroupScore:
    number: int
    name: str
    points: float | None  # None: nothing in this group can be computed yet
    max_points: float


@dataclass(frozen=True)
class Scorecard:
    groups: tuple[GroupScore, ...]
    total: float | None  # out of 100


def item_points(rate: float, points: float, threshold: float) -> float:
    return points if rate >= threshold else max(0.0, rate) * points / threshold


def scorecard(values: dict[str, float | None], lang: str = "vi") -> Scorecard:
    """Scorecard from {indicator code: rate %}; missing rates leave their item out."""
    groups = []
    earned = possible = 0.0
    for number, vi, en, max_points, items in GROUPS:
        got = top = 0.0
        for code, points, threshold in items:
            rate = values.get(code)
            if rate is None:
                continue
            got += item_points(rate, points, threshold)
            top += points
        score = got / top * max_points if top else None
        if score is not None:
            earned += score
            possible += max_points
        groups.append(GroupScore(number, vi if lang == "vi" else en, score, max_points))
    total = earned / possible * 100 if possible else None
    return Scorecard(tuple(groups), total)
