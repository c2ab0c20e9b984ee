"""Users bound to org units (province and district mode): a user bound to communes or
districts sees and edits only those (and the communes of those districts); an admin, a
user bound to none, and every user in commune mode keep the whole tree (commune mode has
one org unit). `scope_of` is what the pages and core actions check (`coc.scope`)."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import delete, select

from coc.auth.users import AuthError, existing_user
from coc.config import Settings
from coc.province.hierarchy import Hierarchy
from coc.scope import Place, Scope
from coc.store.db import Store
from coc.store.models import UserOrgUnit


def units_of(store: Store, username: str) -> list[str]:
    stmt = select(UserOrgUnit.org_unit).where(UserOrgUnit.username == username)
    with store.session() as session:
        return sorted(session.scalars(stmt))


def bind_units(store: Store, settings: Settings, username: str, codes: Iterable[str]) -> list[str]:
    """Replace a user's org units (empty: unbound). Codes must be communes or districts
    of the served tree; returns them sorted."""
    existing_user(store, username)
    wanted = sorted({c.strip() for c in codes if c.strip()})
    if wanted and settings.role == "commune":
        raise AuthError("chỉ gắn đơn vị cho người dùng ở chế độ tỉnh hoặc huyện")
    tree = Hierarchy.from_settings(settings)
    known = {u.code for u in tree.units if u.level in ("commune", "district")}
    unknown = [c for c in wanted if c not in known]
    if unknown:
        raise AuthError(f"không có đơn vị {', '.join(unknown)} trong cây đơn vị đang phục vụ")
    with store.write() as session:
        session.execute(delete(UserOrgUnit).where(UserOrgUnit.username == username))
        for code in wanted:
            session.add(UserOrgUnit(username=username, org_unit=code))
    return wanted


def _bound(
    store: Store, settings: Settings, username: str | None, role: str | None
) -> frozenset[str]:
    """The user's org units, empty when they keep the whole tree."""
    if settings.role == "commune" or role == "admin" or not username:
        return frozenset()
    return frozenset(units_of(store, username))


def visible_tree(
    store: Store, settings: Settings, username: str | None, role: str | None
) -> Hierarchy:
    """The org-unit tree this user may see (and edit within)."""
    tree = Hierarchy.from_settings(settings)
    codes = _bound(store, settings, username, role)
    return tree.restricted_to(codes) if codes and tree.root.code not in codes else tree


def scope_of(store: Store, settings: Settings, username: str | None, role: str | None) -> Scope:
    """What this user may see and edit. Bound: their communes and districts and the
    communes of those districts (not the districts or the root above a bound commune,
    whose figures include other communes); the first of them is their home page's unit.
    Otherwise every unit of the tree, the root first; commune mode: the commune only."""
    if settings.role == "commune":
        return Scope(home=settings.commune.code)
    tree = Hierarchy.from_settings(settings)
    names = {u.code: u.name for u in tree.units}
    places = tuple(Place(u.code, u.name, u.level) for u in tree.units)
    codes = _bound(store, settings, username, role)
    if not codes or tree.root.code in codes:
        return Scope(home=tree.root.code, choices=places, names=names)
    allowed = frozenset(u.code for u in tree.units if u.code in codes or u.parent in codes)
    mine = tuple(p for p in places if p.code in allowed)
    return Scope(home=mine[0].code if mine else "", allowed=allowed, choices=mine, names=names)
