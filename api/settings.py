"""HTTP-layer settings from the environment (prefix ``MELDPUNT_``)."""
from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class ApiSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="MELDPUNT_", extra="ignore")

    max_body_bytes: int = Field(default=10 * 1024 * 1024, ge=1024, description="largest accepted request body")
    # Larger (or smaller) limits per path prefix, e.g. {"/api/v1/documenten": 26214400}; JSON in the environment.
    body_limits: dict[str, int] = Field(default_factory=dict)
    # Secure cookies (and the __Host- prefix) need HTTPS; switch off only for plain-http development.
    cookie_secure: bool = True
    session_hours: float = Field(default=8.0, gt=0, le=24)
