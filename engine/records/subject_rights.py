"""Rights of the people in a case (AVG): access requests (art. 15) with their one-month term (art. 12 lid 3),
rectification (art. 16) and restriction of processing (art. 18) flags on one person's data in a case.

Who handles them: the integrity coordinator (``access.may_handle_access_requests``): the role that coordinates
cases, watches deadlines and may see the reporter's identity (DOMAIN §2, §4). The coordinator links only cases
they may see, and only in a role the person really has there (the engine checks the name against the case).

An access request
-----------------
* registered with the person's name (and user name / e-mail when known; stored encrypted) and the day it was
  received; ``due_on`` = received + ``inzagetermijn`` (default P1M) under ``engine.legal_terms.legal_deadline``
  (a term that ends on a weekend or holiday moves to the next working day, as EU Regulation 1182/71 art. 3(4)
  does for this EU term). Extendable once by ``verlenging`` (default P2M) with a reason, only while the first
  term runs; the further months count from the first term's own end, not from the day a weekend or holiday moved
  it to (received 28 January 2027: 1 March, extended 28 April 2027). Open past ``due_on``
  (engine clock): overdue for the handler and the deadline monitors (:func:`overdue`, worklist 'Te laat').
* the export (:func:`export`) is a zip: ``samenvatting.docx`` (docxtpl template ``templates/inzageverzoek.docx``)
  and ``gegevens.json``, per linked case the data the product holds about the person in that role:

  - melder: their identity fields (class ``melder``), the report date, the report's substance, the messages with
    the desk, the names of their attachments (only the reporter's answer has the report date: it identifies
    them, ``documents.catalog.REPORTER_IDENTITY``); never the outcome (the reporter gets feedback in general terms, DOMAIN §1.5);
  - betrokkene: the subject fields the manifest names (``privacy.personen.betrokkene``, plus the person field's
    employee), the report's substance in the version the desk redacted (what case workers read; never the
    original, and nothing of a field not yet redacted; the original only with the reporter's consent), the
    witnesses' statements, the outcome and resolutions;
  - getuige: their own interviews (``legal_rules.minutes_review``: heard_field / name_key).

  Every OTHER person of the case (reporter, subject, the subject's manager, witnesses) is replaced by a role
  label in every text, word by word. The reporter's identity never appears in anyone else's export unless the
  request records the reporter's consent (``reporter_consent``). Staff names are not exported at all.
  A restriction on a person's data (art. 18) withholds that data from every export but the person's own.
* Audit: events in the system chain with ids only (the request outlives the cases it names).
"""
from __future__ import annotations

import io
import json
import re
import zipfile
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.audit import service as audit
from engine.cases import confidential
from engine.cases import field_classes
from engine.cases.field_classes import case_classes
from engine.cases.models import Case, CaseParty
from engine.clock import now
from engine.errors import DomainError, FieldError, InvalidData, NotAuthorized, NotFound
from engine.identity import access
from engine.identity.models import User
from engine.legal_terms import add_calendar, legal_deadline, local_date, parse_duration
from engine.processes.legal_rules import MAXIMUM, looser
from engine.records.models import AccessRequest, AccessRequestCase, PersonFlag

TEMPLATE = Path(__file__).resolve().parent / "templates" / "inzageverzoek.docx"
ROLES = {"melder": "Melder", "betrokkene": "Betrokkene", "getuige": "Getuige"}
FLAG_KINDS = {"rectificatie": "Verzoek om rectificatie (AVG art. 16)",
              "beperking": "Beperking van de verwerking (AVG art. 18)"}
DEFAULT_TERM, DEFAULT_EXTENSION, DEFAULT_SOURCE = "P1M", "P2M", "AVG art. 12 lid 3"
ZIP_TIME = (2000, 1, 1, 0, 0, 0)
NAME_PARTICLES = frozenset({"van", "der", "den", "de", "het", "ten", "ter", "von", "les", "las", "los", "del",
                            "della", "dos", "das", "uit", "onbekend", "extern"})


class SubjectRightsRefused(DomainError):
    status = 409
    code = "subject-rights-refused"
    title = "Actie op een verzoek van een betrokkene geweigerd"


# --------------------------------------------------------------------------- configuration (manifest "privacy")
class PrivacyConfigError(ValueError):
    """Dutch message naming the manifest key."""


@dataclass(frozen=True)
class PrivacyRules:
    term: str = DEFAULT_TERM
    extension: str = DEFAULT_EXTENSION
    source: str = DEFAULT_SOURCE
    persons: dict[str, tuple[str, ...]] = field(default_factory=dict)  # role -> form fields naming that person

    # AVG art. 12 lid 3 is the ceiling: a manifest may shorten the terms, never lengthen them. `processes check`
    # refuses a longer one (``term_issues``); a version stored without that check is held to the statute here.
    @property
    def held_term(self) -> str:
        return DEFAULT_TERM if looser(self.term, DEFAULT_TERM, MAXIMUM) else self.term

    @property
    def held_extension(self) -> str:
        return DEFAULT_EXTENSION if looser(self.extension, DEFAULT_EXTENSION, MAXIMUM) else self.extension

    def term_issues(self) -> list[str]:
        """Dutch refusals for a term longer than AVG art. 12 lid 3 allows."""
        return [f"'privacy.inzagetermijn.{key}' is '{value}', langer dan de wettelijke termijn '{ceiling}' "
                f"({DEFAULT_SOURCE}): een inzageverzoek wordt binnen een maand beantwoord, hooguit eenmaal met twee "
                f"maanden verlengd"
                for key, value, ceiling in (("termijn", self.term, DEFAULT_TERM),
                                            ("verlenging", self.extension, DEFAULT_EXTENSION))
                if looser(value, ceiling, MAXIMUM)]


def parse_privacy(value: Any) -> PrivacyRules:
    """Check the manifest's ``privacy`` block; PrivacyConfigError names the wrong key."""
    if not isinstance(value, dict):
        raise PrivacyConfigError("'privacy' moet een object zijn")
    unknown = sorted(k for k in value if k not in ("inzagetermijn", "personen") and not str(k).startswith("_"))
    if unknown:
        raise PrivacyConfigError(f"'privacy' kent de sleutel(s) {', '.join(unknown)} niet")
    term_in = value.get("inzagetermijn", {})
    if not isinstance(term_in, dict):
        raise PrivacyConfigError("'privacy.inzagetermijn' moet een object zijn met 'termijn', 'verlenging' en 'bron'")
    out = {}
    for key, default in (("termijn", DEFAULT_TERM), ("verlenging", DEFAULT_EXTENSION)):
        text = term_in.get(key, default)
        try:
            duration = parse_duration(str(text))
        except ValueError as exc:
            raise PrivacyConfigError(f"'privacy.inzagetermijn.{key}': {exc}") from None
        if duration.seconds or duration.is_zero:
            raise PrivacyConfigError(f"'privacy.inzagetermijn.{key}' moet een positieve duur in dagen, weken of "
                                     f"maanden zijn, niet {text!r}")
        out[key] = str(text).strip().upper()
    source = term_in.get("bron", DEFAULT_SOURCE)
    if not isinstance(source, str) or not source.strip():
        raise PrivacyConfigError("'privacy.inzagetermijn.bron' moet de bron van de termijn noemen")
    persons_in = value.get("personen", {})
    if not isinstance(persons_in, dict):
        raise PrivacyConfigError("'privacy.personen' moet een object zijn van rol naar een lijst van veldnamen")
    persons = {}
    for role, fields in persons_in.items():
        if str(role).startswith("_"):
            continue
        if role not in ROLES:
            raise PrivacyConfigError(f"'privacy.personen.{role}' is geen bekende rol (bekend: {', '.join(ROLES)})")
        if not isinstance(fields, list) or not all(isinstance(f, str) and f.strip() for f in fields):
            raise PrivacyConfigError(f"'privacy.personen.{role}' moet een lijst van veldnamen zijn")
        persons[role] = tuple(f.strip() for f in fields)
    return PrivacyRules(out["termijn"], out["verlenging"], source.strip(), persons)


DEFAULT_PRIVACY = PrivacyRules()


def current_rules(session: Session) -> PrivacyRules:
    manifest = _manifest(session)
    return (manifest.privacy if manifest is not None else None) or DEFAULT_PRIVACY


def _manifest(session: Session, case: Case | None = None):
    from engine.processes import service as processes
    from engine.processes.models import ProcessVersion

    version_id = case.process_version_id if case is not None else session.scalar(
        select(ProcessVersion.id).order_by(ProcessVersion.id.desc()).limit(1))
    if version_id is None:
        return None
    return processes.parsed_version(session=session, version_id=version_id).manifest


# --------------------------------------------------------------------------- access
def require_handler(user: User, session: Session | None = None) -> None:
    """The coordinator; with ``session``, holding the role now (``access.holds_any_role``: a role taken away in
    another server process, whose cached session still lists it, ends the access at once)."""
    if not access.may_handle_access_requests(user) or (session is not None and not access.holds_any_role(
            session=session, user=user, roles=access.SUBJECT_RIGHTS_ROLES)):
        raise NotAuthorized("Alleen de integriteitscoördinator behandelt verzoeken van betrokkenen onder de AVG "
                            "(inzage, rectificatie, beperking).", reason="alleen-coordinator")


def _norm(text: Any) -> str:
    return " ".join(str(text or "").split()).casefold()


def _clean(text: Any, limit: int = 300) -> str:
    return " ".join(str(text or "").split())[:limit]


def _role(value: str) -> str:
    if value not in ROLES:
        message = f"Kies de rol van de persoon in de zaak: {', '.join(ROLES)}."
        raise InvalidData([FieldError("rol", message)], detail=message)
    return value


# --------------------------------------------------------------------------- the persons of a case
@dataclass
class CasePersons:
    """Who appears in a case, with every string that identifies them (for matching and redaction)."""

    reporter: dict[str, str]  # identity fields (class melder) + the linked user's name, user name and e-mail
    subject: dict[str, str]  # configured subject fields + the linked employee
    managers: list[dict[str, str]]
    witnesses: list[dict]  # the heard_field items (name_key, date, minutes)
    name_key: str | None
    substance: dict[str, str]  # the report's substance as the reporter wrote it
    data: dict
    redacted: dict[str, str] = field(default_factory=dict)  # substance field -> the desk's redacted version

    def identifiers(self, role: str, name: str | None = None) -> list[str]:
        if role == "melder":
            return [v for v in self.reporter.values() if v]
        if role == "betrokkene":
            return [v for v in self.subject.values() if v]
        if role == "getuige":
            return [str(w.get(self.name_key) or "") for w in self.witnesses
                    if name is None or _norm(w.get(self.name_key)) == _norm(name)]
        return []


def _user_strings(user: User | None) -> dict[str, str]:
    if user is None:
        return {}
    return {k: v for k, v in (("naam", user.display_name), ("gebruikersnaam", user.username),
                              ("e-mail", user.email)) if v}


def case_persons(session: Session, case: Case) -> CasePersons:
    from engine.cases import service as cases
    from engine.cases.persons import EXTERNAL, person_fields

    data = cases.case_data(session=session, case_id=case.id) if case.state else {}
    secret = confidential.read(session, case_id=case.id)
    classes = case_classes(session, case)
    # the engine's one reading of the record (engine.cases.field_classes): a value no form of the case's version
    # declares (kept from an older version) is identity, the strictest class, so it is redacted from every other
    # person's answer and is part of the reporter's own
    identity, original, versions = field_classes.split_record(secret, classes)
    reporter = {k: str(v) for k, v in identity.items() if isinstance(v, str) and v}
    substance = {k: str(v) for k, v in original.items() if isinstance(v, str) and v}
    redacted = {k: str(versions[k]) for k in substance if isinstance(versions.get(k), str) and versions[k].strip()}
    parties = list(session.scalars(select(CaseParty).where(CaseParty.case_id == case.id).order_by(CaseParty.id)))
    users = {u.id: u for u in session.scalars(select(User).where(User.id.in_(
        [p.user_id for p in parties if p.user_id is not None])))} if parties else {}
    for p in parties:
        if p.party == "melder":
            reporter.update({f"medewerker_{k}": v for k, v in _user_strings(users.get(p.user_id)).items()})
    manifest = _manifest(session, case)
    rules = (manifest.privacy if manifest is not None else None) or DEFAULT_PRIVACY
    subject: dict[str, str] = {}
    declared = set(rules.persons.get("betrokkene", ()))
    if manifest is not None:
        from engine.processes import service as processes

        forms = processes.parsed_version(session=session, version_id=case.process_version_id).forms
        declared |= {f for f, party in person_fields(forms).items() if party == "betrokkene"}
    for name in sorted(declared):
        value = data.get(name)
        if isinstance(value, str) and value.strip() and value.strip().lower() != EXTERNAL:
            subject[name] = value.strip()
    managers = []
    for p in parties:
        if p.party == "betrokkene":
            subject.update({f"medewerker_{k}": v for k, v in _user_strings(users.get(p.user_id)).items()})
        elif p.party == "leidinggevende":
            managers.append(_user_strings(users.get(p.user_id)))
    review = manifest.legal_rules.minutes_review if manifest is not None and manifest.legal_rules else None
    witnesses, name_key = [], None
    if review is not None:
        name_key = review.name_key
        heard = data.get(review.heard_field)
        witnesses = [dict(w) for w in heard if isinstance(w, dict)] if isinstance(heard, list) else []
    return CasePersons(reporter, subject, managers, witnesses, name_key, substance, data, redacted)


def _matches(persons: CasePersons, role: str, person: dict) -> bool:
    wanted = {_norm(person.get(k)) for k in ("naam", "gebruikersnaam", "email")} - {""}
    return bool(wanted & {_norm(v) for v in persons.identifiers(role)})


# --------------------------------------------------------------------------- redaction
class Redactor:
    """Replaces the identifying strings of other persons, whole words, longest first, case-insensitively."""

    def __init__(self):
        self._pairs: dict[str, str] = {}

    def add(self, values, label: str) -> None:
        for value in values:
            text = " ".join(str(value or "").split())
            if len(text) < 2:
                continue
            self._pairs.setdefault(text.casefold(), label)
            if "@" in text:  # an e-mail address: the pieces of its local part, never the domain
                text = text.split("@", 1)[0]
            for part in re.split(r"[\s.,;:()_\-/]+", text):
                # a surname alone, a first name alone; not 'van', 'der', 'de' ... (every text has those)
                if len(part) >= 3 and part.casefold() not in NAME_PARTICLES:
                    self._pairs.setdefault(part.casefold(), label)

    def __call__(self, text: Any) -> str:
        text = str(text or "")
        if not self._pairs:
            return text
        keys = sorted(self._pairs, key=len, reverse=True)
        pattern = re.compile(r"(?<!\w)(" + "|".join(re.escape(k) for k in keys) + r")(?!\w)", re.IGNORECASE)
        return pattern.sub(lambda m: self._pairs[m.group(0).casefold()], text)


# --------------------------------------------------------------------------- flags (art. 16 and 18)
def active_flags(session: Session, case_id: int, kind: str | None = None) -> list[PersonFlag]:
    q = select(PersonFlag).where(PersonFlag.case_id == case_id, PersonFlag.lifted_at.is_(None))
    if kind:
        q = q.where(PersonFlag.kind == kind)
    return list(session.scalars(q.order_by(PersonFlag.id)))


def is_restricted(session: Session, *, case_id: int, role: str | None = None, name: str | None = None) -> bool:
    """An active restriction of processing on (a person of) the case."""
    for flag in active_flags(session, case_id, "beperking"):
        if role is not None and flag.role != role:
            continue
        if name is not None and _norm(flag.person) != _norm(name):
            continue
        return True
    return False


def case_flags(*, session: Session, user: User, case_id: int) -> list[PersonFlag]:
    """Every flag of a case (active and lifted), for who may see the case; names only for the handler."""
    access.require_visible_case(session=session, user=user, case_id=case_id)
    return list(session.scalars(select(PersonFlag).where(PersonFlag.case_id == case_id).order_by(PersonFlag.id)))


def shows_flag_person(*, session: Session, user: User, flag: PersonFlag) -> bool:
    """Whether ``user`` reads the name and statement of a person flag: the handler of access requests; a flag on
    the reporter only where the reporter's identity is shown to them (``access.may_see_reporter_identity``: the
    second factor where the deployment requires it, the identity roles held now). Everyone else who sees the case
    sees that there is a flag, its role and kind."""
    if not access.may_handle_access_requests(user):
        return False
    if flag.role == "melder":
        return access.may_see_reporter_identity(session=session, user=user, case_id=flag.case_id)
    return True


REPORTER_NOT_SHOWN = ("Alleen wie de identiteit van de melder van deze zaak mag zien (met tweestapsverificatie waar "
                      "die verplicht is), kan een persoon als melder van deze zaak noemen.")


def _require_reporter_shown(session: Session, user: User, case_id: int, role: str) -> None:
    """Naming a person as the case's reporter answers whether they are: only for who is shown her identity
    (``access.may_see_reporter_identity``), asked before the name is compared, so the refusal says nothing of it."""
    if role == "melder" and not access.may_see_reporter_identity(session=session, user=user, case_id=case_id):
        raise NotAuthorized(REPORTER_NOT_SHOWN)


def place_flag(*, session: Session, user: User, case_id: int, role: str, person: str, kind: str,
               statement: str) -> PersonFlag:
    """Record a rectification request or a restriction on a person's data in a case. The person must appear in
    the case in that role. Audited in the case's chain (kind and role, never the name or the statement)."""
    require_handler(user, session)
    case = access.require_visible_case(session=session, user=user, case_id=case_id)
    role = _role(role)
    _require_reporter_shown(session, user, case.id, role)
    if kind not in FLAG_KINDS:
        message = "Kies 'rectificatie' of 'beperking'."
        raise InvalidData([FieldError("soort", message)], detail=message)
    person, statement = _clean(person, 200), " ".join(str(statement or "").split())[:4000]
    errors = []
    if not person:
        errors.append(FieldError("persoon", "Vul de naam van de persoon in zoals die in de zaak staat."))
    if not statement:
        errors.append(FieldError("toelichting", "Beschrijf wat onjuist is en wat het moet zijn (rectificatie), of "
                                                "de grond van de beperking (AVG art. 18 lid 1)."))
    if errors:
        raise InvalidData(errors, detail=errors[0].message)
    if not _matches(case_persons(session, case), role, {"naam": person}):
        message = f"Deze persoon komt in deze zaak niet voor als {ROLES[role].lower()}."
        raise InvalidData([FieldError("persoon", message)], detail=message)
    flag = PersonFlag(case_id=case_id, role=role, person=person, kind=kind, statement=statement,
                      placed_by=user.username, placed_at=now())
    session.add(flag)
    session.flush()
    audit.append(session=session, actor=user.username, action=f"persoonsgegevens.{kind}.vastgelegd", case_id=case_id,
                 details={"vlag": flag.id, "rol": role})
    return flag


def lift_flag(*, session: Session, user: User, case_id: int, flag_id: int) -> PersonFlag:
    require_handler(user, session)
    access.require_visible_case(session=session, user=user, case_id=case_id)
    flag = session.get(PersonFlag, flag_id)
    if flag is None or flag.case_id != case_id:
        raise NotFound("Markering niet gevonden.")
    if flag.lifted_at is not None:
        raise SubjectRightsRefused("Deze markering is al opgeheven.")
    flag.lifted_by, flag.lifted_at = user.username, now()
    audit.append(session=session, actor=user.username, action=f"persoonsgegevens.{flag.kind}.opgeheven",
                 case_id=case_id, details={"vlag": flag.id, "rol": flag.role})
    return flag


# --------------------------------------------------------------------------- access requests (art. 15)
def person_of(req: AccessRequest) -> dict:
    return json.loads(req.person)


def register(*, session: Session, user: User, name: str, username: str = "", email: str = "",
             received_on: date | None = None, reporter_consent: bool = False) -> AccessRequest:
    """Register an access request; its term starts on the day of receipt (not in the future)."""
    require_handler(user, session)
    today = local_date(now())
    received_on = received_on or today
    errors = []
    if not _clean(name):
        errors.append(FieldError("naam", "Vul de naam in van de persoon die om inzage vraagt."))
    if received_on > today:
        errors.append(FieldError("ontvangen_op", "De datum van ontvangst kan niet in de toekomst liggen."))
    if errors:
        raise InvalidData(errors, detail=errors[0].message)
    rules = current_rules(session)
    person = {"naam": _clean(name, 200), "gebruikersnaam": _clean(username, 100), "email": _clean(email, 200)}
    req = AccessRequest(person=json.dumps(person, ensure_ascii=False), received_on=received_on,
                        due_on=legal_deadline(received_on, rules.held_term), status="open",
                        reporter_consent=bool(reporter_consent), registered_by=user.username, registered_at=now())
    session.add(req)
    session.flush()
    audit.append(session=session, actor=user.username, action="inzageverzoek.geregistreerd",
                 details={"verzoek": req.id, "ontvangen_op": received_on, "termijn_tot": req.due_on,
                          "toestemming_melder": req.reporter_consent})
    return req


def _of_own_cases(user: User):
    """The requests linked to a case in which ``user`` is the reporter, the subject or the subject's manager. Such a
    request is not there for them at all (list, overdue list, the request and every action on it: 404): it names
    a person and their part in the case (e.g. its reporter), and a party does not handle their own case."""
    own = select(Case.id).where(access.excluded_condition(user))
    return select(AccessRequestCase.request_id).where(AccessRequestCase.case_id.in_(own))


def get_request(*, session: Session, user: User, request_id: int) -> AccessRequest:
    require_handler(user, session)
    req = session.scalar(select(AccessRequest).where(AccessRequest.id == request_id,
                                                     AccessRequest.id.not_in(_of_own_cases(user))))
    if req is None:
        raise NotFound("Inzageverzoek niet gevonden.")
    return req


def list_requests(*, session: Session, user: User) -> list[AccessRequest]:
    require_handler(user, session)
    return list(session.scalars(select(AccessRequest).where(AccessRequest.id.not_in(_of_own_cases(user)))
                                .order_by(AccessRequest.status.desc(), AccessRequest.due_on, AccessRequest.id)))


def request_cases(session: Session, request_id: int) -> list[tuple[AccessRequestCase, str]]:
    """(link, case reference) of a request."""
    return list(session.execute(select(AccessRequestCase, Case.reference).join(Case, Case.id == AccessRequestCase.case_id)
                                .where(AccessRequestCase.request_id == request_id).order_by(AccessRequestCase.id)).all())


def shown_request_cases(session: Session, user: User, request_id: int) -> list[tuple[AccessRequestCase, str]]:
    """The links of a request as ``user`` is shown them: a link that names the person as a case's reporter only
    to who is shown that reporter's identity (``access.may_see_reporter_identity``); the web page and the API
    both list these."""
    return [(link, ref) for link, ref in request_cases(session, request_id)
            if link.role != "melder"
            or access.may_see_reporter_identity(session=session, user=user, case_id=link.case_id)]


def _open_request(session: Session, user: User, request_id: int) -> AccessRequest:
    req = get_request(session=session, user=user, request_id=request_id)
    if req.status != "open":
        raise SubjectRightsRefused("Dit inzageverzoek is al afgehandeld.", reason="inzageverzoek-afgehandeld")
    return req


def link_case(*, session: Session, user: User, request_id: int, reference: str, role: str) -> AccessRequestCase:
    """Name a case in which the person appears, in a role; refused when the person is not found there."""
    req = _open_request(session, user, request_id)
    role = _role(role)
    ref = _clean(reference, 40)
    case_id = session.scalar(select(Case.id).where(Case.reference == ref)) if ref else None
    if case_id is None:
        message = "Zaak niet gevonden. Vul het zaaknummer in van een zaak die u kunt inzien."
        raise InvalidData([FieldError("zaaknummer", message)], detail=message)
    try:
        case = access.require_visible_case(session=session, user=user, case_id=case_id)
    except NotFound:
        message = "Zaak niet gevonden. Vul het zaaknummer in van een zaak die u kunt inzien."
        raise InvalidData([FieldError("zaaknummer", message)], detail=message) from None
    _require_reporter_shown(session, user, case.id, role)
    if not _matches(case_persons(session, case), role, person_of(req)):
        message = f"De persoon van dit verzoek komt in zaak {case.reference} niet voor als {ROLES[role].lower()}."
        raise InvalidData([FieldError("rol", message)], detail=message)
    existing = session.scalar(select(AccessRequestCase).where(AccessRequestCase.request_id == req.id,
                                                              AccessRequestCase.case_id == case.id,
                                                              AccessRequestCase.role == role))
    if existing is not None:
        return existing
    link = AccessRequestCase(request_id=req.id, case_id=case.id, role=role)
    session.add(link)
    session.flush()
    audit.append(session=session, actor=user.username, action="inzageverzoek.zaak_gekoppeld",
                 details={"verzoek": req.id, "zaak": case.id, "rol": role})
    return link


def extend(*, session: Session, user: User, request_id: int, reason: str) -> AccessRequest:
    """Extend the term once by ``verlenging`` (AVG art. 12 lid 3: complex or many requests; the person is told)."""
    req = _open_request(session, user, request_id)
    reason = " ".join(str(reason or "").split())[:2000]
    if not reason:
        message = "Geef de reden van de verlenging; de persoon moet die binnen de eerste termijn horen."
        raise InvalidData([FieldError("reden", message)], detail=message)
    if req.extended_at is not None:
        raise SubjectRightsRefused("De termijn van dit verzoek is al eens verlengd.", reason="inzagetermijn-al-verlengd")
    from engine.functions import dutch_date

    rules = current_rules(session)
    if local_date(now()) > req.due_on:
        # The person hears of the extension within the first term (AVG art. 12 lid 3): a term that has run is not
        # made 'on time' again afterwards; the request stays overdue.
        raise SubjectRightsRefused(
            f"De termijn van dit verzoek liep af op {dutch_date(req.due_on)}; verlengen kan alleen binnen de eerste "
            f"termijn ({rules.source}).", reason="inzagetermijn-verstreken")
    # The further months run on from the end of the first term as the law sets it, not from the working day a
    # weekend or holiday moved it to (EU Regulation 1182/71 art. 3(4) moves only the last day of the whole term).
    req.due_on = legal_deadline(add_calendar(req.received_on, parse_duration(rules.held_term)), rules.held_extension)
    req.extended_at, req.extension_reason = now(), reason
    audit.append(session=session, actor=user.username, action="inzageverzoek.verlengd",
                 details={"verzoek": req.id, "termijn_tot": req.due_on})
    return req


def complete(*, session: Session, user: User, request_id: int) -> AccessRequest:
    req = _open_request(session, user, request_id)
    req.status, req.handled_by, req.handled_at = "afgehandeld", user.username, now()
    audit.append(session=session, actor=user.username, action="inzageverzoek.afgehandeld",
                 details={"verzoek": req.id, "op_tijd": local_date(now()) <= req.due_on})
    return req


def is_overdue(req: AccessRequest, today: date | None = None) -> bool:
    return req.status == "open" and (today or local_date(now())) > req.due_on


def overdue(*, session: Session, user: User) -> list[AccessRequest]:
    """Open requests past their term (engine clock), for the handler and the deadline monitors; else none."""
    from engine.worklist.service import deadline_monitor_roles

    if not (access.may_handle_access_requests(user) or user.role_codes & deadline_monitor_roles(session)):
        return []
    today = local_date(now())
    return list(session.scalars(select(AccessRequest).where(AccessRequest.status == "open",
                                                            AccessRequest.due_on < today,
                                                            AccessRequest.id.not_in(_of_own_cases(user)))
                                .order_by(AccessRequest.due_on, AccessRequest.id)))


# --------------------------------------------------------------------------- the export
def _redactor(persons: CasePersons, role: str, own_name: str, consent: bool) -> Redactor:
    r = Redactor()
    if role != "melder" and not consent:
        r.add(persons.reporter.values(), "[melder]")
    if role != "betrokkene":
        r.add(persons.identifiers("betrokkene"), "[betrokkene]")
    for manager in persons.managers:
        r.add(manager.values(), "[leidinggevende]")
    for i, w in enumerate(persons.witnesses, 1):
        name = str(w.get(persons.name_key) or "")
        if role == "getuige" and _norm(name) == _norm(own_name):
            continue
        r.add([name], f"[getuige {i}]")
    return r


def _case_export(session: Session, case: Case, role: str, person: dict, consent: bool) -> dict:
    persons = case_persons(session, case)
    own_name = person.get("naam", "")
    redact = _redactor(persons, role, own_name, consent)
    out: dict[str, Any] = {
        "zaaknummer": case.reference, "rol": ROLES[role], "categorie": case.category,
        "status": "afgesloten" if case.status == "closed" else "in behandeling",
        "afgesloten_op": local_date(case.closed_at).isoformat() if case.closed_at else None,
    }
    if role == "melder":  # the report date identifies the reporter: for no one else (documents.catalog)
        out["datum_melding"] = (case.summary or {}).get("datum_melding")
    withheld = []
    if role == "melder":
        out["uw_gegevens"] = {k: v for k, v in persons.reporter.items()}
        out["melding"] = {k: redact(v) for k, v in persons.substance.items()}
        from engine.intake import service as intake

        out["berichten"] = [{"richting": "van u" if m.direction == "van_melder" else "aan u",
                             "datum": local_date(m.created_at).isoformat(), "tekst": redact(m.body)}
                            for m in intake.messages(session=session, case_id=case.id)]
        from engine.cases import attachments

        out["bijlagen"] = [{"bestandsnaam": redact(a.filename), "grootte": a.size,
                            "datum": local_date(a.created_at).isoformat()}
                           for a in attachments.list_for_case(session=session, case_id=case.id)]
    elif role == "betrokkene":
        out["uw_gegevens"] = dict(persons.subject)
        # without the reporter's consent, the report as case workers read it: the desk's redacted version, never
        # the original (a reporter describes themselves in their own words, which no list of names catches)
        report = persons.substance if consent else {k: persons.redacted[k] for k in persons.substance
                                                    if k in persons.redacted}
        out["melding"] = {k: redact(v) for k, v in report.items()}
        statements = []
        for i, w in enumerate(persons.witnesses, 1):
            if is_restricted(session, case_id=case.id, role="getuige", name=w.get(persons.name_key)):
                withheld.append(f"Verklaring van getuige {i}: de verwerking is beperkt (AVG art. 18).")
                continue
            statements.append({"getuige": f"[getuige {i}]",
                               **{k: redact(v) for k, v in w.items() if k != persons.name_key}})
        out["getuigenverklaringen"] = statements
        withheld += [f"Melding ({k.replace('_', ' ')}): nog niet geredigeerd door het meldpunt; de tekst volgt "
                     f"zodra passages waaruit de melder herkenbaar is, zijn afgeschermd."
                     for k in sorted(persons.substance) if k not in report]
        summary = case.summary or {}
        out["uitkomst"] = summary.get("uitkomst")
        out["afdoeningen"] = list(summary.get("afdoeningen") or [])
    else:  # getuige
        mine = [w for w in persons.witnesses if _norm(w.get(persons.name_key)) == _norm(own_name)]
        out["uw_gegevens"] = {"naam": own_name}
        out["verhoren"] = [{k: redact(v) for k, v in w.items() if k != persons.name_key} for w in mine]
    flags = [f for f in active_flags(session, case.id) if f.role == role and _norm(f.person) == _norm(own_name)]
    out["markeringen"] = [{"soort": FLAG_KINDS[f.kind], "toelichting": redact(f.statement),
                           "vastgelegd_op": local_date(f.placed_at).isoformat()} for f in flags]
    out["achtergehouden"] = withheld
    return out


def _lines(value: Any, prefix: str = "") -> list[dict]:
    """A JSON value as readable label/value lines for the Word summary."""
    out = []
    if isinstance(value, dict):
        for k, v in value.items():
            label = f"{prefix}{str(k).replace('_', ' ')}"
            if isinstance(v, (dict, list)):
                out.extend(_lines(v, label + " — "))
            else:
                out.append({"label": label, "waarde": "—" if v is None or str(v).strip() == "" else str(v)})
    elif isinstance(value, list):
        if not value:
            out.append({"label": prefix.rstrip(" —"), "waarde": "geen"})
        for i, v in enumerate(value, 1):
            out.extend(_lines(v, f"{prefix}{i}. ") if isinstance(v, (dict, list))
                       else [{"label": f"{prefix}{i}", "waarde": str(v).strip() or "—"}])
    return out


@dataclass(frozen=True)
class Export:
    filename: str
    content: bytes
    data: dict


def export(*, session: Session, user: User, request_id: int) -> Export:
    """The zip for the person: ``samenvatting.docx`` and ``gegevens.json``. Audited (ids and counts only)."""
    from documents.render import nl_datum, render_docx

    req = get_request(session=session, user=user, request_id=request_id)
    person = person_of(req)
    cases = []
    for link, _reference in request_cases(session, req.id):
        case = access.require_visible_case(session=session, user=user, case_id=link.case_id)
        _require_reporter_shown(session, user, case.id, link.role)  # her data of that case as her reporter
        cases.append(_case_export(session, case, link.role, person, req.reporter_consent))
    data = {"inzageverzoek": req.id, "persoon": {k: v for k, v in person.items() if v},
            "ontvangen_op": req.received_on.isoformat(), "termijn_tot": req.due_on.isoformat(),
            "opgesteld_op": local_date(now()).isoformat(), "zaken": cases,
            "toelichting": "Gegevens over u in het zaaksysteem van het meldpunt integriteit (AVG art. 15). Gegevens "
                           "van andere personen zijn vervangen door hun rol, bijvoorbeeld [melder] of [getuige 1]."}
    context = {"verzoek": req.id, "naam": person.get("naam", ""), "ontvangen_op": nl_datum(req.received_on),
               "opgesteld_op": nl_datum(local_date(now())), "zaaknummer": "",
               "zaken": [{"zaaknummer": c["zaaknummer"], "rol": c["rol"],
                          "regels": _lines({k: v for k, v in c.items() if k not in ("zaaknummer", "rol")})}
                         for c in cases]}
    docx = render_docx(TEMPLATE, context, name="inzageverzoek")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as z:
        for name, content in (("samenvatting.docx", docx),
                              ("gegevens.json", json.dumps(data, ensure_ascii=False, indent=2).encode())):
            info = zipfile.ZipInfo(name, date_time=ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, content)
    audit.append(session=session, actor=user.username, action="inzageverzoek.export",
                 details={"verzoek": req.id, "zaken": len(cases)})
    return Export(f"inzageverzoek-{req.id}.zip", buffer.getvalue(), data)


# --------------------------------------------------------------------------- the Word template
def build_template() -> bytes:
    from docx.shared import Pt

    from documents.build_templates import TemplateBuilder

    b = TemplateBuilder("inzageverzoek")
    footer = b.doc.sections[0].footer.paragraphs[0]
    for run in footer.runs:
        run.text = ""
    footer.add_run("Vertrouwelijk  |  Inzageverzoek {{ verzoek }}").font.size = Pt(8)
    b.heading("Overzicht van uw persoonsgegevens (inzageverzoek)")
    b.blank()
    b.meta("Voor", "{{ naam }}")
    b.meta("Verzoek ontvangen op", "{{ ontvangen_op }}")
    b.meta("Opgesteld op", "{{ opgesteld_op }}")
    b.blank()
    b.text("U heeft gevraagd welke persoonsgegevens het meldpunt integriteit over u verwerkt (artikel 15 van de "
           "Algemene verordening gegevensbescherming). Hieronder staan per zaak de gegevens die over u zijn "
           "vastgelegd. Gegevens van andere personen zijn vervangen door hun rol, bijvoorbeeld [melder] of "
           "[getuige 1]. Het bijgevoegde bestand gegevens.json bevat dezelfde gegevens in een leesbaar "
           "computerformaat.")
    b.tag("{%p for z in zaken %}")
    b.blank()
    b.p(("b", "Zaak {{ z.zaaknummer }}"), " — uw rol: {{ z.rol }}")
    b.tag("{%p for r in z.regels %}")
    b.p(("b", "{{ r.label }}: "), "{{ r.waarde }}")
    b.tag("{%p endfor %}")
    b.tag("{%p endfor %}")
    b.tag("{%p if not zaken %}")
    b.text("Het meldpunt verwerkt in het zaaksysteem geen persoonsgegevens over u.")
    b.tag("{%p endif %}")
    b.blank()
    b.text("Meent u dat een gegeven onjuist is, dan kunt u om rectificatie vragen; u kunt ook vragen de verwerking "
           "te beperken. Neem daarvoor contact op met het meldpunt integriteit.")
    return b.bytes()


if __name__ == "__main__":  # pragma: no cover
    TEMPLATE.write_bytes(build_template())
    print(f"Geschreven: {TEMPLATE}")
