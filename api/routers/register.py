"""The register of critical and risky functions (issue 24). Thin: access in ``engine.register.access``, the rules
in ``engine.register``."""
from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, status
from fastapi.responses import Response

from api.deps import CurrentUser, SessionDep, UnitOfWorkRoute, audit_event
from api.routers.common import errors
from api.schemas.register import (ActionOut, AssessmentOut, FunctionOut, HolderIn, HolderOut, InventoryIn,
                                  InventoryOut, OverviewOut, RotationOut)
from engine import legal_terms
from engine.clock import now
from engine.register import access, holders, reports
from engine.register import service as register
from engine.register.models import RegisterAssessment

router = APIRouter(prefix="/register", tags=["register risicovolle functies"], route_class=UnitOfWorkRoute)

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
FILE_RESPONSES = {200: {"content": {"text/csv": {"schema": {"type": "string"}},
                                    DOCX: {"schema": {"type": "string", "format": "binary"}}}}}
FunctionId = Annotated[int, Path(title="Functie", ge=1, le=2**31 - 1, description="Functie-id")]
Format = Annotated[Literal["json", "csv", "docx"], Query(title="Formaat", description="json, csv of docx")]


def _assessment(a: RegisterAssessment) -> AssessmentOut:
    return AssessmentOut(classificatie=a.classification, risicotypen=list(a.risks), maatregelen=a.measures,
                         bruto_risico=a.gross, netto_risico=a.net, toelichting_netto=a.net_explanation,
                         aanvaardbaar=a.acceptable, eigenaar=a.owner, herziening_op=a.review_on,
                         beoordeeld_door=a.assessed_by, beoordeeld_op=legal_terms.local_date(a.assessed_at))


@router.post("/inventarisaties", response_model=InventoryOut, status_code=status.HTTP_201_CREATED,
             summary="Inventarisatie buiten de jaarlijkse ronde starten",
             description="Bij een reorganisatie, een nieuwe functie, een incident of een nieuw systeem. Alleen de "
                         "beveiligingsadviseur.", responses=errors(400, 401, 403, 422))
def start_inventory(body: InventoryIn, user: CurrentUser, session: SessionDep) -> InventoryOut:
    access.require_keeper(user)
    process = register.inventory_process(session)
    case = register.start_on_request(session=session, actor=user, process=process.process_id, team=body.team,
                                     reason=body.aanleiding)
    return InventoryOut(inventarisatie_id=case.id, kenmerk=case.reference, team=body.team)


@router.get("/functies", response_model=list[FunctionOut], summary="Functies met hun huidige beoordeling",
            description="Een leidinggevende ziet alleen de functies van het eigen team.",
            responses=errors(400, 401, 403))
def functions(user: CurrentUser, session: SessionDep,
              onderdeel: Annotated[str | None,
                                   Query(title="Organisatieonderdeel", max_length=200,
                                         description="Organisatieonderdeel")] = None):
    team = access.team_scope(user)
    return [FunctionOut(functie_id=f.id, organisatieonderdeel=f.unit, team=f.team, functie=f.name,
                        beoordeling=_assessment(a)) for f, a in reports.current(session, onderdeel, team)]


@router.get("/functies/{functie_id}/beoordelingen", response_model=list[AssessmentOut],
            summary="Alle beoordelingen van een functie (geschiedenis)", responses=errors(400, 401, 403, 404))
def function_history(functie_id: FunctionId, user: CurrentUser, session: SessionDep):
    function = access.readable_function(session=session, user=user, function_id=functie_id)  # the engine decides
    return [_assessment(a) for a in reports.history(session=session, function_id=function.id)]


@router.get("/overzicht", response_model=OverviewOut, summary="Overzicht kritieke en risicovolle functies",
            description="Per organisatieonderdeel: functie, classificatie, risico's, maatregelen, netto risico, "
                        "aanvaardbaar, acties; met de alinea voor de zelfanalyse. Ook als Word of CSV.",
            responses={**errors(400, 401, 403), **FILE_RESPONSES})
def overview(user: CurrentUser, session: SessionDep, formaat: Format = "json",
             onderdeel: Annotated[str | None,
                                  Query(title="Organisatieonderdeel", max_length=200,
                                        description="Organisatieonderdeel")] = None,
             jaar: Annotated[int | None,
                             Query(title="Jaar", ge=1990, le=2100, description="Jaar van de zelfanalyse")] = None):
    team = access.team_scope(user)
    year = jaar or legal_terms.local_date(now()).year
    settings = register.inventory_process(session).settings
    rows = reports.overview(session=session, unit=onderdeel, team=team)
    audit_event(session=session, actor=user.username, action="rapportage.risicofuncties",
                details={"formaat": formaat, "onderdeel": onderdeel, "team": team})
    if formaat == "csv":
        return Response(reports.to_csv(rows).encode("utf-8"), media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": f'attachment; filename="risicofuncties-{year}.csv"'})
    if formaat == "docx":
        return Response(reports.to_docx(session=session, settings=settings, year=year, unit=onderdeel, team=team),
                        media_type=DOCX,
                        headers={"Content-Disposition": f'attachment; filename="risicofuncties-{year}.docx"'})
    return OverviewOut(kolommen=reports.COLUMNS, rijen=rows,
                       zelfanalyse=None if team else reports.self_analysis(session=session, settings=settings,
                                                                            year=year))


@router.get("/vervolgacties", response_model=list[ActionOut], summary="Vervolgacties van het managementteam",
            responses=errors(400, 401, 403))
def follow_up_actions(user: CurrentUser, session: SessionDep,
                      open_only: Annotated[bool,
                                           Query(title="Alleen open", alias="open",
                                                 description="Alleen open en te late acties")]
                      = False):
    team = access.team_scope(user)
    return [ActionOut(team=x.team, kenmerk=x.reference, functie=x.function, vervolgactie=x.text, uiterlijk=x.due,
                      stand=x.status)
            for x in reports.actions(session=session, only_open=open_only, team=team)]


@router.get("/roulatie", response_model=list[RotationOut], summary="Roulatie in meest risicovolle functies",
            description="Wie een meest risicovolle functie vervult, langst zittende eerst, met de roulatietermijn "
                        "uit het manifest.", responses=errors(400, 401, 403))
def rotation(user: CurrentUser, session: SessionDep):
    access.require_rotation_reader(user)
    rows = holders.rotation(session=session, settings=register.inventory_process(session).settings)
    return [RotationOut(naam=r.name, gebruikersnaam=r.username, functie=r.function, team=r.team, sinds=r.since,
                        jaren=r.years, rouleren_uiterlijk=r.rotate_by, termijn_verstreken=r.overdue,
                        screening=r.screening) for r in rows]


@router.post("/functiehouders", response_model=HolderOut, status_code=status.HTTP_201_CREATED,
             summary="Vastleggen wie een functie vervult",
             description="Een wisseling van functie beëindigt de vorige en start de taak 'autorisaties herzien' "
                         "voor de beveiligingsadviseur (met uiterste datum en escalatie).", responses=errors(400, 401, 403, 422))
def assign_holder(body: HolderIn, user: CurrentUser, session: SessionDep) -> HolderOut:
    access.require_keeper(user)
    holder = holders.assign(session=session, actor=user, user_id=body.medewerker_id, function_id=body.functie_id,
                            since=body.sinds, screening=body.screening)
    return HolderOut(id=holder.id, medewerker_id=holder.user_id, functie_id=holder.function_id, sinds=holder.since)
