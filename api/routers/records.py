"""Records lifecycle (issue 20): legal hold on a case, destruction lists with four-eyes approval, the
certificate of destruction. Thin: rules and access decisions live in engine/records and engine.identity.access."""
from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from fastapi import APIRouter, Path
from fastapi.responses import Response
from pydantic import BaseModel, Field

from api.deps import CurrentUser, SessionDep, UnitOfWorkRoute
from api.routers.common import errors
from engine.errors import NotFound
from engine.records import service as records

router = APIRouter(prefix="/bewaartermijnen", tags=["bewaartermijnen"], route_class=UnitOfWorkRoute)
case_router = APIRouter(prefix="/zaken", tags=["bewaartermijnen"], route_class=UnitOfWorkRoute)

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
CaseId = Annotated[int, Path(ge=1, le=2**31 - 1)]
ListId = Annotated[int, Path(ge=1, le=2**31 - 1)]


class HoldIn(BaseModel):
    reden: str = Field(min_length=1, max_length=2000)


class HoldOut(BaseModel):
    id: int
    reden: str
    ingesteld_door: str
    ingesteld_op: datetime
    opgeheven_door: str | None
    opgeheven_op: datetime | None


class RetentionOut(BaseModel):
    zaak_id: int
    status: str  # open | bewaard | vernietigd
    klasse: str | None
    klasse_omschrijving: str | None
    afgesloten_op: date | None
    bewaren_tot_en_met: date | None
    bewaarplicht: HoldOut | None
    bewaarplichten: list[HoldOut]


class ItemOut(BaseModel):
    zaak_id: int
    zaaknummer: str
    klasse: str
    afgesloten_op: date
    bewaren_tot_en_met: date
    status: str
    toelichting: str | None
    vernietigd_op: datetime | None


class ListOut(BaseModel):
    id: int
    status: str
    opgesteld_op: datetime
    opgesteld_door: str
    voorgesteld_door: str | None
    voorgesteld_op: datetime | None
    goedgekeurd_door: str | None
    goedgekeurd_op: datetime | None
    verklaring: bool
    zaken: list[ItemOut]


def _hold(h) -> HoldOut:
    return HoldOut(id=h.id, reden=h.reason, ingesteld_door=h.placed_by, ingesteld_op=h.placed_at,
                   opgeheven_door=h.lifted_by, opgeheven_op=h.lifted_at)


def _list(session, d) -> ListOut:
    return ListOut(id=d.id, status=d.status, opgesteld_op=d.built_at, opgesteld_door=d.built_by,
                   voorgesteld_door=d.proposed_by, voorgesteld_op=d.proposed_at, goedgekeurd_door=d.approved_by,
                   goedgekeurd_op=d.approved_at, verklaring=d.certificate_filename is not None,
                   zaken=[ItemOut(zaak_id=i.case_id, zaaknummer=i.reference, klasse=i.outcome_class,
                                  afgesloten_op=i.closed_on, bewaren_tot_en_met=i.end_of_term, status=i.status,
                                  toelichting=i.note, vernietigd_op=i.destroyed_at)
                          for i in records.items(session, d.id)])


def _retention(info) -> RetentionOut:
    return RetentionOut(zaak_id=info.case_id, status=info.status, klasse=info.outcome_class,
                        klasse_omschrijving=records.class_label(info.outcome_class) if info.outcome_class else None,
                        afgesloten_op=info.closed_on, bewaren_tot_en_met=info.end_of_term,
                        bewaarplicht=_hold(info.hold) if info.hold else None,
                        bewaarplichten=[_hold(h) for h in info.holds])


@case_router.get("/{case_id}/bewaartermijn", response_model=RetentionOut, responses=errors(401, 404),
                 summary="Bewaartermijn en bewaarplicht van een zaak")
def case_retention(case_id: CaseId, user: CurrentUser, session: SessionDep) -> RetentionOut:
    return _retention(records.case_retention(session=session, user=user, case_id=case_id))


@case_router.post("/{case_id}/bewaarplicht", response_model=RetentionOut, status_code=201,
                  responses=errors(401, 403, 404, 409, 422), summary="Bewaarplicht instellen (integriteitscoördinator)")
def place_hold(case_id: CaseId, body: HoldIn, user: CurrentUser, session: SessionDep) -> RetentionOut:
    records.place_hold(session=session, user=user, case_id=case_id, reason=body.reden)
    return _retention(records.case_retention(session=session, user=user, case_id=case_id))


@case_router.delete("/{case_id}/bewaarplicht", response_model=RetentionOut, responses=errors(401, 403, 404, 409),
                    summary="Bewaarplicht opheffen (integriteitscoördinator)")
def lift_hold(case_id: CaseId, user: CurrentUser, session: SessionDep) -> RetentionOut:
    records.lift_hold(session=session, user=user, case_id=case_id)
    return _retention(records.case_retention(session=session, user=user, case_id=case_id))


@router.get("/vernietigingslijsten", response_model=list[ListOut], responses=errors(401, 403),
            summary="Vernietigingslijsten (nieuwste eerst)")
def lists(user: CurrentUser, session: SessionDep) -> list[ListOut]:
    return [_list(session, d) for d in records.list_lists(session=session, user=user)]


@router.get("/vernietigingslijsten/{list_id}", response_model=ListOut, responses=errors(401, 403, 404),
            summary="Eén vernietigingslijst")
def one_list(list_id: ListId, user: CurrentUser, session: SessionDep) -> ListOut:
    return _list(session, records.get_list(session=session, user=user, list_id=list_id))


@router.post("/vernietigingslijsten/{list_id}/voorstellen", response_model=ListOut,
             responses=errors(401, 403, 404, 409), summary="Conceptlijst voorstellen (integriteitscoördinator)")
def propose(list_id: ListId, user: CurrentUser, session: SessionDep) -> ListOut:
    return _list(session, records.propose(session=session, user=user, list_id=list_id))


@router.post("/vernietigingslijsten/{list_id}/goedkeuren", response_model=ListOut,
             responses=errors(401, 403, 404, 409),
             summary="Voorgestelde lijst goedkeuren (een tweede persoon; vernietiging bij de volgende bewaartermijnronde)")
def approve(list_id: ListId, user: CurrentUser, session: SessionDep) -> ListOut:
    return _list(session, records.approve(session=session, user=user, list_id=list_id))


@router.get("/vernietigingslijsten/{list_id}/verklaring", response_class=Response,
            responses={**errors(401, 403, 404), 200: {"content": {DOCX: {"schema": {"type": "string", "format": "binary"}}}}},
            summary="Verklaring van vernietiging (Word)")
def certificate(list_id: ListId, user: CurrentUser, session: SessionDep) -> Response:
    d = records.get_list(session=session, user=user, list_id=list_id)
    if d.certificate_filename is None:
        raise NotFound("Deze lijst is nog niet uitgevoerd; er is nog geen verklaring van vernietiging.")
    return Response(d.certificate, media_type=DOCX,
                    headers={"Content-Disposition": f'attachment; filename="{d.certificate_filename}"'})
