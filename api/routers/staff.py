"""Staff changes (issue 22): a person's open work handed over in one action, absences with a delegate, and the
coordinators' notices of staff changes (the same as on their worklist page). The engine decides everything
(``engine.staff.service``); this router only translates."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Response, status

from api.deps import CurrentUser, SessionDep, UnitOfWorkRoute, read_only
from api.routers.common import errors
from api.schemas.staff import (AbsenceCreatedOut, AbsenceIn, AbsenceOut, HandOverIn, HandOverOut, OpenTaskOut,
                               OpenWorkOut, StaffNoticeOut)
from engine.staff import service as staff

router = APIRouter(prefix="/gebruikers", tags=["gebruikers"], route_class=UnitOfWorkRoute)
notices_router = APIRouter(prefix="/personeelsmeldingen", tags=["gebruikers"], route_class=UnitOfWorkRoute)

UserId = Annotated[int, Path(title="Gebruiker", ge=1, le=2**31 - 1, description="Gebruiker-id")]
NoticeId = Annotated[int, Path(title="Personeelsmelding", ge=1, le=2**31 - 1, description="Personeelsmelding-id")]
AbsenceId = Annotated[int, Path(title="Afwezigheid", ge=1, le=2**31 - 1, description="Afwezigheid-id")]


@router.get("/{user_id}/werk", response_model=OpenWorkOut, summary="Opgepakte open taken van een medewerker",
            description="Voor de integriteitscoördinator: de taken in zaken onder zijn toezicht; de rest alleen geteld.",
            responses=errors(401, 403, 404))
def open_work(user_id: UserId, user: CurrentUser, session: SessionDep) -> OpenWorkOut:
    _, rows, hidden = staff.open_work_view(session=session, by=user, user_id=user_id)
    return OpenWorkOut(taken=[OpenTaskOut(zaak_id=r["zaak_id"], zaaknummer=r["zaaknummer"], taak_id=r["taak_id"],
                                          taak=r["taak"], rol=r["rol"], termijn=r["termijn"]) for r in rows],
                       buiten_toezicht=hidden)


@router.post("/{user_id}/werk-overdragen", response_model=HandOverOut, summary="Al het open werk overdragen",
             description=(
                 "De integriteitscoördinator draagt alle opgepakte open taken van een medewerker in één keer over: "
                 "naar de pool (naar_id leeg) of naar een collega. Elke taak wordt apart getoetst aan uitsluitingen "
                 "en functiescheiding; een taak die de collega niet mag krijgen gaat naar de pool en staat met de "
                 "reden in naar_pool. Een taak in een zaak waarin u zelf niet mag optreden blijft staan. Geaudit."),
             responses=errors(401, 403, 404, 422))
def hand_over(user_id: UserId, body: HandOverIn, user: CurrentUser, session: SessionDep) -> HandOverOut:
    result = staff.reassign_all_work(session=session, by=user, user_id=user_id, to_user_id=body.naar_id,
                                     reason=body.reden)
    return HandOverOut.of(result)


@router.get("/{user_id}/afwezigheden", response_model=list[AbsenceOut], summary="Afwezigheden van een medewerker",
            description="Voor de medewerker zelf, de integriteitscoördinator en de functioneel beheerder.",
            responses=errors(401, 403, 404))
def absences(user_id: UserId, user: CurrentUser, session: SessionDep) -> list[AbsenceOut]:
    today = staff.today()
    return [AbsenceOut.of(a, today) for a in staff.list_absences(session=session, by=user, user_id=user_id)]


@router.post("/{user_id}/afwezigheden", response_model=AbsenceCreatedOut, status_code=status.HTTP_201_CREATED,
             summary="Afwezigheid met vervanger vastleggen",
             description=(
                 "Van en tot zijn kalenderdagen (tot en met). Zolang de afwezigheid loopt, gaan nieuwe taken voor de "
                 "medewerker naar de vervanger, als die ze mag krijgen (functiescheiding, uitsluitingen); anders naar "
                 "de pool, en de integriteitscoördinator ziet waarom. Met taken_overdragen gaan de opgepakte taken "
                 "nu al naar de vervanger. Geaudit."),
             responses=errors(401, 403, 404, 422))
def record_absence(user_id: UserId, body: AbsenceIn, user: CurrentUser, session: SessionDep) -> AbsenceCreatedOut:
    absence, moved = staff.record_absence(session=session, by=user, user_id=user_id, starts_on=body.van,
                                          ends_on=body.tot, delegate_id=body.vervanger_id,
                                          move_claimed=body.taken_overdragen)
    return AbsenceCreatedOut(afwezigheid=AbsenceOut.of(absence, staff.today()),
                             overdracht=HandOverOut.of(moved) if moved else None)


@router.delete("/{user_id}/afwezigheden/{absence_id}", status_code=status.HTTP_204_NO_CONTENT,
               summary="Afwezigheid intrekken (ook om haar eerder te beëindigen)", responses=errors(401, 403, 404))
def cancel_absence(user_id: UserId, absence_id: AbsenceId, user: CurrentUser, session: SessionDep) -> Response:
    staff.cancel_absence(session=session, by=user, user_id=user_id, absence_id=absence_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@notices_router.get("", response_model=list[StaffNoticeOut], summary="Personeelsmeldingen voor mij",
                    description=(
                        "Voor de integriteitscoördinator: wat er na een personeelswijziging (blokkeren, werk "
                        "overdragen, een vervanger die een taak niet mocht krijgen) met taken gebeurde, nieuwste "
                        "eerst, zoals op de werkvoorraad. Taken in zaken buiten uw toezicht worden alleen geteld; "
                        "een zaak waarvan u bent uitgesloten telt niet mee. Wat u zelf als gezien markeerde, staat "
                        "er niet meer in."),
                    responses=errors(401, 403))
@read_only
def notices(user: CurrentUser, session: SessionDep) -> list[StaffNoticeOut]:
    return [StaffNoticeOut.of(n) for n in staff.notices_to_read(session=session, user=user)]


@notices_router.post("/{notice_id}/gezien", status_code=status.HTTP_204_NO_CONTENT, response_class=Response,
                     summary="Een personeelsmelding als gezien markeren",
                     description=(
                         "De taken die de melding u toonde zijn daarmee afgehandeld, voor alle coördinatoren; taken "
                         "die u niet zag (buiten uw toezicht of uitgesloten) blijven staan voor wie ze wel ziet. De "
                         "melding komt niet bij u terug. Een melding die voor u niet bestaat: 404. Geaudit."),
                     responses=errors(401, 403, 404))
def notice_seen(notice_id: NoticeId, user: CurrentUser, session: SessionDep) -> Response:
    staff.mark_notice_seen(session=session, by=user, notice_id=notice_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
