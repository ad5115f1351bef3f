"""A case's timeline as one user may have it: the one door for the API and the web pages (issue 16).

The timeline is the case's audit events, reduced to what a case worker needs:

* only for who may see the case (``NotFound`` otherwise, as for the case itself);
* without confidential values: ``details`` keep only ``TIMELINE_KEYS``;
* for who may not see the reporter's identity (``access.may_see_reporter_identity``): no events about the
  identity, the messages and attachments of the reporter or confidential fields (``HIDDEN_PREFIXES``), and
  the reporter as a pseudonym wherever they acted themselves. The reporter acts under their own name when
  they are a known user (a ``melder`` party: reading their letters, a manager reporting their own
  employee); and whoever files a report without an intake role (``INTAKE_ROLES``) is the reporter or
  speaks for them, so that ``report.submitted`` actor is pseudonymised too.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.audit import service as audit
from engine.cases.models import CaseParty
from engine.identity import access
from engine.identity.models import User
from engine.intake.service import INTAKE_ROLES  # who files a report in these roles does so for the organisation

HIDDEN_PREFIXES = ("identity.", "message", "attachment.", "confidential.")
TIMELINE_KEYS = frozenset({"element", "naam", "rol", "status", "termijn", "voor", "na", "zaaknummer", "kanaal",
                           "anoniem", "verzoek", "bericht", "bijlage", "procesversie", "timers", "aan", "reden",
                           "document", "brief"})


@dataclass(frozen=True)
class TimelineEntry:
    id: int
    at: datetime
    actor: str
    action: str
    task_id: int | None
    details: dict = field(default_factory=dict)


def _reporter_usernames(session: Session, case_id: int) -> set[str]:
    return set(session.scalars(select(User.username).join(CaseParty, CaseParty.user_id == User.id).where(
        CaseParty.case_id == case_id, CaseParty.party == "melder")))


def _filed_for_themselves(session: Session, username: str) -> bool:
    user = session.scalar(select(User).where(User.username == username))
    return user is not None and not (user.role_codes & INTAKE_ROLES)


def case_timeline(*, session: Session, user: User, case_id: int) -> list[TimelineEntry]:
    """The case's events, oldest first, as ``user`` may see them (``NotFound`` for a case they may not see)."""
    case = access.require_visible_case(session=session, user=user, case_id=case_id)
    identity = access.may_see_reporter_identity(session=session, user=user, case_id=case.id)
    hidden = set() if identity else _reporter_usernames(session, case.id)
    alias = access.reporter_pseudonym(case.id)
    out = []
    for ev in audit.case_events(session=session, case_id=case.id):
        if not identity and ev.action.startswith(HIDDEN_PREFIXES):
            continue
        actor = ev.actor
        if not identity and (actor in hidden or (ev.action == "report.submitted"
                                                 and _filed_for_themselves(session, actor))):
            actor = alias
        details = {k: (alias if isinstance(v, str) and v in hidden else v)
                   for k, v in (ev.details or {}).items() if k in TIMELINE_KEYS}
        out.append(TimelineEntry(id=ev.id, at=ev.at, actor=actor, action=ev.action, task_id=ev.task_id,
                                 details=details))
    return out
