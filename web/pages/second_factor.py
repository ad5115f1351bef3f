"""Two-factor login pages (``engine.identity.second_factor``): the code page after the password, and the
enrolment page under the user's own account (QR code as inline SVG, recovery codes shown once).

A login that needs a second factor starts with a *pending* browser session (password only); these two pages
are the only ones it opens. A correct code ends the pending session and starts a new one (new session id,
``second_factor_at`` set): the session id that travelled before the second factor never gains more rights.
"""
from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from markupsafe import Markup
from sqlalchemy.orm import Session

from api.deps import client_key
from engine.audit import service as audit
from engine.clock import now
from engine.errors import DomainError
from engine.identity import second_factor
from engine.identity import service as identity
from engine.identity.models import User, WebSession
from web.pages.common import (app_settings, checked_form, domain_error, FormDep, get_database, login_required,
                              pending_session, render, retry_after, safe_next, set_session_cookies, with_message)

router = APIRouter(include_in_schema=False)

CODE_PAGE = "/inloggen/code"
ENROL_PAGE = "/account/tweestapsverificatie"


def next_step_url(*, session: Session, user: User, target: str) -> str:
    """Where a login that needs a second factor goes after the password: the code, or enrolment first."""
    page = CODE_PAGE if second_factor.is_enrolled(session=session, user=user) else ENROL_PAGE
    return page + "?" + urlencode({"volgende": target})


def _complete(web: WebSession) -> bool:
    """A full session that needs nothing more (its second factor verified, or none required)."""
    return not web.pending and second_factor.identity_allowed(web.user)


def _to_login(target: str) -> RedirectResponse:
    return RedirectResponse("/inloggen?" + urlencode({"volgende": target}), status_code=303)


def _verified_session(request: Request, session: Session, web: WebSession, method: str) -> tuple[str, WebSession]:
    """End ``web`` and start a full session whose second factor was verified now (a new session id)."""
    user = web.user
    web.revoked_at = now()
    session_id, new = identity.start_web_session(session=session, user=user, second_factor_at=now(),
                                                 ttl=timedelta(hours=app_settings(request).session_hours))
    user.second_factor_verified = True
    audit.append(session=session, actor=user.username, action="aanmelden", details={"methode": f"web+{method}"})
    return session_id, new


# --------------------------------------------------------------------------- the code after the password

@router.get(CODE_PAGE, response_class=HTMLResponse)
def code_page(request: Request, volgende: str | None = None):
    target = safe_next(volgende)
    with get_database().session() as s:
        web = pending_session(request, s)
        if web is None:
            return _to_login(target)
        if _complete(web):
            return RedirectResponse(target, status_code=303)
        if not second_factor.is_enrolled(session=s, user=web.user):
            return RedirectResponse(ENROL_PAGE + "?" + urlencode({"volgende": target}), status_code=303)
        return render(request, "inloggen_code.html", sessie_csrf=web.csrf_token, volgende=target, fout=None)


@router.post(CODE_PAGE, response_class=HTMLResponse)
def code_submit(request: Request, form: FormDep):
    target = safe_next(form.get("volgende"))
    code = str(form.get("code") or "")
    csrf = ""
    try:
        with get_database().session() as s:
            web = pending_session(request, s)
            if web is None:
                return _to_login(target)
            csrf = web.csrf_token
            checked_form(form, web)
            used = second_factor.verify(session=s, user=web.user, code=code, client_key=client_key(request))
            if used is not None:
                session_id, new = _verified_session(request, s, web, used)
                new_csrf = new.csrf_token
    except DomainError as exc:
        return retry_after(exc, render(request, "inloggen_code.html", status_code=exc.status, sessie_csrf=csrf,
                                       volgende=target, fout=exc.detail))
    if used is None:
        return render(request, "inloggen_code.html", status_code=401, sessie_csrf=csrf, volgende=target,
                      fout=second_factor.CODE_WRONG)
    return set_session_cookies(request, RedirectResponse(target, status_code=303), session_id, new_csrf)


# --------------------------------------------------------------------------- enrolment (the user's own account)

def _enrol_form(request: Request, session: Session, web: WebSession, target: str, status_code: int = 200,
                fout: str | None = None, melding: str = "") -> HTMLResponse:
    user = web.user
    secret = second_factor.begin_enrolment(session=session, user=user)
    uri = second_factor.provisioning_uri(user=user, secret=secret)
    full = _complete(web)
    return render(request, "tweestapsverificatie.html", status_code=status_code, stand="instellen",
                  user=user if full else None, web=web if full else None, sessie_csrf=web.csrf_token,
                  verplicht=second_factor.required_for(user), qr=Markup(second_factor.qr_svg(uri)),
                  sleutel=second_factor.grouped_secret(secret), volgende=target, fout=fout,
                  melding=melding if full else "")


@router.get(ENROL_PAGE, response_class=HTMLResponse)
def enrol_page(request: Request, volgende: str | None = None, melding: str = ""):
    target = safe_next(volgende)
    with get_database().session() as s:
        web = pending_session(request, s)
        if web is None:
            return _to_login(ENROL_PAGE)
        if second_factor.is_enrolled(session=s, user=web.user):
            if not _complete(web):
                return RedirectResponse(CODE_PAGE + "?" + urlencode({"volgende": ENROL_PAGE}), status_code=303)
            return _enrolled_page(request, s, web, melding=melding)
        return _enrol_form(request, s, web, target, melding=melding)


@router.post(ENROL_PAGE, response_class=HTMLResponse)
def enrol_submit(request: Request, form: FormDep):
    target = safe_next(form.get("volgende"))
    code = str(form.get("code") or "")
    session_id = None
    try:
        with get_database().session() as s:
            web = pending_session(request, s)
            if web is None:
                return _to_login(ENROL_PAGE)
            checked_form(form, web)
            codes = second_factor.confirm_enrolment(session=s, user=web.user, code=code,
                                                    client_key=client_key(request))
            if codes is None:
                return _enrol_form(request, s, web, target, status_code=422, fout=second_factor.CODE_WRONG)
            audit.append(session=s, actor=web.user.username, action="tweede_factor_ingesteld", details={})
            if web.pending or not web.user.second_factor_verified:
                session_id, web = _verified_session(request, s, web, "totp")
            else:
                second_factor.mark_verified(web=web)
            response = render(request, "tweestapsverificatie.html", stand="herstelcodes", user=web.user, web=web,
                              herstelcodes=codes, volgende=target)
            csrf = web.csrf_token
    except DomainError as exc:
        with get_database().session() as s:
            web = pending_session(request, s)
            if web is None:
                return _to_login(ENROL_PAGE)
            return retry_after(exc, _enrol_form(request, s, web, target, status_code=exc.status, fout=exc.detail))
    if session_id is not None:
        set_session_cookies(request, response, session_id, csrf)
    return response


# --------------------------------------------------------------------------- afterwards: new recovery codes, off

RENEW_PAGE = ENROL_PAGE + "/herstelcodes"
OFF_PAGE = ENROL_PAGE + "/uitschakelen"


def _enrolled_page(request: Request, session: Session, web: WebSession, *, status_code: int = 200,
                   fout: dict | None = None, melding: str = "") -> HTMLResponse:
    factor = second_factor.factor_of(session=session, user=web.user)
    return render(request, "tweestapsverificatie.html", status_code=status_code, stand="ingesteld", user=web.user,
                  web=web, sinds=factor.confirmed_at if factor else None,
                  over=second_factor.remaining_recovery_codes(session=session, user=web.user),
                  mag_uit=not second_factor.required_for(web.user), fout=fout or {}, melding=melding)


@router.post(RENEW_PAGE, response_class=HTMLResponse)
def renew_codes(request: Request, form: FormDep):
    """New recovery codes after a current code: shown once, in this answer only (never in a URL)."""
    code = str(form.get("code") or "")
    try:
        with get_database().session() as s:
            web = login_required(request, s)
            checked_form(form, web)
            if not second_factor.is_enrolled(session=s, user=web.user):
                return RedirectResponse(ENROL_PAGE, status_code=303)
            codes = second_factor.renew_recovery_codes(session=s, user=web.user, code=code,
                                                       client_key=client_key(request))
            if codes is None:  # the failed attempt is committed (rate limit)
                return _enrolled_page(request, s, web, status_code=422,
                                      fout={"herstelcodes": second_factor.CODE_WRONG})
            return render(request, "tweestapsverificatie.html", stand="herstelcodes", vernieuwd=True, user=web.user,
                          web=web, herstelcodes=codes, volgende=ENROL_PAGE)
    except DomainError as exc:
        return retry_after(exc, domain_error(request, exc))


@router.post(OFF_PAGE, response_class=HTMLResponse)
def switch_off(request: Request, form: FormDep):
    """Switch off one's own second factor (only where the setting does not require it), after a current code."""
    code = str(form.get("code") or "")
    try:
        with get_database().session() as s:
            web = login_required(request, s)
            checked_form(form, web)
            if not second_factor.is_enrolled(session=s, user=web.user):
                return RedirectResponse(ENROL_PAGE, status_code=303)
            if not second_factor.switch_off(session=s, user=web.user, code=code, client_key=client_key(request)):
                return _enrolled_page(request, s, web, status_code=422,
                                      fout={"uitschakelen": second_factor.CODE_WRONG})
    except DomainError as exc:
        return retry_after(exc, domain_error(request, exc))
    return RedirectResponse(with_message(ENROL_PAGE, "Tweestapsverificatie is uitgeschakeld. U meldt zich voortaan "
                                         "aan met alleen uw wachtwoord."), status_code=303)


# --------------------------------------------------------------------------- someone else's (coordinator, admin)

@router.post("/gebruikers/{user_id:id}/tweede-factor-herstellen", response_class=HTMLResponse)
def reset_for_user(request: Request, user_id: int, form: FormDep):
    """The coordinator or functional administrator resets a colleague's second factor (phone and recovery codes
    lost): the same engine function as ``meldpunt users tweede-factor-herstellen``."""
    from engine.identity.admin import may_manage_users

    try:
        with get_database().session() as s:
            web = login_required(request, s)
            checked_form(form, web)
            person = second_factor.reset_for(session=s, user_id=user_id, by=web.user)
            back = f"/gebruikers/{user_id}" if may_manage_users(web.user) else f"/gebruikers/{user_id}/werk"
            message = (f"De tweestapsverificatie van {person.username} is verwijderd; de sessies van "
                       f"{person.username} zijn beëindigd. Bij de volgende aanmelding stelt die haar opnieuw in.")
    except DomainError as exc:
        return domain_error(request, exc)
    return RedirectResponse(with_message(back, message), status_code=303)
