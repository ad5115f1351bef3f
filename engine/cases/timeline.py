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
from engine.cases.models import Case, CaseParty
from engine.identity import access
from engine.identity.models import User
from engine.identity.roles import INTAKE_ROLES  # who files a report in these roles does so for the organisation

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
    # For people (the web page): what the event is about by name - the BPMN element's name from the case's
    # process version, or a letter's catalogue title - and the display names of the actor and of whom a task
    # was assigned to. Never an element id or a template id (issue 17).
    subject: str | None = None
    actor_name: str = ""
    assignee_name: str | None = None


WITHHELD = "achtergehouden"  # a value of an event shown to who may not know who reported


class ReporterMask:
    """How the reporter of one case appears in its events to one user: as themselves to who may see the
    identity, otherwise as the case's pseudonym wherever they acted under their own name (shared by the
    case timeline and the audit trail, ``engine.audit.trail``)."""

    def __init__(self, session: Session, *, case_id: int, identity: bool):
        self.session, self.identity = session, identity
        self.alias = access.reporter_pseudonym(case_id)
        accounts = [] if identity else session.execute(
            select(User.username, User.display_name).join(CaseParty, CaseParty.user_id == User.id).where(
                CaseParty.case_id == case_id, CaseParty.party == "melder")).all()
        self.hidden: set[str] = {username for username, _ in accounts}
        # her account's display name inside a text the product wrote into an event (a hand-over's reason naming the
        # colleague who was to get the task): typed texts are refused when they name her (engine.cases.reasons)
        self.names = sorted({name for _, name in accounts if name and len(name.strip()) >= 3}, key=len, reverse=True)
        self._filers: dict[str, bool] = {}

    def _filed_for_themselves(self, username: str) -> bool:
        if username not in self._filers:
            user = self.session.scalar(select(User).where(User.username == username))
            self._filers[username] = user is not None and not (user.role_codes & INTAKE_ROLES)
        return self._filers[username]

    def actor(self, action: str, actor: str) -> str:
        if self.identity:
            return actor
        if actor in self.hidden or (action == "report.submitted" and self._filed_for_themselves(actor)):
            return self.alias
        return actor

    def details(self, details: dict) -> dict:
        if self.identity:
            return dict(details)
        if "kandidaten" in details:
            # A draw's candidates are every holder of the role but the case's parties: a colleague who reported
            # is the name missing from the list, and with the one drawn and a role of few holders even their
            # number names her. Who may not know her reads neither (in every case alike: the shape tells nothing).
            details = {**details, "kandidaten": WITHHELD}
        if not self.hidden:
            return dict(details)
        return {k: self._value(v) for k, v in details.items()}

    def _value(self, value):
        if not isinstance(value, str):
            return value
        if value in self.hidden:
            return self.alias
        for name in self.names:
            value = value.replace(name, self.alias)
        return value


def case_timeline(*, session: Session, user: User, case_id: int) -> list[TimelineEntry]:
    """The case's events, oldest first, as ``user`` may see them (``NotFound`` for a case they may not see)."""
    case = access.require_visible_case(session=session, user=user, case_id=case_id)
    identity = access.may_see_reporter_identity(session=session, user=user, case_id=case.id)
    mask = ReporterMask(session, case_id=case.id, identity=identity)
    names = _Names(session, case)
    out = []
    for ev in audit.case_events(session=session, case_id=case.id):
        if not identity and ev.action.startswith(HIDDEN_PREFIXES):
            continue
        details = mask.details({k: v for k, v in (ev.details or {}).items() if k in TIMELINE_KEYS})
        actor = mask.actor(ev.action, ev.actor)
        aan = details.get("aan")
        out.append(TimelineEntry(id=ev.id, at=ev.at, actor=actor, action=ev.action, task_id=ev.task_id,
                                 details=details, subject=names.subject(ev.action, ev.details or {}),
                                 actor_name=names.person(actor),
                                 assignee_name=names.person(aan) if isinstance(aan, str) else None))
    return out


class _Names:
    """Names for one case's events: elements from its process version's files, letters from the catalogue,
    accounts by display name (a pseudonym or a system actor stays as it is)."""

    def __init__(self, session: Session, case: Case):
        from engine.processes.models import ProcessVersion
        from engine.processes.names import version_names

        self.session = session
        version = session.get(ProcessVersion, case.process_version_id) if case.process_version_id else None
        self.elements = version_names(version)
        self._people: dict[str, str] = {}
        self._letters: dict[int, str] | None = None
        self.case_id = case.id

    def subject(self, action: str, details: dict) -> str | None:
        if action.startswith("document.") and isinstance(details.get("document"), int):
            return self._letter(details["document"])
        return details.get("naam") or self.elements.element(details.get("element"))

    def _letter(self, letter_id: int) -> str | None:
        from documents.models import Letter
        from documents.service import letter_title

        if self._letters is None:
            self._letters = {i: letter_title(t) for i, t in self.session.execute(
                select(Letter.id, Letter.template).where(Letter.case_id == self.case_id))}
        return self._letters.get(letter_id)

    def person(self, username: str) -> str:
        if username not in self._people:
            user = self.session.scalar(select(User).where(User.username == username))
            self._people[username] = user.display_name if user is not None else username
        return self._people[username]
