from __future__ import annotations

from fastapi import APIRouter
from sqlalchemy import text

from engine.db import get_database

router = APIRouter(tags=["gezondheid"])


@router.get("/gezondheid", summary="Leeft de dienst?")
def health() -> dict:
    return {"status": "ok"}


@router.get("/gereed", summary="Is de dienst klaar (database bereikbaar)?")
def ready() -> dict:
    with get_database().session() as session:
        session.execute(text("SELECT 1"))
    return {"status": "ok", "database": get_database().dialect}
