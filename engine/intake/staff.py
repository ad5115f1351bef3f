"""Staff intake: a report received by any channel (DOMAIN §1), entered by the desk, the coordinator, a
vertrouwenspersoon (with the reporter's consent) or a line manager. One door for the API
(``POST /api/v1/meldingen``) and the web form (``/meldingen/nieuw``): :func:`register_report` decides who may
(``access.may_register_report``), validates everything (:func:`validation_errors`, each error a Dutch message
naming the field) before anything is written, and then calls :func:`engine.intake.service.submit_report`.

The choices (channel, way of receipt, category, risk function) come from the form of the task that declares
``intake`` in the process files; the subject is the field that form marks ``x-persoon`` (betrokkene). Python
names neither an element id nor that field.

Staff registering for someone else can exclude the handlers the report concerns, as the reporter can on the public
form (``uitgesloten``: ``engine.intake.exclusions``).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from engine import forms
from engine.cases import persons
from engine.cases.models import Case
from engine.errors import DomainError, FieldError, InvalidData, NotAuthorized
from engine.functions import today
from engine.identity import access
from engine.identity.models import User
from engine.identity.roles import DESK_ROLES
from engine.intake import exclusions
from engine.intake import public
from engine.intake import service as intake
from engine.intake import submissions

VP = "vertrouwenspersoon"
REPORTER_PERSON = "melder_persoon"  # the web form's choice of the reporter among the organisation's users
IDENTITY_FIELDS = ("melder_naam", "melder_adres", "melder_email", "melder_telefoon")
EARLIEST = date(1990, 1, 1)
MAX_LENGTHS = {**public.MAX_LENGTHS, "melder_naam": 200, "melder_adres": 500, "melder_email": 200,
               "melder_telefoon": 40, "betrokkene_naam": 200, "ontvangstwijze": 40, "kanaal": 40}
LABELS = {**public.LABELS, "omschrijving": "Omschrijving", "categorie": "Categorie", "melder_naam": "Naam melder",
          "melder_adres": "Adres melder", "melder_email": "E-mailadres melder",
          "melder_telefoon": "Telefoonnummer melder",
          "betrokkene_naam": "Naam betrokkene", "ontvangstwijze": "Wijze van ontvangst", "kanaal": "Kanaal",
          "dienstonderdeel": "Dienstonderdeel"}


@dataclass(frozen=True)
class Choices:
    """What the intake form offers, from the deployed process files."""
    channels: list[tuple[str, str]]
    ways: list[tuple[str, str]]
    categories: list[tuple[str, str]]
    risks: list[tuple[str, str]]
    subject_field: str | None
    persons: list[tuple[str, str]]  # (username, name) of the organisation's active users
    handlers: list[tuple[int, str]] = ()  # (user id, name) of who would see a new report (engine.intake.exclusions)


def intake_schema(session: Session) -> dict:
    from engine.processes import service as processes

    try:
        version = processes.latest_version(session=session)
    except DomainError:
        return {}
    return processes.intake_form(processes.parsed_version(session=session, version_id=version.id))


def _enum(schema: dict, name: str) -> list[tuple[str, str]]:
    prop = (schema.get("properties") or {}).get(name) or {}
    labels = prop.get("x-labels") or {}
    return [(str(v), str(labels.get(v, v))) for v in prop.get("enum", [])]


def subject_field(schema: dict) -> str | None:
    return next((name for name, party in persons.person_fields(schema).items() if party == persons.SUBJECT), None)


def choices(session: Session) -> Choices:
    schema = intake_schema(session)
    return Choices(channels=_enum(schema, "kanaal"), ways=_enum(schema, "ontvangstwijze"),
                   categories=_enum(schema, "categorie"), risks=_enum(schema, "risicofunctie"),
                   subject_field=subject_field(schema),
                   persons=[(u.username, u.display_name) for u in persons.candidates(session)],
                   handlers=exclusions.candidates(session))


def passes_on_for_reporter(actor: User) -> bool:
    """A vertrouwenspersoon who is not also desk or coordinator only passes reports on (DOMAIN §2)."""
    return VP in actor.role_codes and not (DESK_ROLES & actor.role_codes)


def default_channel(actor: User) -> str:
    """The channel the staff intake form proposes for ``actor``: the confidential adviser's, the desk's, or a
    line manager's."""
    if passes_on_for_reporter(actor):
        return "vertrouwenspersoon"
    if DESK_ROLES & actor.role_codes:
        return "meldpunt_integriteit"
    return "leidinggevende"


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _flag(value: Any) -> bool:
    return value is True or (isinstance(value, str) and value.strip().lower() in ("true", "on", "ja", "1"))


def _choice(errors: dict, values: dict, name: str, options: list[tuple[str, str]], message: str,
            required: bool = False) -> None:
    value = values.get(name)
    if value in (None, ""):
        if required:
            errors[name] = message
        return
    if options and value not in {v for v, _ in options}:
        errors[name] = message


def _person(session: Session, errors: dict, name: str, value: Any) -> User | None:
    if value in (None, ""):
        return None
    try:
        return persons.resolve(session, name, value)
    except InvalidData as exc:
        errors[name] = exc.errors[0].message
        return None


def _user_by_id(session: Session, errors: dict, name: str, user_id: int | None) -> User | None:
    if user_id is None:
        return None
    user = session.get(User, user_id)
    if user is None:
        errors[name] = "Onbekende medewerker."
    return user


def validation_errors(session: Session, actor: User, values: dict, *, reporter_person: str | None = None,
                      reporter_kind: str | None = None, reporter_user_id: int | None = None,
                      subject_user_id: int | None = None) -> dict[str, str]:
    """Field -> Dutch message for everything a staff report may not be (API and web alike); nothing is written.

    ``reporter_kind`` (the web form's explicit choice: ``anoniem``, ``medewerker`` or ``extern``) also demands
    what that choice needs: a person from the organisation, or a name."""
    schema = intake_schema(session)
    c = choices(session)
    errors: dict[str, str] = {}
    text = values.get("omschrijving")
    if not isinstance(text, str) or len(text.strip()) < public.MIN_OMSCHRIJVING:
        errors["omschrijving"] = (f"‘Omschrijving’: beschrijf wat er is gebeurd "
                                  f"(minstens {public.MIN_OMSCHRIJVING} tekens).")
    if not _text(values.get("dienstonderdeel")):
        errors["dienstonderdeel"] = "‘Dienstonderdeel’ is verplicht: vul het dienstonderdeel in waar het speelt."
    _choice(errors, values, "categorie", c.categories, "‘Categorie’: kies een categorie uit de lijst.", required=True)
    _choice(errors, values, "kanaal", c.channels, "‘Kanaal’: kies het kanaal waarlangs de melding binnenkwam.")
    _choice(errors, values, "ontvangstwijze", c.ways, "‘Wijze van ontvangst’: kies een wijze uit de lijst.")
    _choice(errors, values, "risicofunctie", c.risks, "‘Risicofunctie’: kies een waarde uit de lijst.")
    received = values.get("datum_melding")
    if received not in (None, ""):
        try:
            day = date.fromisoformat(str(received)[:10]) if len(str(received)) == 10 else None
        except ValueError:
            day = None
        if day is None:
            errors["datum_melding"] = "‘Datum ontvangst’: vul een geldige datum in (dag-maand-jaar)."
        elif day > date.fromisoformat(today()):
            errors["datum_melding"] = ("‘Datum ontvangst’ ligt in de toekomst: vul de dag in waarop de melding "
                                       "binnenkwam.")
        elif day < EARLIEST:
            errors["datum_melding"] = f"‘Datum ontvangst’ ligt vóór {EARLIEST.year}: controleer de datum."
    anonymous = _flag(values.get("melder_anoniem"))
    reporter = _person(session, errors, REPORTER_PERSON, reporter_person)
    reporter = reporter or _user_by_id(session, errors, "melder_id", reporter_user_id)
    if anonymous and (reporter is not None or _text(reporter_person)):
        errors.setdefault(REPORTER_PERSON, "Een anonieme melder koppelt u niet aan een medewerker: kies ‘anoniem’ "
                                           "of kies de melder, niet allebei.")
    if reporter_kind == "medewerker" and reporter is None and REPORTER_PERSON not in errors:
        errors[REPORTER_PERSON] = "‘Melder’: kies de melder uit de medewerkers van de organisatie."
    if reporter_kind == "extern" and reporter is not None:
        errors[REPORTER_PERSON] = ("‘Melder’: u koos een medewerker; kies dan ‘Een medewerker van de organisatie’, "
                                   "of maak de keuze leeg voor iemand buiten de organisatie.")
    if reporter_kind == "extern" and not _text(values.get("melder_naam")):
        errors["melder_naam"] = ("‘Naam melder’ is verplicht voor een melder die geen medewerker is; kies "
                                 "‘anoniem’ als de melder zijn naam niet geeft.")
    _user_by_id(session, errors, "betrokkene_id", subject_user_id)
    field = subject_field(schema)
    if field and values.get(field) not in (None, ""):
        _person(session, errors, field, values[field])
    if (passes_on_for_reporter(actor) or (VP in actor.role_codes and _flag(values.get("via_vertrouwenspersoon")))) \
            and not _flag(values.get("toestemming_doorgeven")):
        errors["toestemming_doorgeven"] = ("‘Toestemming van de melder’: een vertrouwenspersoon geeft een melding "
                                           "alleen door met toestemming van de melder.")
    errors.update(exclusions.errors(session, values.get(exclusions.FIELD)))
    # what the registration form itself declares for each filled-in field (an e-mail address, a number, …)
    for name, message in forms.value_errors(schema, values).items():
        errors.setdefault(name, message)
    for name, value in values.items():
        cap = MAX_LENGTHS.get(name)
        if cap is not None and isinstance(value, str) and len(value) > cap:
            errors[name] = (f"‘{LABELS.get(name, name)}’ mag hoogstens {cap} tekens bevatten; "
                            f"u gebruikte er {len(value)}.")
    return errors


def register_report(*, session: Session, actor: User, values: dict, reporter_person: str | None = None,
                    reporter_kind: str | None = None, reporter_user_id: int | None = None,
                    subject_user_id: int | None = None, form_key: str | None = None) -> intake.Submitted:
    """Register a staff report: who may (403 otherwise), then every check, then the report (one transaction).

    ``form_key``: the form's one-time key (``engine.intake.submissions``): the same form sent again registers
    nothing and returns the first send's case (and, within the window, its receipt code), ``replayed`` set."""
    if not access.may_register_report(session=session, user=actor):
        raise NotAuthorized("U mag geen meldingen registreren.")
    form_key = submissions.checked_key(form_key)
    claimed = submissions.claim(session, form_key, submissions.content_digest(
        actor.id, values, reporter_person, reporter_kind, reporter_user_id, subject_user_id))
    if isinstance(claimed, submissions.Replay):
        return intake.Submitted(session.get(Case, claimed.case_id), claimed.receipt_code, replayed=True)
    errors = validation_errors(session, actor, values, reporter_person=reporter_person, reporter_kind=reporter_kind,
                               reporter_user_id=reporter_user_id, subject_user_id=subject_user_id)
    if errors:
        raise InvalidData([FieldError(k, v) for k, v in errors.items()], detail=" ".join(errors.values()))
    data = {k: v for k, v in values.items() if v not in (None, "", [])}
    excluded = data.pop(public.EXCLUDED, None)  # a party of the case, not a form value (engine.intake.exclusions)
    for name in ("melder_anoniem", "via_vertrouwenspersoon", "toestemming_doorgeven"):
        if name in data:
            data[name] = _flag(data[name])
    if passes_on_for_reporter(actor):
        data.update(via_vertrouwenspersoon=True, toestemming_doorgeven=True)
    if reporter_person:
        reporter = persons.resolve(session, REPORTER_PERSON, reporter_person)
        if reporter is not None:
            reporter_user_id = reporter.id
            data.setdefault("melder_naam", reporter.display_name)  # confidential: stored encrypted
    if data.get("melder_anoniem"):
        for key in IDENTITY_FIELDS:
            data.pop(key, None)
    else:
        data["melder_anoniem"] = False
    submitted = intake.submit_report(session=session, actor=actor, data=data, reporter_user_id=reporter_user_id,
                                     subject_user_id=subject_user_id, excluded_user_ids=excluded)
    if claimed is not None:
        claimed.seal(session, case_id=submitted.case.id, receipt_code=submitted.receipt_code)
    return submitted
