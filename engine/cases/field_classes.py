"""Confidentiality classes of form fields: who reads which field of a case (issue 16, DOMAIN §4).

A form declares a field's class with ``"x-vertrouwelijk": "<class>"``; the policy table :data:`POLICY` says
what each class means. Two classes, not one:

* ``melder`` - the reporter's identity and what identifies them (name, address, e-mail, phone): only for who
  may see the identity (``access.may_see_reporter_identity``: the desk, the integrity coordinator, an approved
  reveal). Everyone else reads nothing of it.
* ``melding`` - the substance of the report (the description): for everyone who works the case, but as the
  *redacted* version the desk (``roles.REDACTION_ROLES``) made of it, with identifying passages removed
  ("ik, als enige vrouw in het team, zag..."). The identity-authorised read the original (and the redacted
  version, to see what the others read).
* No class: the case file, for everyone who may see the case.

Until the desk has redacted a description, case workers read no text but the notice :data:`NOT_REDACTED`.
Why not the original: a reporter writes in their own words, often naming themselves or what only they can
know, and a text once read cannot be unread; the category, unit, subject and every later step of the case
file stay readable, so work proceeds, and the notice tells the reader why the text is missing. The desk
registers every report first (the first task of the process), so the redaction is one more field of work it
already does, not a new queue.

Values of both classes are stored encrypted (``case_confidential``, ``task_submissions.confidential``) and
never enter the workflow state. A field with an unknown class is treated as identity (the strictest); so is a
stored confidential value no form of the case's process version declares.

The view a user may have is returned by :func:`case_view` (the case) and applied to submitted task data by
:func:`apply`; both the API and the web pages call these (one door per resource).
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache

from sqlalchemy.orm import Session

from engine.audit import service as audit
from engine.cases import confidential
from engine.cases.models import Case
from engine.errors import FieldError, InvalidData, NotAuthorized, NotFound
from engine.identity import access
from engine.identity.models import User
from engine.identity.roles import REDACTION_ROLES

IDENTITY = "melder"
SUBSTANCE = "melding"

HIDDEN = "verborgen"  # case workers read nothing of the field
REDACTED = "geredigeerd"  # case workers read the desk's redacted version


@dataclass(frozen=True)
class FieldClass:
    code: str
    label: str
    case_workers: str  # HIDDEN | REDACTED; the identity-authorised always read the original


# The policy table: every value ``x-vertrouwelijk`` may take, and what case workers read of such a field.
POLICY: dict[str, FieldClass] = {
    IDENTITY: FieldClass(IDENTITY, "Identiteit van de melder", HIDDEN),
    SUBSTANCE: FieldClass(SUBSTANCE, "Inhoud van de melding (geredigeerd door het meldpunt)", REDACTED),
}

# Identity fields whatever a form says (older process versions, imported cases): never shown by mistake. The same
# fields `processes check` and deploy require to be marked "melder" in every form that declares them.
ALWAYS_IDENTITY = frozenset(confidential.REPORTER_IDENTITY)

REDACTED_SUFFIX = "_geredigeerd"
NOT_REDACTED = ("Nog niet geredigeerd: het meldpunt schermt eerst passages af waaruit de melder herkenbaar is. "
                "De rest van het dossier is wel beschikbaar.")


def redacted_key(name: str) -> str:
    """Where the redacted version of field ``name`` is kept in the case's confidential record."""
    return f"{name}{REDACTED_SUFFIX}"


def field_classes(forms: dict[str, dict]) -> dict[str, str]:
    """Field name → class for every field with ``x-vertrouwelijk`` in a process set's forms (an unknown class
    counts as identity; a field declared in several forms takes the strictest class)."""
    return dict(_classes(json.dumps(forms, sort_keys=True)))


def classes_of(parsed) -> dict[str, str]:
    """:func:`field_classes` of a parsed process set, computed once per set; read-only (shared)."""
    return parsed.derived("field_classes", lambda p: field_classes(p.forms))


@lru_cache(maxsize=32)
def _classes(forms_json: str) -> tuple[tuple[str, str], ...]:
    out: dict[str, str] = {name: IDENTITY for name in ALWAYS_IDENTITY}
    for schema in json.loads(forms_json).values():
        for name, prop in (schema.get("properties") or {}).items():
            if not isinstance(prop, dict) or not prop.get("x-vertrouwelijk"):
                continue
            declared = prop["x-vertrouwelijk"]
            cls = declared if declared in POLICY else IDENTITY
            if out.get(name) != IDENTITY:
                out[name] = cls
    return tuple(sorted(out.items()))


def _forms(session: Session, case: Case) -> dict[str, dict]:
    if case.process_version_id is None:  # an imported case: no forms
        return {}
    from engine.processes import service as processes

    return processes.parsed_version(session=session, version_id=case.process_version_id).forms


def case_classes(session: Session, case: Case) -> dict[str, str]:
    """The classes of the case's process version (only the always-identity fields for an imported case)."""
    if case.process_version_id is None:  # an imported case: no forms
        return field_classes({})
    from engine.processes import service as processes

    return dict(classes_of(processes.parsed_version(session=session, version_id=case.process_version_id)))


def substance_labels(session: Session, case: Case) -> dict[str, str]:
    """Substance fields of the case's process version → their title in the form (for pages)."""
    labels: dict[str, str] = {}
    for schema in _forms(session, case).values():
        for name, prop in (schema.get("properties") or {}).items():
            if isinstance(prop, dict) and prop.get("x-vertrouwelijk") == SUBSTANCE:
                labels.setdefault(name, str(prop.get("title") or name))
    return labels


# --------------------------------------------------------------------------- another version's marking

_STRICTNESS = {None: 0, SUBSTANCE: 1, IDENTITY: 2}


def _titles(forms: dict[str, dict]) -> dict[str, str]:
    titles: dict[str, str] = {}
    for schema in forms.values():
        for name, prop in ((schema or {}).get("properties") or {}).items():
            if isinstance(prop, dict) and isinstance(prop.get("title"), str):
                titles.setdefault(name, prop["title"])
    return titles


def held_fields(session: Session, *, case_id: int) -> set[str]:
    """The fields the case holds confidential values of: its encrypted record (a redacted version counts for its
    field) and the confidential part of its completed tasks. Names only; nothing is returned of the values."""
    from sqlalchemy import select

    from engine.cases.models import TaskSubmission

    names = {k[:-len(REDACTED_SUFFIX)] if k.endswith(REDACTED_SUFFIX) else k
             for k in confidential.read(session, case_id=case_id)}
    for row in session.scalars(select(TaskSubmission.confidential).where(TaskSubmission.case_id == case_id)):
        if row:
            names |= set(json.loads(row))
    return names


def marking_lost(session: Session, *, case_id: int, old, new) -> list[str]:
    """The fields the case holds confidential values of that the version ``new`` (parsed) marks less strictly than
    ``old``, the case's own version, does (in Dutch, one line per field; empty when none). Who reads a field is
    read from the case's own version; a case moved onto ``new`` (``engine.processes.migration``) would show what
    the reporter gave in confidence to everyone the weaker marking lets read it. A value ``old`` does not declare
    counts as identity, as :func:`case_view` reads it."""
    before, after = classes_of(old), classes_of(new)
    titles = {**_titles(old.forms), **_titles(new.forms)}
    lost = []
    for name in sorted(held_fields(session, case_id=case_id)):
        was, now = before.get(name, IDENTITY), after.get(name)
        if _STRICTNESS[now] >= _STRICTNESS[was]:
            continue
        how = "niet meer als vertrouwelijk markeert" if now is None else \
            f"als '{POLICY[now].label}' markeert in plaats van '{POLICY[was].label}'"
        lost.append(f"de nieuwe versie het veld '{titles.get(name, name)}' {how} en de zaak daarin gegevens heeft "
                    f"die vertrouwelijk zijn gegeven (zet de markering terug, of laat de zaak op haar versie)")
    return lost


# --------------------------------------------------------------------------- the view of one user

@dataclass
class ConfidentialView:
    """The confidential fields of a case as one user may read them."""

    identity_allowed: bool
    identity: dict = field(default_factory=dict)  # identity-class values (empty unless allowed)
    substance: dict = field(default_factory=dict)  # field → the text this user reads
    redacted: dict = field(default_factory=dict)  # field → the redacted version (what case workers read)
    not_redacted: list[str] = field(default_factory=list)  # substance fields case workers cannot read yet
    may_redact: bool = False


def _split(secret: dict, classes: dict[str, str]) -> tuple[dict, dict, dict]:
    """(identity values, substance originals, redacted versions) of a confidential record."""
    identity, substance, redacted = {}, {}, {}
    for key, value in secret.items():
        if key.endswith(REDACTED_SUFFIX) and classes.get(key[:-len(REDACTED_SUFFIX)]) == SUBSTANCE:
            redacted[key[:-len(REDACTED_SUFFIX)]] = value
        elif classes.get(key) == SUBSTANCE:
            substance[key] = value
        else:  # identity, or a value no form declares: the strictest
            identity[key] = value
    return identity, substance, redacted


def split_record(secret: dict, classes: dict[str, str]) -> tuple[dict, dict, dict]:
    """(identity values, substance originals, redacted versions) of a case's confidential record ``secret`` under
    ``classes`` (:func:`case_classes`): a value no form declares counts as identity, the strictest class. The one
    reading of the record for every consumer (the views here, the access-request export's persons)."""
    return _split(secret, classes)


def may_redact(*, session: Session, user: User, case_id: int) -> bool:
    """The desk of a case whose reporter's identity it may see (a redaction starts from the original)."""
    return bool(user.role_codes & REDACTION_ROLES) and access.may_see_reporter_identity(
        session=session, user=user, case_id=case_id)


def case_view(*, session: Session, user: User, case: Case, page: str | None = None,
              audited: bool = True, seen: access.TaskAccess | None = None) -> ConfidentialView:
    """The case's confidential fields as ``user`` may read them (the caller checked that the case is visible).
    Every read of an identity or substance value is audited (``page`` says where it was shown); a caller that
    shows only part of the view passes ``audited=False`` and audits what it shows (:func:`audit_shown`).
    ``seen``: the user's ``access.task_access`` to a task of this case, asked in this transaction."""
    classes = case_classes(session, case)
    identity, substance, redacted = _split(confidential.read(session, case_id=case.id), classes)
    allowed = access.may_see_reporter_identity(session=session, user=user, case_id=case.id, seen=seen)
    view = ConfidentialView(identity_allowed=allowed, redacted=redacted,
                            may_redact=allowed and bool(user.role_codes & REDACTION_ROLES))
    if allowed:
        view.identity, view.substance = identity, substance
    else:
        view.redacted = {}
        view.substance = {k: redacted[k] for k in substance if k in redacted}
        view.not_redacted = sorted(k for k in substance if k not in redacted)
    if audited:
        audit_shown(session, user=user, case_id=case.id, view=view, identity=view.identity,
                    substance=view.substance, page=page)
    return view


def audit_shown(session: Session, *, user: User, case_id: int, view: ConfidentialView, identity, substance,
                page: str | None) -> None:
    """Record that ``user`` read these identity and substance fields (names only, never values)."""
    where = {"pagina": page} if page else {}
    if identity:
        audit.append(session=session, actor=user.username, action="identity.read", case_id=case_id,
                     details={**where, "velden": sorted(identity)})
    if substance:
        audit.append(session=session, actor=user.username, action="confidential.read", case_id=case_id,
                     details={**where, "velden": sorted(substance),
                              "versie": "origineel" if view.identity_allowed else "geredigeerd"})


def apply(values: dict, classes: dict[str, str], view: ConfidentialView) -> tuple[dict, list[str], list[str]]:
    """Submitted form values as the viewer of ``view`` may read them: (shown values, hidden identity fields,
    substance fields not yet redacted). A substance field shows the case's redacted version to case workers."""
    shown, hidden, pending = {}, [], []
    for key, value in values.items():
        cls = classes.get(key)
        if cls is None:
            shown[key] = value
        elif view.identity_allowed:
            shown[key] = value
        elif cls == SUBSTANCE and key in view.substance:
            shown[key] = view.substance[key]
        elif cls == SUBSTANCE:
            pending.append(key)
        else:
            hidden.append(key)
    return shown, sorted(hidden), sorted(pending)


# --------------------------------------------------------------------------- the desk's redaction

def _identifying(text: str, identity: dict) -> str | None:
    """The identity value (its kind) that still appears in a redacted text, if any."""
    from engine.reports.labels import normalise
    from engine.reports.woo import name_parts  # the Woo export's reading of a name

    norm = f" {normalise(text)} "
    for key, value in identity.items():
        if not isinstance(value, str) or not value.strip():
            continue
        if key.endswith("_naam"):
            if any(f" {part} " in norm for part in name_parts(value)):
                return key
        elif value.strip().casefold() in text.casefold():
            return key
    return None


def redact(*, session: Session, user: User, case_id: int, name: str, text: str) -> ConfidentialView:
    """The desk records the redacted version of substance field ``name`` (what case workers will read).

    Refused: by anyone but the desk with sight of the identity (``NotAuthorized``; ``NotFound`` for a case the
    user may not see), for a field that is not of the substance class or has no text yet, and when the
    redacted text still names the reporter (their name, e-mail, phone or address as registered)."""
    case = access.require_visible_case(session=session, user=user, case_id=case_id)
    if not may_redact(session=session, user=user, case_id=case.id):
        raise NotAuthorized("Alleen het meldpunt redigeert de melding voor de behandelaars.")
    classes = case_classes(session, case)
    if classes.get(name) != SUBSTANCE:
        raise NotFound(f"Veld '{name}' van deze zaak wordt niet geredigeerd.")
    identity, substance, _ = _split(confidential.read(session, case_id=case.id), classes)
    if name not in substance:
        raise InvalidData([FieldError(name, "heeft nog geen tekst om te redigeren")])
    text = (text or "").strip()
    if not text:
        raise InvalidData([FieldError("tekst", "is verplicht (schrijf de melding zonder wat de melder herkenbaar maakt)")])
    found = _identifying(text, identity)
    if found is not None:
        raise InvalidData([FieldError("tekst", f"noemt de melder nog ({found}); laat dat weg")])
    confidential.store(session, case_id=case.id, values={redacted_key(name): text})
    audit.append(session=session, actor=user.username, action="confidential.redacted", case_id=case.id,
                 details={"veld": name, "tekens": len(text)})
    return case_view(session=session, user=user, case=case)


def forget_stale_redactions(session: Session, *, case_id: int, classes: dict[str, str], changed: dict) -> None:
    """A new original of a substance field voids its redacted version (the desk redacts the new text)."""
    if not any(classes.get(k) == SUBSTANCE for k in changed):
        return
    current = confidential.read(session, case_id=case_id)
    stale = {redacted_key(k): None for k, v in changed.items()
             if classes.get(k) == SUBSTANCE and current.get(k) != v and redacted_key(k) in current}
    confidential.store(session, case_id=case_id, values=stale)
