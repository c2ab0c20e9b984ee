"""Users bound to org units in province/district mode: the tree they see, the province
pages restricted to it, the CLI, and commune mode unchanged."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import pytest
from fixtures_base import new_store
from fixtures_web import NOW, PASSWORD, find, login, province_settings, render_page, seed_province
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from coc.auth import AuthError, add_user
from coc.auth.units import bind_units, scope_of, units_of, visible_tree
from coc.config import Settings
from coc.province.hierarchy import Hierarchy


def district_settings(tmp: Path) -> Settings:
    return Settings.model_validate(
        {
            "role": "province",
            "commune": {"code": "01", "name": "Thành phố Hà Nội"},
            "store": {"data_dir": str(tmp)},
            "province": {
                "districts": [{"code": "277", "name": "Huyện Thường Tín"}],
                "communes": [
                    {"code": "10237", "name": "Xã Chương Dương", "parent": "277"},
                    {"code": "10238", "name": "Xã Thượng Phúc", "parent": "277"},
                    {"code": "10239", "name": "Xã Tự Nhiên"},
                ],
            },
        }
    )


def test_restricted_tree_keeps_bound_communes_their_district_and_the_root(tmp_path: Path) -> None:
    tree = Hierarchy.from_settings(district_settings(tmp_path))
    one = tree.restricted_to(frozenset({"10238"}))
    assert [u.code for u in one.units] == ["01", "277", "10238"]
    district = tree.restricted_to(frozenset({"277"}))
    assert district.commune_codes() == ["10237", "10238"]
    loose = tree.restricted_to(frozenset({"10239"}))
    assert [u.code for u in loose.units] == ["01", "10239"]


def test_bind_checks_the_tree_and_admins_see_everything(tmp_path: Path) -> None:
    s = district_settings(tmp_path)
    store = new_store(tmp_path / "u.sqlite3")
    add_user(store, "hoa", PASSWORD, "clerk")
    add_user(store, "quantri", PASSWORD, "admin")
    assert bind_units(store, s, "hoa", ["10239", " 277 "]) == ["10239", "277"]
    assert units_of(store, "hoa") == ["10239", "277"]
    with pytest.raises(AuthError, match="không có đơn vị 99999"):
        bind_units(store, s, "hoa", ["99999"])
    assert units_of(store, "hoa") == ["10239", "277"]  # unchanged by the refused call
    assert visible_tree(store, s, "hoa", "clerk").commune_codes() == ["10237", "10238", "10239"]
    bind_units(store, s, "hoa", ["10237"])
    assert visible_tree(store, s, "hoa", "clerk").commune_codes() == ["10237"]
    bind_units(store, s, "quantri", ["10237"])
    assert len(visible_tree(store, s, "quantri", "admin").commune_codes()) == 3
    assert bind_units(store, s, "hoa", []) == []
    assert len(visible_tree(store, s, "hoa", "clerk").commune_codes()) == 3  # unbound: all


def test_commune_mode_refuses_binding(tmp_path: Path) -> None:
    from fixtures_web import make_settings

    store = new_store(tmp_path / "u.sqlite3")
    add_user(store, "hoa", PASSWORD, "clerk")
    with pytest.raises(AuthError, match="chế độ tỉnh"):
        bind_units(store, make_settings(tmp_path / "d"), "hoa", ["10237"])


def test_cli_bind(cli: Any, tmp_path: Path) -> None:
    import yaml

    site = tmp_path / "site.yaml"
    site.write_text(yaml.safe_dump(district_settings(tmp_path / "data").model_dump()), "utf-8")
    store = new_store(tmp_path / "data" / "coc.sqlite3")
    add_user(store, "hoa", PASSWORD, "viewer")
    store.dispose()
    ok = cli("--config", str(site), "user", "bind", "hoa", "277")
    assert (ok.code, ok.out.strip()) == (0, "Người dùng hoa xem và sửa: 277.")
    bad = cli("--config", str(site), "user", "bind", "hoa", "123")
    assert bad.code != 0 and "không có đơn vị 123" in bad.err and "Traceback" not in bad.err


def test_ranking_page_shows_a_bound_user_only_their_communes(
    tmp_path: Path, shipped_catalog: Any
) -> None:
    from dashboards.app import create_app

    settings = province_settings(tmp_path / "data")
    store = new_store(tmp_path / "p.sqlite3")
    seed_province(store, shipped_catalog, settings)
    add_user(store, "hoa", PASSWORD, "viewer")
    bind_units(store, settings, "hoa", ["10238"])
    app = create_app(store, settings, shipped_catalog, clock=lambda: NOW)
    client = app.server.test_client()
    anonymous = render_page(client, "/tinh/xep-hang", "?period=202610")
    rows = find(anonymous, {"type": "coc-table", "table": "xep-hang"})["props"]["rowData"]
    assert [r["code"] for r in rows] == ["10237", "10238", "10239"]
    login(client, "hoa")
    page = render_page(client, "/tinh/xep-hang", "?period=202610")
    rows = find(page, {"type": "coc-table", "table": "xep-hang"})["props"]["rowData"]
    assert [(r["rank"], r["code"]) for r in rows] == [(1, "10238")]
    store.dispose()


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(wanted=st.one_of(st.none(), st.text(max_size=40)))
def test_any_ou_parameter_picks_a_unit_the_user_may_see(tmp_path: Path, wanted: str | None) -> None:
    """`?ou=` and its cookie come from outside: any text picks an allowed unit, never raises."""
    s = district_settings(tmp_path)
    store = _units_store(tmp_path)
    bound, admin = scope_of(store, s, "hoa", "clerk"), scope_of(store, s, "quantri", "admin")
    assert bound.pick(wanted) in bound.allowed
    assert bound.pick(wanted) == (wanted if wanted == "10237" else bound.home)
    assert admin.pick(wanted) in {u.code for u in admin.choices}


@functools.cache
def _units_store_at(path: str) -> Any:
    store = new_store(Path(path) / "units.sqlite3")
    add_user(store, "hoa", PASSWORD, "clerk")
    add_user(store, "quantri", PASSWORD, "admin")
    return store


def _units_store(tmp_path: Path) -> Any:
    store = _units_store_at(str(tmp_path))
    if not units_of(store, "hoa"):
        bind_units(store, district_settings(tmp_path), "hoa", ["10237"])
    return store
