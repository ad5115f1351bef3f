"""Login, logout, who am I, and personal API tokens."""
from __future__ import annotations

from datetime import timedelta

from typing import Annotated

from fastapi import APIRouter, Path, Request, Response, status

from api.deps import (AuthDep, SessionDep, UnitOfWorkRoute, audit_event, client_key, csrf_cookie_name,
                      session_cookie_name)
from api.schemas.identity import LoginRequest, LoginResponse, MeResponse, TokenIssued, TokenOut, TokenRequest, UserOut
from engine.clock import now
from engine.db import get_database
from engine.errors import NotAuthorized
from engine.identity import login as password_login
from engine.identity import second_factor
from engine.identity import service as identity
from engine.identity.errors import NotAuthenticated, SecondFactorNeeded, SecondFactorNotEnrolled, SecondFactorWrong

router = APIRouter(prefix="/auth", tags=["aanmelden"], route_class=UnitOfWorkRoute)

PROBLEM = {"content": {"application/problem+json": {}}}
AUTH_ERRORS = {401: {"description": "Niet aangemeld", **PROBLEM}, 403: {"description": "Geen toegang", **PROBLEM}}


def _settings(request: Request):
    return request.app.state.api_settings


def _no_store(response: Response) -> None:
    response.headers["Cache-Control"] = "no-store"


@router.post("/inloggen", response_model=LoginResponse, summary="Aanmelden met gebruikersnaam en wachtwoord",
             responses={401: {"description": "Gebruikersnaam of wachtwoord onjuist, of de code van "
                                             "tweestapsverificatie ontbreekt of is onjuist", **PROBLEM},
                        403: {"description": "Tweestapsverificatie is verplicht maar nog niet ingesteld, of aanmelden "
                                             "met een wachtwoord is uitgeschakeld", **PROBLEM},
                        429: {"description": "Te veel pogingen", **PROBLEM}})
def login(body: LoginRequest, request: Request, response: Response) -> LoginResponse:
    """Zet een HttpOnly-sessiecookie en geeft het CSRF-token terug (header X-CSRF-Token bij wijzigingen).

    Tweestapsverificatie: wie een rol heeft die de identiteit van een melder mag zien (of tweestapsverificatie
    heeft ingesteld), geeft ook `code` mee (TOTP-code of herstelcode). Zonder code: 401 met type
    `second-factor-needed`; nog niet ingesteld: 403 `second-factor-not-enrolled` (instellen in de browser)."""
    settings = _settings(request)
    refusal: Exception | None = None
    # One transaction of our own: a failed attempt is recorded (committed) before we answer 401.
    with get_database().session() as session:
        user = password_login.login_with_password(session=session, username=body.username, password=body.password,
                                                  client_key=client_key(request), local=settings.local_policy())
        verified_at, method = None, "wachtwoord"
        if user is not None and second_factor.login_needs_code(session=session, user=user):
            # Two-factor login (engine.identity.second_factor): not complete until the code is given.
            if not second_factor.is_enrolled(session=session, user=user):
                refusal = SecondFactorNotEnrolled(second_factor.ENROL_NEEDED)
            elif not body.code:
                refusal = SecondFactorNeeded(second_factor.CODE_NEEDED)
            else:
                used = second_factor.verify(session=session, user=user, code=body.code, client_key=client_key(request))
                if used is None:
                    refusal = SecondFactorWrong(second_factor.CODE_WRONG)
                else:
                    verified_at, method = now(), f"wachtwoord+{used}"
        if user is not None and refusal is None:
            session_id, web = identity.start_web_session(session=session, user=user, second_factor_at=verified_at,
                                                         ttl=timedelta(hours=settings.session_hours))
            audit_event(session=session, actor=user.username, action="aanmelden", details={"methode": method})
            result = LoginResponse(user=UserOut.of(user), csrf_token=web.csrf_token, expires_at=web.expires_at,
                                   second_factor=verified_at is not None)
    if user is None:
        raise NotAuthenticated(identity.LOGIN_FAILED)
    if refusal is not None:
        raise refusal
    max_age = int(settings.session_hours * 3600)
    response.set_cookie(session_cookie_name(settings.cookie_secure), session_id, max_age=max_age, path="/",
                        httponly=True, secure=settings.cookie_secure, samesite="lax")
    response.set_cookie(csrf_cookie_name(settings.cookie_secure), result.csrf_token, max_age=max_age, path="/",
                        httponly=False, secure=settings.cookie_secure, samesite="lax")
    _no_store(response)
    return result


@router.post("/uitloggen", status_code=status.HTTP_204_NO_CONTENT, summary="Afmelden", responses=AUTH_ERRORS)
def logout(auth: AuthDep, session: SessionDep, request: Request) -> Response:
    settings = _settings(request)
    response = Response(status_code=status.HTTP_204_NO_CONTENT)
    if auth.web_session is not None:
        auth.web_session.revoked_at = now()
        session.flush()
        audit_event(session=session, actor=auth.user.username, action="afmelden", details={})
    for name in (session_cookie_name(settings.cookie_secure), csrf_cookie_name(settings.cookie_secure)):
        response.delete_cookie(name, path="/", secure=settings.cookie_secure, httponly=True, samesite="lax")
    return response


@router.get("/ik", response_model=MeResponse, summary="Wie ben ik?", responses=AUTH_ERRORS)
def me(auth: AuthDep, response: Response) -> MeResponse:
    _no_store(response)
    return MeResponse(user=UserOut.of(auth.user), method=auth.method,
                      csrf_token=auth.web_session.csrf_token if auth.web_session is not None else None)


@router.get("/tokens", response_model=list[TokenOut], summary="Mijn API-tokens (zonder geheim)", responses=AUTH_ERRORS)
def list_tokens(auth: AuthDep, session: SessionDep) -> list[TokenOut]:
    return [TokenOut.model_validate(t) for t in identity.list_tokens(session=session, user=auth.user)]


@router.post("/tokens", response_model=TokenIssued, status_code=status.HTTP_201_CREATED,
             summary="Nieuw API-token (het geheim wordt alleen nu getoond)",
             responses={**AUTH_ERRORS, 422: {"description": "Ongeldige gegevens", **PROBLEM}})
def issue_token(body: TokenRequest, auth: AuthDep, session: SessionDep, response: Response) -> TokenIssued:
    """Alleen vanuit een browsersessie: een gestolen token kan zo geen nieuwe tokens maken."""
    if auth.method != "session":
        raise NotAuthorized("Een nieuw token kan alleen vanuit een aangemelde browsersessie worden aangemaakt.")
    plaintext, token = identity.issue_token(session=session, user=auth.user, name=body.name,
                                            ttl=timedelta(days=body.expires_in_days),
                                            second_factor_at=auth.web_session.second_factor_at)
    audit_event(session=session, actor=auth.user.username, action="token_uitgegeven",
                details={"token_id": token.id, "naam": token.name})
    _no_store(response)
    return TokenIssued(id=token.id, name=token.name, created_at=token.created_at, expires_at=token.expires_at,
                       token=plaintext)


@router.delete("/tokens/{token_id}", status_code=status.HTTP_204_NO_CONTENT, summary="Token intrekken",
               responses={**AUTH_ERRORS, 404: {"description": "Niet gevonden", **PROBLEM}})
def revoke_token(token_id: Annotated[int, Path(title="Sleutel", ge=1, le=2**31 - 1)], auth: AuthDep,
                 session: SessionDep) -> Response:
    token = identity.revoke_token(session=session, token_id=token_id, by=auth.user)
    audit_event(session=session, actor=auth.user.username, action="token_ingetrokken", details={"token_id": token.id})
    return Response(status_code=status.HTTP_204_NO_CONTENT)
