"""Import of historical closed cases from CSV (issue 9 §1).

* Header exactly ``HEADER``; UTF-8 (a BOM is tolerated), comma-separated, RFC 4180 quoting.
* Every row is validated first; any error refuses the whole file (nothing is loaded).
  Errors name the row (1-based, the header is row 1) and the column, in Dutch.
* Labels (schending, afdoening, soort onderzoek, uitkomst) are matched exactly after
  normalising case, whitespace and punctuation; an unknown label is an error.
* Imported cases: ``imported=True``, ``status='closed'``, no process version or state,
  the report keys of workflow-closed cases in ``summary`` (categorie, subcategorie,
  dienstonderdeel, route, soort_onderzoek, uitkomst, afdoeningen, inhoud_geanonimiseerd,
  datum_melding) plus ``aantal_betrokkenen``. Keys the file has no data for (kanaal,
  melder_anoniem, ontvangstbevestigd_op, ...) are absent, as in a workflow case that never set them.
* Re-import is **refused**: the SHA-256 of the file bytes is stored in ``case_imports``
  (unique), so loading the same file again raises :class:`AlreadyImported` and changes nothing.
"""
from __future__ import annotations

import csv
import hashlib
import io
import uuid
from dataclasses import dataclass, field
from datetime import date
from typing import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.cases.models import Case
from engine.clock import now
from engine.errors import DomainError, FieldError, InvalidData, NotAuthorized
from engine.identity.models import User
from engine.parse_errors import csv_problem
from engine.reports import labels as L
from engine.reports.models import CaseImport, OrgUnit
from engine.reports.service import local_noon

HEADER = ["dienstonderdeel", "schending", "subcategorie", "inhoud", "afdoening", "soort_onderzoek", "uitkomst",
          "datum_melding", "datum_afdoening", "aantal_betrokkenen"]
MAX_PEOPLE = 999  # subjects in one case: more is a typing error, and it would count in every report
PROGRESS_EVERY = 500

# ``route`` as the process sets it, derived from the kind of investigation (empty kind: unknown).
ROUTE_OF_KIND = {"geen_onderzoek": "geen_onderzoek", "vooronderzoek": "vooronderzoek",
                 "feitenonderzoek_intern": "feitenonderzoek", "feitenonderzoek_extern": "feitenonderzoek",
                 "forensisch": "feitenonderzoek"}

_CATEGORIES = L.matcher(L.CATEGORIES)
_RESOLUTIONS = L.matcher(L.RESOLUTIONS)
_KINDS = L.matcher(L.INVESTIGATION_KINDS)
_OUTCOMES = L.matcher(L.OUTCOMES)


# Who imports history: the one decision for api/routers/reports.py and web/pages/history_import.py.
IMPORT_ROLES = frozenset({"integriteitscoordinator", "procesbeheerder"})


def may_import(user: User) -> bool:
    return bool(user.active) and bool(user.role_codes & IMPORT_ROLES)


def require_importer(user: User) -> None:
    if not may_import(user):
        raise NotAuthorized("Alleen de integriteitscoördinator en de procesbeheerder importeren historische zaken.")


class AlreadyImported(DomainError):
    status = 409
    code = "already-imported"
    title = "Dit bestand is al geïmporteerd"


@dataclass
class ImportSummary:
    import_id: int
    rows: int
    case_ids: list[int]
    units_created: list[str] = field(default_factory=list)


@dataclass
class _Row:
    number: int
    values: dict


def _decode(content: bytes) -> str:
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidData([FieldError("bestand", f"Het bestand is geen geldige UTF-8-tekst (byte {exc.start}).")])


def _date(value: str, row: int, column: str, errors: list, required: bool) -> date | None:
    value = value.strip()
    if not value:
        if required:
            errors.append(FieldError(f"rij {row}, kolom {column}", "Verplicht: vul een datum in (JJJJ-MM-DD)."))
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        errors.append(FieldError(f"rij {row}, kolom {column}",
                                 f"'{value}' is geen geldige datum; schrijf JJJJ-MM-DD."))
        return None


def parse(content: bytes, *, progress: Callable[[int], None] | None = None) -> list[_Row]:
    """Validate the whole file. Returns the clean rows or raises :class:`InvalidData` with every error."""
    text = _decode(content)
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    errors: list[FieldError] = []
    try:
        header = next(reader)
    except StopIteration:
        raise InvalidData([FieldError("rij 1", "Het bestand is leeg.")])
    except csv.Error as exc:
        raise InvalidData([FieldError("rij 1", f"Onleesbare CSV: {csv_problem(exc).reason}")])
    if [h.strip() for h in header] != HEADER:
        raise InvalidData([FieldError("rij 1", "De kopregel moet precies zijn: " + ",".join(HEADER))])
    rows: list[_Row] = []
    number = 1
    while True:
        try:
            raw = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            errors.append(FieldError(f"rij {number + 1}", f"Onleesbare CSV-regel: {csv_problem(exc).reason}"))
            break
        number += 1
        if progress and (number - 1) % PROGRESS_EVERY == 0:
            progress(number - 1)
        if not any(v.strip() for v in raw):
            continue  # blank line
        if len(raw) != len(HEADER):
            errors.append(FieldError(f"rij {number}", f"Verwacht {len(HEADER)} kolommen, gevonden {len(raw)}."))
            continue
        rows.append(_Row(number, _validate_row(dict(zip(HEADER, raw)), number, errors)))
    if errors:
        raise InvalidData(errors, detail=f"{len(errors)} fout(en); er is niets geladen. " +
                          "; ".join(f"{e.field}: {e.message}" for e in errors[:20]))
    if not rows:
        raise InvalidData([FieldError("rij 2", "Het bestand bevat geen zaken.")])
    return rows


def _validate_row(raw: dict, row: int, errors: list) -> dict:
    def err(column: str, message: str) -> None:
        errors.append(FieldError(f"rij {row}, kolom {column}", message))

    unit = " ".join(raw["dienstonderdeel"].split())
    if not unit:
        err("dienstonderdeel", "Verplicht.")
    elif len(unit) > 200:
        err("dienstonderdeel", "Te lang (hoogstens 200 tekens).")
    category = _CATEGORIES.get(L.normalise(raw["schending"]))
    if category is None:
        err("schending", f"Onbekende schending '{raw['schending'].strip()}'; gebruik een hoofdcategorie uit de lijst.")
    description = " ".join(raw["inhoud"].split())
    if not description:
        err("inhoud", "Verplicht: één zin die de (vermoedelijke) schending geanonimiseerd beschrijft.")
    elif len(description) > 500:
        err("inhoud", "Te lang (hoogstens 500 tekens).")
    resolutions: list[str] = []
    parts = [p for p in raw["afdoening"].split(";") if p.strip()]
    if not parts:
        err("afdoening", "Verplicht: minstens één afdoening.")
    for part in parts:
        label = _RESOLUTIONS.get(L.normalise(part))
        if label is None:
            err("afdoening", f"Onbekende afdoening '{part.strip()}'.")
        elif label in resolutions:
            err("afdoening", f"Afdoening '{label}' staat er twee keer in.")
        else:
            resolutions.append(label)
    kind = None
    if raw["soort_onderzoek"].strip():
        kind = _KINDS.get(L.normalise(raw["soort_onderzoek"]))
        if kind is None:
            err("soort_onderzoek", f"Onbekend soort onderzoek '{raw['soort_onderzoek'].strip()}'.")
    outcome = None
    if raw["uitkomst"].strip():
        outcome = _OUTCOMES.get(L.normalise(raw["uitkomst"]))
        if outcome is None:
            err("uitkomst", f"Onbekende uitkomst '{raw['uitkomst'].strip()}'.")
    reported = _date(raw["datum_melding"], row, "datum_melding", errors, required=False)
    closed = _date(raw["datum_afdoening"], row, "datum_afdoening", errors, required=True)
    if reported and closed and reported > closed:
        err("datum_melding", "De datum van melding ligt na de datum van afdoening.")
    if closed and closed > now().date():
        err("datum_afdoening", "De datum van afdoening ligt in de toekomst.")
    people = 1
    if raw["aantal_betrokkenen"].strip():
        try:
            text = raw["aantal_betrokkenen"].strip()
            if not (text.isascii() and text.isdigit()):
                raise ValueError
            people = int(text)
            if not 1 <= people <= MAX_PEOPLE:
                raise ValueError
        except ValueError:
            err("aantal_betrokkenen", f"'{raw['aantal_betrokkenen'].strip()}' is geen geheel getal van 1 tot en met "
                                      f"{MAX_PEOPLE}.")
    return {"unit": unit, "category": category, "subcategory": " ".join(raw["subcategorie"].split()) or None,
            "description": description, "resolutions": resolutions, "kind": kind, "outcome": outcome,
            "reported": reported, "closed": closed, "people": people}


def import_cases(*, session: Session, content: bytes, filename: str, actor: str,
                 progress: Callable[[str, int, int], None] | None = None) -> ImportSummary:
    """Validate everything, then load all rows in the caller's transaction (all or nothing)."""
    digest = hashlib.sha256(content).hexdigest()
    earlier = session.scalar(select(CaseImport).where(CaseImport.file_hash == digest))
    if earlier is not None:
        raise AlreadyImported(f"Dit bestand is al geïmporteerd op {earlier.imported_at:%Y-%m-%d} "
                              f"als '{earlier.filename}' ({earlier.rows} zaken); er is niets gewijzigd.")
    rows = parse(content, progress=(lambda n: progress("controleren", n, 0)) if progress else None)
    known = {u.name for u in session.execute(select(OrgUnit)).scalars()}
    created_units: list[str] = []
    for row in rows:
        unit = row.values["unit"]
        if unit not in known:
            known.add(unit)
            created_units.append(unit)
            session.add(OrgUnit(name=unit))
    batch = CaseImport(file_hash=digest, filename=filename[:300], rows=len(rows), units_created=created_units,
                       imported_by=actor, imported_at=now())
    session.add(batch)
    session.flush()
    case_ids = []
    for i, row in enumerate(rows, start=1):
        case = _make_case(row.values, actor)
        session.add(case)
        session.flush()
        case.reference = f"IMP-{row.values['closed'].year}-{case.id:06d}"
        case_ids.append(case.id)
        if progress and i % PROGRESS_EVERY == 0:
            progress("laden", i, len(rows))
    batch.case_ids = case_ids
    session.flush()
    try:
        from engine.audit import service as audit

        audit.append(session=session, actor=actor, action="zaken.geimporteerd",
                     details={"bestand": batch.filename, "aantal": len(rows), "import_id": batch.id,
                              "nieuwe_dienstonderdelen": created_units})
    except ModuleNotFoundError:  # pragma: no cover
        pass
    return ImportSummary(import_id=batch.id, rows=len(rows), case_ids=case_ids, units_created=created_units)


def _make_case(v: dict, actor: str) -> Case:
    summary = {
        "categorie": v["category"], "subcategorie": v["subcategory"], "dienstonderdeel": v["unit"],
        "route": ROUTE_OF_KIND.get(v["kind"]), "soort_onderzoek": v["kind"], "uitkomst": v["outcome"], "afdoeningen": v["resolutions"],
        "inhoud_geanonimiseerd": v["description"],
        "datum_melding": v["reported"].isoformat() if v["reported"] else None,
        "aantal_betrokkenen": v["people"],
    }
    opened = local_noon(v["reported"] or v["closed"])
    closed = local_noon(v["closed"])
    return Case(reference=f"tmp-{uuid.uuid4().hex[:20]}", process_version_id=None, state=None,
                status="closed", unit=v["unit"], category=v["category"], imported=True, summary=summary,
                created_by=actor, created_at=opened, updated_at=now(), closed_at=closed)
