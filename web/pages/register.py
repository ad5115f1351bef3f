"""The register of critical and risky functions (issue 24): one page, the same access as the API
(``engine.register.access``)."""
from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from engine import legal_terms
from engine.clock import now
from engine.errors import DomainError, NotAuthorized
from engine.register import access, holders, reports
from engine.register import service as register
from web.pages.common import domain_error, get_database, login_required, render

router = APIRouter(include_in_schema=False)


@router.get("/risicofuncties", response_class=HTMLResponse)
def register_page(request: Request, onderdeel: str = ""):
    try:
        with get_database().session() as s:
            web = login_required(request, s)
            team = access.team_scope(web.user)
            unit = onderdeel.strip() or None
            settings = register.inventory_process(s).settings
            year = legal_terms.local_date(now()).year
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
            return render(request, "risicofuncties.html", user=web.user, web=web, team=team, unit=unit or "",
                          units=units, columns=reports.COLUMNS, rows=reports.overview(session=s, unit=unit, team=team),
                          action_columns=reports.ACTION_COLUMNS,
                          actions=reports.action_cells(reports.actions(session=s, only_open=True, team=team)),
                          rotation=rotation, downloads=downloads, year=year,
                          paragraph=None if team else reports.self_analysis(session=s, settings=settings, year=year))
    except DomainError as exc:
        return domain_error(request, exc)
