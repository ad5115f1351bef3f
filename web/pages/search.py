"""Zaken: the list of cases a user may see, with search, filters, sorting and keyset pages (issue 17); the user's
saved views of it, and its export (CSV/XLSX) for the roles allowed.

Everything is decided by the engine: the list and its visibility by ``engine.cases.search``, the views by
``engine.cases.views`` (one's own only), the export by ``engine.cases.export`` (who may, which rows: the same
search, audited); this module only reads the query string and forms and renders."""
from __future__ import annotations

from datetime import date
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from engine.cases import export, search, views
from engine.errors import DomainError, FieldError, InvalidData
from engine.identity import access
from engine.identity.models import WebSession
from web.pages.common import (checked_form, domain_error, FormDep, get_database, login_required,
                              render)

router = APIRouter(include_in_schema=False)

SORTS = {"-aangemaakt_op": "Nieuwste eerst", "aangemaakt_op": "Oudste eerst", "-prioriteit": "Hoogste prioriteit",
         "prioriteit": "Laagste prioriteit", "zaaknummer": "Zaaknummer oplopend", "-zaaknummer": "Zaaknummer aflopend"}
STATUSES = {"open": "Open", "closed": "Gesloten"}
PAGE = 50
QUERY_KEYS = ("q", "status", "categorie", "dienstonderdeel", "van", "tot", "sorteer")
NOTICES = {"opgeslagen": "Uw weergave is opgeslagen.", "verwijderd": "De weergave is verwijderd."}
FIELD_LABELS = {"naam": "Naam van de weergave", "q": "Zoekterm", "status": "Status", "categorie": "Categorie",
                "dienstonderdeel": "Dienstonderdeel", "periode_tot": "Aangemaakt tot en met", "sorteer": "Sorteren op",
                "filters": "Zoekopdracht", "formaat": "Formaat"}


def _day(value: str, label: str, problems: list[str]) -> date | None:
    if not value.strip():
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        problems.append(f"{label}: geen geldige datum (jjjj-mm-dd).")
        return None


def _query(values) -> dict[str, str]:
    """The page's query parameters (text, as typed) from a query string or a form; unknown values dropped."""
    query = {k: str(values.get(k) or "") for k in QUERY_KEYS}
    query["sorteer"] = query["sorteer"] if query["sorteer"] in SORTS else search.DEFAULT_SORT
    return query


def _filters(query: dict[str, str], problems: list[str]) -> search.CaseFilters:
    return search.CaseFilters(q=query["q"][:search.MAX_QUERY] or None,
                              status=query["status"] if query["status"] in STATUSES else None,
                              category=query["categorie"][:200] or None, unit=query["dienstonderdeel"][:200] or None,
                              created_from=_day(query["van"], "Aangemaakt vanaf", problems),
                              created_to=_day(query["tot"], "Aangemaakt tot en met", problems))


def _view_query(view: views.View) -> dict[str, str]:
    f = view.filters
    return {"q": f.q or "", "status": f.status or "", "categorie": f.category or "", "dienstonderdeel": f.unit or "",
            "van": f.created_from.isoformat() if f.created_from else "",
            "tot": f.created_to.isoformat() if f.created_to else "", "sorteer": view.sort}


def _link(query: dict[str, str]) -> str:
    return "/zaken?" + urlencode({k: v for k, v in query.items() if v})


def _field_problems(exc: InvalidData) -> list[str]:
    return [f"{FIELD_LABELS.get(e.field, e.field)}: {e.message}." for e in exc.errors]


def _page(request: Request, s: Session, web: WebSession, query: dict[str, str], na: str = "",
          problems: list[str] | None = None, status_code: int = 200, view_name: str = "",
          notice: str | None = None) -> HTMLResponse:
    problems = list(problems or [])
    user = web.user
    filters = _filters(query, problems)
    try:
        found = search.search_cases(session=s, user=user, filters=filters, sort=query["sorteer"], after=na or None,
                                    limit=PAGE)
    except InvalidData:  # a cursor from another sort or an edited link: start at the first page
        problems.append("De vervolgpagina past niet bij deze zoekopdracht; u ziet de eerste pagina.")
        na = ""
        found = search.search_cases(session=s, user=user, filters=filters, sort=query["sorteer"], limit=PAGE)
    choices = search.filter_choices(session=s, user=user)
    rows = [dict(id=c.id, reference=c.reference, status=STATUSES.get(c.status, c.status),
                 category=c.category or "—", unit=c.unit or "—", priority=c.priority, created_at=c.created_at)
            for c in found.items]
    saved = [dict(id=v.id, name=v.name, link=_link(_view_query(v))) for v in views.list_views(session=s, user=user)]
    removed = views.REMOVED_NOTICE if views.removal_notices(session=s, user=user) else None
    may_export = access.may_export_cases(user)
    exports = []
    if may_export:
        base = {k: v for k, v in query.items() if v}
        exports = [(label, "/zaken/export?" + urlencode({**base, "formaat": fmt}))
                   for label, fmt in (("CSV", "csv"), ("Excel (xlsx)", "xlsx"))]
    context = dict(user=user, web=web, rows=rows, total=found.total, next_cursor=found.next_cursor,
                   continued=bool(na), query=query, sorts=SORTS, statuses=STATUSES, choices=choices,
                   problems=problems, saved_views=saved, exports=exports, view_name=view_name, melding=notice,
                   views_removed=removed)
    if request.headers.get("hx-request") and request.headers.get("hx-target") == "zaken-resultaten":
        return render(request, "_zaken_resultaten.html", status_code=status_code, **context)
    return render(request, "zaken.html", status_code=status_code, **context)


@router.get("/zaken", response_class=HTMLResponse)
def cases_page(request: Request, q: str = "", status: str = "", categorie: str = "", dienstonderdeel: str = "",
               van: str = "", tot: str = "", sorteer: str = search.DEFAULT_SORT, na: str = "", weergave: str = ""):
    query = _query(dict(q=q, status=status, categorie=categorie, dienstonderdeel=dienstonderdeel, van=van, tot=tot,
                        sorteer=sorteer))
    with get_database().read_session() as s:  # a pure read (web.pages.common.WebDatabase)
        web = login_required(request, s)
        return _page(request, s, web, query, na=na, notice=NOTICES.get(weergave))


@router.post("/zaken/weergaven", response_class=HTMLResponse)
def save_view(request: Request, form: FormDep):
    """Save the current search (the form's hidden fields) under a name; refused with the page and its input."""
    query = _query(form)
    name = str(form.get("naam") or "")
    try:
        with get_database().session() as s:
            web = login_required(request, s)
            checked_form(form, web)
            problems: list[str] = []
            filters = _filters(query, problems)
            if problems:
                return _page(request, s, web, query, problems=problems, status_code=422, view_name=name)
            try:  # validated before anything is written (engine.cases.views.save_view)
                views.save_view(session=s, user=web.user, name=name, filters=filters, sort=query["sorteer"])
            except InvalidData as exc:
                return _page(request, s, web, query, problems=_field_problems(exc), status_code=422, view_name=name)
    except DomainError as exc:
        return domain_error(request, exc)
    return RedirectResponse(_link({**query, "weergave": "opgeslagen"}) + "#weergaven", status_code=303)


@router.post("/zaken/weergaven/meldingen/gelezen")
def dismiss_view_removals(request: Request, form: FormDep):
    try:
        with get_database().session() as s:
            web = login_required(request, s)
            checked_form(form, web)
            views.dismiss_removal_notices(session=s, user=web.user)
    except DomainError as exc:
        return domain_error(request, exc)
    return RedirectResponse("/zaken#weergaven", status_code=303)


@router.post("/zaken/weergaven/{view_id:id}/verwijderen")
def delete_view(request: Request, view_id: int, form: FormDep):
    try:
        with get_database().session() as s:
            web = login_required(request, s)
            checked_form(form, web)
            views.delete_view(session=s, user=web.user, view_id=view_id)
    except DomainError as exc:
        return domain_error(request, exc)
    return RedirectResponse("/zaken?weergave=verwijderd#weergaven", status_code=303)


@router.get("/zaken/export")
def export_page(request: Request, formaat: str = "csv", q: str = "", status: str = "", categorie: str = "",
                dienstonderdeel: str = "", van: str = "", tot: str = "", sorteer: str = search.DEFAULT_SORT):
    """The list as a file: the same search as the page (``engine.cases.export``); refused with a Dutch page."""
    query = _query(dict(q=q, status=status, categorie=categorie, dienstonderdeel=dienstonderdeel, van=van, tot=tot,
                        sorteer=sorteer))
    try:
        with get_database().session() as s:
            web = login_required(request, s)
            problems: list[str] = []
            filters = _filters(query, problems)
            if problems:
                raise InvalidData([FieldError("periode", p) for p in problems], detail=" ".join(problems))
            result = export.export_cases(session=s, user=web.user, fmt=formaat, filters=filters,
                                         sort=query["sorteer"])
    except DomainError as exc:
        return domain_error(request, exc)
    return Response(result.content, media_type=result.media_type, headers={
        "Content-Disposition": f'attachment; filename="{result.filename}"', "Cache-Control": "no-store"})
