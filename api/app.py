"""The FastAPI application. Routers are thin; business rules live in engine/."""
from __future__ import annotations

from fastapi import FastAPI

from api.routers import health


def create_app() -> FastAPI:
    app = FastAPI(
        title="Meldpunt Integriteit API",
        version="1",
        description="Zaaksysteem voor meldingen van (vermoedelijke) integriteitsschendingen.",
        openapi_url="/api/v1/openapi.json",
        docs_url="/api/v1/docs",
    )
    app.include_router(health.router, prefix="/api/v1")
    return app
