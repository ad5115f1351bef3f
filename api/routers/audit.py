"""The audit trail, for the auditor role only (hash-chained, see engine.audit).

What the auditor may read is decided in ``engine.audit.trail``: no events of a case in which they are a party,
the reporter pseudonymised (and that event's hash withheld) unless they may see the identity."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query

from api.deps import SessionDep, permitted, UnitOfWorkRoute
from api.routers.common import MAX_LIMIT, errors
from api.schemas.casework import AuditEventOut, AuditPage, VerifyOut
from engine.audit import trail
from engine.audit.trail import TrailEntry, require_audit_reader
from engine.identity.models import User

router = APIRouter(prefix="/audit", tags=["audit"], route_class=UnitOfWorkRoute)

Auditor = Annotated[User, Depends(permitted(require_audit_reader))]


def _out(ev: TrailEntry) -> AuditEventOut:
    return AuditEventOut(id=ev.id, keten=ev.chain, volgnummer=ev.seq, op=ev.at, door=ev.actor, actie=ev.action,
                         zaak_id=ev.case_id, taak_id=ev.task_id, details=ev.details, hash=ev.hash)


@router.get("", response_model=AuditPage, summary="Audittrail (alleen auditor)", responses=errors(401, 403, 422))
def audit_trail(user: Auditor, session: SessionDep,
                zaak_id: Annotated[int | None, Query(title="Zaak", alias="zaakId", ge=1, le=2**31 - 1)] = None,
                actie: Annotated[str | None, Query(title="Actie", max_length=80)] = None,
                limit: Annotated[int, Query(title="Aantal per pagina", ge=1, le=MAX_LIMIT)] = 100,
                offset: Annotated[int, Query(title="Beginpositie", ge=0, le=10_000_000)] = 0,
                na: Annotated[int | None, Query(title="Na (volgende pagina)", ge=0, le=2**63 - 1, description=(
                    "Vervolgpositie: 'volgende' van de vorige pagina (keyset; offset wordt dan genegeerd)"))] = None,
                ) -> AuditPage:
    rows = trail.audit_trail(session=session, user=user, case_id=zaak_id, action=actie, limit=limit + 1,
                             offset=offset, after=na)
    more, rows = len(rows) > limit, rows[:limit]
    out = AuditPage(items=[_out(e) for e in rows], limit=limit, offset=0 if na is not None else offset,
                    volgende=rows[-1].id if more and rows else None)
    trail.record_read(session=session, user=user, details={"zaak_id": zaak_id, "actie": actie, "offset": offset, "na": na})
    return out


@router.get("/zaken/{case_id}", response_model=list[AuditEventOut], summary="Audittrail van één zaak (alleen auditor)",
            responses=errors(401, 403, 422))
def case_trail(case_id: Annotated[int, Path(title="Zaak", ge=1, le=2**31 - 1)], user: Auditor,
               session: SessionDep) -> list[AuditEventOut]:
    out = [_out(e) for e in trail.case_trail(session=session, user=user, case_id=case_id)]
    trail.record_read(session=session, user=user, details={"zaak_id": case_id})
    return out


@router.post("/verificatie", response_model=VerifyOut, summary="Hashketen controleren (alleen auditor)",
             responses=errors(401, 403))
def verify(user: Auditor, session: SessionDep) -> VerifyOut:
    result = trail.verify_trail(session=session, user=user)  # compared with the last signed checkpoint, as the CLI does
    return VerifyOut(ok=result.ok, gebeurtenissen=result.events, eerste_fout_id=result.first_broken_id,
                     reden=result.reason)
