"""The public report form: length caps, rate limit and submission in one place.

The reporter chooses how to report (:data:`WAYS`): anonymously (no identity at all: the engine drops every identity
field), confidentially with their name (identity known only to the desk and those authorised) or openly. A named
report gets exactly the confidentiality of a report taken by the desk: the identity fields are the intake form's
``x-vertrouwelijk: melder`` fields, stored encrypted and shown only where ``access.may_see_reporter_identity``
allows. Every web reporter gets a receipt code for "Mijn melding". Files sent with the report go through
``engine.cases.attachments`` (metadata removed, encrypted) in the report's own transaction.

Both surfaces call :func:`submit_public_report` (``POST /api/v1/publiek/meldingen`` and the web
form ``POST /melden``), so they share the same limits:

* the rules of the form (:func:`validation_errors`): length caps per field (:data:`MAX_LENGTHS`,
  the API schema's caps), the reporter's contact fields as the intake form declares them (a telephone number,
  ``engine.forms.value_errors``), the :data:`REQUIRED` fields (a description of at least :data:`MIN_OMSCHRIJVING`
  characters, the unit), and a category, when given, from the process owners' list (the ``categorie`` field
  of the form of the task that declares ``intake``) - each with a Dutch message that names the field by its
  label on the form (:data:`LABELS`);
* the handlers the reporter excludes because the report concerns them (``uitgesloten``,
  ``engine.intake.exclusions``): only people who would see a new report, at most ten, and never so many that
  nobody is left to handle it;
* per client address at most 10 reports per hour (sliding), counted before the report is
  filed (so a flood of failing reports is limited too). There is no global cap: reports
  from one address never stop others from reporting.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from engine.db import Database
from engine.errors import DomainError, FieldError, InvalidData
from engine.identity import ratelimit, receipts
from engine.intake import service as intake
from engine.intake import submissions

SCOPE = "public_report"
POLICY = ratelimit.RateLimitPolicy(window=timedelta(hours=1), max_attempts=10, client_backoff=None)
LOCKED = "U heeft vanaf dit adres al veel meldingen verstuurd."

MIN_OMSCHRIJVING = 10
MAX_OMSCHRIJVING = 10_000
UNSORTED_CATEGORY = "Overig"  # a reporter who does not know the category: the desk sorts it at registration
MAX_SHORT = 200
MAX_LENGTHS = {"omschrijving": MAX_OMSCHRIJVING, "categorie": MAX_SHORT, "subcategorie": MAX_SHORT,
               "dienstonderdeel": MAX_SHORT, "betrokkene_functie": MAX_SHORT, "wanneer": MAX_SHORT,
               "melder_naam": MAX_SHORT, "melder_email": MAX_SHORT, "melder_telefoon": 40}
LABELS = {"omschrijving": "Wat is er gebeurd?", "categorie": "Om wat voor schending gaat het?",
          "subcategorie": "Subcategorie", "dienstonderdeel": "Bij welk dienstonderdeel speelt het?",
          "betrokkene_functie": "Functie van de betrokkene", "wanneer": "Wanneer gebeurde het?",
          "melder_naam": "Uw naam", "melder_email": "Uw e-mailadres", "melder_telefoon": "Uw telefoonnummer"}
# The fields a public report must have, on the web form and in the public API alike (one rule: the web form marks
# them required, the API's OpenAPI schema lists them as required, :func:`validation_errors` refuses without them).
# The category is not among them: a reporter who does not know it leaves it open (:data:`UNSORTED_CATEGORY`).
REQUIRED = ("omschrijving", "dienstonderdeel")
# How the reporter reports (the form's choice ``melden_als``).
ANONYMOUS = "anoniem"
WAYS = {ANONYMOUS: "Anoniem", "vertrouwelijk": "Vertrouwelijk met naam", "open": "Open, met naam"}
IDENTITY_FIELDS = ("melder_naam", "melder_email", "melder_telefoon")
MAX_FILES = 5
EXCLUDED = "uitgesloten"  # the handlers the report concerns (engine.intake.exclusions.FIELD)


@dataclass(frozen=True)
class PublicReport:
    reference: str
    receipt_code: str | None  # formatted; shown once, never stored or logged (None: a form sent again, too late)
    replayed: bool = False  # the same form sent again: nothing filed, the first send's answer


def _number(value: int) -> str:
    return f"{value:,}".replace(",", ".")


def length_errors(values: dict) -> dict[str, str]:
    """Field -> Dutch message for every text field over its cap (the message names the field)."""
    errors = {}
    for name, value in values.items():
        cap = MAX_LENGTHS.get(name)
        if cap is not None and isinstance(value, str) and len(value) > cap:
            errors[name] = (f"‘{LABELS[name]}’ mag hoogstens {_number(cap)} tekens bevatten; "
                            f"u gebruikte er {_number(len(value))}.")
    return errors


def check_lengths(values: dict) -> None:
    errors = length_errors(values)
    if errors:
        raise InvalidData([FieldError(k, v) for k, v in errors.items()], detail=" ".join(errors.values()))


def categories(session) -> list[tuple[str, str]]:
    """(value, label) of the categories a reporter may choose: the deployed intake form's list."""
    from engine.processes import service as processes

    try:
        version = processes.latest_version(session=session)
    except DomainError:
        return []
    schema = processes.intake_form(processes.parsed_version(session=session, version_id=version.id))
    prop = (schema.get("properties") or {}).get("categorie") or {}
    labels = prop.get("x-labels") or {}
    return [(str(v), str(labels.get(v, v))) for v in prop.get("enum", [])]


def validation_errors(session, values: dict) -> dict[str, str]:
    """Field -> Dutch message for everything the public form refuses (API and web alike)."""
    errors = {}
    text = values.get("omschrijving")
    if not isinstance(text, str) or not text.strip():
        errors["omschrijving"] = (f"‘{LABELS['omschrijving']}’ is verplicht: beschrijf wat er is gebeurd "
                                  f"(minstens {MIN_OMSCHRIJVING} tekens).")
    elif len(text.strip()) < MIN_OMSCHRIJVING:
        errors["omschrijving"] = (f"‘{LABELS['omschrijving']}’ is te kort: beschrijf wat er is gebeurd "
                                  f"(minstens {MIN_OMSCHRIJVING} tekens).")
    unit = values.get("dienstonderdeel")
    if not isinstance(unit, str) or not unit.strip():
        errors["dienstonderdeel"] = (f"‘{LABELS['dienstonderdeel']}’ is verplicht: vul het dienstonderdeel in "
                                     f"waar het speelt.")
    category = values.get("categorie")
    if category not in (None, "", UNSORTED_CATEGORY):
        allowed = {value for value, _ in categories(session)}
        if allowed and category not in allowed:
            errors["categorie"] = f"‘{LABELS['categorie']}’: kies een categorie uit de lijst."
    way = values.get("melden_als") or ANONYMOUS
    if way not in WAYS:
        errors["melden_als"] = "‘Hoe wilt u melden?’: kies anoniem, vertrouwelijk met naam of open."
    elif way != ANONYMOUS:
        name = values.get("melder_naam")
        if not isinstance(name, str) or not name.strip():
            errors["melder_naam"] = ("‘Uw naam’ is nodig als u met naam meldt; kies ‘Anoniem’ als u uw naam niet "
                                     "wilt geven.")
        email = values.get("melder_email")
        if isinstance(email, str) and email.strip() and ("@" not in email or "." not in email.split("@")[-1]):
            errors["melder_email"] = "‘Uw e-mailadres’ is geen geldig e-mailadres (bijvoorbeeld naam@voorbeeld.nl)."
        # what the intake form declares for the reporter's contact fields (a telephone number, …), by this form's
        # own labels
        from engine import forms
        from engine.intake import staff

        contact = {k: values.get(k) for k in IDENTITY_FIELDS if k != "melder_naam"}
        for name, message in forms.value_errors(staff.intake_schema(session), contact, labels=LABELS).items():
            errors.setdefault(name, message)
    from engine.intake import exclusions

    errors.update(exclusions.errors(session, values.get(exclusions.FIELD)))
    errors.update(length_errors(values))
    return errors


def _report_data(values: dict) -> tuple[dict, bool]:
    """The case's seed data from the form and whether the report is named (identity kept)."""
    named = (values.get("melden_als") or ANONYMOUS) != ANONYMOUS
    skip = {"wanneer", "melden_als", EXCLUDED, *([] if named else IDENTITY_FIELDS)}
    data = {k: (v.strip() if isinstance(v, str) else v) for k, v in values.items()
            if k not in skip and v not in (None, "")}
    return data, named


def submit_public_report(*, database: Database, client_key: str, values: dict,
                         files: list[tuple[str, bytes]] | tuple = (),
                         meeting: tuple[str, str] | None = None, form_key: str | None = None) -> PublicReport:
    """File a report from the public form. ``values``: the form's fields (``wanneer`` is added to the
    description; ``melden_als`` one of :data:`WAYS`, with the identity fields when named). ``files``: (name,
    content) sent with it, stored in the report's transaction (a refused file refuses the report: nothing is
    kept, the form says which file and why).

    ``meeting``: (kind, wish) when the reporter asks for a meeting in person or by phone (EU 2019/1937 art. 9(2);
    ``engine.contact``), recorded in the report's transaction.

    ``form_key``: the form's one-time key (``engine.intake.submissions``): the same form sent again files nothing
    and answers as the first send did (``replayed``); with other content it is refused.

    Raises ``InvalidData`` (422) over a length cap or for data the process refuses, and
    ``TooManyAttempts`` (429, saying when to retry) when this address has reported too often.
    """
    check_lengths(values)  # before anything touches the database: a megabyte is refused at once
    form_key = submissions.checked_key(form_key)
    digest = submissions.content_digest(values, [[name, content] for name, content in files], meeting)
    with database.session() as session:
        errors = validation_errors(session, values)
        replay = submissions.earlier(session, form_key, digest)
    if errors:
        raise InvalidData([FieldError(k, v) for k, v in errors.items()], detail=" ".join(errors.values()))
    if replay is not None:  # sent again: not a new report, and not counted as one
        with database.session() as session:
            return _replayed(session, replay)
    with database.session() as session:  # committed even if the report then fails
        ratelimit.check_allowed(session=session, scope=SCOPE, client_key=client_key, policy=POLICY, message=LOCKED)
        ratelimit.record_attempt(session=session, scope=SCOPE, client_key=client_key, success=True, policy=POLICY)
    if len(files) > MAX_FILES:
        raise InvalidData([FieldError("bestand", f"Stuur hoogstens {MAX_FILES} bestanden met de melding mee; "
                                                 f"de rest kunt u later toevoegen op ‘Mijn melding’.")])
    data, named = _report_data(values)
    data.setdefault("categorie", UNSORTED_CATEGORY)
    if values.get("wanneer"):
        data["omschrijving"] = f"{data.get('omschrijving', '')}\n\nWanneer: {values['wanneer']}"
    from engine.cases import attachments

    with database.session() as session:
        claimed = submissions.claim(session, form_key, digest)
        if isinstance(claimed, submissions.Replay):  # the same form, sent at the same moment, was filed first
            return _replayed(session, claimed)
        submitted = intake.submit_report(session=session, actor=None, data=data,
                                         public_way=values.get("melden_als") or ANONYMOUS,
                                         excluded_user_ids=values.get(EXCLUDED))
        for name, content in files:
            try:
                attachments.add(session=session, case_id=submitted.case.id, filename=name, content=content,
                                actor="melder" if named else "anonieme melder")
            except InvalidData as exc:
                raise InvalidData([FieldError("bestand", f"{e.message} ({_plain(name)})") for e in exc.errors]) \
                    from None
        if meeting is not None:
            from engine.contact import service as contact

            contact.request_meeting(session=session, case_id=submitted.case.id, kind=meeting[0], wish=meeting[1],
                                    source="formulier")
        if claimed is not None:
            claimed.seal(session, case_id=submitted.case.id, receipt_code=submitted.receipt_code)
        return PublicReport(submitted.case.reference, receipts.format_code(submitted.receipt_code))


def _replayed(session, replay: submissions.Replay) -> PublicReport:
    from engine.cases.models import Case

    case = session.get(Case, replay.case_id)
    code = receipts.format_code(replay.receipt_code) if replay.receipt_code else None
    return PublicReport(case.reference, code, replayed=True)


def _plain(name: str) -> str:
    """A file name to echo in an error: printable and short."""
    text = "".join(ch for ch in (name or "") if ch.isprintable())[:80]
    return text or "zonder naam"
