"""Incidents (issue 18): a case the engine could not move on, recorded where the process owner and the
coordinator see it, with a retry after a fix.

Sources:

* ``timer``: a due timer whose firing failed (a script, expression or letter after it). The timer worker keeps
  trying with backoff (``engine.timers.service``) and never blocks on it; each failure raises the incident's count.
  A retry fires the timer at once; a successful firing (by a retry or by the worker) resolves the incident.
* ``brief``: a letter the letter worker could not make after the step's commit (engine.letter_outbox): the
  step is done, the case shows the letter as not yet made; the worker retries with backoff, and a retry here
  (after the template, data or storage was fixed) renders it at once and resolves the incident.
* ``taak``: a user task whose completion failed in the process model (a script or expression after the form).
  Nothing of the step is saved and the task stays open; the incident is written after the step's transaction
  ended, so it survives that rollback. Once the task is no longer open (completed after all, or ended by the
  process) the incident is resolved, when incidents are next read (the completion's hot path stays as it is).

An incident's text is Dutch and names the process element and the kind of error; never the exception's own
message, which can quote case data (a value that would not convert, a key of the case data).
"""
from __future__ import annotations

import json
import logging

from sqlalchemy import event, select
from sqlalchemy.orm import Session

from engine.audit import service as audit
from engine.clock import now
from engine.errors import DomainError, NotAuthorized, NotFound
from engine.identity import access
from engine.identity.models import User
from engine.identity.roles import OVERSIGHT_ROLES
from engine.incidents.models import Incident

log = logging.getLogger(__name__)

PROCESS_OWNER = "procesbeheerder"

# The kind of Python error: (code, Dutch words); neither the error's own message (it may quote case data and is
# English) nor its class name is ever shown. A subclass takes its nearest listed base's words.
_KINDS = {
    "NameError": ("onbekende-naam", "een naam die het proces niet kent"),
    "ZeroDivisionError": ("deling-door-nul", "een deling door nul"),
    "TypeError": ("verkeerd-soort-waarde", "een waarde van het verkeerde soort"),
    "KeyError": ("ontbrekend-gegeven", "een ontbrekend gegeven"),
    "AttributeError": ("onbekend-onderdeel", "een onbekend onderdeel van een waarde"),
    "IndexError": ("ontbrekend-lijstelement", "een ontbrekend element van een lijst"),
    "SyntaxError": ("schrijffout", "een schrijffout in een script of expressie"),
    "OverflowError": ("te-groot-getal", "een getal dat te groot is"),
    "ValueError": ("ongeldige-waarde", "een ongeldige waarde"),
}
DAMAGED_STATE = "De opgeslagen zaakstatus is beschadigd en kan niet worden gelezen"
UNEXPECTED = "Onverwachte fout in de software"


def _kind(exc: BaseException) -> tuple[str, str] | None:
    for cls in type(exc).__mro__:
        if cls.__name__ in _KINDS:
            return _KINDS[cls.__name__]
    return None


def error_kind(exc: BaseException) -> str:
    """What kind of error a script or expression of the process owner raised, in Dutch (the failing name of a
    NameError is quoted: it is the model's, not the case's); never Python's English or a class name."""
    root = _root(exc)
    if isinstance(root, NameError) and getattr(root, "name", None):
        return f"een onbekende naam '{root.name}'"
    kind = _kind(root)
    return kind[1] if kind else "een onverwachte fout"


class IncidentResolved(DomainError):
    code = "incident-opgelost"
    title = "Dit incident is al opgelost"
    status = 409


def _root(exc: BaseException) -> BaseException:
    seen = exc
    while seen.__cause__ is not None or getattr(seen, "exception", None) is not None:
        seen = getattr(seen, "exception", None) or seen.__cause__
        if seen is exc:
            break
    return seen


def _element(exc: BaseException) -> tuple[str | None, str | None]:
    """(element id, its name in the process file) of the step that failed."""
    for candidate in (exc, exc.__cause__):
        spec = getattr(candidate, "task_spec", None) or getattr(getattr(candidate, "task", None), "task_spec", None)
        if spec is not None:
            return getattr(spec, "bpmn_id", None) or getattr(spec, "name", None), getattr(spec, "bpmn_name", None)
    return None, None


def describe(exc: BaseException) -> tuple[str, str, str | None, str | None]:
    """(code, Dutch message, element id, element name) of a failure, without any case data."""
    from engine.errors import ScriptLimitExceeded

    element, name_ = _element(exc)
    where = f" bij de stap '{name_}'" if name_ else (" bij een stap zonder naam" if element else "")
    code, message = _describe(exc, where)
    return code, message, element, name_


def _describe(exc: BaseException, where: str) -> tuple[str, str]:
    from engine.errors import ScriptLimitExceeded

    if isinstance(exc, ScriptLimitExceeded):
        return "script-grens", f"Een script{where} overschreed zijn grenzen (tijd, geheugen of stappen)."
    root = _root(exc)
    if isinstance(root, json.JSONDecodeError):  # the case's stored workflow state, not the process model
        return "beschadigde-zaakstatus", f"{DAMAGED_STATE}{where}."
    if isinstance(root, NameError) and getattr(root, "name", None):  # a name of the model, not of the case data
        return "onbekende-naam", f"Fout in het procesmodel{where}: de naam '{root.name}' is onbekend."
    kind = _kind(root)
    if kind:
        return kind[0], f"Fout in het procesmodel{where}: {kind[1]}."
    if isinstance(exc, DomainError) and exc is root:
        if getattr(exc, "fault", None):  # what is wrong in the model, in its own Dutch words (no case data)
            return exc.code, f"Fout in het procesmodel{where}: {exc.fault}."
        return exc.code, f"{exc.title}{where}."
    # only the class name, in the log: the message may quote case data
    log.error("unexpected failure%s: %s", f" at {where.strip()}" if where else "", type(root).__name__)
    return "onverwachte-fout", f"{UNEXPECTED}{where}; de technische melding staat in het serverlog."


def record(session: Session, *, case_id: int, source: str, exc: BaseException, element_id: str | None = None,
           timer_id: int | None = None, work_item_id: int | None = None) -> Incident:
    """Open an incident, or count one more failure of the open one for the same case, source and element."""
    code, message, element, element_name = describe(exc)
    if element is None:  # where it failed; else where it started (the timer)
        element = element_id
    q = select(Incident).where(Incident.case_id == case_id, Incident.source == source, Incident.state == "open")
    q = q.where(Incident.element_id.is_(None) if element is None else Incident.element_id == element)
    if timer_id is not None:
        q = q.where(Incident.timer_id == timer_id)
    if work_item_id is not None:
        q = q.where(Incident.work_item_id == work_item_id)
    incident = session.scalars(q.limit(1)).first()
    moment = now()
    if incident is not None:
        incident.count += 1
        incident.last_at, incident.code, incident.message = moment, code, message
        return incident
    incident = Incident(case_id=case_id, source=source, element_id=element, element_name=element_name, timer_id=timer_id,
                        work_item_id=work_item_id, code=code, message=message, first_at=moment, last_at=moment,
                        count=1, state="open")
    session.add(incident)
    session.flush()
    audit.append(session=session, actor="system", action="incident.opened", case_id=case_id,
                 details={"incident": incident.id, "bron": source, "element": element, "code": code})
    return incident


def record_after_transaction(session: Session, *, case_id: int, source: str, exc: BaseException,
                             work_item_id: int | None = None, element_id: str | None = None) -> None:
    """Record the incident once ``session``'s transaction has ended (rolled back, as a failed step is), in a
    transaction of its own: the incident must survive the rollback of the step that failed."""
    bind = session.get_bind()
    done = []

    def write(*_args) -> None:
        if done:
            return
        done.append(True)
        try:
            with Session(bind=bind) as own, own.begin():
                record(own, case_id=case_id, source=source, exc=exc, work_item_id=work_item_id,
                       element_id=element_id)
        except Exception as failure:  # recording must never hide the step's own error
            log.error("incident of case %s not recorded: %s", case_id, type(failure).__name__)

    event.listen(session, "after_rollback", write, once=True)
    event.listen(session, "after_commit", write, once=True)


def resolve_open(session: Session, *, timer_id: int | None = None, work_item_id: int | None = None,
                 by: str = "system") -> int:
    """Resolve the open incidents of a timer that fired or a task that completed after all."""
    q = select(Incident).where(Incident.state == "open")
    if timer_id is not None:
        q = q.where(Incident.timer_id == timer_id)
    elif work_item_id is not None:
        q = q.where(Incident.work_item_id == work_item_id)
    else:
        return 0
    rows = list(session.scalars(q))
    for incident in rows:
        _resolve(session, incident, by=by)
    return len(rows)


def _resolve(session: Session, incident: Incident, *, by: str) -> None:
    incident.state, incident.resolved_at, incident.resolved_by = "opgelost", now(), by
    audit.append(session=session, actor=by, action="incident.resolved", case_id=incident.case_id,
                 details={"incident": incident.id, "element": incident.element_id, "aantal": incident.count})


# --- access: one decision for the API and the web ------------------------------------------------------------


def may_see_incidents(user: User) -> bool:
    roles = set(user.role_codes)
    return PROCESS_OWNER in roles or bool(roles & OVERSIGHT_ROLES)


def _require_reader(session: Session, user: User) -> None:
    """:func:`may_see_incidents`, with the role held now (``access.holds_any_role``: a role taken away in another
    server process, whose cached session still lists it, ends the access at once)."""
    if not (may_see_incidents(user) and access.holds_any_role(session=session, user=user,
                                                               roles={PROCESS_OWNER, *OVERSIGHT_ROLES})):
        raise NotAuthorized("Alleen de procesbeheerder en de coördinatoren zien incidenten.")


def _visible(session: Session, *, user: User, incident: Incident) -> bool:
    if PROCESS_OWNER in access.live_roles(session=session, user=user):
        # every incident, but only its element and error, no case content; never of a case in which the process
        # owner is the reporter, the subject or the subject's manager (a party does not handle its own case)
        return not access.is_excluded(session=session, user=user, case_id=incident.case_id)
    return bool(set(user.role_codes) & OVERSIGHT_ROLES) and access.can_see_case(
        session=session, user=user, case_id=incident.case_id)


def _settle_tasks(session: Session) -> None:
    """Resolve the open task incidents whose task is no longer open: it was completed after all, or ended."""
    from engine.worklist.models import WorkItem

    rows = session.scalars(select(Incident).join(WorkItem, WorkItem.id == Incident.work_item_id)
                           .where(Incident.state == "open", Incident.source == "taak", WorkItem.state != "open"))
    for incident in list(rows):
        _resolve(session, incident, by="system")


def list_incidents(*, session: Session, by: User, state: str | None = "open", limit: int = 200) -> list[Incident]:
    _require_reader(session, by)
    _settle_tasks(session)
    q = select(Incident)
    if state:
        q = q.where(Incident.state == state)
    from engine.cases.models import Case

    if PROCESS_OWNER in access.live_roles(session=session, user=by):  # every case but those of which they are a party
        q = q.where(Incident.case_id.not_in(select(Case.id).where(access.excluded_condition(by))))
    else:
        q = q.join(Case, Case.id == Incident.case_id).where(access.visible_cases_condition(by))
    return list(session.scalars(q.order_by(Incident.last_at.desc(), Incident.id.desc()).limit(limit)))


def case_references(*, session: Session, by: User, rows: list[Incident]) -> dict[int, str]:
    """Case id -> case number of the incidents ``rows`` that :func:`list_incidents` or :func:`get_incident` gave
    ``by``: the process owner reads the number of every such case (never the case itself), the oversight roles the
    numbers of the cases they may see. The one door for the API and the page."""
    ids = {r.case_id for r in rows}
    if not ids:
        return {}
    if PROCESS_OWNER in access.live_roles(session=session, user=by):
        from engine.cases.models import Case

        return dict(session.execute(select(Case.id, Case.reference).where(
            Case.id.in_(ids), ~access.excluded_condition(by))).all())
    return access.visible_references(session=session, user=by, case_ids=ids)


def get_incident(*, session: Session, by: User, incident_id: int) -> Incident:
    _require_reader(session, by)
    _settle_tasks(session)
    incident = session.get(Incident, incident_id)
    if incident is None or not _visible(session, user=by, incident=incident):
        raise NotFound("Incident niet gevonden.")
    return incident


def retry(*, session: Session, by: User, incident_id: int) -> tuple[Incident, bool]:
    """Try the failed step again now. Returns the incident and whether it is resolved.

    A timer is fired at once (in a savepoint: a new failure counts on the incident and changes nothing else).
    A task's completion can only be retried by its handler, with their form: for such an incident this answers
    that, and the process owner marks it resolved once the cause is fixed (:func:`close`).
    """
    from engine.cases import service as cases
    from engine.timers.models import Timer

    incident = get_incident(session=session, by=by, incident_id=incident_id)
    if incident.state != "open":
        raise IncidentResolved()
    if incident.source == "brief":  # a letter the worker could not make: render it again now, after the fix
        from engine.letter_outbox import worker as letter_worker

        audit.append(session=session, actor=by.username, action="incident.retried", case_id=incident.case_id,
                     details={"incident": incident.id, "element": incident.element_id})
        done = letter_worker.retry(session, case_id=incident.case_id, step=incident.element_id, by=by.username)
        if done and incident.state == "open":
            _resolve(session, incident, by=by.username)
        return incident, incident.state != "open"
    if incident.source != "timer" or incident.timer_id is None:
        raise DomainError("Een taak wordt opnieuw geprobeerd door haar af te ronden; de behandelaar doet dat vanuit "
                          "de werkvoorraad. Markeer het incident als opgelost wanneer de oorzaak is verholpen.")
    timer = session.get(Timer, incident.timer_id)
    audit.append(session=session, actor=by.username, action="incident.retried", case_id=incident.case_id,
                 details={"incident": incident.id, "element": incident.element_id})
    if timer is None or timer.state != "pending":
        _resolve(session, incident, by=by.username)
        return incident, True
    try:
        with session.begin_nested():
            cases.fire_timers(session=session, case_id=incident.case_id, timer_id=timer.id)
    except Exception as exc:
        record(session, case_id=incident.case_id, source="timer", exc=exc, element_id=incident.element_id,
               timer_id=timer.id)
        return incident, False
    if timer.state == "pending":  # not due after all (its moment lies ahead): nothing to resolve
        return incident, False
    timer.retry_at, timer.failures, timer.last_error = None, 0, None
    _resolve(session, incident, by=by.username)
    return incident, True


def close(*, session: Session, by: User, incident_id: int) -> Incident:
    """Mark an incident resolved by hand (the cause is fixed, or the case went on another way); audited."""
    incident = get_incident(session=session, by=by, incident_id=incident_id)
    if incident.state != "open":
        raise IncidentResolved()
    _resolve(session, incident, by=by.username)
    return incident


def open_count(*, session: Session) -> int:
    from sqlalchemy import func

    return session.execute(select(func.count()).select_from(Incident).where(Incident.state == "open")).scalar_one()
