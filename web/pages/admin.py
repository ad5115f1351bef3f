"""User and role management for the functional administrator (issue 17): the same engine door as
``api/routers/users.py`` (``engine.identity.admin``). A password typed here goes to the engine once: it is never
shown again (not even after an error), logged or put in the audit trail."""
from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from engine.errors import DomainError, InvalidData
from engine.identity import admin
from engine.identity.roles import known_roles
from engine.reports.service import list_units
from web.pages.common import (checked_form, domain_error, form_int, FormDep, get_database, login_required, render,
                              with_message)

router = APIRouter(include_in_schema=False)

# The engine's field names (also the API's) → the form's fields and their Dutch labels.
FIELDS = {"username": "gebruikersnaam", "display_name": "naam", "roles": "rollen", "password": "wachtwoord",
          "manager_id": "leidinggevende", "email": "email", "unit": "dienstonderdeel"}
LABELS = {"gebruikersnaam": "Gebruikersnaam", "naam": "Naam", "rollen": "Rollen", "wachtwoord": "Wachtwoord",
          "wachtwoord_herhaald": "Wachtwoord herhalen", "leidinggevende": "Leidinggevende", "email": "E-mailadres",
          "dienstonderdeel": "Dienstonderdeel"}
EMPTY = {"gebruikersnaam": "", "naam": "", "email": "", "dienstonderdeel": "", "leidinggevende": "", "rollen": []}


def _page(request: Request, s, web, *, values: dict | None = None, errors: dict | None = None,
          melding: str = "", status_code: int = 200):
    users = admin.list_users(session=s, by=web.user)
    names = {u.id: u.display_name for u in users}
    rows = [{"id": u.id, "username": u.username, "name": u.display_name, "unit": u.unit or "—",
             "roles": sorted(u.role_codes), "active": bool(u.active), "manager": names.get(u.manager_id, "—"),
             "self": u.id == web.user.id} for u in users]
    return render(request, "gebruikers.html", status_code=status_code, user=web.user, web=web, rows=rows,
                  roles=known_roles(), units=[u.name for u in list_units(session=s)],
                  managers=[(u.id, u.display_name) for u in users if u.active],
                  values=values or EMPTY, errors=errors or {}, labels=LABELS, melding=melding)


@router.get("/gebruikers", response_class=HTMLResponse)
def users_page(request: Request, melding: str = ""):
    try:
        with get_database().session() as s:
            web = login_required(request, s)
            return _page(request, s, web, melding=melding)
    except DomainError as exc:
        return domain_error(request, exc)


def _form_values(form) -> dict:
    return {"gebruikersnaam": str(form.get("gebruikersnaam") or "").strip(),
            "naam": str(form.get("naam") or "").strip(), "email": str(form.get("email") or "").strip(),
            "dienstonderdeel": " ".join(str(form.get("dienstonderdeel") or "").split()),
            "leidinggevende": str(form.get("leidinggevende") or "").strip(),
            "rollen": [str(r) for r in form.getlist("rollen")]}


@router.post("/gebruikers", response_class=HTMLResponse)
def add_user(request: Request, form: FormDep):
    values = _form_values(form)
    password = str(form.get("wachtwoord") or "")
    errors: dict[str, str] = {}
    try:
        with get_database().session() as s:
            web = login_required(request, s)
            checked_form(form, web)
            admin.require_user_admin(web.user)
            manager_id = None
            if values["leidinggevende"]:
                manager_id = form_int(values["leidinggevende"])
                if manager_id is None:
                    errors["leidinggevende"] = "Kies een leidinggevende uit de lijst."
            if password != str(form.get("wachtwoord_herhaald") or ""):
                errors["wachtwoord_herhaald"] = "De twee wachtwoorden zijn niet gelijk."
            if not errors:
                try:  # the engine checks everything before it adds anything: a refusal writes nothing
                    created = admin.add_user(session=s, by=web.user, username=values["gebruikersnaam"],
                                             display_name=values["naam"], roles=values["rollen"],
                                             unit=values["dienstonderdeel"] or None, manager_id=manager_id,
                                             password=password or None, email=values["email"] or None)
                    message = f"Gebruiker {created.username} is toegevoegd."
                except InvalidData as exc:
                    for e in exc.errors:
                        errors[FIELDS.get(e.field, e.field)] = e.message
            if errors:
                return _page(request, s, web, values=values, errors=errors, status_code=422)
    except DomainError as exc:
        return domain_error(request, exc)
    return RedirectResponse(with_message("/gebruikers", message), status_code=303)


def _edit_page(request: Request, s, web, target, *, values: dict | None = None, errors: dict | None = None,
               status_code: int = 200, melding: str = ""):
    from engine.identity import second_factor

    users = admin.list_users(session=s, by=web.user)
    values = values or {"dienstonderdeel": target.unit or "", "leidinggevende": str(target.manager_id or ""),
                        "rollen": sorted(target.role_codes)}
    return render(request, "gebruiker_wijzigen.html", status_code=status_code, user=web.user, web=web,
                  target=target, roles=known_roles(), units=[u.name for u in list_units(session=s)],
                  managers=[(u.id, u.display_name) for u in users if u.active and u.id != target.id],
                  values=values, errors=errors or {}, labels=LABELS, melding=melding,
                  tweede_factor=second_factor.is_enrolled(session=s, user=target))


@router.get("/gebruikers/{user_id:id}", response_class=HTMLResponse)
def edit_user_page(request: Request, user_id: int, melding: str = ""):
    try:
        with get_database().session() as s:
            web = login_required(request, s)
            target = admin.get_user(session=s, by=web.user, user_id=user_id)
            return _edit_page(request, s, web, target, melding=melding)
    except DomainError as exc:
        return domain_error(request, exc)


@router.post("/gebruikers/{user_id:id}", response_class=HTMLResponse)
def edit_user(request: Request, user_id: int, form: FormDep):
    values = {"dienstonderdeel": " ".join(str(form.get("dienstonderdeel") or "").split()),
              "leidinggevende": str(form.get("leidinggevende") or "").strip(),
              "rollen": [str(r) for r in form.getlist("rollen")]}
    errors: dict[str, str] = {}
    try:
        with get_database().session() as s:
            web = login_required(request, s)
            checked_form(form, web)
            target = admin.get_user(session=s, by=web.user, user_id=user_id)
            manager_id = None
            if values["leidinggevende"]:
                manager_id = form_int(values["leidinggevende"])
                if manager_id is None:
                    errors["leidinggevende"] = "Kies een leidinggevende uit de lijst."
            if not values["rollen"]:
                errors["rollen"] = "Kies minstens één rol (blokkeer de gebruiker als die geen toegang meer mag hebben)."
            if not errors:
                try:  # checked as a whole first: a refusal changes nothing
                    changed, released = admin.change_user(session=s, by=web.user, user_id=user_id,
                                                          roles=values["rollen"], unit=values["dienstonderdeel"],
                                                          manager_id=manager_id)
                    message = f"Gebruiker {changed.username} is gewijzigd." + (
                        f" {released} opgepakte {'taak ging' if released == 1 else 'taken gingen'} terug naar de "
                        f"pool van de ingetrokken rol." if released else "")
                except InvalidData as exc:
                    for e in exc.errors:
                        errors[FIELDS.get(e.field, e.field)] = e.message
            if errors:
                s.rollback()
                return _edit_page(request, s, web, target, values=values, errors=errors, status_code=422)
    except DomainError as exc:
        return domain_error(request, exc)
    return RedirectResponse(with_message("/gebruikers", message), status_code=303)


@router.post("/gebruikers/{user_id:id}/blokkeren", response_class=HTMLResponse)
def disable_user(request: Request, user_id: int, form: FormDep):
    try:
        with get_database().session() as s:
            web = login_required(request, s)
            checked_form(form, web)
            blocked = admin.disable_user(session=s, by=web.user, user_id=user_id)
            message = (f"Gebruiker {blocked.username} is geblokkeerd: inloggen kan niet meer. Opgepakte taken staan "
                       "weer in de pool; de integriteitscoördinator is ingelicht.")
    except DomainError as exc:
        return domain_error(request, exc)
    return RedirectResponse(with_message("/gebruikers", message), status_code=303)


# --------------------------------------------------------------------------- organisational units

def _units_page(request: Request, s, web, *, values: dict | None = None, error: str | None = None,
                melding: str = "", status_code: int = 200):
    from engine.identity import service as identity

    users = {u.id: u.display_name for u in identity.list_users(session=s, include_inactive=False)}
    units = [{"name": u.name, "employees": u.employees, "director": users.get(u.director_id, "—")}
             for u in list_units(session=s)]
    return render(request, "dienstonderdelen.html", status_code=status_code, user=web.user, web=web, units=units,
                  directors=sorted(users.items(), key=lambda kv: kv[1]), values=values or {}, error=error,
                  melding=melding)


@router.get("/dienstonderdelen", response_class=HTMLResponse)
def units_page(request: Request, melding: str = ""):
    from engine.reports.service import require_unit_admin

    try:
        with get_database().session() as s:
            web = login_required(request, s)
            require_unit_admin(web.user)
            return _units_page(request, s, web, melding=melding)
    except DomainError as exc:
        return domain_error(request, exc)


@router.post("/dienstonderdelen", response_class=HTMLResponse)
def units_set(request: Request, form: FormDep):
    from engine.errors import NotFound
    from engine.reports.service import ReportRefused, require_unit_admin, set_unit_as

    values = {k: " ".join(str(form.get(k) or "").split()) for k in ("naam", "medewerkers", "directeur")}
    try:
        with get_database().session() as s:
            web = login_required(request, s)
            checked_form(form, web)
            require_unit_admin(web.user)
            error = None
            employees = director = None
            if values["medewerkers"]:
                employees = form_int(values["medewerkers"], 0, 10**8 - 1)
                if employees is None:
                    error = "Aantal medewerkers: geef een geheel getal van 0 of meer."
            if values["directeur"]:
                director = form_int(values["directeur"])
                if director is None:
                    error = "Directeur: kies een directeur uit de lijst."
            if error is None:
                try:  # the engine checks before it changes anything
                    unit = set_unit_as(session=s, user=web.user, name=values["naam"], employees=employees,
                                       director_id=director)
                    message = f"Dienstonderdeel {unit.name} is ingesteld."
                except (ReportRefused, NotFound) as exc:
                    error = exc.detail
            if error is not None:
                s.rollback()
                return _units_page(request, s, web, values=values, error=error, status_code=422)
    except DomainError as exc:
        return domain_error(request, exc)
    return RedirectResponse(with_message("/dienstonderdelen", message), status_code=303)
