"""Login throttling per account name and per client address.

After `max_failures` failed logins in a row, each further attempt must wait: `delay_s`,
then twice that per further failure, up to `delay_max_s`. The count is kept in the
database (so every web worker and `coc user list` see the same state) and is forgotten
after `window_s` without a failure; a successful login clears the account's count (not
the address's: one valid account must not reset an address that guesses at others).
Every lock is written to the audit log. Unknown account names are counted like real
ones, so the answer never tells whether an account exists.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, or_, select

from coc.config import Settings
from coc.store import audit
from coc.store.db import Store
from coc.store.models import LoginThrottle

USER, ADDRESS = "user", "address"
KEY_CHARS = 64


@dataclass(frozen=True)
class Policy:
    max_failures: int = 5
    delay_s: float = 1.0
    delay_max_s: float = 900.0
    window_s: float = 900.0

    @classmethod
    def from_settings(cls, settings: Settings) -> Policy:
        http = settings.http
        return cls(
            max_failures=http.login_max_failures,
            delay_s=http.login_delay_s,
            delay_max_s=http.login_delay_max_s,
            window_s=http.login_window_min * 60,
        )

    def delay(self, failures: int) -> float:
        """Seconds the next attempt waits after `failures` failures in a row."""
        if failures < self.max_failures:
            return 0.0
        doublings = min(failures - self.max_failures, 64)
        return min(self.delay_max_s, self.delay_s * 2**doublings)


@dataclass(frozen=True)
class Lock:
    """The throttle state of one account or address."""

    scope: str
    key: str
    failures: int
    locked_until: datetime | None

    def wait_s(self, now: datetime) -> float:
        if self.locked_until is None:
            return 0.0
        return max(0.0, (self.locked_until - now).total_seconds())


def user_key(username: str) -> str:
    return username.strip().lower()[:KEY_CHARS]


def _keys(username: str, address: str | None) -> list[tuple[str, str]]:
    keys = [(USER, user_key(username))]
    if address:
        keys.append((ADDRESS, address[:KEY_CHARS]))
    return keys


def _fresh(row: LoginThrottle, now: datetime, policy: Policy) -> bool:
    return row.last_failure >= now - timedelta(seconds=policy.window_s)


def wait_s(store: Store, username: str, address: str | None, *, now: datetime) -> float:
    """Seconds before this account name may try again from this address (0: now)."""
    waits = [0.0]
    with store.session() as session:
        for scope, key in _keys(username, address):
            row = session.get(LoginThrottle, (scope, key))
            if row is not None and row.locked_until is not None:
                waits.append((row.locked_until - now).total_seconds())
    return max(waits)


def retry_after(wait: float) -> int:
    """Whole seconds for a Retry-After header (never 0 while locked)."""
    return max(1, math.ceil(wait))


def record_failure(
    store: Store, username: str, address: str | None, *, now: datetime, policy: Policy
) -> float:
    """Count one failed login for the account and the address; returns the wait it
    imposes now (0 while under the limit). A lock is written to the audit log."""
    longest = 0.0
    window = timedelta(seconds=policy.window_s)
    with store.write() as session:
        session.execute(
            delete(LoginThrottle).where(
                LoginThrottle.last_failure < now - window,
                or_(LoginThrottle.locked_until.is_(None), LoginThrottle.locked_until < now),
            )
        )
        for scope, key in _keys(username, address):
            row = session.get(LoginThrottle, (scope, key))
            if row is None:
                row = LoginThrottle(scope=scope, key=key, failures=0, last_failure=now)
                session.add(row)
            elif not _fresh(row, now, policy):
                row.failures = 0
            row.failures += 1
            row.last_failure = now
            delay = policy.delay(row.failures)
            row.locked_until = now + timedelta(seconds=delay) if delay else None
            if delay:
                longest = max(longest, delay)
                audit.record(
                    session,
                    "coc",
                    "lockout",
                    "user" if scope == USER else "address",
                    key,
                    new=row.locked_until.isoformat(),
                    detail=f"{row.failures} lần đăng nhập sai liên tiếp; chờ {delay:g} giây",
                )
    return longest


def record_success(store: Store, username: str) -> None:
    """A correct password clears the account's failures."""
    with store.write() as session:
        row = session.get(LoginThrottle, (USER, user_key(username)))
        if row is not None:
            session.delete(row)


def locks(store: Store, *, now: datetime, policy: Policy) -> dict[tuple[str, str], Lock]:
    """Accounts and addresses with recent failures, for an admin (`coc user list`)."""
    with store.session() as session:
        rows = list(session.scalars(select(LoginThrottle)))
    return {
        (r.scope, r.key): Lock(r.scope, r.key, r.failures, r.locked_until)
        for r in rows
        if _fresh(r, now, policy) or (r.locked_until is not None and r.locked_until > now)
    }


def unlock(store: Store, username: str, actor: str) -> bool:
    """Clear an account's failures (an admin's decision, audited); False if there were none."""
    key = user_key(username)
    with store.write() as session:
        row = session.get(LoginThrottle, (USER, key))
        if row is None:
            return False
        session.delete(row)
        audit.record(session, actor, "unlock", "user", key, old=row.failures)
    return True
