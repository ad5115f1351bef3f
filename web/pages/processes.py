"""Process owners: deployed versions, checking and deploying process files (``engine.processes``)."""
from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from api.raw_files import process_file_response
from engine.processes.names import version_names
from engine.errors import DomainError, NotFound, ProcessValidationError
from engine.identity.models import WebSession
from engine.processes import diff as process_diff, service as processes
from web.pages.common import (checked_form, domain_error, form_int, FormDep, get_database, login_required,
                              not_found, render)

router = APIRouter(include_in_schema=False)


# --------------------------------------------------------------------------- processen

def _process_owner(request: Request, s: Session) -> WebSession:
    web = login_required(request, s)
    processes.require_process_owner(web.user)  # the engine decides, as for the API
    return web


def _versions(s: Session, user) -> list[dict]:
    out = []
    listed = processes.list_versions(session=s)
    active = processes.active_version(session=s).id if listed else None
    running = processes.running_cases(session=s, reader=user)
    for v in reversed(listed):
        names = version_names(v)  # what the files call their processes (never an element id on screen)
        out.append({"id": v.id, "hash": v.content_hash[:12], "deployed_at": v.deployed_at, "by": v.deployed_by,
                    "main": v.main_process_id, "main_name": names.element(v.main_process_id) or "—",
                    "files": [f.path for f in v.files], "active": v.id == active, "running": running.get(v.id, 0),
                    "names": {f.path: names.file(f.path) for f in v.files if f.path.endswith(".bpmn")}})
    return out


def _differences(s: Session, chosen: dict | None, other: int | None, versions: list[dict]) -> dict | None:
    """The element-level differences of the chosen version against version ``other`` (engine.processes.diff)."""
    if chosen is None or other is None or other == chosen["id"] or other not in {v["id"] for v in versions}:
        return None
    changes = process_diff.diff_versions(session=s, version_id=chosen["id"], other_id=other)
    marked = {"added": [c.element_id for c in changes if c.element_id and c.change == "toegevoegd"],
              "changed": [c.element_id for c in changes if c.element_id and c.change == "gewijzigd"]}
    return {"other": other, "changes": changes, "marked": marked}


@router.get("/processen", response_class=HTMLResponse)
def processes_page(request: Request, versie: int | None = None, bestand: str | None = None, melding: str = "",
                   met: int | None = None):
    try:
        with get_database().read_session() as s:  # a pure read (web.pages.common.WebDatabase)
            web = _process_owner(request, s)
            versions = _versions(s, web.user)
            chosen = next((v for v in versions if v["id"] == versie), None) or \
                next((v for v in versions if v["active"]), None)
            files = [f for f in chosen["files"] if f.endswith(".bpmn")] if chosen else []
            differences = _differences(s, chosen, met, versions)
            if chosen and bestand not in files:
                changed = [c.file for c in differences["changes"] if c.element_id] if differences else []
                bestand = next((f for f in changed if f in files), None) or \
                    next((f for f in files if f.split("/")[-1].startswith(chosen["main"])), None) or \
                    (files[0] if files else None)
            return render(request, "processen.html", user=web.user, web=web, versions=versions, chosen=chosen,
                          files=files, bestand=bestand, results=None, melding=_MESSAGES.get(melding, ""),
                          letters=_letters(s), differences=differences)
    except DomainError as exc:
        return domain_error(request, exc)


@router.get("/processen/{version_id:id}/diagram")
def process_diagram(request: Request, version_id: int, bestand: str):
    try:
        with get_database().session() as s:
            _process_owner(request, s)
            version = processes.find_version(session=s, version_id=version_id)
            for f in (version.files if version else []):
                if f.path == bestand:
                    return process_file_response(f.path, f.content)
    except DomainError as exc:
        return domain_error(request, exc)
    return not_found(request)


_MESSAGES = {"geactiveerd": "De gekozen versie is weer actief: nieuwe meldingen starten erop. Lopende zaken "
                           "blijven op hun eigen versie."}


@router.post("/processen/{version_id:id}/activeren")
def process_activate(request: Request, version_id: int, form: FormDep):
    """Use an earlier version for new cases again (engine.processes.service.activate, audited)."""
    try:
        with get_database().session() as s:
            web = _process_owner(request, s)
            checked_form(form, web)
            processes.activate(session=s, version_id=version_id, actor=web.user.username)
    except DomainError as exc:
        return domain_error(request, exc)
    return RedirectResponse(f"/processen?versie={version_id}&melding=geactiveerd", status_code=303)


def _issues_by_file(issues, names: list[str]) -> list[dict]:
    grouped: dict[str, list] = {n: [] for n in names}
    for issue in issues:
        grouped.setdefault(issue.file or "(set)", []).append(issue)
    return [{"file": f, "issues": grouped[f]} for f in grouped]


@router.post("/processen", response_class=HTMLResponse)
def processes_upload(request: Request, form: FormDep):
    try:
        with get_database().session() as s:
            web = _process_owner(request, s)
            checked_form(form, web)
            uploads = [f for f in form.getlist("bestanden") if hasattr(f, "read")]
            files: dict[str, bytes] = {}
            for up in uploads:
                name = (up.filename or "").replace("\\", "/").split("/")[-1]
                if not name:
                    continue
                key = f"forms/{name}" if name.endswith(".json") and name not in ("manifest.json", "letters.json") \
                    else f"letters/{name}" if name.endswith(".docx") else name
                files[key] = up.file.read()  # spooled by the form parser before the route ran
            if not files:
                results, issues = None, None
                error = "Kies een of meer bestanden (BPMN, DMN, manifest.json en formulieren)."
            else:
                error = None
                if form.get("aanvullen") == "ja":  # only the changed files: the rest from the active version
                    try:
                        base = processes.latest_version(session=s)
                        files = {**{f.path: f.content for f in base.files}, **files}
                    except NotFound:
                        pass
                issues = processes.check(files=files)
                results = _issues_by_file(issues, sorted(files))
            deployed = None
            if files and not issues and form.get("actie") == "uitrollen":
                deployed = processes.deploy_files(session=s, files=files, actor=web.user.username,
                                                  override=form.get("zonder_repetitie") or None).page_message
            versions = _versions(s, web.user)
            chosen = next((v for v in versions if v["active"]), None)
            bpmn = [f for f in chosen["files"] if f.endswith(".bpmn")] if chosen else []
            return render(request, "processen.html", status_code=200 if not issues else 422, user=web.user, web=web,
                          versions=versions, chosen=chosen, files=bpmn, bestand=bpmn[0] if bpmn else None,
                          results=results, error=error, deployed=deployed, melding="",
                          checked=sorted(files), letters=_letters(s))
    except ProcessValidationError as exc:
        return domain_error(request, exc)
    except DomainError as exc:
        return domain_error(request, exc)


# --------------------------------------------------------------------------- lopende zaken migreren

def _version_field(form, name: str, label: str) -> int:
    from engine.errors import FieldError, InvalidData

    raw = str(form.get(name) or "").strip()
    if form_int(raw) is None:
        raise InvalidData([FieldError(name, f"kies de versie {label}")], detail=f"Kies de versie {label}.")
    return form_int(raw)


@router.post("/processen/migratie", response_class=HTMLResponse)
def processes_migration(request: Request, form: FormDep):
    """Running cases of one version to another (``engine.processes.migration``): a dry run unless ``actie`` is
    ``migreren``; each case in its own transaction."""
    from engine.errors import InvalidData
    from engine.processes import migration

    try:
        with get_database().session() as s:
            web = _process_owner(request, s)
            checked_form(form, web)
            versions = _versions(s, web.user)
        error, report = None, None
        try:
            van, naar = _version_field(form, "van", "waarop de zaken staan"), _version_field(form, "naar", "waarnaar ze gaan")
            if form.get("actie") == "migreren":
                report = migration.migrate(scope=get_database().session, from_version=van, to_version=naar,
                                           actor=web.user.username)
            else:
                with get_database().session() as s:
                    report = migration.dry_run(session=s, from_version=van, to_version=naar)
        except (InvalidData, NotFound) as exc:
            error = str(exc)
        with get_database().session() as s:
            chosen = versions[0] if versions else None
            bpmn = [f for f in chosen["files"] if f.endswith(".bpmn")] if chosen else []
            return render(request, "processen.html", status_code=422 if error else 200, user=web.user, web=web,
                          versions=versions, chosen=chosen, files=bpmn, bestand=bpmn[0] if bpmn else None,
                          results=None, melding="", letters=_letters(s), migration=report, migration_error=error)
    except DomainError as exc:
        return domain_error(request, exc)


# --------------------------------------------------------------------------- briefsjablonen

def _letters(s: Session) -> list[tuple[str, str]]:
    from documents.preview import letters_of

    return letters_of(processes.draft_files(session=s))


@router.post("/processen/brieven", response_class=HTMLResponse)
def letter_template_check(request: Request, form: FormDep):
    """Check an uploaded template for a letter of the newest process set (``documents.preview``); ``actie``
    ``voorbeeld`` answers the letter rendered with the sample case (PDF, or HTML without LibreOffice)."""
    from documents.preview import MAX_TEMPLATE_BYTES, check_letter_template, preview

    try:
        with get_database().session() as s:
            web = _process_owner(request, s)
            checked_form(form, web)
            letters = _letters(s)
            name = str(form.get("brief") or "")
            upload = form.get("sjabloon")
            content = upload.file.read(MAX_TEMPLATE_BYTES + 1) if hasattr(upload, "read") else b""
            if name not in dict(letters):
                result, error = None, "Kies de brief waarvan u het sjabloon wilt controleren."
            else:
                result, error = check_letter_template(processes.draft_files(session=s), name, content), None
            if result is not None and not result.issues and form.get("actie") == "voorbeeld":
                media_type, body = preview(result)
                kind = "pdf" if media_type == "application/pdf" else "html"
                return Response(body, media_type=media_type,
                                headers={"Content-Disposition": f'inline; filename="voorbeeld-{name}.{kind}"'})
            versions = _versions(s, web.user)
            chosen = next((v for v in versions if v["active"]), None)
            bpmn = [f for f in chosen["files"] if f.endswith(".bpmn")] if chosen else []
            return render(request, "processen.html", status_code=200 if result and not result.issues else 422,
                          user=web.user, web=web, versions=versions, chosen=chosen, files=bpmn,
                          bestand=bpmn[0] if bpmn else None, results=None, melding="", letters=letters,
                          letter_result=result, letter_error=error, letter_chosen=name)
    except DomainError as exc:
        return domain_error(request, exc)
