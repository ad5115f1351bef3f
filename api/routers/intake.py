"""Registering reports: by staff (desk, coordinator, vertrouwenspersoon, managers) and the public anonymous form."""
from __future__ import annotations

from fastapi import APIRouter, Request, Response, status

from api.deps import CurrentUser, SessionDep, client_key, UnitOfWorkRoute
from api.routers.common import errors
from api.schemas.casework import PublicReportIn, ReportCreated, StaffReportIn
from engine.db import get_database
from engine.errors import NotAuthorized
from engine.identity import access, receipts
from engine.identity.models import User
from engine.intake import public
from engine.intake import service as intake

router = APIRouter(tags=["meldingen"], route_class=UnitOfWorkRoute)

KEEP_CODE = "Bewaar deze ontvangstcode goed; hij wordt maar één keer getoond en is nodig om berichten te lezen."


@router.post("/meldingen", response_model=ReportCreated, status_code=status.HTTP_201_CREATED,
             summary="Melding registreren (meldpunt, coördinator, vertrouwenspersoon, leidinggevende)",
             responses=errors(400, 401, 403, 413, 422))
def register(body: StaffReportIn, user: CurrentUser, session: SessionDep, response: Response) -> ReportCreated:
    if not access.may_register_report(session=session, user=user):
        raise NotAuthorized("U mag geen meldingen registreren.")
    data = body.model_dump(exclude_none=True, exclude={"melder_id", "betrokkene_id"})
    if "datum_melding" in data:
        data["datum_melding"] = data["datum_melding"].isoformat()
    if body.melder_id is not None and session.get(User, body.melder_id) is None:
        from engine.errors import FieldError, InvalidData
        raise InvalidData([FieldError("melder_id", "Onbekende medewerker.")])
    if body.betrokkene_id is not None and session.get(User, body.betrokkene_id) is None:
        from engine.errors import FieldError, InvalidData
        raise InvalidData([FieldError("betrokkene_id", "Onbekende medewerker.")])
    if body.melder_anoniem:
        for key in ("melder_naam", "melder_adres", "melder_email", "melder_telefoon"):
            data.pop(key, None)
    result = intake.submit_report(session=session, actor=user, data=data, reporter_user_id=body.melder_id,
                                  subject_user_id=body.betrokkene_id)
    response.headers["Cache-Control"] = "no-store"
    return ReportCreated(zaak_id=result.case.id, zaaknummer=result.case.reference,
                         ontvangstcode=receipts.format_code(result.receipt_code) if result.receipt_code else None,
                         melding=KEEP_CODE if result.receipt_code else "De melding is geregistreerd.")


@router.post("/publiek/meldingen", response_model=ReportCreated, status_code=status.HTTP_201_CREATED,
             summary="Anonieme melding via het openbare formulier (geeft eenmalig een ontvangstcode)",
             responses=errors(400, 413, 422, 429))
def report_anonymously(body: PublicReportIn, request: Request, response: Response) -> ReportCreated:
    """Geen aanmelding nodig. De ontvangstcode wordt alleen in dit antwoord getoond en nooit gelogd."""
    data = body.model_dump(exclude_none=True)
    if "datum_voorval" in data:
        data["datum_voorval"] = data["datum_voorval"].isoformat()
    report = public.submit_public_report(database=get_database(), client_key=client_key(request), values=data)
    out = ReportCreated(zaaknummer=report.reference, ontvangstcode=report.receipt_code, melding=KEEP_CODE)
    response.headers["Cache-Control"] = "no-store"
    return out
