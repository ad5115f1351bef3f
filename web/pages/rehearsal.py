"""Process owners: rehearse a draft against the compliance scenarios (``engine.processes.rehearsal``).

Its own page and template (``processen_repetitie.html``, form ``_repetitie_formulier.html`` on the processes page),
so the processes page itself changes little.
"""
from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from engine.errors import DomainError, NotFound
from engine.processes import rehearsal, service as processes
from web.pages.common import checked_form, domain_error, FormDep, get_database, render
from web.pages.processes import _process_owner

router = APIRouter(include_in_schema=False)


def uploaded_files(form, s) -> dict[str, bytes]:
    """The uploaded files by process-set path; with ``aanvullen=ja`` completed by the active version's files."""
    files: dict[str, bytes] = {}
    for up in (f for f in form.getlist("bestanden") if hasattr(f, "read")):
        name = (up.filename or "").replace("\\", "/").split("/")[-1]
        if not name:
            continue
        key = f"forms/{name}" if name.endswith(".json") and name not in ("manifest.json", "letters.json") \
            else f"letters/{name}" if name.endswith(".docx") else name
        files[key] = up.file.read()  # spooled by the form parser before the route ran
    if files and form.get("aanvullen") == "ja":
        try:
            files = {**{f.path: f.content for f in processes.latest_version(session=s).files}, **files}
        except NotFound:
            pass
    return files


def scenario_choice(form) -> list[str]:
    """The chosen scenarios, one per line (feature file, exact scenario name or tag); none: all."""
    return [part.strip() for part in str(form.get("keuze") or "").splitlines() if part.strip()]


@router.post("/processen/repeteren", response_class=HTMLResponse)
def processes_rehearse(request: Request, form: FormDep):
    """Run the chosen scenarios against the uploaded draft; the result per scenario with its failing step."""
    try:
        with get_database().session() as s:
            web = _process_owner(request, s)
            checked_form(form, web)
            files = uploaded_files(form, s)
            selection = scenario_choice(form)
            error, issues, result = None, [], None
            if not files:
                error = "Kies een of meer bestanden van de conceptversie."
            else:
                issues = processes.check(files=files)
                if issues:
                    error = "De conceptversie komt niet door de controle; verbeter eerst deze problemen."
                else:
                    result = rehearsal.rehearse(session=s, files=files, selection=selection,
                                                actor=web.user.username)
            return render(request, "processen_repetitie.html", status_code=422 if error and files else 200,
                          user=web.user, web=web, error=error, issues=issues, result=result,
                          selection=selection, checked=sorted(files))
    except DomainError as exc:
        return domain_error(request, exc)
