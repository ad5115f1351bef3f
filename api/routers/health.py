from __future__ import annotations

from fastapi import APIRouter
from sqlalchemy import text

from engine.db import get_database

router = APIRouter(tags=["gezondheid"])


@router.get("/gezondheid", summary="Leeft de dienst?")
def health() -> dict:
    return {"status": "ok"}


@router.get("/gereed", summary="Is de dienst klaar (database bereikbaar)? Met waarschuwingen voor de beheerder")
def ready() -> dict:
    """Ready when the database answers. ``waarschuwingen``: what the operator must fix without the service being
    unready (e.g. the equated days of the Algemene termijnenwet missing for this year or the next)."""
    from engine.legal_terms import equated_days_warnings

    with get_database().session() as session:
        session.execute(text("SELECT 1"))
    answer = {"status": "ok", "database": get_database().dialect}
    warnings = equated_days_warnings()
    if warnings:
        answer["waarschuwingen"] = warnings
    return answer
