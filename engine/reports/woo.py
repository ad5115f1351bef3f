"""The freedom-of-information (Woo) overview (DOMAIN §6): one line per case settled in a period.

Only case-level facts appear: number of people involved, the main category, the kind of
investigation, the resolution(s) and - for cases that led to suspension or dismissal -
the one-sentence anonymised description. No names, dates, places, or units below the
organisational unit are output (the unit itself is not shown either).

Before export every description is checked (:func:`check_description`): it is refused
when it contains a known person's name from the case (workflow data ``betrokkene_naam``,
``melder_naam`` and the like, read via ``engine.cases.service.case_data``; imported
cases carry no names) an exact date, a place named in the case (``hoorgesprek_locatie``), or the reporter's
contact details (e-mail, phone however spaced, address: :data:`CONTACT_KEYS`, kept encrypted). One refused
description refuses the export.
"""
from __future__ import annotations

import re
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from documents.leakguard import holds_phone, phone_digits
from engine.cases.models import Case, CaseParty
from engine.identity.models import User

from engine.reports import labels as L
from engine.reports import word
from engine.reports.service import ClosedCase, ReportRefused, closed_cases
from engine.spreadsheet import csv_text

COLUMNS = ["Aantal", "Aard integriteitsaantasting/verdenking", "Soort onderzoek", "Handhaving",
           "Nadere omschrijving van meldingen die hebben geleid tot schorsing en ontslag"]

# Workflow data keys holding a person's name.
NAME_KEYS = ("betrokkene_naam", "melder_naam", "getuige", "adviseur_naam")
# Workflow data keys holding a place (refused in a description as well).
PLACE_KEYS = ("hoorgesprek_locatie",)
# Confidential keys holding the reporter's contact details (refused in a description: e-mail, phone, address).
CONTACT_KEYS = ("melder_email", "melder_telefoon", "melder_adres")
# Name parts too common to identify anyone on their own (particles, role words).
_COMMON = {"van", "de", "der", "den", "het", "ter", "ten", "te", "la", "le", "du", "op", "in", "t",
           "betrokkene", "melder", "medewerker", "collega", "leidinggevende", "de heer", "mevrouw"}
_MONTHS = "januari|februari|maart|april|mei|juni|juli|augustus|september|oktober|november|december"
_DATE = re.compile(rf"\b(\d{{1,2}}[-/.]\d{{1,2}}[-/.]\d{{2,4}}|\d{{4}}-\d{{2}}-\d{{2}}|\d{{1,2}}\s+({_MONTHS})(\s+\d{{4}})?)\b",
                   re.IGNORECASE)


def _names_in(value) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [n for v in value for n in _names_in(v)]
    if isinstance(value, dict):
        return [n for k, v in value.items() if k in NAME_KEYS or k in ("naam", "getuige") for n in _names_in(v)]
    return []


def known_names(data: dict) -> list[str]:
    names = []
    for key, value in data.items():
        if key in NAME_KEYS:
            names += _names_in(value)
        elif key in ("getuigenverhoren",) and isinstance(value, list):
            names += _names_in(value)
    return [n for n in names if n and n.strip()]


def known_places(data: dict) -> list[str]:
    return [str(data[k]) for k in PLACE_KEYS if isinstance(data.get(k), str) and data[k].strip()]


def name_parts(name: str) -> list[str]:
    """The full name and each distinctive part (no initials, particles or role words)."""
    full = L.normalise(name)
    parts = [full] if full else []
    for token in full.split():
        if len(token) >= 3 and token not in _COMMON:
            parts.append(token)
    return parts


def _names_contact(text: str, norm: str, contact: str) -> bool:
    """Does ``text`` (``norm``: its normalised form) hold the contact detail ``contact`` (an e-mail address,
    a phone number however spaced, a postal address)?"""
    value = " ".join(str(contact or "").split())
    if len(value) < 5:
        return False
    if "@" in value:
        return value.casefold() in (text or "").casefold()
    digits = phone_digits(value)
    if digits is not None:  # a phone number, however written
        return holds_phone(text, digits)
    key = L.normalise(value)
    return bool(key) and f" {key} " in norm


def names_a_person(text: str, names, contacts=(), *, given_names: bool = True) -> bool:
    """Does ``text`` hold one of ``names`` (in full or a distinctive part: :func:`name_parts`) or one of the contact
    details ``contacts``? The same test as :func:`check_description`'s for names and contact details. With
    ``given_names=False`` a part before the last one (a given name: "Bram" of "Bram Kievit") does not count on its
    own; the full name and the last part (the surname) do."""
    norm = f" {L.normalise(text)} "

    def parts(name: str) -> list[str]:
        found = name_parts(name)
        return found if given_names or len(found) <= 2 else [found[0], found[-1]]

    return (any(_names_contact(text, norm, c) for c in contacts)
            or any(f" {part} " in norm for name in names for part in parts(name)))


def check_description(text: str, names: list[str], *, reference: str, places: list[str] = (),
                      product: str = "Het Woo-overzicht", contacts: list[str] = ()) -> None:
    """Refuse ``text`` when it names a person (``names``), a place (``places``) or contact details of the reporter
    (``contacts``: e-mail, phone, address) of its case, or an exact date. The refusal never quotes the value."""
    norm = f" {L.normalise(text)} "
    if any(_names_contact(text, norm, c) for c in contacts):
        raise ReportRefused(f"Zaak {reference}: de omschrijving bevat contactgegevens van de melder; "
                            f"pas de geanonimiseerde omschrijving aan. {product} is niet gemaakt.", zaak=reference)
    for place in places:
        if L.normalise(place) and f" {L.normalise(place)} " in norm:
            raise ReportRefused(f"Zaak {reference}: de omschrijving noemt een plaats uit de zaak; "
                                f"pas de geanonimiseerde omschrijving aan. {product} is niet gemaakt.",
                                zaak=reference)
    for name in names:
        for part in name_parts(name):
            if f" {part} " in norm:
                raise ReportRefused(f"Zaak {reference}: de omschrijving bevat een naam van een betrokken persoon; "
                                    f"pas de geanonimiseerde omschrijving aan. {product} is niet gemaakt.",
                                    zaak=reference)
    if _DATE.search(text or ""):
        raise ReportRefused(f"Zaak {reference}: de omschrijving bevat een exacte datum; "
                            f"pas de geanonimiseerde omschrijving aan. {product} is niet gemaakt.",
                            zaak=reference)


def known_contacts(secret: dict) -> list[str]:
    """The reporter's contact details among a case's confidential values."""
    return [str(secret[k]) for k in CONTACT_KEYS if isinstance(secret.get(k), str) and secret[k].strip()]


def case_names(session: Session, *, case_id: int, reference: str,
               imported: bool) -> tuple[list[str], list[str], list[str]]:
    """(names, places, the reporter's contact details) known in a case: its workflow data, its confidential fields
    (the reporter's name and contact details are kept out of the workflow) and the people linked to it as
    parties. Imported cases carry none. Raises :class:`ReportRefused` when they cannot be read (refuse rather
    than risk a name)."""
    if imported:
        return [], [], []
    found = cases_names(session, [case_id])[case_id]
    if found is None:
        raise ReportRefused(f"Zaak {reference}: de zaakgegevens konden niet worden gecontroleerd.", zaak=reference)
    return found


# Cases whose names are read together by the reports' check (:func:`check_case_texts`): a constant number of
# statements per batch, and IN lists well below every driver's limit of bound parameters.
CHECK_BATCH = 500
# What the check reads of a case besides its state.
_NEEDED = frozenset({"id", "reference", "process_version_id", "process_kind", "imported"})


def cases_names(session: Session, case_ids) -> dict[int, tuple[list[str], list[str], list[str]] | None]:
    """:func:`case_names` of several (not imported) cases in a fixed number of statements (issue 25: the
    precedents of a sanction advice check up to 50 cases, a Woo overview or an annual annex thousands; one by one
    that was three statements each): case id → (names, places), or None for a case whose data cannot be read (its
    state cannot be restored, a confidential value cannot be decrypted) - its text must be refused. A destroyed
    case (after its retention term only the anonymous stub is left) and a case without a process instance carry no
    workflow names. Cases already in the session are used as they are; the others are read in one statement."""
    import json

    from sqlalchemy import Text, inspect, type_coerce
    from sqlalchemy.orm import defer
    from sqlalchemy.orm.util import identity_key

    from engine.cases.models import CaseConfidential
    from engine.records.models import DestructionItem

    ids = list(dict.fromkeys(case_ids))
    if not ids:
        return {}
    destroyed = set(session.scalars(select(DestructionItem.case_id).where(
        DestructionItem.case_id.in_(ids), DestructionItem.status == "vernietigd")))
    live = [cid for cid in ids if cid not in destroyed]
    stored: dict[int, str | None] = {}
    parties: dict[int, list[str]] = {cid: [] for cid in live}
    held: dict[int, Case] = {}
    if live:
        # the cases not in the session (a report's: its closed cases were read as rows), in one statement and held
        # here, so the identity map keeps them while their names are read
        for cid in live:
            case = session.identity_map.get(identity_key(Case, cid))
            if case is not None and not (inspect(case).unloaded & _NEEDED):  # (an expired one is read again)
                held[cid] = case
        missing = [cid for cid in live if cid not in held]
        if missing:  # without their workflow state: the names memo knows most by their state's tag
            held.update((case.id, case) for case in session.scalars(
                select(Case).options(defer(Case.state)).where(Case.id.in_(missing))))
        # the confidential values as stored, decrypted here one by one: one that cannot be decrypted refuses its
        # own case only (as a read per case did)
        stored = dict(session.execute(select(CaseConfidential.case_id,
                                             type_coerce(CaseConfidential.data, Text))
                                      .where(CaseConfidential.case_id.in_(live))).all())
        for cid, name in session.execute(select(CaseParty.case_id, User.display_name)
                                         .join(User, CaseParty.user_id == User.id)
                                         .where(CaseParty.case_id.in_(live)).order_by(CaseParty.id)):
            if name:
                parties[cid].append(name)
    # the states only of the cases whose names are not remembered by their state's tag, in one statement
    _load_states(session, [case for case in held.values()
                           if case.process_version_id is not None and _remembered(session, case) is None])
    column = CaseConfidential.__table__.c.data
    dialect = session.get_bind().dialect
    out: dict[int, tuple[list[str], list[str], list[str]] | None] = {cid: ([], [], []) for cid in destroyed}
    for cid in live:
        case = held.get(cid)
        try:  # a case without a process instance (registered outside the workflow) has no workflow data
            has_workflow = case is not None and case.process_version_id is not None and _has_state(case)
            in_workflow = _workflow_names(session, case) if has_workflow else ([], [])
        except Exception:  # a case whose state cannot be loaded: refuse rather than risk a name
            out[cid] = None
            continue
        try:
            secret = json.loads(column.type.process_result_value(stored[cid], dialect)) if cid in stored else {}
        except Exception:  # a confidential value that cannot be decrypted: refuse rather than risk a name
            out[cid] = None
            continue
        out[cid] = (list(in_workflow[0]) + known_names(secret) + parties[cid], list(in_workflow[1]),
                    known_contacts(secret))
    return out


def _load_states(session: Session, cases: list[Case]) -> None:
    """The workflow states of ``cases`` that are not loaded (deferred), in one statement. The rows are read again
    whole (``populate_existing``), so each case's state and tag come from the same row, even if the case changed
    since it was read."""
    from sqlalchemy import inspect
    from sqlalchemy.orm import undefer

    unloaded = [case.id for case in cases if "state" in inspect(case).unloaded]
    if unloaded:
        session.scalars(select(Case).options(undefer(Case.state)).where(Case.id.in_(unloaded))
                        .execution_options(populate_existing=True)).all()


def _has_state(case: Case) -> bool:
    """Whether ``case`` has a workflow state, without loading it: a tag is written with every state (NULL without)."""
    from sqlalchemy import inspect

    if "state" not in inspect(case).unloaded:
        return case.state is not None
    return case.state_tag is not None


def _refusals(session: Session, texts, *, product: str, batch: int | None = None):
    """:func:`check_case_text` of each (case, text) in ``texts``, in their order, read a batch at a time (a constant
    number of statements per batch): yields (case, :class:`ReportRefused`) for every refused text. A caller that
    stops at the first refusal reads no batch after it. A case needs ``id``, ``reference`` and ``imported``."""
    size = max(1, batch or CHECK_BATCH)
    checked = [(case, text) for case, text in texts if (text or "").strip()]
    for start in range(0, len(checked), size):
        chunk = checked[start:start + size]
        names = cases_names(session, [case.id for case, _ in chunk if not case.imported])
        for case, text in chunk:
            found = ([], [], []) if case.imported else names[case.id]
            try:
                if found is None:
                    raise ReportRefused(f"Zaak {case.reference}: de zaakgegevens konden niet worden gecontroleerd.",
                                        zaak=case.reference)
                check_description(text, found[0], reference=case.reference, places=found[1], product=product,
                                  contacts=found[2])
            except ReportRefused as refused:
                yield case, refused


def refused_case_texts(session: Session, texts: list[tuple[Case, str | None]], *,
                       product: str = "Het Woo-overzicht") -> set[int]:
    """:func:`check_case_text` of several cases' texts at once (``texts``: each case with the free text that leaves
    it), in a fixed number of statements per :data:`CHECK_BATCH` cases: the ids of the cases whose text is
    refused."""
    return {case.id for case, _ in _refusals(session, texts, product=product)}


def check_case_texts(session: Session, cases, *, product: str = "Het Woo-overzicht") -> None:
    """:func:`check_case_text` of every case's description (``cases``: :class:`ClosedCase` in the report's order),
    a batch of :data:`CHECK_BATCH` cases at a time (issue 25: one by one a report over thousands of cases sent
    three statements per case). The first refused case in that order refuses the report with its own message, as
    checking them one by one did."""
    for _, refused in _refusals(session, [(c, c.description) for c in cases], product=product):
        raise refused


class _NamesMemo:
    """The names and places in a case's workflow data, by its state (issue 25): restoring a workflow costs tens of
    milliseconds, and the precedents of a sanction advice check up to 50 closed cases (whose state no longer
    changes) on every opening of the task. The key is the state's random tag (:func:`_names_key`; a row without
    one: the state's own digest) and the parsed process version it was read with, so a changed state, another
    version or another database with the same ids can never be answered from here."""

    def __init__(self, size: int = 512) -> None:
        import threading
        from collections import OrderedDict

        self._entries: OrderedDict = OrderedDict()
        self._lock = threading.Lock()
        self.size = size

    def get(self, key, parsed):
        with self._lock:
            entry = self._entries.get(key)
            if entry is None or entry[0] is not parsed:
                return None
            self._entries.move_to_end(key)
            return entry[1]

    def put(self, key, parsed, value) -> None:
        with self._lock:
            self._entries[key] = (parsed, value)
            self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)

    def forget(self, case_id: int) -> None:
        with self._lock:
            for key in [k for k in self._entries if k[0] == case_id]:
                del self._entries[key]


_names_memo = _NamesMemo()


def forget_names(case_id: int) -> None:
    """Drop what this process remembers of ``case_id``'s names (its destruction, engine.records). Another process's
    entries are never read again (the state and its tag are gone) and leave with its least recently used ones."""
    _names_memo.forget(case_id)


def _names_key(case: Case) -> tuple:
    """The memo's key of ``case``'s state: its random tag (``Case.state_tag``, new at every write of the state, so
    unique to one state in any database and process; the state is not read), or for a row without one (written
    outside the engine) the digest of the state itself."""
    import hashlib

    if case.state_tag is not None:
        return (case.id, case.process_kind, "tag", case.state_tag)
    return (case.id, case.process_kind, "digest", hashlib.blake2b(case.state.encode(), digest_size=32).digest())


def _remembered(session: Session, case: Case):
    """The remembered names of ``case``'s workflow data, when its state has a tag and they are remembered; None
    otherwise (its state must be read)."""
    from engine.processes import service as processes

    if case.state_tag is None:
        return None
    try:
        parsed = processes.parsed_version(session=session, version_id=case.process_version_id)
    except Exception:  # (its version cannot be read: the restore refuses the case, as before)
        return None
    return _names_memo.get(_names_key(case), parsed)


def _workflow_names(session: Session, case: Case) -> tuple[tuple[str, ...], tuple[str, ...]]:
    from engine.cases.service import case_data
    from engine.processes import service as processes

    parsed = processes.parsed_version(session=session, version_id=case.process_version_id)
    key = _names_key(case)
    found = _names_memo.get(key, parsed)
    if found is None:
        data = case_data(session=session, case_id=case.id) or {}
        found = (tuple(known_names(data)), tuple(known_places(data)))
        _names_memo.put(key, parsed, found)
    return found


def check_case_text(session: Session, *, case_id: int, reference: str, imported: bool, text: str,
                    product: str = "Het Woo-overzicht") -> None:
    """The anonymisation check of every free-text field that leaves its case (Woo overview, annual annex,
    precedents for another case): :func:`check_description` against the names and places of that case.
    Raises :class:`ReportRefused`; callers refuse their output or withhold the text."""
    if not (text or "").strip():
        return
    names, places, contacts = case_names(session, case_id=case_id, reference=reference, imported=imported)
    check_description(text, names, reference=reference, places=places, product=product, contacts=contacts)


def _suspension_or_dismissal(case: ClosedCase) -> bool:
    return case.summary.get("ordemaatregel") == "schorsing" or bool(set(case.resolutions) & set(L.END_OF_EMPLOYMENT))


def build(*, session: Session, start: date, end: date, reader=None) -> dict:
    """The overview of the period. ``reader``: who reads it; a case they are excluded from is not in it, nor
    checked (a refusal would name it): ``service.closed_cases``."""
    if end < start:
        raise ReportRefused("De einddatum ligt voor de begindatum.")
    cases = closed_cases(session=session, start=start, end=end, reader=reader)
    check_case_texts(session, cases)  # the first refused case refuses the overview
    rows = []
    for c in cases:
        detail = c.description if _suspension_or_dismissal(c) else ""
        rows.append({"aantal": c.people, "aard": c.category,
                     "soort_onderzoek": L.INVESTIGATION_KINDS.get(c.investigation or "", "Onbekend"),
                     "handhaving": L.join_resolutions(c.resolutions), "omschrijving": detail})
    rows.sort(key=lambda r: (L.CATEGORIES.index(r["aard"]) if r["aard"] in L.CATEGORIES else 99,
                             r["soort_onderzoek"], r["handhaving"], r["omschrijving"]))
    return {"van": start.isoformat(), "tot": end.isoformat(), "rows": rows,
            "totaal": sum(r["aantal"] for r in rows), "case_ids": [c.id for c in cases]}


def public(overview: dict) -> dict:
    return {k: v for k, v in overview.items() if k != "case_ids"}


def row_cells(overview: dict) -> list[list[str]]:
    cells = [[str(r["aantal"]), r["aard"], r["soort_onderzoek"], r["handhaving"], r["omschrijving"]]
             for r in overview["rows"]]
    return cells + [[str(overview["totaal"]), "Totaal", "", "", ""]]


def to_csv(overview: dict) -> str:
    return csv_text(COLUMNS, row_cells(overview))


def to_docx(overview: dict) -> bytes:
    return word.document(f"Overzicht integriteitszaken {overview['van']} tot en met {overview['tot']}",
                         [(None, COLUMNS, row_cells(overview))])
