"""HTTP-layer settings from the environment (prefix ``MELDPUNT_``)."""
from __future__ import annotations

from typing import Annotated

from pydantic import Field, IPvAnyNetwork, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict


class ApiSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="MELDPUNT_", extra="ignore")

    max_body_bytes: int = Field(default=10 * 1024 * 1024, ge=1024, description="largest accepted request body")
    # Larger (or smaller) limits per path prefix, e.g. {"/api/v1/documenten": 26214400}; JSON in the environment.
    body_limits: dict[str, int] = Field(default_factory=dict)
    # Secure cookies (and the __Host- prefix) need HTTPS; switch off only for plain-http development.
    cookie_secure: bool = True
    # Send Strict-Transport-Security on every answer, also when a TLS-terminating proxy forwards plain http
    # (MELDPUNT_HSTS=true). A request that arrives over https gets it regardless.
    hsts: bool = False
    session_hours: float = Field(default=8.0, gt=0, le=24)
    # Reverse proxies whose X-Forwarded-For header is believed (addresses or networks, comma-separated in
    # the environment: MELDPUNT_TRUSTED_PROXIES=10.0.0.5,10.1.0.0/24). Default none: the client address
    # is the TCP peer, and a forwarded header from anyone is ignored (see api/client_address.py).
    # Where the API is published (the OpenAPI document's `servers`, API Design Rules /core/uri-version), e.g.
    # MELDPUNT_PUBLIC_URL=https://meldpunt.ministerie.nl; empty: MELDPUNT_BASE_URL, where users reach Meldpunt
    # (production requires it), and without that either the relative /api/v1 (see ``published_url``).
    public_url: str = ""
    # The API's contact in the OpenAPI document (/core/doc-openapi-contact): who answers questions about it.
    api_contact_name: str = "Functioneel beheer Meldpunt Integriteit"
    api_contact_url: str = "https://meldpunt.example/contact"
    api_contact_email: str = "functioneelbeheer@meldpunt.example"
    trusted_proxies: Annotated[list[IPvAnyNetwork], NoDecode] = Field(default_factory=list)
    # Who may read /metrics (api/observability.py): a scraper that sends `Authorization: Bearer <token>` with
    # this token, or one whose client address (after MELDPUNT_TRUSTED_PROXIES) lies in MELDPUNT_METRICS_NETWORKS
    # (comma-separated). Both empty (the default): nobody, /metrics answers 401.
    metrics_token: SecretStr | None = None
    metrics_networks: Annotated[list[IPvAnyNetwork], NoDecode] = Field(default_factory=list)
    # Local passwords (demo, break-glass): off with MELDPUNT_LOCAL_PASSWORDS=false; or only for the accounts in
    # MELDPUNT_LOCAL_PASSWORD_USERS=nood1,nood2 (the rest log in through the organisation's OpenID provider).
    local_passwords: bool = True
    local_password_users: Annotated[list[str], NoDecode] = Field(default_factory=list)

    @field_validator("local_password_users", mode="before")
    @classmethod
    def _names(cls, value):
        if isinstance(value, str):
            return [part.strip().lower() for part in value.split(",") if part.strip()]
        return [str(v).strip().lower() for v in value]

    def published_url(self) -> str:
        """Where the API is published: MELDPUNT_PUBLIC_URL, else MELDPUNT_BASE_URL when set, else "" (relative)."""
        if self.public_url.strip():
            return self.public_url.strip()
        from engine.config import get_settings

        base = get_settings()
        return base.base_url.strip() if "base_url" in base.model_fields_set else ""

    def local_policy(self):
        from engine.identity.login import LocalPasswords

        return LocalPasswords(enabled=self.local_passwords, only=frozenset(self.local_password_users))

    @field_validator("trusted_proxies", "metrics_networks", mode="before")
    @classmethod
    def _comma_separated(cls, value):
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value
