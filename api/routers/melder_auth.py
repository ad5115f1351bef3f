"""Anonymous reporters: open and close a session with the receipt code.

The reporter channel itself (messages, acknowledgement, feedback, attachments) builds on
``api.deps.current_reporter``.
"""
from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response, status
from pydantic import ConfigDict, Field

from api.deps import CSRF_HEADER, SessionDep, client_key, current_reporter, reporter_cookie_name, UnitOfWorkRoute
from api.schemas import Strict
from engine.clock import now
from engine.db import get_database
from engine.identity import receipts
from engine.identity.models import ReporterSession

router = APIRouter(prefix="/melder", tags=["melder"], route_class=UnitOfWorkRoute)
PROBLEM = {"content": {"application/problem+json": {}}}


class ReceiptLogin(Strict):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"ontvangstcode": "1234 5678 9012 3456"}]})

    ontvangstcode: str = Field(title="Ontvangstcode", min_length=16, max_length=40,
                               description="De 16 cijfers van het ontvangstbewijs")


class ReporterSessionOut(Strict):
    csrf_token: str = Field(description=f"Stuur mee als header {CSRF_HEADER} bij wijzigingen.")
    expires_at: datetime


@router.post("/sessie", response_model=ReporterSessionOut, summary="Aanmelden met de ontvangstcode",
             responses={401: {"description": "Ontvangstcode onjuist", **PROBLEM},
                        429: {"description": "Te veel pogingen", **PROBLEM}})
def open_session(body: ReceiptLogin, request: Request, response: Response) -> ReporterSessionOut:
    """Geeft een sessiecookie voor 30 minuten. Een onjuiste of onbekende code krijgt hetzelfde antwoord."""
    settings = request.app.state.api_settings
    database = get_database()
    match = receipts.verify_receipt(database=database, code=body.ontvangstcode, client_key=client_key(request))
    with database.session() as session:
        session_id, row = receipts.start_reporter_session(session=session, receipt_id=match.receipt_id)
        result = ReporterSessionOut(csrf_token=row.csrf_token, expires_at=row.expires_at)
    response.set_cookie(reporter_cookie_name(settings.cookie_secure), session_id,
                        max_age=int(receipts.REPORTER_SESSION_TTL.total_seconds()), path="/", httponly=True,
                        secure=settings.cookie_secure, samesite="strict")
    response.headers["Cache-Control"] = "no-store"
    return result


@router.delete("/sessie", status_code=status.HTTP_204_NO_CONTENT, summary="Afmelden",
               responses={401: {"description": "Geen geldige sessie", **PROBLEM},
                          403: {"description": "CSRF-controle mislukt", **PROBLEM}})
def close_session(request: Request, session: SessionDep,
                  reporter: Annotated[ReporterSession, Depends(current_reporter)]) -> Response:
    reporter.revoked_at = now()
    session.flush()
    settings = request.app.state.api_settings
    response = Response(status_code=status.HTTP_204_NO_CONTENT)
    response.delete_cookie(reporter_cookie_name(settings.cookie_secure), path="/", secure=settings.cookie_secure,
                           httponly=True, samesite="strict")
    return response
