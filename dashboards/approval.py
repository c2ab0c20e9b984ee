"""The approval page's calls into the core (`coc.approval`): the recent months with their
state, and the four actions (mark complete, reopen, approve, un-approve), for one org unit
(the commune; in province and district mode one of the person's communes)."""

from __future__ import annotations

from coc.approval import approve as appr
from coc.approval.complete import mark_complete
from coc.errors import CocError
from coc.periods import recent_months
from dashboards import state, units

ACTIONS = ("complete", "reopen", "approve", "unapprove")
APPROVER_ACTIONS = ("approve", "unapprove")
LEVELS = ("commune",)  # province and district mode: the communes' months are approved


def unit(wanted: str | None = None) -> str | None:
    """The org unit whose months the page shows: the commune in commune mode, else the
    wanted (or first) of the person's communes; None when they have none."""
    scope = units.scope()
    if not scope.choices:
        return scope.home
    communes = [p.code for p in scope.choices if p.level in LEVELS]
    picked = scope.pick(wanted or units.wanted())
    return picked if picked in communes else (communes[0] if communes else None)


def months(org_unit: str, count: int = 6) -> list[appr.MonthRow]:
    """The last `count` months (the current one included), newest first."""
    st = state.get()
    now = st.now()
    return appr.month_rows(st.store, st.settings, org_unit, recent_months(now, count), now)


def act(
    action: str, period: str, actor: str, org_unit: str, reason: str | None = None
) -> str | None:
    """Do one action; None when done, else the one-line reason it was refused (an org unit
    outside the person's scope too: the core checks it)."""
    st = state.get()
    now = st.now()
    scope = units.scope()
    try:
        if action in ("complete", "reopen"):
            mark_complete(
                st.store,
                st.settings,
                org_unit,
                period,
                actor,
                now,
                completed=action == "complete",
                scope=scope,
            )
        elif action == "approve":
            appr.approve(st.store, st.settings, org_unit, period, actor, now, scope)
        elif action == "unapprove":
            appr.unapprove(st.store, st.settings, org_unit, period, actor, reason or "", now, scope)
        else:
            return f"không có thao tác {action!r}"
    except CocError as exc:
        return str(exc)
    return None
