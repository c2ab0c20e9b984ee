"""The org-unit tree: the one a province (or district) IOC serves (root → [district] →
commune), and every org unit a COC writes into `org_unit`, in any role."""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import cached_property

from coc.config import CommuneLink, Settings
from coc.store.db import Store
from coc.store.models import OrgUnit
from coc.store.upsert import upsert_rows


@dataclass(frozen=True)
class Unit:
    code: str
    name: str
    level: str  # province | district | commune
    parent: str | None
    lat: float | None = None
    lon: float | None = None


@dataclass(frozen=True)
class Hierarchy:
    root: Unit
    units: tuple[Unit, ...]

    @classmethod
    def from_settings(cls, settings: Settings) -> Hierarchy:
        c = settings.commune
        if settings.role == "district" and c.district_code:
            root = Unit(c.district_code, c.district_name or c.district_code, "district", None)
        else:
            root = Unit(c.province_code, c.province_name, "province", None, c.lat, c.lon)
        p = settings.province
        districts = [Unit(d.code, d.name, "district", root.code) for d in p.districts]
        known = {root.code, *(d.code for d in districts)}
        communes = [_commune(link, root.code, known) for link in p.communes]
        return cls(root, (root, *districts, *communes))

    @cached_property
    def communes(self) -> tuple[Unit, ...]:
        return tuple(u for u in self.units if u.level == "commune")

    @cached_property
    def aggregates(self) -> tuple[Unit, ...]:
        """Units whose values are rolled up from communes (root and districts)."""
        return tuple(u for u in self.units if u.level != "commune")

    def commune_codes(self) -> list[str]:
        return [u.code for u in self.communes]

    def leaves_under(self, code: str) -> list[str]:
        """Codes of the communes below `code` (all of them for the root, none for a commune).

        A district that pushes to a province (push token under the district's code) may
        send the values of its own communes.
        """
        if code == self.root.code:
            return self.commune_codes()
        return [u.code for u in self.communes if u.parent == code and u.code != code]

    def unit(self, code: str) -> Unit | None:
        return next((u for u in self.units if u.code == code), None)

    def restricted_to(self, codes: frozenset[str]) -> Hierarchy:
        """The tree a user bound to `codes` sees: those communes, the communes of those
        districts, and the districts above what is kept (the root always)."""
        communes = [u for u in self.communes if u.code in codes or u.parent in codes]
        parents = {u.parent for u in communes}
        kept = codes | parents
        districts = [u for u in self.units if u.level == "district" and u.code in kept]
        return Hierarchy(self.root, (self.root, *districts, *communes))


def _commune(link: CommuneLink, root: str, known: set[str]) -> Unit:
    parent = link.parent if link.parent in known else root
    return Unit(link.code, link.name, "commune", parent, link.lat, link.lon)


def org_units(settings: Settings) -> tuple[Unit, ...]:
    """Every org unit this COC knows, parents first: in commune mode the province, the
    optional district and the commune itself; in province or district mode the tree it
    serves, below the configured province when the root is a district."""
    c = settings.commune
    province = Unit(c.province_code, c.province_name, "province", None)
    if settings.role == "commune":
        units, parent = [province], province.code
        if c.district_code:
            units.append(Unit(c.district_code, c.district_name or "", "district", parent))
            parent = c.district_code
        return (*units, Unit(c.code, c.name, "commune", parent, c.lat, c.lon))
    tree = Hierarchy.from_settings(settings)
    if tree.root.level != "district" or tree.root.code == province.code:
        return tree.units
    root = replace(tree.root, parent=province.code)
    return (province, root, *tree.units[1:])


def sync_org_units(store: Store, settings: Settings) -> None:
    """Write `org_units(settings)` into `org_unit` (upsert), so pages can join names."""
    rows = [
        {
            "code": u.code,
            "name": u.name,
            "level": u.level,
            "parent_code": u.parent,
            "lat": u.lat,
            "lon": u.lon,
        }
        for u in org_units(settings)
    ]
    with store.write_conn() as conn:
        upsert_rows(conn, OrgUnit, rows, ["code"])
