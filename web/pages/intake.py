"""Staff intake (melding invoeren): a report received by phone, letter, e-mail, in a conversation, through a line
manager or a vertrouwenspersoon, entered by whoever may (``access.may_register_report``). The page calls the same
engine door as ``POST /api/v1/meldingen`` (``engine.intake.staff``): the same checks, all before anything is
written; on an error the form returns with every value kept and a Dutch message at each field.

Who may not register gets a page that tells how to pass a report on (never a dead end).
"""
from __future__ import annotations

import re
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from engine.cases import persons
from engine.contact import service as contact
from engine.errors import DomainError, InvalidData
from engine.functions import today
from engine.identity import access, receipts
from engine.identity.models import User
from engine.intake import exclusions
from engine.intake import staff
from engine.intake import submissions
from web.pages.common import (app_settings, checked_form, domain_error, FormDep, get_database, login_required,
                              render)

router = APIRouter(include_in_schema=False)

RECEIPT_FLASH = "meldpunt_staff_ontvangstcode"
DONE = "/meldingen/ingevoerd"
KINDS = {"anoniem": "Anoniem (de melder geeft geen naam; hij krijgt een ontvangstcode)",
         "medewerker": "Een medewerker van de organisatie", "extern": "Iemand buiten de organisatie, met naam"}
TEXT_FIELDS = ("kanaal", "ontvangstwijze", "datum_melding", "categorie", "subcategorie", "omschrijving",
               "dienstonderdeel", "melder_naam", "melder_adres", "melder_email", "melder_telefoon", "betrokkene_naam",
               "betrokkene_functie", "risicofunctie")
FLAGS = ("via_vertrouwenspersoon", "toestemming_doorgeven")


def _default_channel(user: User) -> str:
    return staff.default_channel(user)


def _page(request, s, web, *, values: dict, errors: dict, status_code: int = 200):
    c = staff.choices(s)
    return render(request, "melding_invoeren.html", status_code=status_code, user=web.user, web=web, c=c,
                  values=values, errors=errors, kinds=KINDS, passes_on=staff.passes_on_for_reporter(web.user),
                  subject_field=c.subject_field, external=persons.EXTERNAL, form_key=submissions.new_key(),
                  max_excluded=exclusions.MAX_EXCLUDED)


@router.get("/meldingen/nieuw", response_class=HTMLResponse)
def intake_page(request: Request):
    with get_database().session() as s:
        web = login_required(request, s)
        if not access.may_register_report(session=s, user=web.user):
            return render(request, "melding_doorgeven.html", user=web.user, web=web)
        values = {"kanaal": _default_channel(web.user), "datum_melding": today(), "melder": "",
                  "risicofunctie": "geen"}
        return _page(request, s, web, values=values, errors={})


def _values(form, subject_field: str | None) -> dict:
    values = {k: str(form.get(k) or "").strip() for k in TEXT_FIELDS}
    if subject_field:
        values[subject_field] = str(form.get(subject_field) or "").strip()
    for flag in FLAGS:
        values[flag] = form.get(flag) == "ja"
    # who must not see the report (engine.intake.exclusions); one more than allowed, so "too many" is still said
    values[exclusions.FIELD] = [str(v)[:20] for v in form.getlist(exclusions.FIELD)[:exclusions.MAX_EXCLUDED + 1]]
    values["melder"] = str(form.get("melder") or "")
    values[staff.REPORTER_PERSON] = str(form.get(staff.REPORTER_PERSON) or "").strip()
    return values


@router.post("/meldingen/nieuw", response_class=HTMLResponse)
def intake_submit(request: Request, form: FormDep):
    try:
        with get_database().session() as s:
            web = login_required(request, s)
            checked_form(form, web)
            if not access.may_register_report(session=s, user=web.user):
                return render(request, "melding_doorgeven.html", status_code=403, user=web.user, web=web)
            c = staff.choices(s)
            values = _values(form, c.subject_field)
            kind = values["melder"] if values["melder"] in KINDS else None
            errors = {} if kind else {"melder": "‘Melder’: kies of de melder anoniem is, een medewerker of iemand "
                                                "buiten de organisatie."}
            data = {k: v for k, v in values.items() if k not in ("melder", staff.REPORTER_PERSON)}
            data["melder_anoniem"] = kind == "anoniem"
            person = values[staff.REPORTER_PERSON] or None
            if kind != "extern":  # a colleague's name comes from the organisation; an anonymous one has none
                for key in staff.IDENTITY_FIELDS:
                    if kind == "anoniem" or key == "melder_naam":
                        data.pop(key, None)
            errors.update(staff.validation_errors(s, web.user, data, reporter_person=person, reporter_kind=kind))
            if errors:
                return _page(request, s, web, values=values, errors=errors, status_code=422)
            try:
                submitted = staff.register_report(session=s, actor=web.user, values=data, reporter_person=person,
                                                  reporter_kind=kind,
                                                  form_key=str(form.get(submissions.FIELD) or "") or None)
            except InvalidData as exc:  # a check of the engine itself (e.g. the process' own rules)
                s.rollback()
                return _page(request, s, web, values=values, errors={e.field: e.message for e in exc.errors},
                             status_code=422)
            case_id = submitted.case.id
            code = receipts.format_code(submitted.receipt_code) if submitted.receipt_code else None
    except DomainError as exc:
        return domain_error(request, exc)
    response = RedirectResponse(DONE + "?" + urlencode({"zaak": case_id}), status_code=303)
    if code:  # shown once to the staff member, who passes it to the reporter; never in an address or a log
        response.set_cookie(RECEIPT_FLASH, code, max_age=300, path=DONE, httponly=True,
                            secure=app_settings(request).cookie_secure, samesite="strict")
    return response


@router.get(DONE, response_class=HTMLResponse)
def intake_done(request: Request, zaak: int | None = None):
    with get_database().session() as s:
        web = login_required(request, s)
        case = None
        if zaak is not None and 0 < zaak < 2**63:
            try:
                case = access.require_visible_case(session=s, user=web.user, case_id=zaak)
            except DomainError:
                case = None
        code = request.cookies.get(RECEIPT_FLASH)
        code = code if code and re.fullmatch(r"\d{4} \d{4} \d{4} \d{4}", code) else None
        oral = case is not None and contact.oral_intake(s, case) and contact.may_see_oral_reports(
            session=s, user=web.user, case_id=case.id)
        response = render(request, "melding_ingevoerd.html", user=web.user, web=web, case=case, code=code,
                          oral=oral)
    response.delete_cookie(RECEIPT_FLASH, path=DONE, secure=app_settings(request).cookie_secure, httponly=True,
                           samesite="strict")
    return response
