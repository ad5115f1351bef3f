"""Records lifecycle pages (issue 20): legal hold on the case page, destruction lists with four-eyes approval and
the certificate, access requests (AVG art. 15) and rectification/restriction flags.

One door: every action calls the same engine function as the API (``engine.records.service``,
``engine.records.subject_rights``); the engine decides who may, and refuses in Dutch."""
from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from engine.errors import DomainError, FieldError, InvalidData
from engine.identity import access
from engine.identity.models import User
from engine.records import service as records
from engine.records import subject_rights as rights
from web.pages.common import FormDep, checked_form, domain_error, get_database, login_required, render, with_message

router = APIRouter(include_in_schema=False)

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
LIST_STATUS = {"concept": "Concept", "voorgesteld": "Voorgesteld, wacht op goedkeuring (vier ogen)",
               "goedgekeurd": "Goedgekeurd, wordt bij de volgende ronde vernietigd", "uitgevoerd": "Uitgevoerd"}
ITEM_STATUS = {"te_vernietigen": "Te vernietigen", "vernietigd": "Vernietigd", "overgeslagen": "Overgeslagen"}


def _redirect(url: str, text: str) -> RedirectResponse:
    return RedirectResponse(with_message(url, text), status_code=303)


def case_block(session: Session, user: User, case_id: int) -> dict:
    """What the case page shows about retention, legal hold and person flags (the caller checked visibility)."""
    info = records.case_retention(session=session, user=user, case_id=case_id)
    flags = []
    for f in rights.case_flags(session=session, user=user, case_id=case_id):
        named = rights.shows_flag_person(session=session, user=user, flag=f)
        flags.append({"id": f.id, "role": rights.ROLES.get(f.role, f.role),
                      "kind": rights.FLAG_KINDS.get(f.kind, f.kind), "person": f.person if named else None,
                      "statement": f.statement if named else None, "placed_by": f.placed_by,
                      "placed_at": f.placed_at, "lifted_at": f.lifted_at})
    return {"info": info, "class_label": records.class_label(info.outcome_class) if info.outcome_class else None,
            "may_manage": access.may_manage_records(user), "may_flag": access.may_handle_access_requests(user),
            "flags": flags, "roles": rights.ROLES, "kinds": rights.FLAG_KINDS}


# --------------------------------------------------------------------------- legal hold (case page)

@router.post("/zaken/{case_id:id}/bewaarplicht")
def place_hold(request: Request, case_id: int, form: FormDep):
    try:
        with get_database().session() as s:
            web = login_required(request, s)
            checked_form(form, web)
            records.place_hold(session=s, user=web.user, case_id=case_id, reason=str(form.get("reden") or ""))
    except DomainError as exc:
        return domain_error(request, exc)
    return _redirect(f"/zaken/{case_id}", "De bewaarplicht is ingesteld; de zaak wordt niet vernietigd zolang "
                                          "die geldt.")


@router.post("/zaken/{case_id:id}/bewaarplicht/opheffen")
def lift_hold(request: Request, case_id: int, form: FormDep):
    try:
        with get_database().session() as s:
            web = login_required(request, s)
            checked_form(form, web)
            records.lift_hold(session=s, user=web.user, case_id=case_id)
    except DomainError as exc:
        return domain_error(request, exc)
    return _redirect(f"/zaken/{case_id}", "De bewaarplicht is opgeheven.")


# --------------------------------------------------------------------------- person flags (case page)

@router.post("/zaken/{case_id:id}/persoonsmarkeringen")
def place_flag(request: Request, case_id: int, form: FormDep):
    try:
        with get_database().session() as s:
            web = login_required(request, s)
            checked_form(form, web)
            rights.place_flag(session=s, user=web.user, case_id=case_id, role=str(form.get("rol") or ""),
                              person=str(form.get("persoon") or ""), kind=str(form.get("soort") or ""),
                              statement=str(form.get("toelichting") or ""))
    except DomainError as exc:
        return domain_error(request, exc)
    return _redirect(f"/zaken/{case_id}", "De markering is vastgelegd.")


@router.post("/zaken/{case_id:id}/persoonsmarkeringen/{flag_id:id}/opheffen")
def lift_flag(request: Request, case_id: int, flag_id: int, form: FormDep):
    try:
        with get_database().session() as s:
            web = login_required(request, s)
            checked_form(form, web)
            rights.lift_flag(session=s, user=web.user, case_id=case_id, flag_id=flag_id)
    except DomainError as exc:
        return domain_error(request, exc)
    return _redirect(f"/zaken/{case_id}", "De markering is opgeheven.")


# --------------------------------------------------------------------------- destruction lists

@router.get("/bewaartermijnen", response_class=HTMLResponse)
def lists_page(request: Request, melding: str = ""):
    try:
        with get_database().session() as s:
            web = login_required(request, s)
            user = web.user
            lists = [{"list": d, "status": LIST_STATUS.get(d.status, d.status),
                      "items": [{"item": i, "class": records.class_label(i.outcome_class),
                                 "status": ITEM_STATUS.get(i.status, i.status)}
                                for i in records.visible_items(session=s, user=user, list_id=d.id)]}
                     for d in records.list_lists(session=s, user=user)]
            return render(request, "bewaartermijnen.html", user=user, web=web, lists=lists, melding=melding,
                          may_manage=access.may_manage_records(user))
    except DomainError as exc:
        return domain_error(request, exc)


@router.post("/bewaartermijnen/lijsten/{list_id:id}/voorstellen")
def propose(request: Request, list_id: int, form: FormDep):
    try:
        with get_database().session() as s:
            web = login_required(request, s)
            checked_form(form, web)
            records.propose(session=s, user=web.user, list_id=list_id)
    except DomainError as exc:
        return domain_error(request, exc)
    return _redirect("/bewaartermijnen", "De lijst is voorgesteld. Een tweede bevoegde collega keurt hem goed.")


@router.post("/bewaartermijnen/lijsten/{list_id:id}/goedkeuren")
def approve(request: Request, list_id: int, form: FormDep):
    try:
        with get_database().session() as s:
            web = login_required(request, s)
            checked_form(form, web)
            records.approve(session=s, user=web.user, list_id=list_id)
    except DomainError as exc:
        return domain_error(request, exc)
    return _redirect("/bewaartermijnen", "De lijst is goedgekeurd. De zaken worden bij de volgende dagelijkse "
                                         "ronde vernietigd; daarna staat de verklaring van vernietiging klaar.")


@router.get("/bewaartermijnen/lijsten/{list_id:id}/verklaring")
def certificate(request: Request, list_id: int):
    try:
        with get_database().session() as s:
            web = login_required(request, s)
            filename, content = records.certificate_for(session=s, user=web.user, list_id=list_id)
            return Response(content, media_type=DOCX,
                            headers={"Content-Disposition": f'attachment; filename="{filename}"',
                                     "Cache-Control": "no-store"})
    except DomainError as exc:
        return domain_error(request, exc)


# --------------------------------------------------------------------------- access requests

def _request_row(s: Session, req, user: User) -> dict:
    return {"req": req, "name": rights.person_of(req).get("naam", ""), "overdue": rights.is_overdue(req),
            "cases": [{"reference": ref, "role": rights.ROLES.get(link.role, link.role), "case_id": link.case_id}
                      for link, ref in rights.shown_request_cases(s, user, req.id)]}


# The registration form's fields as the page labels them: a refusal names the field so, next to it.
REQUEST_FIELDS = {"naam": "Naam van de persoon", "gebruikersnaam": "Gebruikersnaam", "email": "E-mailadres",
                  "ontvangen_op": "Ontvangen op"}


def _requests_page(request: Request, s: Session, web, *, melding: str = "", values: dict | None = None,
                   errors: dict | None = None, status_code: int = 200):
    rows = [_request_row(s, r, web.user) for r in rights.list_requests(session=s, user=web.user)]
    return render(request, "inzageverzoeken.html", status_code=status_code, user=web.user, web=web, rows=rows,
                  melding=melding, overdue=[r for r in rows if r["overdue"]], values=values or {},
                  errors=errors or {}, labels=REQUEST_FIELDS)


@router.get("/inzageverzoeken", response_class=HTMLResponse)
def requests_page(request: Request, melding: str = ""):
    try:
        with get_database().session() as s:
            web = login_required(request, s)
            return _requests_page(request, s, web, melding=melding)
    except DomainError as exc:
        return domain_error(request, exc)


def _received(form) -> date | None:
    text = str(form.get("ontvangen_op") or "").strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        message = "Vul de datum van ontvangst in als dag-maand-jaar (bijvoorbeeld 2026-11-02)."
        raise InvalidData([FieldError("ontvangen_op", message)], detail=message) from None


@router.post("/inzageverzoeken")
def register(request: Request, form: FormDep):
    try:
        with get_database().session() as s:
            web = login_required(request, s)
            checked_form(form, web)
            rights.require_handler(web.user, s)  # refused before the form's contents are read
            try:
                req = rights.register(session=s, user=web.user, name=str(form.get("naam") or ""),
                                      username=str(form.get("gebruikersnaam") or ""),
                                      email=str(form.get("email") or ""), received_on=_received(form),
                                      reporter_consent=form.get("toestemming_melder") == "ja")
            except InvalidData as exc:  # next to each field, by its label; what was typed stays (nothing stored)
                s.rollback()
                values = {k: str(form.get(k) or "") for k in (*REQUEST_FIELDS, "toestemming_melder")}
                errors = {e.field: e.message for e in exc.errors}
                return _requests_page(request, s, web, values=values, errors=errors, status_code=422)
            req_id = req.id
    except DomainError as exc:
        return domain_error(request, exc)
    return _redirect(f"/inzageverzoeken/{req_id}", "Het inzageverzoek is geregistreerd. Koppel de zaken waarin de "
                                                  "persoon voorkomt.")


@router.get("/inzageverzoeken/{request_id:id}", response_class=HTMLResponse)
def request_page(request: Request, request_id: int, melding: str = ""):
    try:
        with get_database().session() as s:
            web = login_required(request, s)
            req = rights.get_request(session=s, user=web.user, request_id=request_id)
            return render(request, "inzageverzoek.html", user=web.user, web=web, row=_request_row(s, req, web.user),
                          roles=rights.ROLES, melding=melding)
    except DomainError as exc:
        return domain_error(request, exc)


@router.post("/inzageverzoeken/{request_id:id}/zaken")
def link_case(request: Request, request_id: int, form: FormDep):
    try:
        with get_database().session() as s:
            web = login_required(request, s)
            checked_form(form, web)
            rights.link_case(session=s, user=web.user, request_id=request_id,
                             reference=str(form.get("zaaknummer") or ""), role=str(form.get("rol") or ""))
    except DomainError as exc:
        return domain_error(request, exc)
    return _redirect(f"/inzageverzoeken/{request_id}", "De zaak is gekoppeld.")


@router.post("/inzageverzoeken/{request_id:id}/verlengen")
def extend(request: Request, request_id: int, form: FormDep):
    try:
        with get_database().session() as s:
            web = login_required(request, s)
            checked_form(form, web)
            rights.extend(session=s, user=web.user, request_id=request_id, reason=str(form.get("reden") or ""))
    except DomainError as exc:
        return domain_error(request, exc)
    return _redirect(f"/inzageverzoeken/{request_id}", "De termijn is verlengd. Laat de persoon dit met de reden "
                                                      "weten.")


@router.post("/inzageverzoeken/{request_id:id}/afhandelen")
def complete(request: Request, request_id: int, form: FormDep):
    try:
        with get_database().session() as s:
            web = login_required(request, s)
            checked_form(form, web)
            rights.complete(session=s, user=web.user, request_id=request_id)
    except DomainError as exc:
        return domain_error(request, exc)
    return _redirect(f"/inzageverzoeken/{request_id}", "Het inzageverzoek is afgehandeld.")


@router.get("/inzageverzoeken/{request_id:id}/export")
def export(request: Request, request_id: int):
    try:
        with get_database().session() as s:
            web = login_required(request, s)
            out = rights.export(session=s, user=web.user, request_id=request_id)
            return Response(out.content, media_type="application/zip",
                            headers={"Content-Disposition": f'attachment; filename="{out.filename}"',
                                     "Cache-Control": "no-store"})
    except DomainError as exc:
        return domain_error(request, exc)
