"""`coc.bootstrap.prepare` and the one org-unit tree (`coc.province.hierarchy.org_units`)
every start writes, in each role."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from coc.bootstrap import prepare
from coc.config import Settings
from coc.province.hierarchy import org_units
from coc.store.models import OrgUnit, Target


def _settings(role: str, **commune: object) -> Settings:
    base = {"code": "10237", "name": "Xã Chương Dương", "province_code": "01",
            "province_name": "Thành phố Hà Nội", "lat": 20.8, "lon": 105.9}  # fmt: skip
    return Settings.model_validate(
        {
            "role": role,
            "commune": {**base, **commune},
            "province": {
                "communes": [{"code": "10238", "name": "Xã Thượng Phúc", "parent": "001"}],
                "districts": [{"code": "001", "name": "Huyện Thường Tín"}],
            }
            if role != "commune"
            else {},
        }
    )


def _tree(settings: Settings) -> list[tuple[str, str, str | None]]:
    return [(u.code, u.level, u.parent) for u in org_units(settings)]


def test_commune_mode_writes_its_own_chain():
    assert _tree(_settings("commune")) == [
        ("01", "province", None),
        ("10237", "commune", "01"),
    ]
    with_district = _settings("commune", district_code="001", district_name="Huyện Thường Tín")
    assert _tree(with_district) == [
        ("01", "province", None),
        ("001", "district", "01"),
        ("10237", "commune", "001"),
    ]
    commune = org_units(_settings("commune"))[-1]
    assert (commune.lat, commune.lon) == (20.8, 105.9)


def test_province_mode_writes_the_served_tree():
    assert _tree(_settings("province", code="01")) == [
        ("01", "province", None),
        ("001", "district", "01"),
        ("10238", "commune", "001"),
    ]


def test_a_district_root_sits_under_its_province():
    settings = _settings("district", code="002", district_code="002", district_name="Huyện B")
    tree = _tree(settings)
    assert tree[:2] == [("01", "province", None), ("002", "district", "01")]
    assert tree[2:] == [("001", "district", "002"), ("10238", "commune", "001")]


def test_prepare_writes_org_units_and_targets(sqlite_store, catalog):
    settings = _settings("commune")
    now = datetime(2026, 12, 31, 18, 0, tzinfo=UTC)  # already 1 January 2027 in Hà Nội
    prepare(sqlite_store, settings, catalog, now)
    prepare(sqlite_store, settings, catalog, now)  # safe to run on every start
    with sqlite_store.session() as session:
        units = session.scalars(select(OrgUnit.code).order_by(OrgUnit.code)).all()
        years = set(session.scalars(select(Target.year)).all())
    assert units == ["01", "10237"]
    assert years <= {2025, 2026, 2027, 2028} and 2027 in years
