"""The approval page's calls into the core (`coc.approval`): the recent months with their
state, and the four actions (mark complete, reopen, approve, un-approve)."""

from __future__ import annotations

from coc.approval import approve as appr
from coc.approval.complete import mark_complete
from coc.errors import CocError
from coc.periods import recent_months
from dashboards import state

ACTIONS = ("complete", "reopen", "approve", "unapprove")
APPROVER_ACTIONS = ("approve", "unapprove")


def months(count: int = 6) -> list[appr.MonthRow]:
    """The last `count` months (the current one included), newest first."""
    st = state.get()
    now = st.now()
    return appr.month_rows(st.store, st.settings, st.org_unit, recent_months(now, count), now)


def act(action: str, period: str, actor: str, reason: str | None = None) -> str | None:
    """Do one action; None when done, else the one-line reason it was refused."""
    st = state.get()
    now = st.now()
    try:
        if action in ("complete", "reopen"):
            mark_complete(
                st.store,
                st.settings,
                st.org_unit,
                period,
                actor,
                now,
                completed=action == "complete",
            )
        elif action == "approve":
            appr.approve(st.store, st.settings, st.org_unit, period, actor, now)
        elif action == "unapprove":
            appr.unapprove(st.store, st.settings, st.org_unit, period, actor, reason or "", now)
        else:
            return f"không có thao tác {action!r}"
    except CocError as exc:
        return str(exc)
    return None
