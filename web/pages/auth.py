"""Logging in and out of the staff pages (password, browser session with CSRF token)."""
from __future__ import annotations

from datetime import timedelta

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from api.deps import client_key, csrf_cookie_name, session_cookie_name
from engine.audit import service as audit
from engine.clock import now
from engine.errors import DomainError
from engine.identity import login as password_login
from engine.identity import second_factor
from engine.identity import service as identity
from web.pages import second_factor as second_factor_pages
from web.pages.common import (app_settings, checked_form, FormDep, get_database, login_form, pending_session,
                              pre_login_ok, retry_after, safe_next, set_session_cookies, web_session)
from web.pages.oidc import oidc_client, post_logout_uri

router = APIRouter(include_in_schema=False)


# --------------------------------------------------------------------------- log in / out

@router.get("/", response_class=HTMLResponse)
def home(request: Request):
    with get_database().session() as s:
        web = web_session(request, s)
    return RedirectResponse("/werkvoorraad" if web else "/inloggen", status_code=303)


@router.get("/inloggen", response_class=HTMLResponse)
def login_page(request: Request, volgende: str | None = None):
    return login_form(request, "inloggen.html", volgende=safe_next(volgende), fout=None, gebruikersnaam="")


@router.post("/inloggen", response_class=HTMLResponse)
def login(request: Request, form: FormDep):
    username = str(form.get("gebruikersnaam") or "").strip()
    password = str(form.get("wachtwoord") or "")
    target = safe_next(form.get("volgende"))
    if not pre_login_ok(request, form.get("login_token")):
        return login_form(request, "inloggen.html", status_code=403, volgende=target, gebruikersnaam=username,
                           fout="De pagina was verlopen. Probeer opnieuw in te loggen.")
    settings = app_settings(request)
    try:
        with get_database().session() as s:
            user = password_login.login_with_password(session=s, username=username, password=password,
                                                      client_key=client_key(request),
                                                      local=settings.local_policy())
            next_step = None
            if user is not None and second_factor.login_needs_code(session=s, user=user):
                # Not complete until the code is given: a short pending session for the code (or enrolment) page.
                session_id, web = identity.start_web_session(session=s, user=user, pending=True,
                                                             ttl=second_factor.PENDING_TTL)
                csrf = web.csrf_token
                next_step = second_factor_pages.next_step_url(session=s, user=user, target=target)
            elif user is not None:
                session_id, web = identity.start_web_session(
                    session=s, user=user, ttl=timedelta(hours=settings.session_hours))
                csrf = web.csrf_token
                audit.append(session=s, actor=user.username, action="aanmelden", details={"methode": "web"})
    except DomainError as exc:
        return retry_after(exc, login_form(request, "inloggen.html", status_code=exc.status, volgende=target,
                                             fout=exc.detail, gebruikersnaam=username[:password_login.MAX_USERNAME]))
    if user is None:
        return login_form(request, "inloggen.html", status_code=401, volgende=target,
                           fout="Gebruikersnaam of wachtwoord onjuist.", gebruikersnaam=username)
    response = RedirectResponse(next_step or target, status_code=303)
    return set_session_cookies(request, response, session_id, csrf)


def oidc_logout_url(request: Request) -> str | None:
    client = oidc_client(request)
    return client.end_session_url(post_logout_redirect_uri=post_logout_uri(request, client)) if client else None


@router.post("/uitloggen")
def logout(request: Request, form: FormDep):
    settings = app_settings(request)
    target = "/inloggen"
    with get_database().session() as s:
        web = pending_session(request, s)  # also a login still awaiting its second factor
        if web is not None:
            checked_form(form, web)
            web.revoked_at = now()
            audit.append(session=s, actor=web.user.username, action="afmelden", details={"methode": "web"})
            if web.user.external_subject is not None:  # logged in at the organisation: log out there too
                target = oidc_logout_url(request) or target
    response = RedirectResponse(target, status_code=303)
    for name in (session_cookie_name(settings.cookie_secure), csrf_cookie_name(settings.cookie_secure)):
        response.delete_cookie(name, path="/", secure=settings.cookie_secure, httponly=True, samesite="lax")
    return response
