"""Bearer tokens: kept only as sha256 digests, compared in constant time, never logged.

A configured token may be given plain (from an environment variable) or already hashed as
`sha256:<hex>` so a config file need not hold the secret itself.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable, Mapping

PREFIX = "sha256:"


def digest(token: str) -> str:
    """The stored form of a token; high-entropy tokens need no slow KDF."""
    if token.startswith(PREFIX):
        return token[len(PREFIX) :].lower()
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class TokenBook:
    """Feed tokens (upstream consumers) and push tokens (one per commune), hashed."""

    def __init__(self, feed: Iterable[str], push: Mapping[str, str]) -> None:
        self._feed = [digest(t) for t in feed if t]
        self._push = [(code, digest(t)) for code, t in push.items() if t]

    @staticmethod
    def _match(presented: str, known: str) -> bool:
        return hmac.compare_digest(hashlib.sha256(presented.encode()).hexdigest(), known)

    def is_feed(self, presented: str) -> bool:
        found = False
        for known in self._feed:  # no early exit: time does not tell which one matched
            found |= self._match(presented, known)
        return found

    def pusher(self, presented: str) -> str | None:
        """The commune a push token belongs to, or None."""
        who = None
        for code, known in self._push:
            if self._match(presented, known):
                who = code
        return who


SCHEMES = ("bearer", "apitoken")  # DHIS2 clients send their personal access token as ApiToken


def bearer(header: str | None) -> str | None:
    """The token from `Authorization: Bearer <token>` or DHIS2's `ApiToken <token>`, or
    None when absent or malformed."""
    if not header:
        return None
    scheme, _, token = header.partition(" ")
    token = token.strip()
    if scheme.lower() not in SCHEMES or not token:
        return None
    return token
