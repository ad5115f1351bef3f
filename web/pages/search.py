"""Zaken: the list of cases a user may see, with search, filters, sorting and keyset pages (issue 17).

Everything is decided by ``engine.cases.search`` (visibility included); this page only reads the query
string and renders."""
from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from engine.cases import search
from engine.errors import InvalidData
from web.pages.common import get_database, login_required, render

router = APIRouter(include_in_schema=False)

SORTS = {"-aangemaakt_op": "Nieuwste eerst", "aangemaakt_op": "Oudste eerst", "-prioriteit": "Hoogste prioriteit",
         "prioriteit": "Laagste prioriteit", "zaaknummer": "Zaaknummer oplopend", "-zaaknummer": "Zaaknummer aflopend"}
STATUSES = {"open": "Open", "closed": "Gesloten"}
PAGE = 50


def _day(value: str, label: str, problems: list[str]) -> date | None:
    if not value.strip():
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        problems.append(f"{label}: geen geldige datum (jjjj-mm-dd).")
        return None


@router.get("/zaken", response_class=HTMLResponse)
def cases_page(request: Request, q: str = "", status: str = "", categorie: str = "", dienstonderdeel: str = "",
               van: str = "", tot: str = "", sorteer: str = search.DEFAULT_SORT, na: str = ""):
    problems: list[str] = []
    sorteer = sorteer if sorteer in SORTS else search.DEFAULT_SORT
    filters = search.CaseFilters(q=q[:search.MAX_QUERY] or None, status=status if status in STATUSES else None,
                                 category=categorie[:200] or None, unit=dienstonderdeel[:200] or None,
                                 created_from=_day(van, "Aangemaakt vanaf", problems),
                                 created_to=_day(tot, "Aangemaakt tot en met", problems))
    with get_database().session() as s:
        web = login_required(request, s)
        user = web.user
        try:
            found = search.search_cases(session=s, user=user, filters=filters, sort=sorteer, after=na or None,
                                        limit=PAGE)
        except InvalidData:  # a cursor from another sort or an edited link: start at the first page
            problems.append("De vervolgpagina past niet bij deze zoekopdracht; u ziet de eerste pagina.")
            na = ""
            found = search.search_cases(session=s, user=user, filters=filters, sort=sorteer, limit=PAGE)
        choices = search.filter_choices(session=s, user=user)
        rows = [dict(id=c.id, reference=c.reference, status=STATUSES.get(c.status, c.status),
                     category=c.category or "—", unit=c.unit or "—", priority=c.priority, created_at=c.created_at)
                for c in found.items]
        query = dict(q=q, status=status, categorie=categorie, dienstonderdeel=dienstonderdeel, van=van, tot=tot,
                     sorteer=sorteer)
        context = dict(user=user, web=web, rows=rows, total=found.total, next_cursor=found.next_cursor,
                       continued=bool(na), query=query, sorts=SORTS, statuses=STATUSES, choices=choices,
                       problems=problems)
        if request.headers.get("hx-request") and request.headers.get("hx-target") == "zaken-resultaten":
            return render(request, "_zaken_resultaten.html", **context)
        return render(request, "zaken.html", **context)
