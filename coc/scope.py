"""What one person may see and edit: in province and district mode, the org units a user is
bound to (`coc.auth.units.scope_of` builds it); otherwise everything.

Core reads and writes that act for a person take a `Scope` (None: no restriction). A read
keeps what the scope allows; a write to an org unit outside it raises `UnitRefused`
before anything changes. This module imports nothing but `coc.errors`, so every part of
the core can take a scope without an import cycle.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import NamedTuple

from coc.errors import CocError


class UnitRefused(CocError):
    """A person asked for an org unit they are not bound to; nothing was read or changed."""


class Place(NamedTuple):
    """An org unit a page may show: code, name, level (province | district | commune)."""

    code: str
    name: str
    level: str


@dataclass(frozen=True)
class Scope:
    home: str  # the org unit a single-unit page shows when none is asked for
    allowed: frozenset[str] | None = None  # None: every org unit
    choices: tuple[Place, ...] = ()  # org units a page may switch to, tree order
    names: Mapping[str, str] = field(default_factory=dict)

    @property
    def restricted(self) -> bool:
        return self.allowed is not None

    def allows(self, code: str | None) -> bool:
        """May this person see and edit `code`? (None: data of no org unit, such as a
        failing push, which only an unrestricted person handles.)"""
        if self.allowed is None:
            return True
        return code is not None and code in self.allowed

    def refusal(self, code: str | None) -> str | None:
        """Why this person may not see or edit `code` (Vietnamese, one line); None: may."""
        if self.allows(code):
            return None
        if code is None:
            return (
                "Tài khoản này chỉ được giao một số đơn vị, "
                "không xử lý được việc chung của cả hệ thống."
            )
        return (
            f"Tài khoản này không được giao {self.label(code)}, "
            "nên không xem và không sửa được số liệu của đơn vị này."
        )

    def check(self, code: str | None) -> None:
        """Raise `UnitRefused` unless `code` is allowed."""
        if (reason := self.refusal(code)) is not None:
            raise UnitRefused(reason)

    def label(self, code: str) -> str:
        name = self.names.get(code)
        return f"{name} ({code})" if name else f"đơn vị {code}"

    def pick(self, wanted: str | None) -> str:
        """The org unit a page shows: `wanted` when it is one of the choices, else home."""
        if wanted and any(p.code == wanted for p in self.choices):
            return wanted
        return self.home

    def keep(self, codes: Iterable[str]) -> list[str]:
        """The allowed ones of `codes`, in their order."""
        return [c for c in codes if self.allows(c)]


def allowed_codes(scope: Scope | None) -> frozenset[str] | None:
    """The org units a query may read (None: all of them)."""
    return None if scope is None else scope.allowed


def check(scope: Scope | None, code: str | None) -> None:
    """`scope.check(code)`, where no scope means no restriction."""
    if scope is not None:
        scope.check(code)
