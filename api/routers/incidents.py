"""Incidents (issue 18) for the process owner and the coordinators: the same engine door as the web page
``/incidenten`` (``engine.incidents.service``). An incident names the case number, the process element and the
kind of error; never case content."""
from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query

from api.deps import CurrentUser, SessionDep, UnitOfWorkRoute
from api.routers.common import errors
from api.schemas import Strict
from engine.incidents import service as incidents
from engine.incidents.models import Incident

router = APIRouter(prefix="/incidenten", tags=["incidenten"], route_class=UnitOfWorkRoute)


class IncidentOut(Strict):
    id: int
    zaak_id: int
    zaaknummer: str | None
    bron: Literal["timer", "taak"]
    element: str | None
    stap: str | None
    code: str
    melding: str
    eerste_keer: datetime
    laatste_keer: datetime
    aantal: int
    status: Literal["open", "opgelost"]
    opgelost_op: datetime | None = None
    opgelost_door: str | None = None


class RetryOut(Strict):
    opgelost: bool
    incident: IncidentOut


def _out(incident: Incident, refs: dict[int, str]) -> IncidentOut:
    return IncidentOut(id=incident.id, zaak_id=incident.case_id, zaaknummer=refs.get(incident.case_id),
                       bron=incident.source, element=incident.element_id, stap=incident.element_name, code=incident.code, melding=incident.message,
                       eerste_keer=incident.first_at, laatste_keer=incident.last_at, aantal=incident.count,
                       status=incident.state, opgelost_op=incident.resolved_at, opgelost_door=incident.resolved_by)


def _refs(session, user, rows: list[Incident]) -> dict[int, str]:
    return incidents.case_references(session=session, by=user, rows=rows)


@router.get("", response_model=list[IncidentOut], summary="Incidenten (procesbeheerder en coördinatoren)",
            responses=errors(401, 403, 422))
def list_incidents(user: CurrentUser, session: SessionDep,
                   status: Annotated[Literal["open", "alle"], Query(title="Status")] = "open") -> list[IncidentOut]:
    rows = incidents.list_incidents(session=session, by=user, state=None if status == "alle" else "open")
    refs = _refs(session, user, rows)
    return [_out(r, refs) for r in rows]


@router.get("/{incident_id}", response_model=IncidentOut, summary="Eén incident", responses=errors(401, 403, 404, 422))
def get_incident(incident_id: Annotated[int, Path(title="Incident", ge=1, le=2**31 - 1)], user: CurrentUser,
                 session: SessionDep) -> IncidentOut:
    incident = incidents.get_incident(session=session, by=user, incident_id=incident_id)
    return _out(incident, _refs(session, user, [incident]))


@router.post("/{incident_id}/opnieuw-proberen", response_model=RetryOut, summary="Een mislukte termijn opnieuw laten afgaan",
             responses=errors(400, 401, 403, 404, 409, 422))
def retry_incident(incident_id: Annotated[int, Path(title="Incident", ge=1, le=2**31 - 1)], user: CurrentUser,
                   session: SessionDep) -> RetryOut:
    incident, resolved = incidents.retry(session=session, by=user, incident_id=incident_id)
    return RetryOut(opgelost=resolved, incident=_out(incident, _refs(session, user, [incident])))


@router.post("/{incident_id}/afsluiten", response_model=IncidentOut, summary="Een incident als opgelost markeren",
             responses=errors(401, 403, 404, 409, 422))
def close_incident(incident_id: Annotated[int, Path(title="Incident", ge=1, le=2**31 - 1)], user: CurrentUser,
                   session: SessionDep) -> IncidentOut:
    incident = incidents.close(session=session, by=user, incident_id=incident_id)
    return _out(incident, _refs(session, user, [incident]))
