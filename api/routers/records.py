"""Records lifecycle (issue 20): legal hold on a case, destruction lists with four-eyes approval, the
certificate of destruction. Thin: rules and access decisions live in engine/records and engine.identity.access."""
from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from fastapi import APIRouter, Path, Query
from fastapi.responses import Response
from pydantic import BaseModel, Field

from api.deps import CurrentUser, SessionDep, UnitOfWorkRoute
from api.routers.common import errors
from engine.records import service as records

router = APIRouter(prefix="/bewaartermijnen", tags=["bewaartermijnen"], route_class=UnitOfWorkRoute)
case_router = APIRouter(prefix="/zaken", tags=["bewaartermijnen"], route_class=UnitOfWorkRoute)

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
CaseId = Annotated[int, Path(title="Zaak", ge=1, le=2**31 - 1)]
ListId = Annotated[int, Path(title="Lijst", ge=1, le=2**31 - 1)]


class HoldIn(BaseModel):
    reden: str = Field(title="Reden", min_length=1, max_length=2000)


class HoldOut(BaseModel):
    id: int
    reden: str
    ingesteld_door: str
    ingesteld_op: datetime
    opgeheven_door: str | None
    opgeheven_op: datetime | None


class PostponementOut(BaseModel):
    soort: str = Field(description="bewaarplicht | signaal_benadeling | verslag_ter_controle | contacttaak | "
                                   "nazorg_gepland | nazorg_termijn | contact_melder | niet_afgesloten")
    reden: str = Field(description="De reden in het Nederlands (noemt geen persoon)")
    tot_en_met: date | None = Field(description="Laatste dag van het uitstel, als die vaststaat")


class RetentionOut(BaseModel):
    zaak_id: int
    status: str  # open | bewaard | vernietigd
    klasse: str | None
    klasse_omschrijving: str | None
    afgesloten_op: date | None
    bewaren_tot_en_met: date | None
    bewaarplicht: HoldOut | None
    bewaarplichten: list[HoldOut]
    uitstel: PostponementOut | None = Field(description=(
        "Waarom de zaak niet wordt vernietigd hoewel haar bewaartermijn verstreken is (bewaarplicht, contact met de "
        "melder, signaal van benadeling); leeg zolang de termijn loopt of niets de vernietiging tegenhoudt"))


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


def _list(session, d, user) -> ListOut:
    return ListOut(id=d.id, status=d.status, opgesteld_op=d.built_at, opgesteld_door=d.built_by,
                   voorgesteld_door=d.proposed_by, voorgesteld_op=d.proposed_at, goedgekeurd_door=d.approved_by,
                   goedgekeurd_op=d.approved_at, verklaring=d.certificate_filename is not None,
                   zaken=[ItemOut(zaak_id=i.case_id, zaaknummer=i.reference, klasse=i.outcome_class,
                                  afgesloten_op=i.closed_on, bewaren_tot_en_met=i.end_of_term, status=i.status,
                                  toelichting=i.note, vernietigd_op=i.destroyed_at)
                          for i in records.visible_items(session=session, user=user, list_id=d.id)])


def _retention(info) -> RetentionOut:
    return RetentionOut(zaak_id=info.case_id, status=info.status, klasse=info.outcome_class,
                        klasse_omschrijving=records.class_label(info.outcome_class) if info.outcome_class else None,
                        afgesloten_op=info.closed_on, bewaren_tot_en_met=info.end_of_term,
                        bewaarplicht=_hold(info.hold) if info.hold else None,
                        bewaarplichten=[_hold(h) for h in info.holds],
                        uitstel=PostponementOut(soort=info.postponed.code, reden=info.postponed.text,
                                                tot_en_met=info.postponed.until) if info.postponed else None)


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
    return [_list(session, d, user) for d in records.list_lists(session=session, user=user)]


@router.get("/vernietigingslijsten/{list_id}", response_model=ListOut, responses=errors(401, 403, 404),
            summary="Eén vernietigingslijst")
def one_list(list_id: ListId, user: CurrentUser, session: SessionDep) -> ListOut:
    return _list(session, records.get_list(session=session, user=user, list_id=list_id), user)


@router.post("/vernietigingslijsten/{list_id}/voorstellen", response_model=ListOut,
             responses=errors(401, 403, 404, 409), summary="Conceptlijst voorstellen (integriteitscoördinator)")
def propose(list_id: ListId, user: CurrentUser, session: SessionDep) -> ListOut:
    return _list(session, records.propose(session=session, user=user, list_id=list_id), user)


@router.post("/vernietigingslijsten/{list_id}/goedkeuren", response_model=ListOut,
             responses=errors(401, 403, 404, 409),
             summary="Voorgestelde lijst goedkeuren (een tweede persoon; vernietiging bij de volgende bewaartermijnronde)")
def approve(list_id: ListId, user: CurrentUser, session: SessionDep) -> ListOut:
    return _list(session, records.approve(session=session, user=user, list_id=list_id), user)


@router.get("/vernietigingslijsten/{list_id}/verklaring", response_class=Response,
            responses={**errors(401, 403, 404), 200: {"content": {DOCX: {"schema": {"type": "string", "format": "binary"}}}}},
            summary="Verklaring van vernietiging (Word)")
def certificate(list_id: ListId, user: CurrentUser, session: SessionDep) -> Response:
    filename, content = records.certificate_for(session=session, user=user, list_id=list_id)
    return Response(content, media_type=DOCX, headers={"Content-Disposition": f'attachment; filename="{filename}"'})


# --------------------------------------------------------------------------- rights of data subjects (AVG)
from engine.records import subject_rights as rights  # noqa: E402

ZIP = "application/zip"
RequestId = Annotated[int, Path(title="Inzageverzoek", ge=1, le=2**31 - 1)]
FlagId = Annotated[int, Path(title="Markering", ge=1, le=2**31 - 1)]
access_router = APIRouter(prefix="/inzageverzoeken", tags=["inzageverzoeken"], route_class=UnitOfWorkRoute)


class AccessRequestIn(BaseModel):
    naam: str = Field(title="Naam", min_length=1, max_length=200)
    gebruikersnaam: str = Field(title="Gebruikersnaam", default="", max_length=100)
    email: str = Field(title="E-mailadres", default="", max_length=200)
    ontvangen_op: Annotated[date | None, Field(title="Ontvangen op")] = None
    toestemming_melder: Annotated[bool, Field(title="Toestemming van de melder")] = False


class LinkIn(BaseModel):
    zaaknummer: str = Field(title="Zaaknummer", min_length=1, max_length=40)
    rol: str = Field(title="Rol", min_length=1, max_length=20)


class ReasonIn(BaseModel):
    reden: str = Field(title="Reden", min_length=1, max_length=2000)


class LinkOut(BaseModel):
    zaak_id: int
    zaaknummer: str
    rol: str


class AccessRequestOut(BaseModel):
    id: int
    naam: str
    status: str
    ontvangen_op: date
    termijn_tot: date
    te_laat: bool
    verlengd: bool
    toestemming_melder: bool
    afgehandeld_door: str | None
    zaken: list[LinkOut]


class FlagIn(BaseModel):
    rol: str = Field(title="Rol", min_length=1, max_length=20)
    persoon: str = Field(title="Persoon", min_length=1, max_length=200)
    soort: str = Field(title="Soort", min_length=1, max_length=20)
    toelichting: str = Field(title="Toelichting", min_length=1, max_length=4000)


class FlagOut(BaseModel):
    id: int
    rol: str
    persoon: str | None  # for the handler only
    soort: str
    toelichting: str | None  # for the handler only
    vastgelegd_door: str
    vastgelegd_op: datetime
    opgeheven_op: datetime | None


def _request(session, req, user) -> AccessRequestOut:
    return AccessRequestOut(id=req.id, naam=rights.person_of(req).get("naam", ""), status=req.status,
                            ontvangen_op=req.received_on, termijn_tot=req.due_on, te_laat=rights.is_overdue(req),
                            verlengd=req.extended_at is not None, toestemming_melder=req.reporter_consent,
                            afgehandeld_door=req.handled_by,
                            zaken=[LinkOut(zaak_id=link.case_id, zaaknummer=ref, rol=link.role)
                                   for link, ref in rights.shown_request_cases(session, user, req.id)])


def _flag(session, f, user) -> FlagOut:
    named = rights.shows_flag_person(session=session, user=user, flag=f)
    return FlagOut(id=f.id, rol=f.role, persoon=f.person if named else None, soort=f.kind,
                   toelichting=f.statement if named else None, vastgelegd_door=f.placed_by,
                   vastgelegd_op=f.placed_at, opgeheven_op=f.lifted_at)


@access_router.get("", response_model=list[AccessRequestOut], responses=errors(401, 403),
                   summary="Inzageverzoeken (AVG art. 15); teLaat=true: alleen de verzoeken over hun termijn")
def access_requests(user: CurrentUser, session: SessionDep,
                    te_laat: Annotated[bool,
                                       Query(title="Alleen te laat",
                                             alias="teLaat")] = False) -> list[AccessRequestOut]:
    found = rights.overdue(session=session, user=user) if te_laat else rights.list_requests(session=session, user=user)
    return [_request(session, r, user) for r in found]


@access_router.post("", response_model=AccessRequestOut, status_code=201, responses=errors(401, 403, 422),
                    summary="Inzageverzoek registreren (integriteitscoördinator); termijn één maand")
def register_access_request(body: AccessRequestIn, user: CurrentUser, session: SessionDep) -> AccessRequestOut:
    req = rights.register(session=session, user=user, name=body.naam, username=body.gebruikersnaam, email=body.email,
                          received_on=body.ontvangen_op, reporter_consent=body.toestemming_melder)
    return _request(session, req, user)


@access_router.get("/{request_id}", response_model=AccessRequestOut, responses=errors(401, 403, 404),
                   summary="Eén inzageverzoek")
def access_request(request_id: RequestId, user: CurrentUser, session: SessionDep) -> AccessRequestOut:
    return _request(session, rights.get_request(session=session, user=user, request_id=request_id), user)


@access_router.post("/{request_id}/zaken", response_model=AccessRequestOut, responses=errors(401, 403, 404, 409, 422),
                    summary="Zaak koppelen waarin de persoon voorkomt (melder, betrokkene of getuige)")
def link_case(request_id: RequestId, body: LinkIn, user: CurrentUser, session: SessionDep) -> AccessRequestOut:
    rights.link_case(session=session, user=user, request_id=request_id, reference=body.zaaknummer, role=body.rol)
    return _request(session, rights.get_request(session=session, user=user, request_id=request_id), user)


@access_router.post("/{request_id}/verlengen", response_model=AccessRequestOut,
                    responses=errors(401, 403, 404, 409, 422), summary="Termijn eenmaal verlengen (met reden)")
def extend(request_id: RequestId, body: ReasonIn, user: CurrentUser, session: SessionDep) -> AccessRequestOut:
    return _request(session, rights.extend(session=session, user=user, request_id=request_id, reason=body.reden), user)


@access_router.post("/{request_id}/afhandelen", response_model=AccessRequestOut, responses=errors(401, 403, 404, 409),
                    summary="Inzageverzoek afgehandeld")
def complete(request_id: RequestId, user: CurrentUser, session: SessionDep) -> AccessRequestOut:
    return _request(session, rights.complete(session=session, user=user, request_id=request_id), user)


@access_router.get("/{request_id}/export", response_class=Response,
                   responses={**errors(401, 403, 404), 200: {"content": {ZIP: {"schema": {"type": "string",
                                                                                          "format": "binary"}}}}},
                   summary="Export voor de persoon (zip: samenvatting.docx en gegevens.json)")
def export(request_id: RequestId, user: CurrentUser, session: SessionDep) -> Response:
    out = rights.export(session=session, user=user, request_id=request_id)
    return Response(out.content, media_type=ZIP,
                    headers={"Content-Disposition": f'attachment; filename="{out.filename}"'})


@case_router.get("/{case_id}/persoonsmarkeringen", response_model=list[FlagOut], responses=errors(401, 404),
                 summary="Rectificatie- en beperkingsmarkeringen van een zaak")
def flags(case_id: CaseId, user: CurrentUser, session: SessionDep) -> list[FlagOut]:
    return [_flag(session, f, user) for f in rights.case_flags(session=session, user=user, case_id=case_id)]


@case_router.post("/{case_id}/persoonsmarkeringen", response_model=FlagOut, status_code=201,
                  responses=errors(401, 403, 404, 422),
                  summary="Rectificatie (AVG art. 16) of beperking (art. 18) vastleggen (integriteitscoördinator)")
def place_flag(case_id: CaseId, body: FlagIn, user: CurrentUser, session: SessionDep) -> FlagOut:
    return _flag(session, rights.place_flag(session=session, user=user, case_id=case_id, role=body.rol, person=body.persoon,
                                   kind=body.soort, statement=body.toelichting), user)


@case_router.delete("/{case_id}/persoonsmarkeringen/{flag_id}", response_model=FlagOut,
                    responses=errors(401, 403, 404, 409), summary="Markering opheffen (integriteitscoördinator)")
def lift_flag(case_id: CaseId, flag_id: FlagId, user: CurrentUser, session: SessionDep) -> FlagOut:
    return _flag(session, rights.lift_flag(session=session, user=user, case_id=case_id, flag_id=flag_id), user)
