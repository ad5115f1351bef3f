"""Registering reports: by staff (desk, coordinator, vertrouwenspersoon, managers) and the public anonymous form."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Request, Response, status

from api.deps import CurrentUser, SessionDep, client_key, read_only, UnitOfWorkRoute
from api.routers.common import errors
from api.schemas.casework import PublicReportCreated, PublicReportIn, ReportCreated, ReportHandlerOut, StaffReportIn
from engine.config import REPORTER_PORTAL_PATH
from engine.db import get_database
from engine.identity import receipts
from engine.intake import exclusions
from engine.intake import public
from engine.intake import staff
from engine.intake import submissions

IDEMPOTENCY = ("Eenmalig kenmerk van deze verzending (16-128 tekens: letters, cijfers, - of _). Dezelfde melding "
               "opnieuw verstuurd met hetzelfde kenmerk maakt geen tweede melding: het antwoord is dat van de eerste "
               "keer (binnen 5 minuten met de ontvangstcode, header Idempotent-Replayed). Hetzelfde kenmerk met "
               "een andere inhoud geeft 422.")
SENT_BEFORE = ("Deze melding was al ontvangen (dezelfde Idempotency-Key); er is geen tweede melding gemaakt. De "
               "ontvangstcode is toen getoond en wordt niet opnieuw getoond.")

router = APIRouter(tags=["meldingen"], route_class=UnitOfWorkRoute)

KEEP_CODE = "Bewaar deze ontvangstcode goed; hij wordt maar één keer getoond en is nodig om berichten te lezen."


@router.post("/meldingen", response_model=ReportCreated, status_code=status.HTTP_201_CREATED,
             summary="Melding registreren (meldpunt, coördinator, vertrouwenspersoon, leidinggevende)",
             responses=errors(400, 401, 403, 413, 422))
def register(body: StaffReportIn, user: CurrentUser, session: SessionDep, response: Response,
             idempotency_key: Annotated[str | None, Header(title="Idempotentiesleutel", 
                 alias=submissions.HEADER, description=IDEMPOTENCY)] = None) -> ReportCreated:
    """The same door as the web form ``/meldingen/nieuw``: ``engine.intake.staff.register_report``."""
    data = body.model_dump(exclude_none=True, exclude={"melder_id", "betrokkene_id"})
    if "datum_melding" in data:
        data["datum_melding"] = data["datum_melding"].isoformat()
    key = submissions.checked_key(idempotency_key, field=submissions.HEADER)
    result = staff.register_report(session=session, actor=user, values=data, reporter_user_id=body.melder_id,
                                   subject_user_id=body.betrokkene_id, form_key=key)
    response.headers["Cache-Control"] = "no-store"
    if result.replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return ReportCreated(zaak_id=result.case.id, zaaknummer=result.case.reference,
                         ontvangstcode=receipts.format_code(result.receipt_code) if result.receipt_code else None,
                         melding=KEEP_CODE if result.receipt_code else "De melding is geregistreerd.")


@router.get("/publiek/behandelaars", response_model=list[ReportHandlerOut],
            summary="Wie een nieuwe melding zou zien: te kiezen om uit te sluiten als de melding over hen gaat",
            responses=errors(400))
@read_only
def report_handlers(session: SessionDep, response: Response) -> list[ReportHandlerOut]:
    """Geen aanmelding nodig. Alleen de weergavenaam: wie meldingen behandelt (meldpunt, integriteitscoördinatoren,
    Bureau Veiligheid en Integriteit). Geef bij de melding in ``uitgesloten`` de ids van wie de melding niet mag
    zien (``engine.intake.exclusions``)."""
    response.headers["Cache-Control"] = "no-store"
    return [ReportHandlerOut(id=i, naam=name) for i, name in exclusions.candidates(session)]


@router.post("/publiek/meldingen", response_model=PublicReportCreated, status_code=status.HTTP_201_CREATED,
             summary="Melding via het openbare formulier (geeft eenmalig een ontvangstcode)",
             responses=errors(400, 413, 422, 429))
def report_anonymously(body: PublicReportIn, request: Request, response: Response,
                       idempotency_key: Annotated[str | None, Header(title="Idempotentiesleutel", 
                           alias=submissions.HEADER, description=IDEMPOTENCY)] = None) -> PublicReportCreated:
    """Geen aanmelding nodig. Dezelfde regels als het webformulier ``/melden`` (verplicht: ``omschrijving`` en
    ``dienstonderdeel``). Het antwoord is wat het webformulier de melder toont: de ontvangstcode (alleen in dit
    antwoord, nooit gelogd) en waar zij die gebruikt; geen zaaknummer."""
    data = body.model_dump(exclude_none=True)
    if "datum_voorval" in data:
        data["datum_voorval"] = data["datum_voorval"].isoformat()
    kind, wish = data.pop("gesprek", None), data.pop("gesprek_wens", None)
    key = submissions.checked_key(idempotency_key, field=submissions.HEADER)
    report = public.submit_public_report(database=get_database(), client_key=client_key(request), values=data,
                                         meeting=(kind, wish or "") if kind else None, form_key=key)
    response.headers["Cache-Control"] = "no-store"
    melding = KEEP_CODE
    if report.replayed:  # the same request sent again with the same Idempotency-Key: nothing filed
        response.headers["Idempotent-Replayed"] = "true"
        melding = KEEP_CODE if report.receipt_code else SENT_BEFORE
    return PublicReportCreated(ontvangstcode=report.receipt_code, mijn_melding=REPORTER_PORTAL_PATH, melding=melding)
