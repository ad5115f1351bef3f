"""Identity reveal (DOMAIN §4) in the web: a request to make the reporter's identity known to a colleague who works
on the case, and the integrity coordinator's decision. Only ``engine.cases.reveal`` decides and writes (the same
functions as ``/api/v1/zaken/{id}/onthullingen``): on approval the engine first writes the letter to the reporter
and the message in the reporter's channel, then the reveal takes effect; a failure changes nothing.
"""
from __future__ import annotations


from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy.orm import Session

from engine.cases import reveal
from engine.errors import DomainError, InvalidData, NotFound
from engine.identity.models import User
from web.pages.common import (checked_form, domain_error, form_int, FormDep, get_database, not_found, render,
                              user_name, visible_case, with_message)

router = APIRouter(include_in_schema=False)

STATES = {"aangevraagd": "Aangevraagd, wacht op besluit",
          "goedgekeurd": "Goedgekeurd; de melder is vooraf geïnformeerd",
          "afgewezen": "Afgewezen"}


def _row(s: Session, row, user: User) -> dict:
    return {"id": row.id, "grantee": user_name(s, row.grantee_id), "requester": user_name(s, row.requested_by_id),
            "reason": row.reason, "state": row.state, "state_text": STATES.get(row.state, row.state),
            "requested_at": row.requested_at, "decider": user_name(s, row.decided_by_id), "decided_at": row.decided_at,
            "note": row.decision_note, "informed_at": row.reporter_informed_at,
            "may_decide": row.state == "aangevraagd" and reveal.why_not_decider(session=s, user=user, row=row) is None}


def _list_page(request, s, web, case, *, values=None, errors=None, status_code=200, melding=""):
    rows = [_row(s, r, web.user) for r in reveal.list_reveals(session=s, user=web.user, case_id=case.id)]
    candidates = [(u.id, u.display_name) for u in reveal.grantee_candidates(session=s, case_id=case.id)]
    return render(request, "onthullingen.html", status_code=status_code, user=web.user, web=web, case=case,
                  rows=rows, candidates=candidates, values=values or {}, errors=errors or {}, melding=melding)


@router.get("/zaken/{case_id:id}/onthullingen", response_class=HTMLResponse)
def reveals_page(request: Request, case_id: int, melding: str = ""):
    with get_database().session() as s:
        web, case = visible_case(request, s, case_id)
        if case is None:
            return not_found(request, web.user, web)
        return _list_page(request, s, web, case, melding=melding)


@router.post("/zaken/{case_id:id}/onthullingen", response_class=HTMLResponse)
def reveal_request(request: Request, case_id: int, form: FormDep):
    values = {"ontvanger_id": str(form.get("ontvanger_id") or ""), "reden": str(form.get("reden") or "")}
    try:
        with get_database().session() as s:
            web, case = visible_case(request, s, case_id)
            if case is None:
                return not_found(request, web.user, web)
            checked_form(form, web)
            errors = {}
            grantee = form_int(values["ontvanger_id"])
            if grantee is None:
                errors["ontvanger_id"] = "‘Aan wie’: kies de medewerker aan wie de identiteit bekend moet worden."
            if not values["reden"].strip():
                errors["reden"] = "‘Reden’ is verplicht: waarom moet deze medewerker weten wie de melder is?"
            if not errors:
                try:
                    reveal.request_reveal(session=s, case_id=case.id, by=web.user, grantee_id=grantee,
                                          reason=values["reden"])
                except InvalidData as exc:
                    s.rollback()
                    errors = {e.field: e.message for e in exc.errors}
            if errors:
                values["reden"] = values["reden"][:2 * reveal.MAX_REASON]
                return _list_page(request, s, web, case, values=values, errors=errors, status_code=422)
    except DomainError as exc:
        return domain_error(request, exc)
    return RedirectResponse(with_message(
        f"/zaken/{case_id}/onthullingen", "Uw verzoek is vastgelegd; de integriteitscoördinator beslist erover."),
        status_code=303)


def _decision_page(request, s, web, case, row, *, values=None, errors=None, status_code=200):
    return render(request, "onthulling.html", status_code=status_code, user=web.user, web=web, case=case,
                  r=_row(s, row, web.user), refusal=reveal.why_not_decider(session=s, user=web.user, row=row),
                  values=values or {}, errors=errors or {})


@router.get("/zaken/{case_id:id}/onthullingen/{reveal_id:id}", response_class=HTMLResponse)
def reveal_page(request: Request, case_id: int, reveal_id: int):
    with get_database().session() as s:
        web, case = visible_case(request, s, case_id)
        if case is None:
            return not_found(request, web.user, web)
        try:
            row = reveal.get_reveal(session=s, case_id=case.id, reveal_id=reveal_id)
        except NotFound:
            return not_found(request, web.user, web)
        return _decision_page(request, s, web, case, row)


@router.post("/zaken/{case_id:id}/onthullingen/{reveal_id:id}/besluit", response_class=HTMLResponse)
def reveal_decide(request: Request, case_id: int, reveal_id: int, form: FormDep):
    values = {"besluit": str(form.get("besluit") or ""), "toelichting": str(form.get("toelichting") or "")}
    try:
        with get_database().session() as s:
            web, case = visible_case(request, s, case_id)
            if case is None:
                return not_found(request, web.user, web)
            checked_form(form, web)
            row = reveal.get_reveal(session=s, case_id=case.id, reveal_id=reveal_id)
            errors = {}
            if values["besluit"] not in ("goedkeuren", "afwijzen"):
                errors["besluit"] = "‘Besluit’: kies goedkeuren of afwijzen."
            else:
                try:
                    reveal.decide_reveal(session=s, case_id=case.id, reveal_id=row.id, by=web.user,
                                         approve=values["besluit"] == "goedkeuren", note=values["toelichting"])
                except InvalidData as exc:
                    s.rollback()
                    errors = {e.field: e.message for e in exc.errors}
            if errors:
                row = reveal.get_reveal(session=s, case_id=case.id, reveal_id=reveal_id)
                values["toelichting"] = values["toelichting"][:2 * reveal.MAX_REASON]
                return _decision_page(request, s, web, case, row, values=values, errors=errors, status_code=422)
            approved = values["besluit"] == "goedkeuren"
    except DomainError as exc:
        return domain_error(request, exc)
    text = ("Goedgekeurd. De melder is eerst schriftelijk geïnformeerd (brief in het dossier en bericht in de "
            "brievenbus); daarna is de identiteit bekendgemaakt." if approved else "Het verzoek is afgewezen.")
    return RedirectResponse(with_message(f"/zaken/{case_id}/onthullingen", text), status_code=303)
