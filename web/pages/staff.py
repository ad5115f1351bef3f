"""Work and absence of a person (issue 22): ``/gebruikers/{id}/werk``. The coordinator sees the person's claimed
open tasks and hands them all over in one action; the person themselves, the coordinator and the functional
administrator record and withdraw absences with a delegate. The same engine door as ``api/routers/staff.py``
(``engine.staff.service``); the coordinators' notices on the worklist are marked seen here too."""
from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from engine.errors import DomainError, InvalidData
from engine.identity import second_factor
from engine.identity import service as identity
from engine.staff import service as staff
from web.pages.common import checked_form, domain_error, form_int, FormDep, get_database, login_required, render, with_message

router = APIRouter(include_in_schema=False)

LABELS = {"van": "Van", "tot": "Tot en met", "vervanger_id": "Vervanger", "taken_overdragen": "Taken overdragen",
          "naar_id": "Overdragen aan", "reden": "Reden"}


def _id(value: str) -> int | None:
    return form_int(value)


def _page(request: Request, s, web, user_id: int, *, absence_values: dict | None = None,
          absence_errors: dict | None = None, handover_values: dict | None = None,
          handover_errors: dict | None = None, melding: str = "", status_code: int = 200):
    person = staff.staff_member(session=s, by=web.user, user_id=user_id)
    coordinator = staff.may_hand_over_work(web.user)
    tasks, hidden = [], 0
    if coordinator:
        _, tasks, hidden = staff.open_work_view(session=s, by=web.user, user_id=user_id)
    today = staff.today()
    colleagues = [(u.id, u.display_name) for u in identity.list_users(session=s, include_inactive=False)
                  if u.id != person.id]
    names = dict(colleagues)
    absences = [{"id": a.id, "van": a.starts_on, "tot": a.ends_on, "vervanger": names.get(a.delegate_id, "geen"),
                 "loopt": a.starts_on <= today <= a.ends_on}
                for a in staff.list_absences(session=s, by=web.user, user_id=user_id)]
    may_reset = second_factor.why_not_reset_for(web.user, person) is None
    return render(request, "medewerker_werk.html", status_code=status_code, user=web.user, web=web, person=person,
                  may_reset_factor=may_reset,
                  tweede_factor=may_reset and second_factor.is_enrolled(session=s, user=person),
                  coordinator=coordinator, tasks=tasks, hidden=hidden, colleagues=colleagues, absences=absences,
                  today=today, labels=LABELS, melding=melding,
                  absence_values=absence_values or {}, absence_errors=absence_errors or {},
                  handover_values=handover_values or {}, handover_errors=handover_errors or {})


@router.get("/gebruikers/{user_id:id}/werk", response_class=HTMLResponse)
def work_page(request: Request, user_id: int, melding: str = ""):
    try:
        with get_database().session() as s:
            web = login_required(request, s)
            return _page(request, s, web, user_id, melding=melding)
    except DomainError as exc:
        return domain_error(request, exc)


@router.post("/gebruikers/{user_id:id}/werk-overdragen", response_class=HTMLResponse)
def hand_over(request: Request, user_id: int, form: FormDep):
    target = str(form.get("naar") or "").strip()
    values = {"naar": target, "reden": str(form.get("reden") or "")}
    errors: dict[str, str] = {}
    try:
        with get_database().session() as s:
            web = login_required(request, s)
            checked_form(form, web)
            staff.require_coordinator(web.user)
            to_id = None
            if target not in ("", "pool"):
                to_id = _id(target)
                if to_id is None:
                    errors["naar_id"] = "Kies een collega uit de lijst, of de pool."
            if not errors:
                try:  # checked as a whole first: a refusal changes nothing
                    result = staff.reassign_all_work(session=s, by=web.user, user_id=user_id, to_user_id=to_id,
                                                     reason=values["reden"])
                except InvalidData as exc:
                    errors = {e.field: e.message for e in exc.errors}
            if errors:
                s.rollback()
                return _page(request, s, web, user_id, handover_values=values, handover_errors=errors,
                             status_code=422)
            message = handover_message(result)
    except DomainError as exc:
        return domain_error(request, exc)
    # POST-redirect-GET: a reload shows the result again, it does not hand over again
    return RedirectResponse(with_message(f"/gebruikers/{user_id}/werk", message), status_code=303)


def handover_message(result: staff.HandOver) -> str:
    """The outcome in one Dutch sentence of counts (the URL carries no case number or task)."""
    def tasks(n: int) -> str:
        return f"{n} {'taak' if n == 1 else 'taken'}"

    parts = [f"Werk overgedragen: {tasks(len(result.moved))} zoals gevraagd"]
    if result.to_pool:
        parts.append(f"{tasks(len(result.to_pool))} naar de pool omdat de collega ze niet mocht krijgen")
    stayed = len(result.stayed) + result.stayed_hidden
    if stayed:
        parts.append(f"{tasks(stayed)} bleven staan omdat u niet op die zaak mag handelen")
    text = ", ".join(parts) + "."
    if result.to_pool or result.stayed:
        text += " De redenen per taak staan bij de personeelsmeldingen in uw werkvoorraad."
    return text


@router.post("/gebruikers/{user_id:id}/afwezigheden", response_class=HTMLResponse)
def record_absence(request: Request, user_id: int, form: FormDep):
    values = {"van": str(form.get("van") or "").strip(), "tot": str(form.get("tot") or "").strip(),
              "vervanger": str(form.get("vervanger") or "").strip(),
              "taken_overdragen": bool(form.get("taken_overdragen"))}
    errors: dict[str, str] = {}
    try:
        with get_database().session() as s:
            web = login_required(request, s)
            checked_form(form, web)
            staff.staff_member(session=s, by=web.user, user_id=user_id)
            delegate = None
            if values["vervanger"]:
                delegate = _id(values["vervanger"])
                if delegate is None:
                    errors["vervanger_id"] = "Kies een vervanger uit de lijst."
            if not errors:
                try:
                    _, moved = staff.record_absence(session=s, by=web.user, user_id=user_id, starts_on=values["van"],
                                                    ends_on=values["tot"], delegate_id=delegate,
                                                    move_claimed=values["taken_overdragen"])
                    message = "De afwezigheid is vastgelegd."
                    if moved is not None:
                        message += (f" {len(moved.moved)} opgepakte taken gingen naar de vervanger"
                                    + (f", {len(moved.to_pool)} naar de pool (de vervanger mocht ze niet krijgen; de "
                                       "integriteitscoördinator ziet waarom)." if moved.to_pool else "."))
                except InvalidData as exc:
                    errors = {e.field: e.message for e in exc.errors}
            if errors:
                s.rollback()
                return _page(request, s, web, user_id, absence_values=values, absence_errors=errors,
                             status_code=422)
    except DomainError as exc:
        return domain_error(request, exc)
    return RedirectResponse(with_message(f"/gebruikers/{user_id}/werk", message), status_code=303)


@router.post("/gebruikers/{user_id:id}/afwezigheden/{absence_id:id}/intrekken", response_class=HTMLResponse)
def cancel_absence(request: Request, user_id: int, absence_id: int, form: FormDep):
    try:
        with get_database().session() as s:
            web = login_required(request, s)
            checked_form(form, web)
            staff.cancel_absence(session=s, by=web.user, user_id=user_id, absence_id=absence_id)
    except DomainError as exc:
        return domain_error(request, exc)
    return RedirectResponse(with_message(f"/gebruikers/{user_id}/werk", "De afwezigheid is ingetrokken."),
                            status_code=303)


@router.post("/werkvoorraad/personeelsmeldingen/{notice_id:id}/gezien", response_class=HTMLResponse)
def notice_seen(request: Request, notice_id: int, form: FormDep):
    try:
        with get_database().session() as s:
            web = login_required(request, s)
            checked_form(form, web)
            staff.mark_notice_seen(session=s, by=web.user, notice_id=notice_id)
    except DomainError as exc:
        return domain_error(request, exc)
    return RedirectResponse("/werkvoorraad", status_code=303)


@router.get("/medewerkers", response_class=HTMLResponse)
def staff_list(request: Request):
    """The coordinator's staff list: the people of their unit(s), claimed tasks and current absence, each linking
    to their work page."""
    try:
        with get_database().session() as s:
            web = login_required(request, s)
            rows = staff.staff_overview(session=s, by=web.user)
            return render(request, "medewerkers.html", user=web.user, web=web, rows=rows, unit=web.user.unit)
    except DomainError as exc:
        return domain_error(request, exc)
