"""Incidents for the process owner and the coordinator (issue 18): the same engine door as
``api/routers/incidents.py`` (``engine.incidents.service``). A row names the case reference, the process element
and the kind of error; never case content."""
from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from engine.errors import DomainError
from engine.identity import access
from engine.incidents import service as incidents
from web.pages.common import checked_form, domain_error, FormDep, get_database, login_required, render, with_message

router = APIRouter(include_in_schema=False)

SOURCES = {"timer": "Termijn (timer)", "taak": "Afronden van een taak", "brief": "Brief aanmaken"}


@router.get("/incidenten", response_class=HTMLResponse)
def incidents_page(request: Request, melding: str = "", toon: str = "open"):
    try:
        with get_database().session() as s:
            web = login_required(request, s)
            state = None if toon == "alle" else "open"
            rows = incidents.list_incidents(session=s, by=web.user, state=state)
            refs = incidents.case_references(session=s, by=web.user, rows=rows)
            # the case number for every row; a link only to a case this user may open (engine.identity.access)
            linked = access.visible_references(session=s, user=web.user, case_ids={r.case_id for r in rows})
            return render(request, "incidenten.html", user=web.user, web=web, rows=rows, refs=refs, sources=SOURCES,
                          melding=melding, toon=toon, linked=linked)
    except DomainError as exc:
        return domain_error(request, exc)


def _action(request: Request, form, incident_id: int, act: str) -> RedirectResponse | HTMLResponse:
    try:
        with get_database().session() as s:
            web = login_required(request, s)
            checked_form(form, web)
            if act == "opnieuw":
                incident, resolved = incidents.retry(session=s, by=web.user, incident_id=incident_id)
                text = ("Opnieuw geprobeerd: gelukt, het incident is opgelost." if resolved else
                        f"Opnieuw geprobeerd: nog steeds mislukt ({incident.message})")
            else:
                incidents.close(session=s, by=web.user, incident_id=incident_id)
                text = "Het incident is als opgelost gemarkeerd."
        return RedirectResponse(with_message("/incidenten", text), status_code=303)
    except DomainError as exc:
        return domain_error(request, exc)


@router.post("/incidenten/{incident_id:id}/opnieuw", response_class=HTMLResponse)
def retry_incident(request: Request, incident_id: int, form: FormDep):
    return _action(request, form, incident_id, "opnieuw")


@router.post("/incidenten/{incident_id:id}/afsluiten", response_class=HTMLResponse)
def close_incident(request: Request, incident_id: int, form: FormDep):
    return _action(request, form, incident_id, "afsluiten")
