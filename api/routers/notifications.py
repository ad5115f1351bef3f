"""The user's own e-mail notification preference (issue 22): ``engine.notifications``, the same door as the page
``/meldingsvoorkeuren``."""
from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from api.deps import CurrentUser, SessionDep, UnitOfWorkRoute, read_only
from engine import notifications

router = APIRouter(tags=["gebruikers"], route_class=UnitOfWorkRoute)

PROBLEM = {"content": {"application/problem+json": {}}}
ERRORS = {401: {"description": "Niet aangemeld", **PROBLEM}, 403: {"description": "Geen toegang", **PROBLEM}}


class Keuze(BaseModel):
    code: str
    omschrijving: str


class VoorkeurOut(BaseModel):
    voorkeur: str = Field(description="direct (een e-mail per gebeurtenis), dagelijks (één overzicht per dag) of uit")
    keuzes: list[Keuze]


class VoorkeurIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    voorkeur: str = Field(title="Voorkeur", max_length=20, description="direct, dagelijks of uit")


def _out(mode: str) -> VoorkeurOut:
    return VoorkeurOut(voorkeur=mode, keuzes=[Keuze(code=c, omschrijving=label)
                                              for c, label in notifications.MODE_LABELS.items()])


@router.get("/gebruikers/ik/meldingsvoorkeuren", response_model=VoorkeurOut, summary="Mijn e-mailmeldingen",
            responses=ERRORS)
@read_only
def get_preferences(user: CurrentUser, session: SessionDep) -> VoorkeurOut:
    return _out(notifications.preference(session=session, user_id=user.id))


@router.put("/gebruikers/ik/meldingsvoorkeuren", response_model=VoorkeurOut, summary="Mijn e-mailmeldingen instellen",
            description="Een e-mail zegt alleen dát er iets is, met een link naar Meldpunt; nooit gegevens uit een zaak.",
            responses={**ERRORS, 422: {"description": "Ongeldige gegevens", **PROBLEM}})
def put_preferences(body: VoorkeurIn, user: CurrentUser, session: SessionDep) -> VoorkeurOut:
    return _out(notifications.set_preference(session=session, user=user, mode=body.voorkeur))
