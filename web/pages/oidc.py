"""Logging in through the organisation's OpenID Connect provider (engine.identity.oidc does the protocol).

``GET /inloggen/oidc`` sends the browser to the provider with a fresh state, nonce and PKCE challenge, kept
until it returns in a short-lived HttpOnly cookie; ``GET /inloggen/oidc/terug`` checks the state, exchanges
the code (with the verifier), verifies the ID token, finds or provisions the user and starts the same browser
session as a password login. Both answer 404 when OIDC is not configured. No token reaches a log or a page.
"""
from __future__ import annotations

import base64
import hmac
import json
from datetime import timedelta

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from api.deps import csrf_cookie_name, session_cookie_name
from engine.audit import service as audit
from engine.clock import now
from engine.errors import DomainError
from engine.identity import oidc
from engine.identity import service as identity
from web.pages.common import app_settings, get_database, login_form, not_found, safe_next

router = APIRouter(include_in_schema=False)

FLOW_COOKIE = "meldpunt_oidc"
FLOW_SECONDS = 600
FLOW_LOST = "De aanmelding via de organisatie is verlopen of niet hier begonnen. Probeer opnieuw in te loggen."
# The provider sends the code in the callback's query string: engine.logs.UvicornAccessFilter keeps every query
# string (this one too) out of uvicorn's access line.
CALLBACK = "/inloggen/oidc/terug"


def oidc_client(request: Request) -> oidc.OidcClient | None:
    return getattr(request.app.state, "oidc", None)


def oidc_label(request: Request) -> str | None:
    client = oidc_client(request)
    return client.settings.label if client is not None else None


def _redirect_uri(request: Request, client: oidc.OidcClient) -> str:
    return client.settings.redirect_url or str(request.base_url).rstrip("/") + CALLBACK


def post_logout_uri(request: Request, client: oidc.OidcClient) -> str:
    return client.settings.post_logout_redirect_url or str(request.base_url).rstrip("/") + "/inloggen"


def _refused(request: Request, message: str, status_code: int, target: str = "/werkvoorraad") -> HTMLResponse:
    response = login_form(request, "inloggen.html", status_code=status_code, volgende=target, fout=message,
                          gebruikersnaam="")
    response.delete_cookie(FLOW_COOKIE, path="/", secure=app_settings(request).cookie_secure, httponly=True,
                           samesite="lax")
    return response


@router.get("/inloggen/oidc")
def oidc_start(request: Request, volgende: str | None = None):
    client = oidc_client(request)
    if client is None:
        return not_found(request)
    target = safe_next(volgende)
    try:
        flow = client.authorization_request(redirect_uri=_redirect_uri(request, client))
    except DomainError as exc:
        return _refused(request, exc.detail, exc.status, target)
    kept = json.dumps({"state": flow.state, "nonce": flow.nonce, "verifier": flow.code_verifier, "next": target})
    response = RedirectResponse(flow.url, status_code=303)
    response.headers["Cache-Control"] = "no-store"
    settings = app_settings(request)
    # Lax: the provider sends the browser back with a top-level GET, which carries Lax cookies.
    response.set_cookie(FLOW_COOKIE, base64.urlsafe_b64encode(kept.encode()).decode(), max_age=FLOW_SECONDS,
                        path="/", httponly=True, secure=settings.cookie_secure, samesite="lax")
    return response


def _flow(request: Request) -> dict | None:
    raw = request.cookies.get(FLOW_COOKIE) or ""
    try:
        flow = json.loads(base64.urlsafe_b64decode(raw.encode()).decode()) if 0 < len(raw) < 2000 else None
    except (ValueError, UnicodeDecodeError):
        return None
    if not isinstance(flow, dict) or not all(isinstance(flow.get(k), str) for k in ("state", "nonce", "verifier")):
        return None
    return flow


@router.get(CALLBACK)
def oidc_return(request: Request, code: str | None = None, state: str | None = None, error: str | None = None,
                iss: str | None = None):
    client = oidc_client(request)
    if client is None:
        return not_found(request)
    flow = _flow(request)
    if flow is None or not state or not hmac.compare_digest(flow["state"].encode(), state.encode("utf-8", "replace")):
        return _refused(request, FLOW_LOST, 400)
    target = safe_next(flow.get("next"))
    if iss is not None and iss.rstrip("/") != client.settings.issuer.rstrip("/"):  # RFC 9207: mix-up defence
        return _refused(request, oidc.TOKEN_REFUSED, 400, target)
    if error or not code:
        return _refused(request, oidc.REFUSED_BY_PROVIDER, 403, target)
    try:
        claims = client.exchange(code=code, redirect_uri=_redirect_uri(request, client),
                                 code_verifier=flow["verifier"], nonce=flow["nonce"])
    except DomainError as exc:
        return _refused(request, exc.detail, exc.status, target)
    settings = app_settings(request)
    refused = None
    with get_database().session() as s:
        try:
            user = oidc.OidcIdentityProvider(client.settings).authenticate(session=s, credentials={"claims": claims})
        except oidc.LoginRefused as exc:  # what it changed (roles taken away, sessions revoked) is committed
            refused, user = exc, None
        if user is not None:
            hours = min(settings.session_hours, client.settings.session_hours or settings.session_hours)
            # the provider's own second factor counts as ours when its ID token says so (or the organisation vouches)
            second = now() if oidc.multi_factor(client.settings, claims) else None
            session_id, web = identity.start_web_session(session=s, user=user, ttl=timedelta(hours=hours),
                                                         second_factor_at=second)
            csrf = web.csrf_token
            audit.append(session=s, actor=user.username, action="aanmelden", details={"methode": "oidc"})
    if refused is not None:
        return _refused(request, refused.detail, 403, target)
    response = RedirectResponse(target, status_code=303)
    max_age = int(hours * 3600)
    response.set_cookie(session_cookie_name(settings.cookie_secure), session_id, max_age=max_age, path="/",
                        httponly=True, secure=settings.cookie_secure, samesite="lax")
    response.set_cookie(csrf_cookie_name(settings.cookie_secure), csrf, max_age=max_age, path="/",
                        httponly=False, secure=settings.cookie_secure, samesite="lax")
    response.delete_cookie(FLOW_COOKIE, path="/", secure=settings.cookie_secure, httponly=True, samesite="lax")
    return response
