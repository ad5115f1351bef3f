"""The confidential adviser's registrations and the annual tables of all registrations (issue 17): the same engine
doors as ``api/routers/reports.py`` (``engine.reports.vp``). A registration is anonymous: codes from the engine's
lists, never a name. The adviser sees their own registrations only; the tables count everyone's."""
from __future__ import annotations

from datetime import date
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from engine import legal_terms
from engine.clock import now
from engine.errors import DomainError, InvalidData
from engine.reports import access as report_access, vp
from engine.reports.service import list_units
from web.pages.common import (checked_form, domain_error, FormDep, get_database, login_required, render,
                              with_message)

router = APIRouter(include_in_schema=False)

LABELS = {"datum": "Datum eerste contact", "dienstonderdeel": "Dienstonderdeel", "categorie": "Categorie",
          "subcategorie": "Subcategorie", "betreft": "Op wie heeft het betrekking", "afhandeling": "Wijze van afhandeling",
          "situatie_na": "Situatie na afloop"}
FIELDS = tuple(LABELS)


def _page(request: Request, s, web, *, values: dict | None = None, errors: dict | None = None, melding: str = "",
          status_code: int = 200):
    own = vp.own_registrations(session=s, user=web.user)
    rows = [{"date": r.contact_date, "unit": r.unit, "category": r.category, "subcategory": r.subcategory or "—",
             "concerns": vp.CONCERNS.get(r.concerns, r.concerns), "handling": vp.HANDLING.get(r.handling, r.handling),
             "situation": vp.SITUATION.get(r.situation_after, r.situation_after)} for r in own]
    today = legal_terms.local_date(now())
    return render(request, "vertrouwenspersoon.html", status_code=status_code, user=web.user, web=web, rows=rows,
                  limit=vp.OWN_LIST_LIMIT, values=values or {"datum": today.isoformat()}, errors=errors or {},
                  labels=LABELS, categories=vp.CATEGORIES, concerns=vp.CONCERNS, handling=vp.HANDLING,
                  situations=vp.SITUATION, units=[u.name for u in list_units(session=s)], today=today.isoformat(),
                  may_tables=vp.may_read_tables(web.user), melding=melding)


@router.get("/vertrouwenspersoon", response_class=HTMLResponse)
def adviser_page(request: Request, melding: str = ""):
    try:
        with get_database().session() as s:
            web = login_required(request, s)
            return _page(request, s, web, melding=melding)
    except DomainError as exc:
        return domain_error(request, exc)


@router.post("/vertrouwenspersoon", response_class=HTMLResponse)
def adviser_register(request: Request, form: FormDep):
    values = {k: " ".join(str(form.get(k) or "").split()) for k in FIELDS}
    try:
        with get_database().session() as s:
            web = login_required(request, s)
            checked_form(form, web)
            vp.require_register(web.user)
            errors: dict[str, str] = {}
            try:
                contact = date.fromisoformat(values["datum"])
            except ValueError:
                contact = None
                errors["datum"] = "Geef de datum van het eerste contact (dag, maand en jaar)."
            if contact is not None:
                try:  # the engine checks every field before it adds anything: a refusal writes nothing
                    vp.register_as(session=s, user=web.user, contact_date=contact, unit=values["dienstonderdeel"],
                                   category=values["categorie"], subcategory=values["subcategorie"] or None,
                                   concerns=values["betreft"], handling=values["afhandeling"],
                                   situation_after=values["situatie_na"])
                except InvalidData as exc:
                    errors.update({e.field: e.message for e in exc.errors})
            if errors:
                return _page(request, s, web, values=values, errors=errors, status_code=422)
    except DomainError as exc:
        return domain_error(request, exc)
    return RedirectResponse(with_message("/vertrouwenspersoon", "De registratie is vastgelegd."), status_code=303)


@router.get("/rapportages/vertrouwenspersonen", response_class=HTMLResponse)
def adviser_tables(request: Request, jaar: str = ""):
    try:
        with get_database().session() as s:
            web = login_required(request, s)
            vp.require_tables(web.user)
            this_year = legal_terms.local_date(now()).year
            error = None
            try:
                year = int(jaar) if jaar.strip() else this_year
                if not 1990 <= year <= 2100:
                    raise ValueError
            except ValueError:
                error, year = "Jaar: geef een jaar tussen 1990 en 2100.", this_year
            report = vp.build(session=s, year=year)
            tables = []
            for key, title in vp.TABLE_TITLES.items():
                headers, rows = vp.table_cells(report, key)
                tables.append({"key": key, "title": title, "headers": headers,
                               "rows": [{"label": r[0].strip(), "sub": r[0].startswith(" "), "cells": r[1:]}
                                        for r in rows]})
            return render(request, "vertrouwenspersonen_tabellen.html", status_code=422 if error else 200,
                          user=web.user, web=web, year=year, error=error, tables=tables,
                          download="/api/v1/rapportages/vp?" + urlencode({"jaar": year, "formaat": "docx"}),
                          reports_nav=report_access.may_read_dashboard(web.user),
                          may_register=vp.may_register(web.user))
    except DomainError as exc:
        return domain_error(request, exc)
