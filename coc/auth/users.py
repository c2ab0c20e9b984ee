"""User records: add, list, change password, disable, authenticate."""

from __future__ import annotations

import re

from sqlalchemy import select

from coc.auth import sessions
from coc.auth.passwords import dummy_hash, hash_password, verify_password
from coc.errors import CocError
from coc.store import audit
from coc.store.db import Store
from coc.store.models import User
from coc.timeutil import utcnow

# Ordered by what each may do: an approver (the chairperson) can do all a clerk can, and
# approve; an admin can do everything.
ROLES = ("viewer", "clerk", "approver", "admin")
MIN_PASSWORD = 8
_USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")


class AuthError(CocError):
    """Bad user input for an account (unknown user, weak password, bad role)."""


def role_at_least(role: str | None, wanted: str) -> bool:
    if role not in ROLES:
        return False
    return ROLES.index(role) >= ROLES.index(wanted)


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise AuthError(f"mật khẩu phải có ít nhất {MIN_PASSWORD} ký tự")


def _check_role(role: str) -> None:
    if role not in ROLES:
        raise AuthError(f"vai trò không hợp lệ '{role}' (chọn: {', '.join(ROLES)})")


def check_new_user(store: Store, username: str, role: str) -> str:
    """The normalised name of an account that may be created (checked before asking for a
    password), else AuthError."""
    username = username.strip().lower()
    if not _USERNAME.match(username):
        raise AuthError(
            "tên đăng nhập chỉ gồm chữ thường không dấu, số, '.', '_' hoặc '-' (2–64 ký tự)"
        )
    _check_role(role)
    if get_user(store, username) is not None:
        raise AuthError(f"người dùng '{username}' đã tồn tại")
    return username


def existing_user(store: Store, username: str) -> User:
    """The account, or AuthError naming it (checked before asking for a password)."""
    user = get_user(store, username)
    if user is None:
        raise AuthError(f"không có người dùng '{username}'")
    return user


def add_user(
    store: Store, username: str, password: str, role: str, name: str = "", actor: str = "cli"
) -> User:
    username = check_new_user(store, username, role)
    _check_password(password)
    with store.write() as session:
        if session.get(User, username) is not None:
            raise AuthError(f"người dùng '{username}' đã tồn tại")
        user = User(
            username=username,
            name=name or username,
            role=role,
            password_hash=hash_password(password),
        )
        session.add(user)
        audit.record(session, actor, "create", "user", username, new=role)
    return user


def get_user(store: Store, username: str) -> User | None:
    with store.session() as session:
        return session.get(User, username.strip().lower())


def list_users(store: Store) -> list[User]:
    with store.session() as session:
        return list(session.scalars(select(User).order_by(User.username)))


def _existing(session, username: str) -> User:  # type: ignore[no-untyped-def]
    user = session.get(User, username.strip().lower())
    if user is None:
        raise AuthError(f"không có người dùng '{username}'")
    return user


def set_password(store: Store, username: str, password: str, actor: str = "cli") -> None:
    """New hash and a new password_version, which ends every open session of the user."""
    _check_password(password)
    with store.write() as session:
        user = _existing(session, username)
        user.password_hash = hash_password(password)
        user.password_version += 1
        user.active = True
        sessions.revoke_user(session, user.username, now=utcnow())
        audit.record(session, actor, "update", "user", user.username, detail="password")


def disable_user(store: Store, username: str, actor: str = "cli") -> None:
    with store.write() as session:
        user = _existing(session, username)
        user.active = False
        user.password_version += 1
        sessions.revoke_user(session, user.username, now=utcnow())
        audit.record(session, actor, "update", "user", user.username, old="active", new="disabled")


def authenticate(store: Store, username: str, password: str) -> User | None:
    """The user when the password matches an active account, else None (and audited login).

    An unknown or disabled account is checked against a dummy hash: every answer costs
    one KDF run, so timing does not tell which accounts exist."""
    found = get_user(store, username) if username else None
    user = found if found is not None and found.active else None
    matches = verify_password(password, user.password_hash if user else dummy_hash())
    if user is None or not matches:
        return None
    with store.write() as session:
        row = session.get(User, user.username)
        if row is not None:
            row.last_login = utcnow()
        audit.record(session, user.username, "login", "user", user.username)
    return user
