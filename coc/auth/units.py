"""Users bound to org units (province and district mode): a user bound to communes or
districts sees and edits only those; an admin, a user bound to none, and every user in
commune mode keep the whole tree (commune mode has one org unit)."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import delete, select

from coc.auth.users import AuthError, existing_user
from coc.config import Settings
from coc.province.hierarchy import Hierarchy
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


def visible_tree(
    store: Store, settings: Settings, username: str | None, role: str | None
) -> Hierarchy:
    """The org-unit tree this user may see (and edit within)."""
    tree = Hierarchy.from_settings(settings)
    if settings.role == "commune" or role == "admin" or not username:
        return tree
    codes = frozenset(units_of(store, username))
    return tree.restricted_to(codes) if codes else tree
