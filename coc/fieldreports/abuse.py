"""Abuse limits on the intake: counts per client address (the public form; a machine
channel sends for many people from one address) and per phone (or channel sender), kept
by the login throttle's mechanism (coc.auth.throttle: the `login_throttle` table, a count
forgotten after a quiet window) under scopes of their own.

Past a limit a report is not refused but held for moderation with the reason; only past
`hard_factor` times the limit is the sender told to try later (429), so nothing a person
sends is silently dropped. A phone is never a key: its keyed digest is.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session

from coc.auth.throttle import KEY_CHARS
from coc.store.models import LoginThrottle

ADDRESS, PHONE, LOOKUP = "fr_addr", "fr_tel", "fr_look"
HOUR, DAY = 3600.0, 86400.0


@dataclass(frozen=True)
class Rates:
    per_address_hour: int = 5
    per_phone_day: int = 5
    hard_factor: int = 4
    lookups_per_hour: int = 60

    @classmethod
    def from_settings(cls, settings: object) -> Rates:
        fr = settings.fieldreports  # type: ignore[attr-defined]
        return cls(fr.per_address_hour, fr.per_phone_day, fr.hard_factor, fr.lookups_per_hour)


@dataclass(frozen=True)
class Verdict:
    moderation: str | None = None  # why it goes to the moderation queue
    retry_after_s: float = 0.0  # > 0: refuse now (429)


def person_key(pepper: str, kind: str, value: str) -> str:
    """A keyed digest of a phone or a channel's sender id (the raw value is never a key)."""
    mac = hmac.new(pepper.encode(), f"{kind}:{value}".encode(), hashlib.sha256)
    return mac.hexdigest()[:KEY_CHARS]


def _bump(
    session: Session, scope: str, key: str, now: datetime, window_s: float
) -> tuple[int, datetime]:
    """Count one more for (scope, key), forgetting a count quiet for `window_s`; returns
    the count and when it started to be kept."""
    row = session.get(LoginThrottle, (scope, key[:KEY_CHARS]))
    if row is None:
        row = LoginThrottle(scope=scope, key=key[:KEY_CHARS], failures=0, last_failure=now)
        session.add(row)
    elif row.last_failure < now - timedelta(seconds=window_s):
        row.failures = 0
    row.failures += 1
    row.last_failure = now
    return row.failures, row.last_failure


def judge(
    session: Session, rates: Rates, *, address: str | None, person: str | None, now: datetime
) -> Verdict:
    """Count this submission against its address and person and say what follows."""
    checks = []
    if address:
        count, _ = _bump(session, ADDRESS, address, now, HOUR)
        checks.append((count, rates.per_address_hour, HOUR, "gửi nhiều lần từ cùng một địa chỉ"))
    if person:
        count, _ = _bump(session, PHONE, person, now, DAY)
        checks.append((count, rates.per_phone_day, DAY, "gửi nhiều lần từ cùng một người gửi"))
    reason = None
    for count, limit, window, why in checks:
        if count > limit * rates.hard_factor:
            return Verdict(why, window)
        if count > limit and reason is None:
            reason = f"{why} ({count} lần)"
    return Verdict(reason)


def lookup_allowed(session: Session, rates: Rates, address: str | None, now: datetime) -> bool:
    """Code look-ups per address, so codes cannot be guessed by brute force."""
    if not address:
        return True
    count, _ = _bump(session, LOOKUP, address, now, HOUR)
    return count <= rates.lookups_per_hour
