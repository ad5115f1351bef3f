"""Process owners model the active process in the browser (``engine.processes.modelling``): the bpmn-js modeller
with a properties panel for Meldpunt's own properties, saving a draft that the server checks, the differences with
the active version and deployment."""
from __future__ import annotations

import json

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse

from api.raw_files import process_file_response
from engine.errors import DomainError, InvalidData, NotFound, ProcessValidationError
from engine.processes import modelling, service as processes
from engine.processes.diff import PROPERTY_LABELS
from engine.processes.names import parse_names, readable_file_name
from engine.processes.validation import ASSIGNMENTS
from web.pages.common import checked_form, domain_error, FormDep, get_database, login_required, render
from web.pages.rehearsal import scenario_choice

router = APIRouter(include_in_schema=False)

# Meldpunt's own task properties (``spiffworkflow:property``) the properties panel edits, in this order, with their
# label on screen; the values the product reads are exactly those of a hand edit.
PANEL_PROPERTIES = (
    ("form", PROPERTY_LABELS["form"].capitalize()),
    ("slot", "Toewijzing (slot)"),
    ("assignment", "Verdeling over medewerkers"),
    ("priority", "Prioriteit (getal of formulierveld)"),
    ("letter", "Brief"),
    ("letter_recipient", "Ontvanger van de brief"),
    ("legal_milestone", "Wettelijke mijlpalen (komma's ertussen)"),
    ("fulfils", "Vervult mijlpaal"),
    ("fulfils_when", "Vervult de mijlpaal als (expressie)"),
    ("shows_precedents", "Toont eerdere vergelijkbare zaken (true/false)"),
    ("intake", "Registratie van de melding (true/false)"),
)


def _modeller(request: Request, s):
    web = login_required(request, s)
    modelling.require_modeller(web.user)
    return web


def _active_version_id(s) -> int | None:
    try:
        return processes.active_version(session=s).id
    except NotFound:
        return None


def _issues(issues, names) -> list[dict]:
    """Check results for the page and the script: the element id only to place the mark on the diagram; on screen
    the element's name."""
    return [{"file": i.file, "file_name": names.file(i.file) if i.file.endswith(".bpmn") else readable_file_name(i.file),
             "element": i.element_id, "element_name": names.element(i.element_id) if i.element_id else None,
             "line": i.line, "message": i.message} for i in issues]


def _panel_config(files: dict[str, bytes]) -> dict:
    from documents.preview import letters_of

    forms = sorted(p for p in files if p.startswith("forms/") and p.endswith(".json"))
    titles = {}
    for p in forms:
        try:
            titles[p] = json.loads(files[p]).get("title") or readable_file_name(p)
        except (ValueError, AttributeError):
            titles[p] = readable_file_name(p)
    return {"properties": [{"name": n, "label": label} for n, label in PANEL_PROPERTIES],
            "choices": {"form": [{"value": p, "label": titles[p]} for p in forms],
                        "letter": [{"value": code, "label": title} for code, title in letters_of(files)],
                        "assignment": [{"value": a, "label": a} for a in sorted(ASSIGNMENTS)],
                        "letter_recipient": [{"value": r, "label": r} for r in ("melder", "betrokkene")]}}


def _default_file(s, editable: list[str], drafts) -> str | None:
    """What the modeller opens without a choice: a file with a draft, else the main process's file."""
    try:
        main = processes.active_version(session=s).main_process_id
    except NotFound:
        main = None
    return next((p for p in editable if p in drafts), None) or \
        next((p for p in editable if main and p == f"{main}.bpmn"), None) or (editable[0] if editable else None)


@router.get("/processen/modelleren", response_class=HTMLResponse)
def modeller_page(request: Request, bestand: str | None = None, uitgerold: int | None = None, uitkomst: str = ""):
    try:
        with get_database().session() as s:
            web = _modeller(request, s)
            files = modelling.draft_set(session=s, user=web.user)
            editable = modelling.editable(files)
            names = parse_names(files)
            drafts = modelling.drafts(session=s, user=web.user)
            if bestand not in editable:
                bestand = _default_file(s, editable, drafts)
            issues = _issues(modelling.check(session=s, user=web.user), names) if drafts else None
            version_id = _active_version_id(s)
            deployed = None
            if uitgerold and uitkomst in ("nieuw", "geactiveerd", "ongewijzigd"):
                version = processes.find_version(session=s, version_id=uitgerold)
                deployed = processes.DeployOutcome(version, uitkomst).page_message if version else None
            config = _panel_config(files)
            return render(request, "modelleren.html", user=web.user, web=web, files=editable, bestand=bestand,
                          names=names, drafts=sorted(drafts), issues=issues, version_id=version_id,
                          forms=config["choices"]["form"], letters=config["choices"]["letter"],
                          panel=json.dumps(config, ensure_ascii=False), issues_json=json.dumps(issues or []),
                          deployed=deployed, all_files=files)
    except DomainError as exc:
        return domain_error(request, exc)


@router.get("/processen/modelleren/bestand")
def modeller_file(request: Request, bestand: str | None = None):
    """The BPMN file as this process owner edits it (their draft, else the active version's); without a choice
    the one the page opens."""
    try:
        with get_database().session() as s:
            web = _modeller(request, s)
            if bestand is None:
                bestand = _default_file(s, modelling.editable(modelling.draft_set(session=s, user=web.user)),
                                        modelling.drafts(session=s, user=web.user)) or ""
            return process_file_response(bestand, modelling.file_content(session=s, user=web.user, path=bestand))
    except DomainError as exc:
        return domain_error(request, exc)


@router.post("/processen/modelleren/opslaan")
def modeller_save(request: Request, form: FormDep):
    """Keep the modeller's XML as a draft and answer the check's findings (JSON, for the page's script)."""
    try:
        with get_database().session() as s:
            web = _modeller(request, s)
            checked_form(form, web)
            path = str(form.get("bestand") or "")
            upload = form.get("inhoud")  # the modeller sends the XML as a file part (text fields stop at 1 MB)
            content = upload.file.read(modelling.MAX_FILE_BYTES + 1) if hasattr(upload, "read") else \
                str(upload or "").encode("utf-8")
            try:
                found = modelling.save(session=s, user=web.user, path=path, content=content)
            except InvalidData as exc:
                return JSONResponse({"opgeslagen": False, "fout": str(exc.detail or exc), "problemen": []},
                                    status_code=422)
            names = parse_names(modelling.draft_set(session=s, user=web.user))
            return JSONResponse({"opgeslagen": True, "geldig": not found, "problemen": _issues(found, names)},
                                headers={"Cache-Control": "no-store"})
    except DomainError as exc:
        return JSONResponse({"opgeslagen": False, "fout": exc.detail or exc.title, "problemen": []},
                            status_code=exc.status)


@router.get("/processen/modelleren/verschillen", response_class=HTMLResponse)
def modeller_differences(request: Request):
    try:
        with get_database().session() as s:
            web = _modeller(request, s)
            files = modelling.draft_set(session=s, user=web.user)
            names = parse_names(files)
            drafts = modelling.drafts(session=s, user=web.user)
            changes = modelling.differences(session=s, user=web.user)
            issues = _issues(modelling.check(session=s, user=web.user), names) if drafts else []
            # the first changed process drawn with its changes marked (as on the page Processen)
            shown = next((c.file for c in changes if c.element_id and c.file.endswith(".bpmn") and c.file in files),
                         None)
            marked = {"added": [c.element_id for c in changes if c.file == shown and c.change == "toegevoegd"],
                      "changed": [c.element_id for c in changes if c.file == shown and c.change == "gewijzigd"]}
            rehearsal_state = modelling.rehearsal_state(session=s, user=web.user) if drafts else None
            return render(request, "modelleren_verschillen.html", user=web.user, web=web, changes=changes,
                          issues=issues, drafts=sorted(drafts), names=names, version_id=_active_version_id(s),
                          shown=shown, marked=marked, rehearsal=rehearsal_state)
    except DomainError as exc:
        return domain_error(request, exc)


@router.post("/processen/modelleren/uitrollen", response_class=HTMLResponse)
def modeller_deploy(request: Request, form: FormDep):
    """Deploy the draft (checked again; nothing is deployed while it is invalid)."""
    try:
        with get_database().session() as s:
            web = _modeller(request, s)
            checked_form(form, web)
            outcome = modelling.deploy(session=s, user=web.user, override=form.get("zonder_repetitie") or None)
            target = f"/processen/modelleren?uitgerold={outcome.version.id}&uitkomst={outcome.outcome}"
    except ProcessValidationError:
        return RedirectResponse("/processen/modelleren/verschillen", status_code=303)
    except DomainError as exc:
        return domain_error(request, exc)
    return RedirectResponse(target, status_code=303)


@router.post("/processen/modelleren/repeteren", response_class=HTMLResponse)
def modeller_rehearse(request: Request, form: FormDep):
    """Rehearse the draft against the chosen scenarios (none chosen: all); the result per scenario."""
    try:
        with get_database().session() as s:
            web = _modeller(request, s)
            checked_form(form, web)
            selection = scenario_choice(form)
            result = modelling.rehearse(session=s, user=web.user, selection=selection)
            return render(request, "processen_repetitie.html", user=web.user, web=web, error=None, issues=[],
                          result=result, selection=selection, back="/processen/modelleren/verschillen")
    except ProcessValidationError:
        return RedirectResponse("/processen/modelleren/verschillen", status_code=303)
    except DomainError as exc:
        return domain_error(request, exc)


@router.post("/processen/modelleren/weggooien")
def modeller_discard(request: Request, form: FormDep):
    try:
        with get_database().session() as s:
            web = _modeller(request, s)
            checked_form(form, web)
            modelling.discard(session=s, user=web.user)
    except DomainError as exc:
        return domain_error(request, exc)
    return RedirectResponse("/processen/modelleren", status_code=303)
