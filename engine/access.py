"""Need to know: who may see which case, and who may see the reporter's identity.

Used by the API and the web pages alike, so a page shows exactly what the API would.

* A case party (melder, betrokkene, the betrokkene's leidinggevende) never sees the case
  through staff paths, whatever roles they hold.
* Otherwise a user sees a case when they hold or held a task in it (assigned, or completed),
  can pick up an open unassigned task of it in one of their roles, or hold an oversight
  role for its organisational unit (a user without a unit oversees every unit).
* The reporter's identity is visible only to the reporting desk and the integrity
  coordinator among those who see the case, plus anyone to whom a reveal was approved.
"""
from __future__ import annotations

from sqlalchemy import and_, exists, false, or_, select
from sqlalchemy.orm import Session

from engine.cases.models import Case, CaseParty
from engine.errors import NotFound
from engine.identity.models import User
from engine.worklist.models import WorkItem

OVERSIGHT_ROLES = frozenset({"integriteitscoordinator", "bureau_vi"})
IDENTITY_ROLES = frozenset({"meldpunt", "integriteitscoordinator"})


def _is_party(user: User):
    return exists().where(CaseParty.case_id == Case.id, CaseParty.user_id == user.id)


def visible_filter(user: User):
    """A SQL condition on ``Case`` that is true for the cases ``user`` may see."""
    if not user.active:
        return false()
    roles = sorted(user.role_codes)
    involved = exists().where(
        WorkItem.case_id == Case.id,
        or_(WorkItem.assignee_id == user.id, WorkItem.completed_by_id == user.id,
            and_(WorkItem.state == "open", WorkItem.assignee_id.is_(None), WorkItem.role.in_(roles or [""]))),
    )
    conditions = [involved]
    if OVERSIGHT_ROLES & user.role_codes:
        conditions.append(Case.unit == user.unit if user.unit else Case.id.is_not(None))
    return and_(~_is_party(user), or_(*conditions))


def can_see_case(session: Session, *, user: User, case_id: int) -> bool:
    return bool(session.execute(
        select(exists().where(Case.id == case_id, visible_filter(user)))
    ).scalar())


def visible_case(session: Session, *, user: User, case_id: int) -> Case:
    """The case, or NotFound (never 403: existence must not leak)."""
    if not can_see_case(session, user=user, case_id=case_id):
        raise NotFound("Zaak niet gevonden.")
    return session.get(Case, case_id)


def may_see_reporter_identity(session: Session, *, user: User, case_id: int) -> bool:
    if not can_see_case(session, user=user, case_id=case_id):
        return False
    if IDENTITY_ROLES & user.role_codes:
        return True
    return _approved_reveal(session, user=user, case_id=case_id)


def _approved_reveal(session: Session, *, user: User, case_id: int) -> bool:
    try:
        from engine.cases.models import IdentityReveal
    except ImportError:
        return False
    return bool(session.execute(select(exists().where(
        IdentityReveal.case_id == case_id, IdentityReveal.user_id == user.id,
        IdentityReveal.approved_at.is_not(None), IdentityReveal.revoked_at.is_(None),
    ))).scalar())
