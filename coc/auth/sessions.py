"""Server-side login sessions: the signed cookie holds only a random token; the database
holds its SHA-256 with the account, expiry and revocation. Logout, a password change or
disabling the account revokes the row, so a copied cookie stops working at once.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import delete, or_, select, update
from sqlmodel import Session

from coc.store.db import Store
from coc.store.models import LoginSession, User

KEEP_REVOKED = timedelta(days=1)


def _id(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create(
    store: Store, username: str, *, now: datetime, hours: float, address: str | None = None
) -> str:
    """A new session for the account; returns the token for the cookie."""
    token = secrets.token_urlsafe(32)
    with store.write() as session:
        session.execute(
            delete(LoginSession).where(
                or_(
                    LoginSession.expires_at < now,
                    LoginSession.revoked_at < now - KEEP_REVOKED,
                )
            )
        )
        session.add(
            LoginSession(
                id=_id(token),
                username=username,
                address=(address or "")[:64] or None,
                created_at=now,
                expires_at=now + timedelta(hours=hours),
            )
        )
    return token


def user_for(store: Store, token: object, *, now: datetime) -> User | None:
    """The active account of a live (not expired, not revoked) session, else None."""
    if not isinstance(token, str) or not token:
        return None
    stmt = (
        select(User)
        .join(LoginSession, LoginSession.username == User.username)
        .where(
            LoginSession.id == _id(token),
            LoginSession.revoked_at.is_(None),
            LoginSession.expires_at > now,
            User.active.is_(True),
        )
    )
    with store.session() as session:
        return session.scalars(stmt).first()


def revoke(store: Store, token: object, *, now: datetime) -> bool:
    """End one session (logout); False when it was unknown or already ended."""
    if not isinstance(token, str) or not token:
        return False
    with store.write() as session:
        result = session.execute(
            update(LoginSession)
            .where(LoginSession.id == _id(token), LoginSession.revoked_at.is_(None))
            .values(revoked_at=now)
        )
    return bool(result.rowcount)


def revoke_user(session: Session, username: str, *, now: datetime) -> int:
    """End every session of an account, inside the caller's transaction (passwd, disable)."""
    result = session.execute(
        update(LoginSession)
        .where(LoginSession.username == username, LoginSession.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    return int(result.rowcount or 0)
