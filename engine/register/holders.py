"""Who holds which function of the register (issue 24): the rotation overview of the most risky functions and the
review of authorisations when someone changes function."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.audit import service as audit
from engine.clock import now
from engine.errors import FieldError, InvalidData, NotFound
from engine.identity.models import User
from engine.legal_terms import add_calendar, legal_deadline, local_date, parse_duration
from engine.register.models import FunctionHolder, RegisterAssessment, RegisterFunction

DEFAULT_ROTATION = "P5Y"
DEFAULT_REVIEW_TERM = "P14D"


def _newest_class(session: Session, function_id: int) -> str | None:
    return session.scalar(select(RegisterAssessment.classification).where(
        RegisterAssessment.function_id == function_id).order_by(RegisterAssessment.id.desc()).limit(1))


def assign(*, session: Session, actor: User, user_id: int, function_id: int, since,
           screening: str = "") -> FunctionHolder:
    """``user_id`` holds ``function_id`` from ``since`` on; an earlier function of theirs ends that day. A change of
    function starts the review of the person's authorisations (:func:`_review_authorisations`): the old function's
    rights must go."""
    errors = []
    user = session.get(User, user_id)
    function = session.get(RegisterFunction, function_id)
    if user is None:
        errors.append(FieldError("medewerker", "is geen bekende medewerker"))
    if function is None:
        errors.append(FieldError("functie", "staat niet in het register"))
    try:
        start = since if isinstance(since, date) else date.fromisoformat(str(since))
    except ValueError:
        errors.append(FieldError("sinds", "is geen datum (jjjj-mm-dd)"))
        start = None
    if errors:
        raise InvalidData(errors)
    current = session.scalar(select(FunctionHolder).where(FunctionHolder.user_id == user_id,
                                                          FunctionHolder.until.is_(None)))
    if current is not None and current.function_id == function_id:
        current.screening = screening or current.screening
        return current
    if current is not None:
        if start <= current.since:
            raise InvalidData([FieldError("sinds", f"moet na {current.since.isoformat()} liggen, de begindatum van "
                                                   f"de huidige functie")])
        current.until = start
    holder = FunctionHolder(function_id=function_id, user_id=user_id, since=start, screening=screening)
    session.add(holder)
    session.flush()
    audit.append(session=session, actor=actor.username, action="register.holder_assigned",
                 details={"gebruiker_id": user_id, "functie_id": function_id, "sinds": start.isoformat(),
                          "vorige_functie_id": current.function_id if current else None})
    if current is not None:
        _review_authorisations(session, actor=actor, user=user, old=session.get(RegisterFunction, current.function_id),
                               new=function, start=start)
    return holder


def person_id(session: Session, username: str) -> int | None:
    """The id of the active account with this user name (the page's holder form names a person by user name, so
    it never lists everyone's names), or ``None``."""
    return session.scalar(select(User.id).where(User.username == username.strip(), User.active.is_(True))) \
        if username.strip() else None


def _review_process(session: Session):
    """The declared process started on a change of function (``start.bij_functiewisseling``) of the active version,
    and the version's id; ``None`` when nothing is deployed or the set has none."""
    from engine.processes import service as processes

    try:
        version = processes.active_version(session=session)
    except NotFound:
        return None
    parsed = processes.parsed_version(session=session, version_id=version.id, content_hash=version.content_hash)
    review = next((p for p in parsed.manifest.processes.values() if p.function_change), None)
    return None if review is None else (review, version.id)


def _review_authorisations(session: Session, *, actor: User, user: User, old: RegisterFunction,
                           new: RegisterFunction, start: date) -> None:
    """A change of function starts the declared authorisation review (a task with a due date and an escalation);
    without one in the deployed set the coordinators get a staff notice on their worklist instead."""
    found = _review_process(session)
    if found is not None:
        review, version_id = found
        from engine.cases import service as cases

        term = str(review.settings.get("herzieningstermijn") or DEFAULT_REVIEW_TERM)
        cases.start_case(session=session, actor=actor, unit=new.team, version_id=version_id,
                         process=review.process_id,
                         data={"medewerker": user.display_name, "medewerker_id": user.id,
                               "oude_functie": f"{old.name}, {old.team}", "nieuwe_functie": f"{new.name}, {new.team}",
                               "wissel_datum": start.isoformat(),
                               "herziening_uiterlijk": legal_deadline(start, term).isoformat(),
                               "categorie": "Autorisaties herzien"})
        return
    from engine.staff import service as staff  # the staff notices (issue 22)

    staff.notify_coordinators_of_staff_change(
        session, kind="autorisaties_herzien", subject=user, actor=actor.username,
        text=(f"{user.display_name} wisselt per {start.isoformat()} van functie ({old.name}, {old.team} → "
              f"{new.name}, {new.team}): laat de autorisaties van de oude functie intrekken."))


def end_for(session: Session, *, user_id: int, on: date) -> None:
    """The user's open holding ends ``on`` (an account blocked: ``engine.staff.service.disable_account``)."""
    for holder in session.scalars(select(FunctionHolder).where(FunctionHolder.user_id == user_id,
                                                               FunctionHolder.until.is_(None))):
        holder.until = max(on, holder.since)


@dataclass
class RotationRow:
    name: str
    username: str
    function: str
    team: str
    since: date
    years: float
    rotate_by: date
    overdue: bool
    screening: str


def rotation(*, session: Session, settings: dict, today: date | None = None) -> list[RotationRow]:
    """Everyone now in a most risky function, longest in the function first, with the date the rotation term
    (``roulatietermijn``, an ISO duration; default 5 years) ends and whether it has passed."""
    today = today or local_date(now())
    term = parse_duration(str(settings.get("roulatietermijn") or DEFAULT_ROTATION))
    rows = session.execute(select(FunctionHolder, RegisterFunction, User)
                           .join(RegisterFunction, RegisterFunction.id == FunctionHolder.function_id)
                           .join(User, User.id == FunctionHolder.user_id)
                           .where(FunctionHolder.until.is_(None), FunctionHolder.since <= today)
                           .order_by(FunctionHolder.since, User.display_name)).all()
    out = []
    for holder, function, user in rows:
        if _newest_class(session, function.id) != "meest_risicovol":
            continue
        by = add_calendar(holder.since, term)
        out.append(RotationRow(user.display_name, user.username, function.name, function.team, holder.since,
                               round((today - holder.since).days / 365.25, 1), by, by <= today, holder.screening))
    return out
