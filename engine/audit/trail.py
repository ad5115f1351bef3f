"""The audit trail as one user may read it: the one door for ``api/routers/audit.py`` (issue 16).

Only the auditor role reads the trail (``may_read_audit``), and the same need-to-know rules as everywhere
else apply (``engine.identity.access``):

* events of a case in which the user is a party (reporter, subject, the subject's line manager) are left
  out, in lists and per case: such a case's trail looks like that of a case that does not exist;
* the reporter of a case appears as the case's pseudonym wherever they acted under their own name, unless
  the user may see the reporter's identity in that case (``engine.cases.timeline.ReporterMask``). The hash
  of such an event is withheld: with the other fields (and the chain's previous hash) it would let anyone
  try the few usernames until one matches. ``verify`` still checks every stored hash.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from engine.audit import service as audit
from engine.audit.models import AuditEvent
from engine.cases.models import Case
from engine.cases.timeline import ReporterMask
from engine.errors import NotAuthorized
from engine.identity import access
from engine.identity.models import User

AUDIT_ROLE = "auditor"


@dataclass(frozen=True)
class TrailEntry:
    id: int
    chain: str
    seq: int
    at: datetime
    actor: str
    action: str
    case_id: int | None
    task_id: str | None
    details: dict
    hash: str | None  # None when the event was pseudonymised


def may_read_audit(user: User) -> bool:
    return user.active and AUDIT_ROLE in user.role_codes


def require_audit_reader(user: User) -> None:
    """The door of the audit pages and API routes; every read asks again with the role held now."""
    if not may_read_audit(user):
        raise NotAuthorized("Alleen de auditor leest de audittrail.")


def _require_auditor(session: Session, user: User) -> None:
    """The auditor, holding the role now (``access.holds_any_role``: not only in a session cached elsewhere)."""
    if not (may_read_audit(user) and access.holds_any_role(session=session, user=user, roles={AUDIT_ROLE})):
        raise NotAuthorized("Alleen de auditor leest de audittrail.")


def _readable(user: User):
    """Events outside any case, or of a case in which the user is no party."""
    excluded = select(Case.id).where(access.excluded_condition(user))
    return or_(AuditEvent.case_id.is_(None), AuditEvent.case_id.not_in(excluded))


class _Masks:
    def __init__(self, session: Session, user: User):
        self.session, self.user, self.by_case = session, user, {}

    def entry(self, ev: AuditEvent) -> TrailEntry:
        actor, details, digest = ev.actor, dict(ev.details or {}), ev.hash
        if ev.case_id is not None:
            mask = self.by_case.get(ev.case_id)
            if mask is None:
                identity = access.may_see_reporter_identity(session=self.session, user=self.user, case_id=ev.case_id)
                mask = self.by_case[ev.case_id] = ReporterMask(self.session, case_id=ev.case_id, identity=identity)
            actor, details = mask.actor(ev.action, ev.actor), mask.details(details)
            if actor != ev.actor or details != (ev.details or {}):
                digest = None
        return TrailEntry(id=ev.id, chain=ev.chain, seq=ev.seq, at=ev.at, actor=actor, action=ev.action,
                          case_id=ev.case_id, task_id=ev.task_id, details=details, hash=digest)


def audit_trail(*, session: Session, user: User, case_id: int | None = None, action: str | None = None,
                limit: int = 100, offset: int = 0, after: int | None = None) -> list[TrailEntry]:
    """A page of the trail (oldest first), optionally of one case and/or one action.

    Page on by keyset: ``after`` = the id of the last event of the previous page (the trail only grows, and the
    database reads from the index position instead of counting off an offset); ``offset`` is kept for older
    clients and ignored with ``after``."""
    _require_auditor(session, user)
    q = select(AuditEvent).where(_readable(user))
    if case_id is not None:
        q = q.where(AuditEvent.case_id == case_id)
    if action:
        q = q.where(AuditEvent.action == action)
    if after is not None:
        q = q.where(AuditEvent.id > after)
    elif offset:
        q = q.offset(offset)
    masks = _Masks(session, user)
    return [masks.entry(e) for e in session.scalars(q.order_by(AuditEvent.id).limit(limit))]


def case_trail(*, session: Session, user: User, case_id: int) -> list[TrailEntry]:
    """Every event of one case, oldest first; empty for a case in which the user is a party."""
    _require_auditor(session, user)
    if access.is_excluded(session=session, user=user, case_id=case_id):
        return []
    masks = _Masks(session, user)
    return [masks.entry(e) for e in audit.case_events(session=session, case_id=case_id)]


def record_read(*, session: Session, user: User, details: dict) -> None:
    """The auditor's reading of the trail is itself an event (API and pages alike)."""
    _require_auditor(session, user)
    audit.append(session=session, actor=user.username, action="audit.read", details=details)


def verify_trail(*, session: Session, user: User) -> audit.VerifyResult:
    """Recompute every chain and compare with the last signed checkpoint (``MELDPUNT_AUDIT_CHECKPOINT_FILE``), as
    ``meldpunt audit verify`` does; the one door for the API's ``/audit/verificatie`` and the auditor's page. Problems of
    the checkpoint file itself are added to ``problems``; the verification is recorded in the trail."""
    from engine.audit.checkpoint import load_last
    from engine.config import get_settings

    _require_auditor(session, user)
    path = get_settings().audit_checkpoint_file
    last, file_problems = load_last(path) if path else (None, [])
    result = audit.verify(session=session, checkpoint=last)
    if file_problems:
        result.problems = list(result.problems) + [audit.Problem("", text) for text in file_problems]
        if result.ok:
            result.ok, result.reason = False, file_problems[0]
    audit.append(session=session, actor=user.username, action="audit.verified",
                 details={"ok": result.ok, "gebeurtenissen": result.events})
    return result
