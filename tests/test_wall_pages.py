"""Paging the wall's tiles (`dashboards.views.wall.paginate`): hand-computed pages."""

from __future__ import annotations

import pytest

from dashboards.views.wall import Label, paginate


def test_groups_flow_on_and_a_continued_group_repeats_its_label() -> None:
    pages = paginate([("a", [1, 2, 3]), ("b", [4, 5, 6, 7])], per_page=4)
    assert pages == [
        [Label("a"), 1, 2, 3],
        [Label("b"), 4, 5, 6],
        [Label("b", continued=True), 7],
    ]


def test_a_label_never_ends_a_page() -> None:
    # after "a" and two items one cell is left: "b" starts on the next page instead
    pages = paginate([("a", [1, 2]), ("b", [3])], per_page=4)
    assert pages == [[Label("a"), 1, 2], [Label("b"), 3]]


def test_every_item_once_in_order_and_no_page_over_full() -> None:
    groups = [(g, list(range(10 * k, 10 * k + n))) for k, (g, n) in
              enumerate([("a", 7), ("b", 1), ("c", 19), ("d", 2), ("e", 13)])]  # fmt: skip
    pages = paginate(groups, per_page=18)
    items = [c for p in pages for c in p if not isinstance(c, Label)]
    assert items == [i for _, g in groups for i in g]
    assert all(len(p) <= 18 for p in pages)
    assert all(not isinstance(p[-1], Label) for p in pages)
    # a+7, b+1, c+7 | c+12, d+2, e+1 | e+12: 42 items, 5 labels and 2 repeated ones
    assert [len(p) for p in pages] == [18, 18, 13]
    assert pages[1][0] == Label("c", continued=True) and pages[2][0] == Label("e", continued=True)


def test_nothing_to_show_is_one_empty_page() -> None:
    assert paginate([], per_page=18) == [[]]
    with pytest.raises(ValueError):
        paginate([("a", [1])], per_page=1)
