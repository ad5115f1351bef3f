from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import ConfigDict, Field

from api.schemas import Strict


class LoginRequest(Strict):
    model_config = ConfigDict(extra="forbid", json_schema_extra={
        "examples": [{"username": "j.jansen", "password": "een-lang-wachtwoord"}]})

    username: str = Field(title="Gebruikersnaam", min_length=1, max_length=100)
    password: str = Field(title="Wachtwoord", min_length=1, max_length=1024)
    code: str | None = Field(title="Code", default=None, max_length=40, description=(
        "De zescijferige code uit de authenticator-app, of een herstelcode: nodig voor wie tweestapsverificatie "
        "heeft ingesteld of moet gebruiken (rollen die de identiteit van een melder mogen zien)."))


class UserOut(Strict):
    model_config = ConfigDict(extra="forbid", from_attributes=True, json_schema_extra={
        "examples": [{"id": 7, "username": "j.jansen", "display_name": "Jan Jansen", "unit": "Douane",
                      "roles": ["meldpunt"], "active": True, "manager_id": None}]})

    id: int
    username: str
    display_name: str
    unit: str | None = None
    roles: list[str]
    active: bool
    manager_id: int | None = None

    @classmethod
    def of(cls, user) -> "UserOut":
        return cls(id=user.id, username=user.username, display_name=user.display_name, unit=user.unit,
                   roles=sorted(user.role_codes), active=bool(user.active), manager_id=user.manager_id)


class LoginResponse(Strict):
    model_config = ConfigDict(extra="forbid", json_schema_extra={
        "examples": [{"user": UserOut.model_config["json_schema_extra"]["examples"][0],
                      "csrf_token": "Jk3...", "expires_at": "2026-11-02T17:00:00Z"}]})

    user: UserOut
    csrf_token: str = Field(description="Stuur mee als header X-CSRF-Token bij POST/PUT/PATCH/DELETE.")
    expires_at: datetime
    second_factor: bool = Field(default=False, description="Of deze aanmelding met tweestapsverificatie is gedaan.")


class MeResponse(Strict):
    user: UserOut
    method: Literal["token", "session"]
    csrf_token: str | None = Field(default=None, description="Alleen bij een browsersessie.")


class TokenRequest(Strict):
    model_config = ConfigDict(extra="forbid", json_schema_extra={
        "examples": [{"name": "rapportage-koppeling", "expires_in_days": 30}]})

    name: str = Field(title="Naam", min_length=1, max_length=100)
    expires_in_days: int = Field(title="Geldigheid (dagen)", default=90, ge=1, le=366)


class TokenOut(Strict):
    model_config = ConfigDict(extra="forbid", from_attributes=True)

    id: int
    name: str
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None = None
    last_used_at: datetime | None = None


class TokenIssued(TokenOut):
    model_config = ConfigDict(extra="forbid", from_attributes=True, json_schema_extra={
        "examples": [{"id": 3, "name": "rapportage-koppeling", "token": "mpt_...",
                      "created_at": "2026-11-02T09:00:00Z", "expires_at": "2026-12-02T09:00:00Z"}]})

    token: str = Field(description="Wordt alleen nu getoond; bewaar het veilig.")


class UserCreate(Strict):
    model_config = ConfigDict(extra="forbid", json_schema_extra={
        "examples": [{"username": "p.de.vries", "display_name": "Petra de Vries", "roles": ["onderzoeker"],
                      "unit": "Douane", "manager_id": None, "password": "een-lang-wachtwoord"}]})

    username: str = Field(title="Gebruikersnaam", min_length=1, max_length=100, pattern=r"^\S+$")
    display_name: str = Field(title="Naam", min_length=1, max_length=200)
    roles: list[str] = Field(title="Rollen", min_length=1, max_length=20)
    unit: str | None = Field(title="Dienstonderdeel", default=None, max_length=200)
    manager_id: int | None = Field(title="Leidinggevende", default=None, ge=1, le=2**31 - 1)
    email: str | None = Field(title="E-mailadres", default=None, max_length=200)
    password: str | None = Field(title="Wachtwoord", default=None, min_length=12, max_length=1024)


class UserUpdate(Strict):
    model_config = ConfigDict(extra="forbid", json_schema_extra={
        "examples": [{"roles": ["onderzoeker", "jurist"], "unit": "Douane", "manager_id": None}]})

    roles: list[str] = Field(title="Rollen", min_length=1, max_length=20)
    unit: str | None = Field(title="Dienstonderdeel", default=None, max_length=200)
    manager_id: int | None = Field(title="Leidinggevende", default=None, ge=1, le=2**31 - 1)


class RoleOut(Strict):
    code: str
    label: str
