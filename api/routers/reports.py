"""Management information (issue 9): import, annual annex, Woo overview, VP registrations,
dashboard, monthly overviews, organisational units. Thin: the rules live in engine/reports."""
from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query, Request, status
from fastapi.responses import Response

from api.deps import CurrentUser, SessionDep, audit_event, permitted, UnitOfWorkRoute
from api.schemas.reports import (AnnexOut, ImportOut, MonthlyOut, UnitIn, UnitOut, VpRegistrationIn,
                                 VpRegistrationOut, WooOut)
from engine.identity.models import User
from engine.reports import access as report_access, importer as importer_access, vp as vp_access
from engine.reports.service import require_unit_admin

router = APIRouter(prefix="/rapportages", tags=["managementinformatie"], route_class=UnitOfWorkRoute)

PROBLEM = {"content": {"application/problem+json": {}}}
ERRORS = {401: {"description": "Niet aangemeld", **PROBLEM}, 403: {"description": "Geen toegang", **PROBLEM},
          422: {"description": "Ongeldige gegevens", **PROBLEM}}
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
FILE_RESPONSES = {200: {"content": {"text/csv": {"schema": {"type": "string"}},
                                    DOCX: {"schema": {"type": "string", "format": "binary"}}}}}

# Who may read or do what: the engine decides (the same functions the pages and their menu ask)
Reporter = Annotated[User, Depends(permitted(report_access.require_annex_reader))]
Importer = Annotated[User, Depends(permitted(importer_access.require_importer))]
Adviser = Annotated[User, Depends(permitted(vp_access.require_register))]
VpReader = Annotated[User, Depends(permitted(vp_access.require_tables))]
DashboardUser = Annotated[User, Depends(permitted(report_access.require_dashboard_reader))]
UnitAdmin = Annotated[User, Depends(permitted(require_unit_admin))]
Year = Annotated[int, Query(title="Jaar", ge=1990, le=2100, description="Jaar")]
Format = Annotated[Literal["json", "csv", "docx"], Query(title="Formaat", description="json, csv of docx")]


def _file(content: str | bytes, media_type: str, filename: str) -> Response:
    body = content.encode("utf-8") if isinstance(content, str) else content
    return Response(body, media_type=media_type, headers={"Content-Disposition": f'attachment; filename="{filename}"'})


async def _body(request: Request) -> bytes:
    """The raw request body, read on the event loop before the request's transaction begins."""
    return await request.body()


@router.post("/import", response_model=ImportOut, status_code=status.HTTP_201_CREATED,
             summary="Historische zaken importeren (CSV)",
             responses={**ERRORS, 409: {"description": "Bestand al geïmporteerd", **PROBLEM}},
             openapi_extra={"requestBody": {"required": True, "content": {"text/csv": {"schema": {"type": "string"}}}}})
def import_cases(content: Annotated[bytes, Depends(_body)], user: Importer, session: SessionDep,
                 bestandsnaam: Annotated[str,
                                         Query(title="Bestandsnaam", min_length=1,
                                               max_length=300)] = "import.csv") -> ImportOut:
    from engine.reports import importer

    importer.require_importer(user)
    summary = importer.import_cases(session=session, content=content, filename=bestandsnaam, actor=user.username)
    return ImportOut(import_id=summary.import_id, aantal=summary.rows, zaak_ids=summary.case_ids,
                     nieuwe_dienstonderdelen=summary.units_created)


@router.get("/annex", response_model=AnnexOut, summary="Bijlage jaarverslag",
            responses={**ERRORS, **FILE_RESPONSES})
def annex(jaar: Year, user: Reporter, session: SessionDep, formaat: Format = "json"):
    from engine.reports import annex as annex_mod

    result = annex_mod.build(session=session, year=jaar, reader=user)
    audit_event(session=session, actor=user.username, action="rapportage.jaarbijlage", details={"jaar": jaar})
    if formaat == "csv":
        return _file(annex_mod.to_csv(result), "text/csv; charset=utf-8", f"bijlage-{jaar}.csv")
    if formaat == "docx":
        return _file(annex_mod.to_docx(result), DOCX, f"bijlage-{jaar}.docx")
    return annex_mod.public(result)


@router.get("/woo", response_model=WooOut, summary="Woo-overzicht (geanonimiseerd)",
            responses={**ERRORS, **FILE_RESPONSES})
def woo(van: Annotated[date, Query(title="Vanaf")], tot: Annotated[date, Query(title="Tot en met")], user: Reporter,
        session: SessionDep, formaat: Format = "json"):
    from engine.reports import woo as woo_mod

    result = woo_mod.build(session=session, start=van, end=tot, reader=user)
    audit_event(session=session, actor=user.username, action="rapportage.woo",
                details={"van": van.isoformat(), "tot": tot.isoformat()})
    if formaat == "csv":
        return _file(woo_mod.to_csv(result), "text/csv; charset=utf-8", f"woo-{van}-{tot}.csv")
    if formaat == "docx":
        return _file(woo_mod.to_docx(result), DOCX, f"woo-{van}-{tot}.docx")
    return woo_mod.public(result)


@router.post("/vp-registraties", response_model=VpRegistrationOut, status_code=status.HTTP_201_CREATED,
             summary="Eerste contact vertrouwenspersoon registreren (anoniem)", responses=ERRORS)
def register_vp(body: VpRegistrationIn, user: Adviser, session: SessionDep) -> VpRegistrationOut:
    from engine.reports import vp

    reg = vp.register_as(session=session, user=user, contact_date=body.datum, unit=body.dienstonderdeel,
                         category=body.categorie, subcategory=body.subcategorie, concerns=body.betreft,
                         handling=body.afhandeling, situation_after=body.situatie_na)
    return VpRegistrationOut(id=reg.id, datum=reg.contact_date, dienstonderdeel=reg.unit, categorie=reg.category,
                             subcategorie=reg.subcategory, betreft=reg.concerns, afhandeling=reg.handling,
                             situatie_na=reg.situation_after)


@router.get("/vp", response_model=dict[str, Any], summary="Tabellen vertrouwenspersonen (drie jaren)",
            responses={**ERRORS, 200: {"content": {DOCX: {"schema": {"type": "string", "format": "binary"}}}}})
def vp_report(jaar: Year, user: VpReader, session: SessionDep,
              formaat: Annotated[Literal["json", "docx"], Query(title="Formaat")] = "json"):
    from engine.reports import vp

    vp.require_tables(user)
    result = vp.build(session=session, year=jaar)
    if formaat == "docx":
        return _file(vp.to_docx(result), DOCX, f"vertrouwenspersonen-{jaar}.docx")
    return result


@router.get("/dashboard", response_model=dict[str, Any], summary="Termijnen en doorstroom", responses=ERRORS)
def dashboard(van: Annotated[date, Query(title="Vanaf")], tot: Annotated[date, Query(title="Tot en met")],
              user: DashboardUser, session: SessionDep,
              dienstonderdeel: Annotated[str | None, Query(title="Dienstonderdeel", max_length=200)] = None) -> dict:
    from engine.reports import dashboard as dash

    return dash.build(session=session, start=van, end=tot, unit=dienstonderdeel, user=user)


def _monthly_out(row) -> MonthlyOut:
    return MonthlyOut(id=row.id, maand=row.month, dienstonderdelen=list(row.units or []), cijfers=dict(row.figures or {}),
                      bestandsnaam=row.filename, gemaakt_op=row.created_at)


@router.get("/maandoverzichten", response_model=list[MonthlyOut], summary="Mijn maandoverzichten",
            responses=ERRORS)
def my_overviews(user: CurrentUser, session: SessionDep) -> list[MonthlyOut]:
    from engine.reports import monthly

    return [_monthly_out(r) for r in monthly.overviews_for(session=session, user=user)]


@router.get("/maandoverzichten/{overview_id}", summary="Maandoverzicht downloaden (Word)",
            responses={**ERRORS, 404: {"description": "Niet gevonden", **PROBLEM},
                       200: {"content": {DOCX: {"schema": {"type": "string", "format": "binary"}}}}})
def download_overview(overview_id: Annotated[int, Path(title="Overzicht", ge=1, le=2**31 - 1)], user: CurrentUser,
                      session: SessionDep) -> Response:
    from engine.reports import monthly

    row = monthly.readable_overview(session=session, user=user, overview_id=overview_id)  # the engine decides
    return _file(row.content, DOCX, row.filename)


@router.get("/dienstonderdelen", response_model=list[UnitOut], summary="Dienstonderdelen", responses=ERRORS)
def units(user: CurrentUser, session: SessionDep) -> list[UnitOut]:
    from engine.reports.service import list_units

    return [UnitOut(naam=u.name, medewerkers=u.employees, directeur_id=u.director_id) for u in list_units(session=session)]


@router.put("/dienstonderdelen/{naam}", response_model=UnitOut, summary="Dienstonderdeel instellen",
            responses={**ERRORS, 404: {"description": "Niet gevonden", **PROBLEM}})
def set_unit(naam: Annotated[str, Path(title="Naam", min_length=1, max_length=200)], body: UnitIn, user: UnitAdmin,
             session: SessionDep) -> UnitOut:
    from engine.reports.service import set_unit_as

    unit = set_unit_as(session=session, user=user, name=naam, employees=body.medewerkers,
                       director_id=body.directeur_id)
    return UnitOut(naam=unit.name, medewerkers=unit.employees, directeur_id=unit.director_id)
