"""Shared page helpers for the web pages (``web.pages.*``): templates, sessions, forms, error pages, deadlines.

Every request is one unit of work (``Database.session()``: commit on success, rollback
on error) calling the engine services directly, with the same access functions as the
API (``engine.identity.access`` and the engine services built on it): a page shows exactly what the API
would show, and no page builds its own query for a protected resource. A case the user may not see
answers the "niet gevonden" page with status 404.

Sessions: the API's browser session (``start_web_session``/``resolve_web_session``);
every form that changes something carries the session's CSRF token, checked with
``check_csrf``. Reporters use the receipt-code session of ``engine.identity.receipts``.

One request, one thread (issue 14, as the API's ``api.deps``): every route is synchronous, so FastAPI
runs all of its database work - session opened, committed or rolled back, closed - in one thread-pool
call; a route that needs the submitted form takes it from an async dependency (:data:`FormDep`), which
reads it on the event loop before any session is opened. A transaction is never suspended while its
request waits (for the body, or for a thread). A browser session's last use is not written in the
request's transaction: :func:`get_database` here records it after the commit, in a short transaction
of its own (``identity.record_web_session_use``), as the API does.
"""
from __future__ import annotations

import contextlib
import hmac
import json
import logging
import secrets
from datetime import date, timedelta
from pathlib import Path
from typing import Annotated, Any, Iterator
from urllib.parse import urlencode

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.convertors import Convertor, register_url_convertor
from starlette.datastructures import FormData

from api import problems
from api.deps import csrf_cookie_name, session_cookie_name
from engine import legal_terms
from engine.cases.models import Case
from engine.clock import now
from engine.db import Database
from engine.db import get_database as engine_database
from engine.errors import DomainError, NotAuthorized, NotFound
from engine.identity import access, second_factor
from engine.identity import service as identity
from engine.identity.errors import NotAuthenticated
from engine.identity.models import User, WebSession
from engine.identity.roles import ROLES
from engine.worklist.models import WorkItem
from web import forms

HERE = Path(__file__).parent.parent
templates = Jinja2Templates(directory=str(HERE / "templates"))
templates.env.filters["datum"] = forms.dutch_date
templates.env.globals["ROLES"] = ROLES
templates.env.filters["rolnaam"] = lambda code: ROLES.get(code, code)


def _letter_title(template: str) -> str:
    from documents.catalog import LETTERS

    spec = LETTERS.get(template)
    return spec.title if spec else template.replace("_", " ").capitalize()


def _recipient(recipient: str) -> str:
    from documents.service import recipient_label

    return recipient_label(recipient)


templates.env.filters["brieftitel"] = _letter_title  # a letter's catalogue title, never its template id
templates.env.filters["ontvanger"] = _recipient  # "de melder", "politie/OM"



class DatabaseId(Convertor):
    """Path ids of web routes (``{case_id:id}``): 1 to 18 digits, always below 2^63 (a database's
    BIGINT). Larger, negative or non-numeric ids match no route and get the Dutch 404 page."""

    regex = "[0-9]{1,18}"

    def convert(self, value: str) -> int:
        return int(value)

    def to_string(self, value: int) -> str:
        return str(int(value))


register_url_convertor("id", DatabaseId())


# --------------------------------------------------------------------------- helpers

log = logging.getLogger("meldpunt.web")
AFTER_COMMIT = "meldpunt_after_commit"


class WebDatabase:
    """The engine's database whose units of work run their after-commit work (a browser session's last
    use) once the session is committed and closed, each in a short transaction of its own."""

    def __init__(self, database: Database):
        self.database = database

    def __getattr__(self, name: str):
        return getattr(self.database, name)

    @contextlib.contextmanager
    def session(self) -> Iterator[Session]:
        after: list = []
        with self.database.session() as s:
            s.info[AFTER_COMMIT] = after
            yield s
        self._after(after)

    @contextlib.contextmanager
    def read_session(self) -> Iterator[Session]:
        """A page that is a pure read declares it by taking this session instead of :meth:`session`: no
        transaction (``engine.db.read_session``); its audit events of what it showed (and other work it leaves to
        ``engine.db.write_before_answer``) are written in one short transaction before the page goes out; any
        other write fails loudly (``engine.db.ReadOnlyViolation``)."""
        after: list = []
        with self.database.read_session() as s:
            s.info[AFTER_COMMIT] = after
            yield s
        self._after(after)

    @staticmethod
    def _after(after: list) -> None:
        for func in after:
            try:
                func()
            except Exception as exc:  # bookkeeping only: never fail an answered request for it
                log.warning("after-commit work failed: %s", type(exc).__name__)


def get_database() -> WebDatabase:
    return WebDatabase(engine_database())

def app_settings(request: Request):
    return request.app.state.api_settings


def secure_cookies(request: Request) -> bool:
    return bool(app_settings(request).cookie_secure)


class Redirect(Exception):
    def __init__(self, url: str):
        self.url = url


def web_session(request: Request, session: Session) -> WebSession | None:
    cookie = request.cookies.get(session_cookie_name(secure_cookies(request)))
    if not cookie:
        return None
    try:
        web = identity.resolve_web_session(session=session, session_id=cookie, touch=False)
    except NotAuthenticated:
        return None
    after = session.info.get(AFTER_COMMIT)
    if after is not None and identity.use_is_stale(web.last_seen_at) and not after:
        database = engine_database()
        after.append(lambda web_id=web.id: identity.record_web_session_use(database=database, web_id=web_id))
    return web


def login_required(request: Request, session: Session) -> WebSession:
    web = web_session(request, session)
    if web is None:
        if pending_session(request, session) is not None:  # password given, second factor not yet
            raise Redirect("/inloggen/code?" + urlencode({"volgende": request.url.path}))
        raise Redirect("/inloggen?" + urlencode({"volgende": request.url.path}))
    if not second_factor.identity_allowed(web.user):
        # A session of an identity role without a verified second factor (e.g. from before it was required):
        # the code (or enrolment) first.
        raise Redirect("/inloggen/code?" + urlencode({"volgende": request.url.path}))
    return web


def pending_session(request: Request, session: Session) -> WebSession | None:
    """The browser session, also one that awaits its second factor (for the code and enrolment pages only)."""
    cookie = request.cookies.get(session_cookie_name(secure_cookies(request)))
    if not cookie:
        return None
    try:
        return identity.resolve_web_session(session=session, session_id=cookie, touch=False, allow_pending=True)
    except NotAuthenticated:
        return None


async def _form(request: Request) -> FormData:
    """The submitted form, read on the event loop before the route runs: a route that takes it is
    synchronous, so its database work runs in one thread-pool call (see the module docstring)."""
    return await request.form()


FormDep = Annotated[FormData, Depends(_form)]


def checked_form(form: FormData, web: WebSession) -> FormData:
    if not identity.check_csrf(web, form.get("csrf_token")):
        raise NotAuthorized("De beveiligingscontrole van het formulier is mislukt. Laad de pagina opnieuw.")
    return form


def form_int(value: Any, low: int = 1, high: int = 2**31 - 1) -> int | None:
    """A whole number from a form or query string (by default a database id), or None when it is not one: only the
    digits 0-9 ("²" and "١" pass ``str.isdigit``), between ``low`` and ``high`` (a database INTEGER)."""
    text = str(value or "").strip()
    if not (text.isascii() and text.isdigit()) or len(text) > 12:
        return None
    number = int(text)
    return number if low <= number <= high else None


def render(request: Request, name: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    if context.get("melding") and context["melding"] == request.query_params.get(NOTICE_PARAM) \
            and not _notice_ok(context["melding"], request.query_params.get(NOTICE_TAG_PARAM)):
        context["melding"] = ""  # a notice in the address that the server did not write (with_message)
    response = templates.TemplateResponse(request, name, context, status_code=status_code)
    response.headers["Cache-Control"] = "no-store"
    return response


def not_found(request: Request, user: User | None = None, web: WebSession | None = None) -> HTMLResponse:
    return render(request, "niet_gevonden.html", status_code=404, user=user, web=web)


def error_page(request: Request, exc: DomainError, user: User | None = None,
               web: WebSession | None = None) -> HTMLResponse:
    if isinstance(exc, NotFound):
        return not_found(request, user, web)
    return render(request, "fout.html", status_code=exc.status, user=user, web=web, title=exc.title,
                  detail=exc.detail)


def user_name(session: Session, user_id: int | None) -> str:
    if user_id is None:
        return ""
    user = identity.find_user(session=session, user_id=user_id)
    return user.display_name if user else ""


def working_days_until(today: date, due: date) -> int:
    n, day = 0, today
    while day < due:
        day += timedelta(days=1)
        if not legal_terms.is_free_day(day):
            n += 1
    return n


def deadline_day(due_at) -> date:
    """The last day of a term: deadlines are stored as the moment the day has passed (00:00 local)."""
    return legal_terms.local_date(due_at - timedelta(microseconds=1))


def due_text(due_at) -> str:
    return forms.dutch_date(deadline_day(due_at).isoformat()) if due_at else "—"


def due_state(due_at) -> tuple[str, str]:
    """(css class, Dutch text) for a deadline: te laat (red), bijna (amber, ≤ 2 working days), op tijd."""
    if due_at is None:
        return "", "geen termijn"
    moment = now()
    if due_at < moment:
        return "te-laat", "te laat"
    today = legal_terms.local_date(moment)
    if working_days_until(today, deadline_day(due_at)) <= 2:
        return "bijna", "binnen 2 werkdagen"
    return "op-tijd", "op tijd"


def worklist_rows(session: Session, items: list[WorkItem], user: User, *, references: dict[int, str]) -> list[dict]:
    """The rows of a worklist table: a fixed number of queries whatever the number of rows (the cases the user may
    see in one, the assignees' names in one), never a query per row. ``references``: case id -> reference of the
    items' cases as the engine gave them for these rows (``triage.row_facts`` for the tasks a worklist gave this user,
    ``access.task_done_by`` for the next steps of a task they completed)."""
    if not items:
        return []
    case_ids = {i.case_id for i in items}
    visible = access.visible_references(session=session, user=user, case_ids=case_ids)
    references = {**references, **visible}
    names = identity.display_names(session=session, user_ids={i.assignee_id for i in items})
    rows = []
    for item in items:
        state, state_text = due_state(item.due_at)
        rows.append({"id": item.id, "case_id": item.case_id, "reference": references.get(item.case_id, ""),
                     "name": item.name, "role": item.role, "role_label": ROLES.get(item.role, item.role),
                     "due_at": item.due_at, "due": due_text(item.due_at),
                     "due_state": state, "due_text": state_text, "priority": item.priority,
                     "assignee": names.get(item.assignee_id, "") if item.assignee_id is not None else "",
                     "assignee_id": item.assignee_id, "mine": item.assignee_id == user.id,
                     "case_visible": item.case_id in visible})
    return rows


def local_moment(moment) -> str:
    """A moment as Dutch readers expect it, the one way pages write it: '15 december 2026, 10:00' (Europe/Amsterdam)."""
    return forms.dutch_date(moment)


def pseudonym(case: Case) -> str:
    return access.reporter_pseudonym(case.id)  # the same pseudonym as in the API


SHOWN_CHOICES = ("kanaal", "route", "uitkomst", "afdoeningen", "ontvangstwijze", "risicofunctie")


def case_summary(session: Session, case: Case, user: User) -> dict:
    from engine.processes import service as processes
    from engine.processes.names import version_names

    summary = dict(case.summary or {})
    names = version_names(processes.find_version(session=session, version_id=case.process_version_id))
    # stored choices as the process's forms label them, never as codes (issue 17)
    shown = {key: names.value(key, summary.get(key)) for key in SHOWN_CHOICES if summary.get(key) not in (None, "")}
    return {"reference": case.reference, "status": "open" if case.status == "open" else "afgesloten",
            "unit": case.unit, "category": case.category or summary.get("categorie"), "summary": summary,
            "shown": shown, "reporter": pseudonym(case) if not summary.get("melder_anoniem") else "Anonieme melder"}


def visible_case(request: Request, s: Session, case_id: int) -> tuple[WebSession, Case | None]:
    web = login_required(request, s)
    try:
        return web, access.require_visible_case(session=s, user=web.user, case_id=case_id)
    except NotFound:
        return web, None


# --------------------------------------------------------------------------- error plumbing

def install_handlers(app) -> None:
    """Every error of a page is a Dutch page, never raw JSON: the API's handlers (``api.problems``) stay the one
    place that decides status, title and detail; for an address outside ``/api/`` their problem answer is
    shown as ``fout.html`` (404: ``niet_gevonden.html``). A 500 shows only the problem's reference."""
    @app.exception_handler(Redirect)
    async def _redirect(request: Request, exc: Redirect):  # noqa: ANN202
        return RedirectResponse(exc.url, status_code=303)

    for exc_class, handler in list(app.exception_handlers.items()):
        if exc_class is not Redirect:
            app.exception_handlers[exc_class] = _as_page(handler)


def is_page(request: Request) -> bool:
    """An address answered with HTML (everything but the API)."""
    return not request.url.path.startswith("/api/")


def _as_page(handler):
    async def answer(request: Request, exc: Exception):  # noqa: ANN202
        response = await handler(request, exc)
        if not is_page(request) or response.media_type != problems.MEDIA_TYPE:
            return response
        return await run_in_threadpool(_problem_page, request, response)

    return answer


def _problem_page(request: Request, response) -> HTMLResponse:
    """The problem answer ``response`` as a page for whoever is signed in (if the database answers)."""
    body = json.loads(response.body)
    try:
        with get_database().session() as s:
            web = web_session(request, s)
            page = _error_page(request, response.status_code, body, web)
    except Exception:  # the error may be the database itself: then a page without the user's name
        page = _error_page(request, response.status_code, body, None)
    if "retry-after" in response.headers:
        page.headers["Retry-After"] = response.headers["retry-after"]
    return page


def _error_page(request: Request, status: int, body: dict, web: WebSession | None) -> HTMLResponse:
    user = web.user if web else None
    if status == 404:
        return not_found(request, user, web)
    return render(request, "fout.html", status_code=status, user=user, web=web,
                  title=body.get("title") or "Er ging iets mis", detail=body.get("detail") or "")


# --------------------------------------------------------------------------- shared page helpers

PRE_LOGIN_CSRF = "meldpunt_pre_csrf"


def _with_pre_login_token(request: Request, response: HTMLResponse, token: str) -> HTMLResponse:
    """Login forms (staff and reporter) carry a token that must match a SameSite=Strict cookie:
    a cross-site form cannot log someone into another account (login CSRF)."""
    response.set_cookie(PRE_LOGIN_CSRF, token, max_age=3600, path="/", httponly=True,
                        secure=secure_cookies(request), samesite="strict")
    return response


def pre_login_ok(request: Request, presented) -> bool:
    cookie = request.cookies.get(PRE_LOGIN_CSRF) or ""
    return bool(cookie) and bool(presented) and hmac.compare_digest(cookie.encode(), str(presented).encode())


def _oidc_offer(request: Request) -> dict | None:
    """The organisation's login (web.pages.oidc) when configured: its label, and whether passwords are on."""
    client = getattr(request.app.state, "oidc", None)
    if client is None:
        return None
    return {"label": client.settings.label, "passwords": bool(app_settings(request).local_passwords)}


def login_form(request: Request, name: str, status_code: int = 200, **context) -> HTMLResponse:
    token = request.cookies.get(PRE_LOGIN_CSRF) or secrets.token_urlsafe(24)
    context.setdefault("oidc", _oidc_offer(request))
    return _with_pre_login_token(request, render(request, name, status_code=status_code, login_token=token,
                                                 **context), token)


def retry_after(exc: DomainError, response: HTMLResponse) -> HTMLResponse:
    """A 429 page carries Retry-After, as the API's problem answer does."""
    if getattr(exc, "retry_after", None):
        response.headers["Retry-After"] = str(int(exc.retry_after))
    return response


def set_session_cookies(request: Request, response, session_id: str, csrf: str):
    """The browser session's cookies (HttpOnly session id, readable CSRF token) on ``response``."""
    settings = app_settings(request)
    max_age = int(settings.session_hours * 3600)
    response.set_cookie(session_cookie_name(settings.cookie_secure), session_id, max_age=max_age, path="/",
                        httponly=True, secure=settings.cookie_secure, samesite="lax")
    response.set_cookie(csrf_cookie_name(settings.cookie_secure), csrf, max_age=max_age, path="/",
                        httponly=False, secure=settings.cookie_secure, samesite="lax")
    return response


def safe_next(target: str | None) -> str:
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/werkvoorraad"


def back_url(form, default: str = "/werkvoorraad") -> str:
    return safe_next(form.get("terug") or default)


NOTICE_PARAM, NOTICE_TAG_PARAM, _NOTICE_PURPOSE = "melding", "mt", "web-melding"


def with_message(url: str, text: str) -> str:
    """``url`` with a notice to show at the top of the page after a redirect ("Uw antwoord is verstuurd."), and its
    tag: a page shows a notice from its address only with the tag the server made (:func:`render`), so nobody can
    send a reporter or a colleague a link to a trusted page with a text of their own ("Bel dit nummer", "Log opnieuw
    in op ...")."""
    from engine import crypto

    tag = crypto.get_keyring().mac(text, _NOTICE_PURPOSE)
    return url + ("&" if "?" in url else "?") + urlencode({NOTICE_PARAM: text, NOTICE_TAG_PARAM: tag})


def _notice_ok(text: str, tag: str | None) -> bool:
    from engine import crypto

    return crypto.get_keyring().mac_ok(text, tag, _NOTICE_PURPOSE)


def domain_error(request: Request, exc: DomainError) -> HTMLResponse:
    with get_database().session() as s:
        web = web_session(request, s)
        user = web.user if web else None
        return error_page(request, exc, user, web)



def dutch_number(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        text = f"{value:.1f}" if value != int(value) else str(int(value))
    else:
        text = str(value)
    return text.replace(".", ",")


templates.env.filters["getal"] = dutch_number
templates.env.filters["procent"] = lambda v: "—" if v is None else f"{v:.1f}".replace(".", ",") + "%"




def waiting_rows(jobs) -> list[dict]:
    """Letters asked for by a committed step and not yet made (engine.letter_outbox), as the pages list them."""
    from engine.letter_outbox.service import waiting_label

    return [{"template": j.template, "recipient": j.recipient, "label": waiting_label(j)} for j in jobs]
