"""Reports (issue 9): the annual annex and the dashboard; who may read which is the engine's decision
(``engine.reports.access``), the same the API and the reports' menu ask."""
from __future__ import annotations

from datetime import date
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy.orm import Session

from engine import legal_terms
from engine.clock import now
from engine.errors import DomainError
from engine.identity import access
from engine.identity.models import User, WebSession
from engine.reports import access as report_access, vp
from web.pages.common import domain_error, get_database, login_required, render, templates

router = APIRouter(include_in_schema=False)


# --------------------------------------------------------------------------- rapportages (issue 9)

SHARE_FIGURES = ("ontvangst_binnen_7_dagen", "terugkoppeling_binnen_3_maanden", "gegrondheid_binnen_12_weken",
                 "gegrond", "anoniem")
GROUP_FIGURES = ("open_per_fase", "open_per_leeftijd", "termijn_overschreden_per_rol")


def _report_user(request: Request, s: Session, check) -> WebSession:
    """The engine's ``check`` (``engine.reports.access``), as for the API; others get the 403 page."""
    web = login_required(request, s)
    check(web.user)
    return web


def report_pages(user: User | None) -> list[tuple[str, str]]:
    """(address, Dutch label) of every report page ``user`` may open: the reports' menu, from the same decisions
    the pages and the API ask (a link never leads to a refusal, no page is left out)."""
    if user is None:
        return []
    pages = []
    if report_access.may_read_annex(user):
        pages.append(("/rapportages/jaarbijlage", "Bijlage jaarverslag"))
    if report_access.may_read_dashboard(user):
        pages.append(("/rapportages/dashboard", "Termijnen en doorstroom"))
    if vp.may_read_tables(user):
        pages.append(("/rapportages/vertrouwenspersonen", "Vertrouwenspersonen"))
    return pages


templates.env.globals["rapportagepaginas"] = report_pages


@router.get("/rapportages", response_class=HTMLResponse)
def reports_home(request: Request):
    try:
        with get_database().session() as s:
            web = _report_user(request, s, report_access.require_dashboard_reader)
            target = ("/rapportages/jaarbijlage" if report_access.may_read_annex(web.user)
                      else "/rapportages/dashboard")
    except DomainError as exc:
        return domain_error(request, exc)
    return RedirectResponse(target, status_code=303)


@router.get("/rapportages/jaarbijlage", response_class=HTMLResponse)
def annex_page(request: Request, jaar: str = ""):
    from api.deps import audit_event
    from engine.reports import annex as annex_mod

    try:
        with get_database().session() as s:
            web = _report_user(request, s, report_access.require_annex_reader)
            this_year = legal_terms.local_date(now()).year
            error = None
            try:
                year = int(jaar) if jaar.strip() else this_year
                if not 1990 <= year <= 2100:
                    raise ValueError
            except ValueError:
                error, year = "Geef een jaar tussen 1990 en 2100.", this_year
            result = annex_mod.build(session=s, year=year, reader=web.user)
            audit_event(session=s, actor=web.user.username, action="rapportage.jaarbijlage", details={"jaar": year})
            base = "/api/v1/rapportages/annex?" + urlencode({"jaar": year})
            downloads = [("Word (docx)", base + "&formaat=docx"), ("CSV", base + "&formaat=csv"),
                         ("JSON", base + "&formaat=json")]
            return render(request, "rapportage_jaarbijlage.html", status_code=422 if error else 200, user=web.user,
                          web=web, year=year, error=error, columns=annex_mod.COLUMNS,
                          rows=annex_mod.row_cells(result), totals=annex_mod.totals_table(result),
                          downloads=downloads)
    except DomainError as exc:
        return domain_error(request, exc)


def _parse_day(value: str) -> date | None:
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        return None


@router.get("/rapportages/dashboard", response_class=HTMLResponse)
def dashboard_page(request: Request, van: str = "", tot: str = "", dienstonderdeel: str = ""):
    from engine.reports import dashboard as dash
    from engine.reports.service import ReportRefused, list_units

    try:
        with get_database().session() as s:
            web = _report_user(request, s, report_access.require_dashboard_reader)
            today = legal_terms.local_date(now())
            start = _parse_day(van) if van.strip() else date(today.year, 1, 1)
            end = _parse_day(tot) if tot.strip() else today
            unit = dienstonderdeel.strip() or None
            units = [u.name for u in list_units(session=s)]
            context = dict(user=web.user, web=web, van=van.strip() or (start.isoformat() if start else ""),
                           tot=tot.strip() or (end.isoformat() if end else ""), unit=unit or "", units=units,
                           may_annex=report_access.may_read_annex(web.user), result=None, error=None)
            from engine.register import access as register_access, reports as register_reports

            context["register_tile"] = (register_reports.tile(session=s)
                                        if register_access.may_read_whole(web.user) else None)
            if start is None or end is None:
                context["error"] = "Geef de begin- en einddatum als datum (jjjj-mm-dd)."
                return render(request, "rapportage_dashboard.html", status_code=422, **context)
            try:
                result = dash.build(session=s, start=start, end=end, unit=unit, user=web.user)
            except ReportRefused as exc:
                context["error"] = exc.detail
                return render(request, "rapportage_dashboard.html", status_code=422, **context)
            ids: set[int] = set()
            for fig in result["cijfers"].values():
                ids.update(fig.get("zaken", []))
                for sub in (fig.get("waarden") or {}).values():
                    ids.update(sub.get("zaken", []))
            # only ids the engine returned (visible to this user) are looked up and linked
            refs = access.visible_references(session=s, user=web.user, case_ids=ids)
            context.update(result=result, figures=result["cijfers"], refs=refs, share_keys=SHARE_FIGURES,
                           group_keys=GROUP_FIGURES)
            return render(request, "rapportage_dashboard.html", **context)
    except DomainError as exc:
        return domain_error(request, exc)
