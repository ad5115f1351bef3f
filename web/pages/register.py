"""The register of critical and risky functions (issue 24): one page, the same access as the API
(``engine.register.access``). The security adviser also starts an inventory on demand and records who holds a
function there; the engine decides and checks (``engine.register.service``, ``engine.register.holders``)."""
from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from engine import legal_terms
from engine.clock import now
from engine.errors import DomainError, FieldError, InvalidData, NotAuthorized
from engine.register import access, holders, reports
from engine.register import service as register
from web.pages.common import (checked_form, domain_error, form_int, FormDep, get_database, login_required, render,
                              with_message)

router = APIRouter(include_in_schema=False)

PAGE = "/risicofuncties"
LABELS = {"team": "Team", "aanleiding": "Aanleiding", "medewerker": "Gebruikersnaam medewerker", "functie": "Functie",
          "sinds": "Sinds", "screening": "Screening"}


def _page(request: Request, s, web, *, onderdeel: str = "", values: dict | None = None, errors: dict | None = None,
          form: str = "", melding: str = "", status_code: int = 200):
    team = access.team_scope(web.user)
    unit = onderdeel.strip() or None
    settings = register.inventory_process(s).settings
    today = legal_terms.local_date(now())
    rotation = None
    try:
        access.require_rotation_reader(web.user)
        rotation = holders.rotation(session=s, settings=settings)
    except NotAuthorized:
        pass
    units = sorted({f.unit for f, _ in reports.current(s, None, team)})
    query = {"formaat": "docx", **({"onderdeel": unit} if unit else {})}
    downloads = [("Word (docx)", "/api/v1/register/overzicht?" + urlencode(query)),
                 ("CSV", "/api/v1/register/overzicht?" + urlencode({**query, "formaat": "csv"}))]
    keeper = None
    if access.may_keep(web.user):
        keeper = {"teams": register.teams(s),
                  "reasons": {k: v for k, v in register.REASONS.items() if k != register.PERIODIC},
                  "functions": access.functions_to_hold(session=s, user=web.user)}
    return render(request, "risicofuncties.html", status_code=status_code, user=web.user, web=web, team=team,
                  unit=unit or "", units=units, columns=reports.COLUMNS,
                  rows=reports.overview(session=s, unit=unit, team=team), action_columns=reports.ACTION_COLUMNS,
                  actions=reports.action_cells(reports.actions(session=s, only_open=True, team=team)),
                  rotation=rotation, downloads=downloads, year=today.year,
                  paragraph=None if team else reports.self_analysis(session=s, settings=settings, year=today.year),
                  keeper=keeper, values=values or {"sinds": today.isoformat()}, errors=errors or {}, form=form,
                  labels=LABELS, melding=melding)


@router.get(PAGE, response_class=HTMLResponse)
def register_page(request: Request, onderdeel: str = "", melding: str = ""):
    try:
        with get_database().session() as s:
            web = login_required(request, s)
            return _page(request, s, web, onderdeel=onderdeel, melding=melding)
    except DomainError as exc:
        return domain_error(request, exc)


def _clean(form, fields) -> dict[str, str]:
    return {k: " ".join(str(form.get(k) or "").split()) for k in fields}


@router.post(PAGE + "/inventarisaties", response_class=HTMLResponse)
def start_inventory(request: Request, form: FormDep):
    values = _clean(form, ("team", "aanleiding"))
    try:
        with get_database().session() as s:
            web = login_required(request, s)
            checked_form(form, web)
            access.require_keeper(web.user)
            process = register.inventory_process(s)
            try:
                case = register.start_on_request(session=s, actor=web.user, process=process.process_id,
                                                 team=values["team"], reason=values["aanleiding"])
            except InvalidData as exc:
                return _page(request, s, web, values=values, form="inventarisatie", status_code=422,
                             errors={e.field: e.message for e in exc.errors})
            reference = case.reference
    except DomainError as exc:
        return domain_error(request, exc)
    return RedirectResponse(with_message(PAGE, f"De inventarisatie {reference} is gestart voor {values['team']}."),
                            status_code=303)


@router.post(PAGE + "/functiehouders", response_class=HTMLResponse)
def assign_holder(request: Request, form: FormDep):
    values = _clean(form, ("medewerker", "functie", "sinds", "screening"))
    try:
        with get_database().session() as s:
            web = login_required(request, s)
            checked_form(form, web)
            access.require_keeper(web.user)
            errors = []
            ids = {"medewerker": holders.person_id(s, values["medewerker"])}
            if ids["medewerker"] is None:
                errors.append(FieldError("medewerker", "geef de gebruikersnaam van een medewerker"))
            ids["functie"] = form_int(values["functie"])
            if ids["functie"] is None:
                errors.append(FieldError("functie", "kies een functie"))
            try:
                if errors:
                    raise InvalidData(errors)
                holders.assign(session=s, actor=web.user, user_id=ids["medewerker"], function_id=ids["functie"],
                               since=values["sinds"], screening=values["screening"])
            except InvalidData as exc:
                s.rollback()
                return _page(request, s, web, values=values, form="functiehouder", status_code=422,
                             errors={e.field: e.message for e in exc.errors})
    except DomainError as exc:
        return domain_error(request, exc)
    return RedirectResponse(with_message(PAGE, "Vastgelegd wie de functie vervult."), status_code=303)
