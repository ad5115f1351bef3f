"""FastAPI dependencies: database session, authentication, roles, CSRF.

Authentication, in this order:

1. ``Authorization: Bearer mpt_...`` (API clients). If the header is present it must
   be valid; there is no fall-back to the cookie. No CSRF check: browsers never add
   this header on their own.
2. The session cookie (browser UI): HttpOnly, SameSite=Lax, Secure (``__Host-`` prefix
   when secure). For unsafe methods (POST, PUT, PATCH, DELETE) the request must carry
   ``X-CSRF-Token`` equal to the session's CSRF token (synchroniser token bound to the
   server-side session; it is also set as a readable cookie so a page can echo it after
   a reload: double submit with a server-side check).

Everything else: 401 problem+json. Later routers (cases, tasks, intake, reporter
channel) use :data:`SessionDep`, :data:`CurrentUser`, :func:`require_role` and
:func:`client_key` the same way.
"""
from __future__ import annotations

import hmac
from dataclasses import dataclass
from typing import Annotated, Iterator

from fastapi import Depends, Path, Request
from fastapi.security import APIKeyCookie, HTTPBearer
from sqlalchemy.orm import Session

from engine.db import get_database
from engine.errors import NotAuthorized
from engine.identity import service as identity
from engine.identity.errors import CsrfFailed, NotAuthenticated
from engine.identity.models import User, WebSession

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
CSRF_HEADER = "X-CSRF-Token"
SESSION_COOKIE_SECURE = "__Host-meldpunt_session"
SESSION_COOKIE_PLAIN = "meldpunt_session"
CSRF_COOKIE_SECURE = "__Host-meldpunt_csrf"
CSRF_COOKIE_PLAIN = "meldpunt_csrf"


REPORTER_COOKIE_SECURE = "__Host-meldpunt_melder"
REPORTER_COOKIE_PLAIN = "meldpunt_melder"


def reporter_cookie_name(secure: bool) -> str:
    return REPORTER_COOKIE_SECURE if secure else REPORTER_COOKIE_PLAIN


def session_cookie_name(secure: bool) -> str:
    return SESSION_COOKIE_SECURE if secure else SESSION_COOKIE_PLAIN


def csrf_cookie_name(secure: bool) -> str:
    return CSRF_COOKIE_SECURE if secure else CSRF_COOKIE_PLAIN


def get_session() -> Iterator[Session]:
    """One unit of work per request: committed before the response is sent, rolled back on error."""
    with get_database().session() as session:
        yield session


# scope="function": the commit happens before the response goes out, so a failing
# commit is reported to the client instead of being lost after a 2xx.
SessionDep = Annotated[Session, Depends(get_session, scope="function")]


@dataclass
class Authentication:
    user: User
    method: str  # "token" | "session"
    web_session: WebSession | None = None


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization")
    if header is None:
        return None
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        raise NotAuthenticated("Ongeldige Authorization-header; gebruik 'Bearer <token>'.")
    return value.strip()


def _cookies_secure(request: Request) -> bool:
    settings = getattr(request.app.state, "api_settings", None)
    return True if settings is None else bool(settings.cookie_secure)


def _session_cookie(request: Request) -> str | None:
    # Only the name this deployment sets: with Secure cookies a plain-named cookie planted
    # over http or by a sibling domain is ignored (that is what the __Host- prefix is for).
    return request.cookies.get(session_cookie_name(_cookies_secure(request)))


# Documentation only (OpenAPI security schemes); the parsing below is our own.
_bearer_scheme = HTTPBearer(auto_error=False, scheme_name="bearer", description="API-token: Bearer mpt_...")
_cookie_scheme = APIKeyCookie(name=SESSION_COOKIE_SECURE, auto_error=False, scheme_name="sessie",
                              description="Browsersessie; bij wijzigingen ook de header X-CSRF-Token.")


def authentication(request: Request, session: SessionDep,
                   _doc_bearer: Annotated[object, Depends(_bearer_scheme)] = None,
                   _doc_cookie: Annotated[object, Depends(_cookie_scheme)] = None) -> Authentication:
    token = _bearer(request)
    if token is not None:
        auth = Authentication(user=identity.resolve_token(session=session, token=token), method="token")
    else:
        cookie = _session_cookie(request)
        if not cookie:
            raise NotAuthenticated("U bent niet aangemeld.")
        web = identity.resolve_web_session(session=session, session_id=cookie)
        if request.method not in SAFE_METHODS and not identity.check_csrf(web, request.headers.get(CSRF_HEADER)):
            raise CsrfFailed(f"De CSRF-controle is mislukt: stuur de header {CSRF_HEADER} mee.")
        auth = Authentication(user=web.user, method="session", web_session=web)
    request.state.user_id = auth.user.id  # for logging/audit; never the secret
    return auth


AuthDep = Annotated[Authentication, Depends(authentication)]


def current_user(auth: AuthDep) -> User:
    return auth.user


CurrentUser = Annotated[User, Depends(current_user)]


def require_role(*roles: str):
    """A dependency that lets through users holding at least one of ``roles`` (403 otherwise)."""
    wanted = frozenset(roles)

    def dependency(user: CurrentUser) -> User:
        if not (user.role_codes & wanted):
            raise NotAuthorized("U heeft hiervoor niet de juiste rol.")
        return user

    dependency.__name__ = f"require_role_{'_'.join(sorted(wanted))}"
    return dependency


def visible_case(case_id: Annotated[int, Path(ge=1, le=2**31 - 1, description="Zaak-id")],
                 user: CurrentUser, session: SessionDep):
    """The case of the path, if this user may see it; 404 otherwise (existence does not leak)."""
    from engine.identity.access import require_visible_case

    return require_visible_case(session=session, user=user, case_id=case_id)


def current_reporter(request: Request, session: SessionDep):
    """The anonymous reporter's session (cookie from ``POST /melder/sessie``); CSRF as for staff.

    It opens exactly one case: ``reporter.receipt.case_id``. Staff credentials are not
    accepted here and a reporter session is not accepted on staff endpoints.
    """
    from engine.identity import receipts

    cookie = request.cookies.get(reporter_cookie_name(_cookies_secure(request)))
    reporter = receipts.resolve_reporter_session(session=session, session_id=cookie)
    if request.method not in SAFE_METHODS:
        presented = request.headers.get(CSRF_HEADER) or ""
        if not presented or not hmac.compare_digest(reporter.csrf_token.encode(), presented.encode("utf-8", "replace")):
            raise CsrfFailed(f"De CSRF-controle is mislukt: stuur de header {CSRF_HEADER} mee.")
    return reporter


def client_key(request: Request) -> str:
    """Key for per-client rate limits: the real client address (trusted proxies only; api.client_address)."""
    from api.client_address import client_address

    return client_address(request)


def audit_event(*, session: Session, actor: str, action: str, details: dict | None = None,
                case_id: int | None = None) -> None:
    """Append to the hash-chained audit log when the audit service is available.

    ``details`` must not contain secrets or a reporter's identity.
    """
    import importlib

    try:
        audit = importlib.import_module("engine.audit.service")
    except ModuleNotFoundError as exc:  # audit service not merged yet
        if exc.name != "engine.audit.service":
            raise
        return
    audit.append(session=session, actor=actor, action=action, case_id=case_id, details=details or {})
