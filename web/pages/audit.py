"""The audit trail and its verification, for the auditor (issue 17): the same engine doors as
``api/routers/audit.py`` (``engine.audit.trail``), so the reporter is pseudonymised exactly as in the API and the
events of a case in which the auditor is a party are left out. Every reading and every verification is itself
recorded in the trail, by the engine."""
from __future__ import annotations

import re
from datetime import datetime
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from engine.audit import trail
from engine.audit.service import VerifyResult
from engine.audit.trail import TrailEntry
from engine.errors import DomainError
from web.pages.cases import ACTIONS
from web.pages.common import checked_form, domain_error, form_int, FormDep, get_database, login_required, render
from web.pages.role_pages import moment

router = APIRouter(include_in_schema=False)

PAGE_SIZE = 100
MAX_OFFSET = 10_000_000
# The actions of the trail in Dutch (the case timeline's labels, and the events outside any case).
LABELS = {
    **{action: label for action, (_, label) in ACTIONS.items()},
    "aanmelden": "Aangemeld", "afmelden": "Afgemeld", "audit.read": "Audittrail gelezen",
    "audit.verified": "Audittrail gecontroleerd", "gebruiker_toegevoegd": "Gebruiker toegevoegd",
    "gebruiker_geblokkeerd": "Gebruiker geblokkeerd", "token_uitgegeven": "API-token uitgegeven",
    "token_ingetrokken": "API-token ingetrokken", "tweede_factor_ingesteld": "Tweestapsverificatie ingesteld",
    "tweede_factor_hersteld": "Tweestapsverificatie verwijderd (opnieuw instellen)", "process.deployed": "Procesversie uitgerold",
    "process.activated": "Eerdere procesversie weer actief",
    "process.cases_migrated": "Lopende zaken naar een andere procesversie gezet",
    "zaken.geimporteerd": "Historische zaken geïmporteerd", "dienstonderdeel.ingesteld": "Dienstonderdeel ingesteld",
    "rapportage.jaarbijlage": "Bijlage jaarverslag opgevraagd", "rapportage.woo": "Woo-overzicht opgevraagd",
    "rapportage.maandoverzicht": "Maandoverzicht gemaakt", "task.cancelled": "Taak vervallen",
    "confidential.read": "Vertrouwelijke inhoud gelezen", "confidential.redacted": "Omschrijving geredigeerd",
    "messages.read": "Berichten met de melder gelezen", "attachment.read": "Bijlage gelezen",
    "attachment.added": "Bijlage toegevoegd", "file.added": "Bestand van behandelaar toegevoegd",
    "note.added": "Interne notitie toegevoegd", "note.edited": "Interne notitie gewijzigd", "case.party_linked": "Persoon aan zaak gekoppeld",
    "identity.reveal_requested": "Inzage in identiteit gevraagd", "identity.reveal_approved": "Inzage in identiteit goedgekeurd",
    "identity.reveal_refused": "Inzage in identiteit geweigerd", "identity.reporter_informed": "Melder geïnformeerd over inzage",
    "identity.reporter_letter": "Brief aan melder over inzage", "legal.date_corrected": "Datum gecorrigeerd",
    "document.integrity_failed": "Brief beschadigd aangetroffen", "ontvangstcode.verwijderd": "Ontvangstcode verwijderd",
    "bewaarplicht.ingesteld": "Bewaarplicht ingesteld", "bewaarplicht.opgeheven": "Bewaarplicht opgeheven",
    "vernietigingslijst.opgesteld": "Vernietigingslijst opgesteld",
    "vernietigingslijst.voorgesteld": "Vernietigingslijst voorgesteld",
    "vernietigingslijst.goedgekeurd": "Vernietigingslijst goedgekeurd",
    "vernietigingslijst.uitgevoerd": "Vernietigingslijst uitgevoerd", "zaak.vernietigd": "Zaak vernietigd",
}
# Shown on the page by the task's name; the process element behind it stays in the API's JSON.
# The workflow's position before and after a step ("voor"/"na": element ids, gateways included) likewise.
HIDDEN_DETAILS = frozenset({"element", "voor", "na"})
FIELD_LISTS = frozenset({"velden", "vertrouwelijke_velden"})  # form field names, shown as words
ISO_MOMENT = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}.*[+Z]")  # a moment with its offset: shown in Dutch time


TOKEN = re.compile(r"[A-Za-z][A-Za-z0-9_]*")


def _element_names(session) -> dict[str, str]:
    """Element id -> name over every deployed version (``engine.processes.names``): details that mention a process
    element (a timer, a gateway, a milestone) show its name, never its id (issue 17)."""
    from engine.processes import service as processes
    from engine.processes.names import version_names

    names: dict[str, str] = {}
    for version in reversed(processes.list_versions(session=session)):  # the newest name of an element wins
        for ident, name in version_names(version).elements.items():
            names.setdefault(ident, name)
    return names


def _named(text: str, names: dict[str, str]) -> str:
    return TOKEN.sub(lambda m: names.get(m.group(0), m.group(0)) if "_" in m.group(0) else m.group(0), text)


def _details(details: dict, names: dict[str, str] | None = None) -> list[tuple[str, str]]:
    names = names or {}
    out = []
    for key, value in sorted(details.items()):
        if key in HIDDEN_DETAILS:
            continue
        if key == "files" and isinstance(value, (list, tuple)):  # a deployment's files: their number, not their paths
            out.append(("bestanden", f"{len(value)} procesbestanden"))
            continue
        if key in FIELD_LISTS and isinstance(value, (list, tuple)):
            value = ", ".join(str(v).replace("_", " ") for v in value) or "—"
        elif isinstance(value, (list, tuple)):
            value = ", ".join(str(v) for v in value) or "—"
        elif isinstance(value, bool):
            value = "ja" if value else "nee"
        elif value is None:
            value = "—"
        elif isinstance(value, str) and ISO_MOMENT.match(value):
            try:
                value = moment(datetime.fromisoformat(value))
            except ValueError:
                pass
        out.append((key.replace("_", " "), _named(str(value), names)))
    return out


def _row(e: TrailEntry, problems: dict[int, str], names: dict[str, str] | None = None) -> dict:
    return {"id": e.id, "chain": e.chain, "seq": e.seq, "at": e.at, "actor": e.actor, "action": e.action,
            "label": LABELS.get(e.action, e.action), "case_id": e.case_id, "details": _details(e.details, names),
            "hash": (e.hash or "")[:12], "withheld": e.hash is None, "problem": problems.get(e.id)}


def _chain_text(chain: str) -> str:
    if chain.startswith("case:"):
        return f"de keten van zaak {chain.split(':', 1)[1]}"
    if chain == "system":
        return "de systeemketen (gebeurtenissen buiten zaken)"
    return f"keten {chain}" if chain else "het checkpointbestand"


def _verification(result: VerifyResult) -> dict:
    """The verification in Dutch: each problem with where it is (chain, row) and what is wrong."""
    problems = []
    for p in result.problems:
        case_id = p.chain.split(":", 1)[1] if p.chain.startswith("case:") else None
        problems.append({"where": _chain_text(p.chain), "row_id": p.row_id, "reason": p.reason,
                         "case_id": int(case_id) if case_id and case_id.isdigit() else None})
    if not problems and not result.ok and result.reason:
        problems.append({"where": "de audittrail", "row_id": result.first_broken_id, "reason": result.reason,
                         "case_id": None})
    return {"ok": result.ok, "events": result.events, "problems": problems, "unkeyed": result.unkeyed,
            "checkpoint": result.checkpoint is not None}


def _int(value: str | None, low: int, high: int) -> int | None:
    return form_int(value, low, high)


@router.get("/audit", response_class=HTMLResponse)
def audit_page(request: Request, zaak: str = "", actie: str = "", vanaf: str = ""):
    try:
        with get_database().session() as s:
            web = login_required(request, s)
            error = None
            case_id = _int(zaak, 1, 2**31 - 1) if zaak.strip() else None
            if zaak.strip() and case_id is None:
                error = "Zaaknummer: geef het nummer van de zaak (alleen cijfers)."
            action = actie.strip()[:80] or None
            offset = _int(vanaf, 0, MAX_OFFSET) or 0
            rows = trail.audit_trail(session=s, user=web.user, case_id=case_id, action=action,
                                     limit=PAGE_SIZE + 1, offset=offset)
            trail.record_read(session=s, user=web.user, details={"zaak_id": case_id, "actie": action,
                                                                 "offset": offset})
            more = len(rows) > PAGE_SIZE
            query = {k: v for k, v in (("zaak", case_id or ""), ("actie", action or "")) if v}
            names = _element_names(s)
            return render(request, "audit.html", status_code=422 if error else 200, user=web.user, web=web,
                          rows=[_row(e, {}, names) for e in rows[:PAGE_SIZE]], error=error, zaak=zaak.strip(),
                          actie=action or "", labels=sorted(LABELS.items(), key=lambda kv: kv[1]),
                          offset=offset, page_size=PAGE_SIZE,
                          next_url="/audit?" + urlencode({**query, "vanaf": offset + PAGE_SIZE}) if more else None,
                          prev_url=("/audit?" + urlencode({**query, "vanaf": max(0, offset - PAGE_SIZE)}))
                          if offset else None, verification=None, case_id=None)
    except DomainError as exc:
        return domain_error(request, exc)


def _case_page(request: Request, s, web, case_id: int, verification: dict | None):
    entries = trail.case_trail(session=s, user=web.user, case_id=case_id)
    trail.record_read(session=s, user=web.user, details={"zaak_id": case_id})
    problems = {p["row_id"]: p["reason"] for p in (verification or {}).get("problems", [])
                if p["row_id"] is not None and p["case_id"] == case_id}
    names = _element_names(s)
    return render(request, "audit_zaak.html", user=web.user, web=web, case_id=case_id,
                  rows=[_row(e, problems, names) for e in entries], verification=verification)


@router.get("/audit/zaken/{case_id:id}", response_class=HTMLResponse)
def audit_case_page(request: Request, case_id: int):
    try:
        with get_database().session() as s:
            web = login_required(request, s)
            return _case_page(request, s, web, case_id, None)
    except DomainError as exc:
        return domain_error(request, exc)


@router.post("/audit/controleren", response_class=HTMLResponse)
def verify_page(request: Request, form: FormDep):
    """Verify every chain (engine.audit.trail.verify_trail); shown on the case's trail when asked from there."""
    try:
        with get_database().session() as s:
            web = login_required(request, s)
            checked_form(form, web)
            verification = _verification(trail.verify_trail(session=s, user=web.user))
            case_id = _int(str(form.get("zaak") or ""), 1, 2**31 - 1)
            if case_id is not None:
                return _case_page(request, s, web, case_id, verification)
            return render(request, "audit.html", user=web.user, web=web, rows=[], error=None, zaak="", actie="",
                          labels=sorted(LABELS.items(), key=lambda kv: kv[1]), offset=0, page_size=PAGE_SIZE,
                          next_url=None, prev_url=None, verification=verification, case_id=None)
    except DomainError as exc:
        return domain_error(request, exc)
