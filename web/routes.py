"""Server-rendered Dutch pages for case handlers, reporters and process owners.

Every request is one unit of work (``Database.session()``: commit on success, rollback
on error) calling the engine services directly, with the same access functions as the
API (``engine.identity.access``): a page shows exactly what the API would show. A case
the user may not see answers the "niet gevonden" page with status 404.

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
import logging
import re
import secrets
from datetime import date, timedelta
from pathlib import Path
from typing import Annotated, Any, Iterator
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from starlette.convertors import Convertor, register_url_convertor
from starlette.exceptions import HTTPException as StarletteHTTPException
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from api import problems
from api.deps import client_key, csrf_cookie_name, reporter_cookie_name, session_cookie_name
from api.raw_files import process_file_response
from engine import legal_terms
from engine.audit import service as audit
from engine.cases import confidential
from engine.cases import letters as case_letters
from engine.cases import persons
from engine.cases import reporter_view
from engine.cases import service as cases
from engine.cases.models import Case
from engine.cases.timeline import case_timeline
from engine.clock import now
from engine.db import Database
from engine.db import get_database as engine_database
from engine.errors import DomainError, InvalidData, NotAuthorized, NotFound, ProcessValidationError
from engine.identity import access, receipts
from engine.identity import login as password_login
from engine.identity import service as identity
from engine.identity.errors import NotAuthenticated, TooManyAttempts
from engine.identity.models import User, WebSession
from engine.identity.roles import ROLES
from engine.intake import public
from engine.intake import service as intake
from engine.processes import service as processes
from engine.processes.models import ProcessVersion
from engine.timers.models import Timer
from engine.worklist import service as worklist
from engine.worklist.models import WorkItem
from web import forms

HERE = Path(__file__).parent
templates = Jinja2Templates(directory=str(HERE / "templates"))
templates.env.filters["datum"] = forms.dutch_date
templates.env.globals["ROLES"] = ROLES
templates.env.filters["rolnaam"] = lambda code: ROLES.get(code, code)



class DatabaseId(Convertor):
    """Path ids of web routes (``{case_id:id}``): 1 to 18 digits, always below 2^63 (a database's
    BIGINT). Larger, negative or non-numeric ids match no route and get the Dutch 404 page."""

    regex = "[0-9]{1,18}"

    def convert(self, value: str) -> int:
        return int(value)

    def to_string(self, value: int) -> str:
        return str(int(value))


register_url_convertor("id", DatabaseId())
router = APIRouter(include_in_schema=False)

COORDINATOR = "integriteitscoordinator"
PROCESS_OWNER = "procesbeheerder"
MESSAGE_ROLES = frozenset({"meldpunt", COORDINATOR})
SANCTION_FORM = "forms/sanctieadvies_opstellen.json"
TABS = {"mijn": "Mijn taken", "open": "Open in mijn rollen", "te-laat": "Te laat"}
SORTS = {"termijn": "Termijn", "prioriteit": "Prioriteit", "zaak": "Zaaknummer", "taak": "Taak"}
RECEIPT_FLASH = "meldpunt_ontvangstcode"
PUBLIC_CATEGORIES_FORM = "forms/melding_registreren.json"
ACTION_LABELS = {
    "report.submitted": "Melding ontvangen", "case.started": "Zaak gestart", "task.completed": "Taak afgerond",
    "task.claimed": "Taak opgepakt", "task.unclaimed": "Taak teruggegeven", "task.assigned": "Taak toegewezen",
    "timer.fired": "Termijn verstreken", "message.to_reporter": "Bericht aan melder",
    "message.from_reporter": "Bericht van melder", "letter.rendered": "Brief gemaakt",
    "identity.read": "Vertrouwelijke gegevens ingezien", "case.closed": "Zaak afgesloten",
    "task.created": "Taak klaargezet", "task.auto_assigned": "Taak automatisch toegewezen",
    "letter.downloaded": "Brief gedownload", "document.read": "Brief gedownload", "letter.corrected": "Brief gecorrigeerd",
}


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
        for func in after:
            try:
                func()
            except Exception as exc:  # bookkeeping only: never fail an answered request for it
                log.warning("after-commit work failed: %s", type(exc).__name__)


def get_database() -> WebDatabase:
    return WebDatabase(engine_database())

def _settings(request: Request):
    return request.app.state.api_settings


def _secure(request: Request) -> bool:
    return bool(_settings(request).cookie_secure)


class Redirect(Exception):
    def __init__(self, url: str):
        self.url = url


def _web_session(request: Request, session: Session) -> WebSession | None:
    cookie = request.cookies.get(session_cookie_name(_secure(request)))
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


def _login_required(request: Request, session: Session) -> WebSession:
    web = _web_session(request, session)
    if web is None:
        raise Redirect("/inloggen?" + urlencode({"volgende": request.url.path}))
    return web


async def _form(request: Request) -> FormData:
    """The submitted form, read on the event loop before the route runs: a route that takes it is
    synchronous, so its database work runs in one thread-pool call (see the module docstring)."""
    return await request.form()


FormDep = Annotated[FormData, Depends(_form)]


def _checked_form(form: FormData, web: WebSession) -> FormData:
    if not identity.check_csrf(web, form.get("csrf_token")):
        raise NotAuthorized("De beveiligingscontrole van het formulier is mislukt. Laad de pagina opnieuw.")
    return form


def render(request: Request, name: str, status_code: int = 200, **context: Any) -> HTMLResponse:
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


def _user_name(session: Session, user_id: int | None) -> str:
    if user_id is None:
        return ""
    user = session.get(User, user_id)
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


def _row(session: Session, item: WorkItem, user: User) -> dict:
    case = session.get(Case, item.case_id)
    state, state_text = due_state(item.due_at)
    return {"id": item.id, "case_id": item.case_id, "reference": case.reference if case else "",
            "name": item.name, "role": item.role, "role_label": ROLES.get(item.role, item.role),
            "due_at": item.due_at, "due": due_text(item.due_at),
            "due_state": state, "due_text": state_text, "priority": item.priority,
            "assignee": _user_name(session, item.assignee_id), "mine": item.assignee_id == user.id,
            "case_visible": access.can_see_case(session=session, user=user, case_id=item.case_id)}


def _candidates(session: Session, role: str) -> list[User]:
    from engine.identity.models import UserRole

    return list(session.execute(select(User).join(UserRole, UserRole.user_id == User.id)
                                .where(UserRole.role == role, User.active.is_(True))
                                .order_by(User.display_name)).scalars())


def pseudonym(case: Case) -> str:
    return access.reporter_pseudonym(case.id)  # the same pseudonym as in the API


def _element_file(version: ProcessVersion, element_id: str) -> str | None:
    needle = f'id="{element_id}"'.encode()
    for f in version.files:
        if f.path.endswith(".bpmn") and needle in f.content:
            return f.path
    return None


def _bpmn_files(version: ProcessVersion) -> list[str]:
    return [f.path for f in version.files if f.path.endswith(".bpmn")]


# --------------------------------------------------------------------------- error plumbing

def install_handlers(app) -> None:
    @app.exception_handler(Redirect)
    async def _redirect(request: Request, exc: Redirect):  # noqa: ANN202
        return RedirectResponse(exc.url, status_code=303)

    @app.exception_handler(StarletteHTTPException)
    async def _not_found(request: Request, exc: StarletteHTTPException):  # noqa: ANN202
        """A web address that matches no route (an id out of range, say): the Dutch page, not JSON."""
        if exc.status_code == 404 and not request.url.path.startswith("/api/"):
            return not_found(request)
        return await problems.http_exception_handler(request, exc)


# --------------------------------------------------------------------------- log in / out

@router.get("/", response_class=HTMLResponse)
def home(request: Request):
    with get_database().session() as s:
        web = _web_session(request, s)
    return RedirectResponse("/werkvoorraad" if web else "/inloggen", status_code=303)


PRE_LOGIN_CSRF = "meldpunt_pre_csrf"


def _with_pre_login_token(request: Request, response: HTMLResponse, token: str) -> HTMLResponse:
    """Login forms (staff and reporter) carry a token that must match a SameSite=Strict cookie:
    a cross-site form cannot log someone into another account (login CSRF)."""
    response.set_cookie(PRE_LOGIN_CSRF, token, max_age=3600, path="/", httponly=True,
                        secure=_secure(request), samesite="strict")
    return response


def _pre_login_ok(request: Request, presented) -> bool:
    cookie = request.cookies.get(PRE_LOGIN_CSRF) or ""
    return bool(cookie) and bool(presented) and hmac.compare_digest(cookie.encode(), str(presented).encode())


def _login_form(request: Request, name: str, status_code: int = 200, **context) -> HTMLResponse:
    token = request.cookies.get(PRE_LOGIN_CSRF) or secrets.token_urlsafe(24)
    return _with_pre_login_token(request, render(request, name, status_code=status_code, login_token=token,
                                                 **context), token)


def _retry_after(exc: DomainError, response: HTMLResponse) -> HTMLResponse:
    """A 429 page carries Retry-After, as the API's problem answer does."""
    if getattr(exc, "retry_after", None):
        response.headers["Retry-After"] = str(int(exc.retry_after))
    return response


def _safe_next(target: str | None) -> str:
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/werkvoorraad"


@router.get("/inloggen", response_class=HTMLResponse)
def login_page(request: Request, volgende: str | None = None):
    return _login_form(request, "inloggen.html", volgende=_safe_next(volgende), fout=None, gebruikersnaam="")


@router.post("/inloggen", response_class=HTMLResponse)
def login(request: Request, form: FormDep):
    username = str(form.get("gebruikersnaam") or "").strip()
    password = str(form.get("wachtwoord") or "")
    target = _safe_next(form.get("volgende"))
    if not _pre_login_ok(request, form.get("login_token")):
        return _login_form(request, "inloggen.html", status_code=403, volgende=target, gebruikersnaam=username,
                           fout="De pagina was verlopen. Probeer opnieuw in te loggen.")
    settings = _settings(request)
    try:
        with get_database().session() as s:
            user = password_login.login_with_password(session=s, username=username, password=password,
                                                      client_key=client_key(request))
            if user is not None:
                session_id, web = identity.start_web_session(
                    session=s, user=user, ttl=timedelta(hours=settings.session_hours))
                csrf = web.csrf_token
                audit.append(session=s, actor=user.username, action="aanmelden", details={"methode": "web"})
    except DomainError as exc:
        return _retry_after(exc, _login_form(request, "inloggen.html", status_code=exc.status, volgende=target,
                                             fout=exc.detail, gebruikersnaam=username[:password_login.MAX_USERNAME]))
    if user is None:
        return _login_form(request, "inloggen.html", status_code=401, volgende=target,
                           fout="Gebruikersnaam of wachtwoord onjuist.", gebruikersnaam=username)
    response = RedirectResponse(target, status_code=303)
    max_age = int(settings.session_hours * 3600)
    response.set_cookie(session_cookie_name(settings.cookie_secure), session_id, max_age=max_age, path="/",
                        httponly=True, secure=settings.cookie_secure, samesite="lax")
    response.set_cookie(csrf_cookie_name(settings.cookie_secure), csrf, max_age=max_age, path="/",
                        httponly=False, secure=settings.cookie_secure, samesite="lax")
    return response


@router.post("/uitloggen")
def logout(request: Request, form: FormDep):
    settings = _settings(request)
    with get_database().session() as s:
        web = _web_session(request, s)
        if web is not None:
            _checked_form(form, web)
            web.revoked_at = now()
            audit.append(session=s, actor=web.user.username, action="afmelden", details={"methode": "web"})
    response = RedirectResponse("/inloggen", status_code=303)
    for name in (session_cookie_name(settings.cookie_secure), csrf_cookie_name(settings.cookie_secure)):
        response.delete_cookie(name, path="/", secure=settings.cookie_secure, httponly=True, samesite="lax")
    return response


# --------------------------------------------------------------------------- werkvoorraad

@router.get("/werkvoorraad", response_class=HTMLResponse)
def worklist_page(request: Request, tab: str = "mijn", sorteer: str = "termijn", filter: str = "",
                  melding: str = ""):
    tab = tab if tab in TABS else "mijn"
    sorteer = sorteer if sorteer in SORTS else "termijn"
    with get_database().session() as s:
        web = _login_required(request, s)
        user = web.user
        if tab == "mijn":
            items = worklist.my_tasks(session=s, user=user)
        elif tab == "open":
            items = worklist.unassigned_in_my_roles(session=s, user=user)
        else:
            items = worklist.overdue(session=s, user=user)
        rows = [_row(s, i, user) for i in items]
        counts = {"mijn": len(worklist.my_tasks(session=s, user=user)),
                  "open": len(worklist.unassigned_in_my_roles(session=s, user=user)),
                  "te-laat": len(worklist.overdue(session=s, user=user))}
        needle = filter.strip().lower()
        if needle:
            rows = [r for r in rows if needle in f"{r['reference']} {r['name']} {r['role_label']} {r['assignee']}".lower()]
        far = now() + timedelta(days=36500)
        key = {"termijn": lambda r: (r["due_at"] or far, -r["priority"]),
               "prioriteit": lambda r: (-r["priority"], r["due_at"] or far),
               "zaak": lambda r: (r["reference"], r["id"]), "taak": lambda r: (r["name"], r["id"])}[sorteer]
        rows.sort(key=key)
        is_coordinator = COORDINATOR in user.role_codes
        candidates = {}
        if is_coordinator:
            for role in {r["role"] for r in rows}:
                candidates[role] = [(u.username, u.display_name) for u in _candidates(s, role)]
        context = dict(user=user, web=web, tab=tab, tabs=TABS, counts=counts, rows=rows, sorteer=sorteer,
                       sorts=SORTS, filter=filter, is_coordinator=is_coordinator, candidates=candidates,
                       melding=melding)
        if request.headers.get("hx-request") and request.headers.get("hx-target") == "werkvoorraad-tabel":
            return render(request, "_werkvoorraad_tabel.html", **context)
        return render(request, "werkvoorraad.html", **context)


def _back(form, default: str = "/werkvoorraad") -> str:
    return _safe_next(form.get("terug") or default)


def _with_message(url: str, text: str) -> str:
    return url + ("&" if "?" in url else "?") + urlencode({"melding": text})


def _task_action(request: Request, form: FormData, item_id: int, action, message: str):
    """Claim or unclaim in one click, then back to where the user came from with a message."""
    try:
        with get_database().session() as s:
            web = _login_required(request, s)
            _checked_form(form, web)
            item = action(session=s, work_item_id=item_id, user=web.user)
            text = message.format(naam=item.name)
    except DomainError as exc:
        return _domain_error(request, exc)
    return RedirectResponse(_with_message(_back(form), text), status_code=303)


@router.post("/taken/{item_id:id}/oppakken")
def claim(request: Request, item_id: int, form: FormDep):
    return _task_action(request, form, item_id, worklist.claim, "U heeft de taak ‘{naam}’ opgepakt.")


@router.post("/taken/{item_id:id}/teruggeven")
def unclaim(request: Request, item_id: int, form: FormDep):
    return _task_action(request, form, item_id, worklist.unclaim, "De taak ‘{naam}’ staat weer open voor de rol.")


@router.post("/taken/{item_id:id}/toewijzen")
def assign(request: Request, item_id: int, form: FormDep):
    try:
        with get_database().session() as s:
            web = _login_required(request, s)
            _checked_form(form, web)
            username = str(form.get("medewerker") or "")
            assignee = s.scalar(select(User).where(User.username == username))
            if assignee is None:
                raise InvalidData([forms_error("medewerker", "kies een medewerker")])
            item = worklist.assign(session=s, work_item_id=item_id, by=web.user, assignee=assignee,
                                   reason=str(form.get("reden") or ""))
            text = f"De taak ‘{item.name}’ is toegewezen aan {assignee.display_name}."
    except DomainError as exc:
        return _domain_error(request, exc)
    return RedirectResponse(_with_message(_back(form), text), status_code=303)


def forms_error(field: str, message: str):
    from engine.errors import FieldError

    return FieldError(field, message)


def _domain_error(request: Request, exc: DomainError) -> HTMLResponse:
    with get_database().session() as s:
        web = _web_session(request, s)
        user = web.user if web else None
        return error_page(request, exc, user, web)


# --------------------------------------------------------------------------- taak

def _case_summary(session: Session, case: Case, user: User) -> dict:
    summary = dict(case.summary or {})
    return {"reference": case.reference, "status": "open" if case.status == "open" else "afgesloten",
            "unit": case.unit, "category": case.category or summary.get("categorie"), "summary": summary,
            "reporter": pseudonym(case) if not summary.get("melder_anoniem") else "Anonieme melder"}


def precedents(session: Session, case: Case) -> list[dict]:
    category = case.category or (case.summary or {}).get("categorie")
    if not category:
        return []
    rows = session.execute(select(Case).where(Case.status == "closed", Case.id != case.id, Case.category == category)
                           .order_by(Case.closed_at.desc()).limit(50)).scalars()
    out = []
    for c in rows:
        summary = c.summary or {}
        out.append({"reference": c.reference, "jaar": (c.closed_at or c.created_at).year,
                    "inhoud": summary.get("inhoud_geanonimiseerd") or "—",
                    "afdoeningen": summary.get("afdoeningen") or []})
    return out


def _task_context(session: Session, item: WorkItem, user: User, *, values: dict | None = None,
                  raw: dict | None = None, errors: dict | None = None) -> dict:
    case = session.get(Case, item.case_id)
    parsed = processes.parsed_version(session=session, version_id=case.process_version_id)
    schema = parsed.forms.get(item.form) if item.form else None
    data = values if values is not None else cases.task_data(session=session, item=item,
                                                             fields=set((schema or {}).get("properties") or {}))
    secret_fields = confidential.confidential_fields(parsed.forms) & set((schema or {}).get("properties", {}))
    if secret_fields and raw is None and access.may_see_reporter_identity(session=session, user=user, case_id=case.id):
        secret = confidential.read(session, case_id=case.id)
        shown = {k: secret[k] for k in secret_fields if k in secret}
        if shown:
            data = {**data, **shown}
            audit.append(session=session, actor=user.username, action="identity.read", case_id=case.id,
                         details={"pagina": "taak", "velden": sorted(shown)})
    fields = forms.build_fields(schema, data, errors=errors, raw=raw) if schema else []
    people = [f for f in fields if f.widget == "persoon"]
    if people:  # parties are persons: suggest the organisation's users (engine.cases.persons)
        options = [(u.username, f"{u.display_name}" + (f" ({u.unit})" if u.unit else ""))
                   for u in persons.candidates(session)] + [(persons.EXTERNAL, "Extern of onbekend")]
        for f in people:
            f.options = options
    ctx = {"item": item, "case": case, "schema": schema or {}, "fields": fields, "errors": errors or {},
           "summary": _case_summary(session, case, user), "role_label": ROLES.get(item.role, item.role),
           "due": due_text(item.due_at) if item.due_at else None, "due_state": due_state(item.due_at),
           "precedents": precedents(session, case) if item.form == SANCTION_FORM else None,
           "assignee": _user_name(session, item.assignee_id),
           "general_errors": {k: v for k, v in (errors or {}).items()
                              if k.split(".")[0] not in (schema or {}).get("properties", {})}}
    return ctx


def _may_open_task(session: Session, item: WorkItem, user: User) -> bool:
    """Assigned to the user, or open in one of the user's roles, and the user is no party."""
    if access.is_excluded(session=session, user=user, case_id=item.case_id):
        return False
    if item.assignee_id == user.id:
        return True
    return item.state == "open" and item.assignee_id is None and item.role in user.role_codes


@router.get("/taken/{item_id:id}", response_class=HTMLResponse)
def task_page(request: Request, item_id: int):
    with get_database().session() as s:
        web = _login_required(request, s)
        item = s.get(WorkItem, item_id)
        if item is None or not _may_open_task(s, item, web.user):
            return not_found(request, web.user, web)
        if item.state != "open":
            return render(request, "fout.html", status_code=409, user=web.user, web=web,
                          title="Deze taak is al afgerond",
                          detail="Bekijk de zaak voor de volgende stap.", case_id=item.case_id)
        if item.assignee_id is None:
            return render(request, "taak_oppakken.html", user=web.user, web=web, item=item,
                          role_label=ROLES.get(item.role, item.role), due=due_state(item.due_at),
                          due_date=due_text(item.due_at) if item.due_at else None,
                          reference=s.get(Case, item.case_id).reference)
        return render(request, "taak.html", user=web.user, web=web, **_task_context(s, item, web.user))


@router.post("/taken/{item_id:id}", response_class=HTMLResponse)
def task_submit(request: Request, item_id: int, form: FormDep):
    db = get_database()
    try:
        with db.session() as s:
            web = _login_required(request, s)
            _checked_form(form, web)
    except DomainError as exc:
        return _domain_error(request, exc)
    with db.session() as s:
        web = _login_required(request, s)
        item = s.get(WorkItem, item_id)
        if item is None or not _may_open_task(s, item, web.user):
            return not_found(request, web.user, web)
        case = s.get(Case, item.case_id)
        parsed = processes.parsed_version(session=s, version_id=case.process_version_id)
        schema = parsed.forms.get(item.form) if item.form else {}
        data, raw = forms.parse_submission(schema or {}, form)
        user_id, case_id = web.user.id, case.id
        before_letters = {l.id for l in case_letters.visible_letters(session=s, user=web.user, case_id=case_id)}
    try:
        with db.session() as s:
            user = s.get(User, user_id)
            cases.complete_task(session=s, work_item_id=item_id, user=user, data=data)
    except InvalidData as exc:
        with db.session() as s:
            web = _login_required(request, s)
            item = s.get(WorkItem, item_id)
            ctx = _task_context(s, item, web.user, raw=raw, errors=forms.error_map(exc.errors))
            return render(request, "taak.html", status_code=422, user=web.user, web=web, invalid=True, **ctx)
    except DomainError as exc:
        return _domain_error(request, exc)
    with db.session() as s:
        web = _login_required(request, s)
        user = web.user
        case = s.get(Case, case_id)
        next_items = [_row(s, i, user) for i in worklist.for_case(session=s, case_id=case_id)]
        new_letters = [l for l in case_letters.visible_letters(session=s, user=user, case_id=case_id)
                       if l.id not in before_letters]
        item = s.get(WorkItem, item_id)
        return render(request, "taak_afgerond.html", user=user, web=web, item=item, case=case,
                      next_items=next_items, new_letters=new_letters,
                      case_visible=access.can_see_case(session=s, user=user, case_id=case_id))


# --------------------------------------------------------------------------- zaak

def _visible_case(request: Request, s: Session, case_id: int) -> tuple[WebSession, Case | None]:
    web = _login_required(request, s)
    try:
        return web, access.require_visible_case(session=s, user=web.user, case_id=case_id)
    except NotFound:
        return web, None


def _timeline(s: Session, case: Case, user: User) -> list[dict]:
    """The case's events as the API gives them (``engine.cases.timeline``), in Dutch."""
    out = []
    for e in case_timeline(session=s, user=user, case_id=case.id):
        text = e.details.get("naam") or e.details.get("element") or ""
        if e.action == "task.assigned":
            text = f"{text} → {e.details.get('aan')} (reden: {e.details.get('reden')})"
        out.append({"at": e.at, "actor": e.actor, "action": ACTION_LABELS.get(e.action, e.action), "text": text})
    return out


@router.get("/zaken/{case_id:id}", response_class=HTMLResponse)
def case_page(request: Request, case_id: int, diagram: str | None = None, melding: str = ""):
    with get_database().session() as s:
        web, case = _visible_case(request, s, case_id)
        if case is None:
            return not_found(request, web.user, web)
        user = web.user
        allowed = access.may_see_reporter_identity(session=s, user=user, case_id=case.id)
        identity_fields: dict = {}
        report_text = None
        if allowed:
            secret = confidential.read(s, case_id=case.id)
            identity_fields = {k: v for k, v in secret.items() if k.startswith("melder_")}
            report_text = secret.get("omschrijving")
            if secret:
                audit.append(session=s, actor=user.username, action="identity.read", case_id=case.id,
                             details={"pagina": "zaak", "velden": sorted(secret)})
        parties = [{"party": party, "name": _user_name(s, uid)}
                   for party, uid in access.visible_parties(session=s, user=user, case_id=case.id)]
        summary = _case_summary(s, case, user)
        open_items = worklist.for_case(session=s, case_id=case.id)
        all_items = worklist.for_case(session=s, case_id=case.id, include_closed=True)
        deadlines = []
        is_coordinator = COORDINATOR in user.role_codes
        for i in open_items:
            state, text = due_state(i.due_at)
            deadlines.append({"id": i.id, "candidates": [(u.username, u.display_name) for u in _candidates(s, i.role)]
                              if is_coordinator else [], "name": i.name, "role": ROLES.get(i.role, i.role), "due": due_text(i.due_at), "state": state, "text": text, "kind": "Taak",
                              "assignee": _user_name(s, i.assignee_id)})
        for t in s.execute(select(Timer).where(Timer.case_id == case.id, Timer.state == "pending")
                           .order_by(Timer.fire_at)).scalars():
            state, text = due_state(t.fire_at)
            deadlines.append({"name": t.name or t.element_id, "role": "", "due": due_text(t.fire_at),
                              "state": state, "text": text, "kind": "Termijnbewaking", "assignee": "",
                              "id": None, "candidates": []})
        version = s.get(ProcessVersion, case.process_version_id) if case.process_version_id else None
        # an imported (historical) case has no process instance: no position and no diagram
        position = cases.case_position(session=s, case_id=case.id) if version else {}
        files = _bpmn_files(version) if version else []
        if version is None:
            diagram = None
        elif diagram not in files:
            active = [i.element_id for i in open_items] + (position.get("active") or [])
            diagram = next((f for f in (_element_file(version, a) for a in active) if f), None) or \
                _element_file(version, version.main_process_id) or (files[0] if files else None)
        letter_rows = [{"id": l.id, "template": l.template, "recipient": l.recipient, "version": l.version,
                        "at": l.rendered_at, "step": l.step}
                       for l in case_letters.visible_letters(session=s, user=user, case_id=case.id)]
        messages = []
        may_message = bool(MESSAGE_ROLES & user.role_codes)
        if may_message:
            messages = intake.messages(session=s, case_id=case.id)
        return render(request, "zaak.html", user=user, web=web, case=case, summary=summary, parties=parties,
                      identity_allowed=allowed, identity_fields=identity_fields, report_text=report_text,
                      deadlines=deadlines, timeline=_timeline(s, case, user), letters=letter_rows,
                      position=position, diagram_file=diagram, files=files, may_message=may_message,
                      messages=messages, melding=melding,
                      my_items=[i for i in open_items if i.assignee_id == user.id],
                      done_items=[i for i in all_items if i.state == "completed"])


@router.get("/zaken/{case_id:id}/diagram")
def case_diagram(request: Request, case_id: int, bestand: str):
    with get_database().session() as s:
        web, case = _visible_case(request, s, case_id)
        if case is None:
            return not_found(request, web.user, web)
        version = s.get(ProcessVersion, case.process_version_id)
        for f in version.files:
            if f.path == bestand and f.path.endswith(".bpmn"):
                return process_file_response(f.path, f.content)
        return not_found(request, web.user, web)


@router.get("/zaken/{case_id:id}/brieven/{letter_id:id}")
def letter_download(request: Request, case_id: int, letter_id: int):
    """Same door as the API (``engine.cases.letters``): visibility, the identity rule, sha256 check, audit."""
    try:
        with get_database().session() as s:
            web, case = _visible_case(request, s, case_id)
            if case is None:
                return not_found(request, web.user, web)
            letter = case_letters.visible_letter(session=s, user=web.user, case_id=case.id, letter_id=letter_id)
            content = case_letters.read_letter(session=s, letter=letter, actor=web.user.username)
            name = re.sub(r"[^A-Za-z0-9_.-]", "_", f"{case.reference}-{letter.template}-v{letter.version}.docx")
            return Response(content, headers={"Content-Disposition": f'attachment; filename="{name}"',
                                              "Cache-Control": "no-store", "X-Content-SHA256": letter.sha256},
                            media_type=letter.media_type)
    except DomainError as exc:
        return _domain_error(request, exc)


@router.post("/zaken/{case_id:id}/berichten")
def case_message(request: Request, case_id: int, form: FormDep):
    try:
        with get_database().session() as s:
            web, case = _visible_case(request, s, case_id)
            if case is None:
                return not_found(request, web.user, web)
            _checked_form(form, web)
            intake.message_to_reporter(session=s, case_id=case.id, author=web.user, text=str(form.get("tekst") or ""))
    except DomainError as exc:
        return _domain_error(request, exc)
    return RedirectResponse(f"/zaken/{case_id}?" + urlencode({"melding": "Uw bericht aan de melder is verstuurd."})
                            + "#berichten", status_code=303)


# --------------------------------------------------------------------------- melden (public)

def _public_fields(session: Session) -> dict:
    """Category options from the deployed intake form (the process owners' list)."""
    try:
        version = processes.latest_version(session=session)
        schema = processes.parsed_version(session=session, version_id=version.id).forms.get(PUBLIC_CATEGORIES_FORM, {})
    except DomainError:
        schema = {}
    prop = (schema.get("properties") or {}).get("categorie") or {}
    return {"categories": forms._labels(prop)}


@router.get("/melden", response_class=HTMLResponse)
def report_page(request: Request):
    with get_database().session() as s:
        return render(request, "melden.html", public=True, values={}, errors={}, **_public_fields(s))


@router.post("/melden", response_class=HTMLResponse)
def report_submit(request: Request, form: FormDep):
    values = {k: str(form.get(k) or "").strip() for k in ("omschrijving", "categorie", "dienstonderdeel",
                                                          "betrokkene_functie", "wanneer")}
    errors = {}
    if len(values["omschrijving"]) < 10:
        errors["omschrijving"] = "Beschrijf wat er is gebeurd (minstens 10 tekens)."
    if not values["dienstonderdeel"]:
        errors["dienstonderdeel"] = "Vul het dienstonderdeel in waar het speelt."
    errors.update(public.length_errors(values))
    db = get_database()
    with db.session() as s:
        fields = _public_fields(s)
        if values["categorie"] and values["categorie"] not in {c for c, _ in fields["categories"]}:
            errors.setdefault("categorie", "Kies een categorie uit de lijst.")
    # Echo at most a little over the caps back into the form (never a megabyte).
    shown = {k: v[:2 * public.MAX_LENGTHS[k]] for k, v in values.items()}
    if errors:
        return render(request, "melden.html", status_code=422, public=True, values=shown, errors=errors, **fields)
    try:
        submitted = public.submit_public_report(database=db, client_key=client_key(request),
                                                values={**values, "categorie": values["categorie"] or "Overig"})
        code = submitted.receipt_code
    except InvalidData as exc:
        errors = {e.field: e.message for e in exc.errors}
        return render(request, "melden.html", status_code=422, public=True, values=shown, errors=errors, **fields)
    except TooManyAttempts as exc:
        return _retry_after(exc, render(request, "melden.html", status_code=exc.status, public=True, values=shown,
                                        errors={}, fout=exc.detail, **fields))
    # Post/redirect/get, so a reload never files the report twice. The code travels once in a
    # short-lived HttpOnly cookie scoped to the receipt page, which deletes it when shown.
    settings = _settings(request)
    response = RedirectResponse("/melden/ontvangen", status_code=303)
    response.set_cookie(RECEIPT_FLASH, code, max_age=300, path="/melden/ontvangen", httponly=True,
                        secure=settings.cookie_secure, samesite="strict")
    return response


@router.get("/melden/ontvangen", response_class=HTMLResponse)
def report_received(request: Request):
    settings = _settings(request)
    code = request.cookies.get(RECEIPT_FLASH)
    code = code if code and re.fullmatch(r"\d{4} \d{4} \d{4} \d{4}", code) else None
    response = render(request, "melden_ontvangen.html", public=True, code=code)
    response.delete_cookie(RECEIPT_FLASH, path="/melden/ontvangen", secure=settings.cookie_secure, httponly=True,
                           samesite="strict")
    return response


# --------------------------------------------------------------------------- mijn melding (reporter)

def _reporter(request: Request, s: Session):
    try:
        return receipts.resolve_reporter_session(
            session=s, session_id=request.cookies.get(reporter_cookie_name(_secure(request))))
    except NotAuthenticated:
        return None


@router.get("/mijn-melding", response_class=HTMLResponse)
def reporter_page(request: Request, melding: str = ""):
    with get_database().session() as s:
        reporter = _reporter(request, s)
        if reporter is None:
            return _login_form(request, "mijn_melding_code.html", public=True, fout=None)
        return _reporter_inbox(request, s, reporter, melding=melding, fout=None)


def _reporter_inbox(request: Request, s: Session, reporter, *, status_code: int = 200, **context: Any) -> HTMLResponse:
    """The inbox: the engine's reporter view (the same as the API's ``/melder/melding``) and the messages."""
    case_id = reporter.receipt.case_id
    view = reporter_view.reporter_view(session=s, case_id=case_id)
    return render(request, "mijn_melding.html", status_code=status_code, public=True, reporter=reporter, view=view,
                  messages=intake.messages(session=s, case_id=case_id), received=view.received_at, **context)


@router.get("/mijn-melding/brieven/{letter_id:id}")
def reporter_letter_download(request: Request, letter_id: int):
    """A letter to the reporter, from their own channel (``engine.cases.letters.reporter_letter``: the one door)."""
    try:
        with get_database().session() as s:
            reporter = _reporter(request, s)
            if reporter is None:
                return _login_form(request, "mijn_melding_code.html", status_code=401, public=True,
                                   fout=receipts.REPORTER_SESSION_INVALID)
            letter = case_letters.reporter_letter(session=s, case_id=reporter.receipt.case_id, letter_id=letter_id)
            content = case_letters.read_letter(session=s, letter=letter, actor="anonieme melder")
            name = re.sub(r"[^A-Za-z0-9_.-]", "_", f"{letter.template}-v{letter.version}.docx")
            return Response(content, headers={"Content-Disposition": f'attachment; filename="{name}"',
                                              "Cache-Control": "no-store", "X-Content-SHA256": letter.sha256},
                            media_type=letter.media_type)
    except NotFound:
        return render(request, "niet_gevonden.html", status_code=404, public=True)
    except DomainError as exc:
        return render(request, "fout.html", status_code=exc.status, public=True, title=exc.title, detail=exc.detail)


@router.post("/mijn-melding/code", response_class=HTMLResponse)
def reporter_login(request: Request, form: FormDep):
    db = get_database()
    if not _pre_login_ok(request, form.get("login_token")):
        return _login_form(request, "mijn_melding_code.html", status_code=403, public=True,
                           fout="De pagina was verlopen. Vul uw code opnieuw in.")
    try:
        match = receipts.verify_receipt(database=db, code=str(form.get("ontvangstcode") or ""),
                                        client_key=client_key(request))
    except DomainError as exc:
        return _retry_after(exc, _login_form(request, "mijn_melding_code.html", status_code=exc.status, public=True,
                                             fout=exc.detail))
    with db.session() as s:
        session_id, _ = receipts.start_reporter_session(session=s, receipt_id=match.receipt_id)
    settings = _settings(request)
    response = RedirectResponse("/mijn-melding", status_code=303)
    response.set_cookie(reporter_cookie_name(settings.cookie_secure), session_id,
                        max_age=int(receipts.REPORTER_SESSION_TTL.total_seconds()), path="/", httponly=True,
                        secure=settings.cookie_secure, samesite="strict")
    return response


def _reporter_csrf_ok(reporter, presented) -> bool:
    return bool(presented) and hmac.compare_digest(reporter.csrf_token.encode(), str(presented).encode())


@router.post("/mijn-melding/antwoord", response_class=HTMLResponse)
def reporter_answer(request: Request, form: FormDep):
    db = get_database()
    try:
        with db.session() as s:
            reporter = _reporter(request, s)
            if reporter is None:
                return _login_form(request, "mijn_melding_code.html", status_code=401, public=True,
                              fout=receipts.REPORTER_SESSION_INVALID)
            if not _reporter_csrf_ok(reporter, form.get("csrf_token")):
                raise NotAuthorized("De beveiligingscontrole van het formulier is mislukt. Laad de pagina opnieuw.")
            intake.message_from_reporter(session=s, case_id=reporter.receipt.case_id, text=str(form.get("tekst") or ""))
    except DomainError as exc:
        with db.session() as s:
            reporter = _reporter(request, s)
            if reporter is None:
                return _login_form(request, "mijn_melding_code.html", status_code=401, public=True, fout=exc.detail)
            return _reporter_inbox(request, s, reporter, status_code=exc.status, melding="", fout=exc.detail,
                                   tekst=form.get("tekst") or "")
    return RedirectResponse("/mijn-melding?" + urlencode({"melding": "Uw antwoord is verstuurd."}), status_code=303)


@router.post("/mijn-melding/afmelden")
def reporter_logout(request: Request):
    with get_database().session() as s:
        cookie = request.cookies.get(reporter_cookie_name(_secure(request)))
        if cookie:
            receipts.end_reporter_session(session=s, session_id=cookie)
    settings = _settings(request)
    response = RedirectResponse("/mijn-melding", status_code=303)
    response.delete_cookie(reporter_cookie_name(settings.cookie_secure), path="/", secure=settings.cookie_secure,
                           httponly=True, samesite="strict")
    return response


# --------------------------------------------------------------------------- processen

def _process_owner(request: Request, s: Session) -> WebSession:
    web = _login_required(request, s)
    if PROCESS_OWNER not in web.user.role_codes:
        raise NotAuthorized("Alleen procesbeheerders beheren processen.")
    return web


def _versions(s: Session) -> list[dict]:
    return [{"id": v.id, "hash": v.content_hash[:12], "deployed_at": v.deployed_at, "by": v.deployed_by,
             "main": v.main_process_id, "files": [f.path for f in v.files]}
            for v in reversed(processes.list_versions(session=s))]


@router.get("/processen", response_class=HTMLResponse)
def processes_page(request: Request, versie: int | None = None, bestand: str | None = None, melding: str = ""):
    try:
        with get_database().session() as s:
            web = _process_owner(request, s)
            versions = _versions(s)
            chosen = next((v for v in versions if v["id"] == versie), versions[0] if versions else None)
            files = [f for f in chosen["files"] if f.endswith(".bpmn")] if chosen else []
            if chosen and bestand not in files:
                bestand = next((f for f in files if f.split("/")[-1].startswith(chosen["main"])), None) or \
                    (files[0] if files else None)
            return render(request, "processen.html", user=web.user, web=web, versions=versions, chosen=chosen,
                          files=files, bestand=bestand, results=None, melding=melding)
    except DomainError as exc:
        return _domain_error(request, exc)


@router.get("/processen/{version_id:id}/diagram")
def process_diagram(request: Request, version_id: int, bestand: str):
    try:
        with get_database().session() as s:
            _process_owner(request, s)
            version = s.get(ProcessVersion, version_id)
            for f in (version.files if version else []):
                if f.path == bestand:
                    return process_file_response(f.path, f.content)
    except DomainError as exc:
        return _domain_error(request, exc)
    return not_found(request)


def _issues_by_file(issues, names: list[str]) -> list[dict]:
    grouped: dict[str, list] = {n: [] for n in names}
    for issue in issues:
        grouped.setdefault(issue.file or "(set)", []).append(issue)
    return [{"file": f, "issues": grouped[f]} for f in grouped]


@router.post("/processen", response_class=HTMLResponse)
def processes_upload(request: Request, form: FormDep):
    try:
        with get_database().session() as s:
            web = _process_owner(request, s)
            _checked_form(form, web)
            uploads = [f for f in form.getlist("bestanden") if hasattr(f, "read")]
            files: dict[str, bytes] = {}
            for up in uploads:
                name = (up.filename or "").replace("\\", "/").split("/")[-1]
                if not name:
                    continue
                key = f"forms/{name}" if name.endswith(".json") and name != "manifest.json" else name
                files[key] = up.file.read()  # spooled by the form parser before the route ran
            if not files:
                results, issues = None, None
                error = "Kies een of meer bestanden (BPMN, DMN, manifest.json en formulieren)."
            else:
                error = None
                if form.get("aanvullen") == "ja":  # only the changed files: the rest from the newest version
                    try:
                        base = processes.latest_version(session=s)
                        files = {**{f.path: f.content for f in base.files}, **files}
                    except NotFound:
                        pass
                issues = processes.check(files=files)
                results = _issues_by_file(issues, sorted(files))
            deployed = None
            if files and not issues and form.get("actie") == "uitrollen":
                version = processes.deploy(session=s, files=files, actor=web.user.username)
                deployed = version.id
            versions = _versions(s)
            chosen = versions[0] if versions else None
            bpmn = [f for f in chosen["files"] if f.endswith(".bpmn")] if chosen else []
            return render(request, "processen.html", status_code=200 if not issues else 422, user=web.user, web=web,
                          versions=versions, chosen=chosen, files=bpmn, bestand=bpmn[0] if bpmn else None,
                          results=results, error=error, deployed=deployed, melding="",
                          checked=sorted(files))
    except ProcessValidationError as exc:
        return _domain_error(request, exc)
    except DomainError as exc:
        return _domain_error(request, exc)


# --------------------------------------------------------------------------- rapportages (issue 9)

ANNEX_ROLES = frozenset({COORDINATOR, "bureau_vi"})
DASHBOARD_ROLES = frozenset({COORDINATOR, "bureau_vi", "bevoegd_gezag"})
SHARE_FIGURES = ("ontvangst_binnen_7_dagen", "terugkoppeling_binnen_3_maanden", "gegrondheid_binnen_12_weken",
                 "gegrond", "anoniem")
GROUP_FIGURES = ("open_per_fase", "open_per_leeftijd", "termijn_overschreden_per_rol")


def _report_user(request: Request, s: Session, roles: frozenset[str]) -> WebSession:
    """Same roles as the API (api/routers/reports.py); others get the 403 page."""
    web = _login_required(request, s)
    if not (web.user.role_codes & roles):
        raise NotAuthorized("U heeft geen rol die deze rapportage mag inzien.")
    return web


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


@router.get("/rapportages", response_class=HTMLResponse)
def reports_home(request: Request):
    try:
        with get_database().session() as s:
            web = _report_user(request, s, DASHBOARD_ROLES)
            target = "/rapportages/jaarbijlage" if web.user.role_codes & ANNEX_ROLES else "/rapportages/dashboard"
    except DomainError as exc:
        return _domain_error(request, exc)
    return RedirectResponse(target, status_code=303)


@router.get("/rapportages/jaarbijlage", response_class=HTMLResponse)
def annex_page(request: Request, jaar: str = ""):
    from api.deps import audit_event
    from engine.reports import annex as annex_mod

    try:
        with get_database().session() as s:
            web = _report_user(request, s, ANNEX_ROLES)
            this_year = legal_terms.local_date(now()).year
            error = None
            try:
                year = int(jaar) if jaar.strip() else this_year
                if not 1990 <= year <= 2100:
                    raise ValueError
            except ValueError:
                error, year = "Geef een jaar tussen 1990 en 2100.", this_year
            result = annex_mod.build(session=s, year=year)
            audit_event(session=s, actor=web.user.username, action="rapportage.jaarbijlage", details={"jaar": year})
            base = "/api/v1/reports/annex?" + urlencode({"jaar": year})
            downloads = [("Word (docx)", base + "&formaat=docx"), ("CSV", base + "&formaat=csv"),
                         ("JSON", base + "&formaat=json")]
            return render(request, "rapportage_jaarbijlage.html", status_code=422 if error else 200, user=web.user,
                          web=web, year=year, error=error, columns=annex_mod.COLUMNS,
                          rows=annex_mod.row_cells(result), totals=annex_mod.totals_table(result),
                          downloads=downloads)
    except DomainError as exc:
        return _domain_error(request, exc)


def _parse_day(value: str) -> date | None:
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        return None


@router.get("/rapportages/dashboard", response_class=HTMLResponse)
def dashboard_page(request: Request, van: str = "", tot: str = "", dienstonderdeel: str = ""):
    from engine.reports import dashboard as dash
    from engine.reports.service import ReportRefused, list_units

    try:
        with get_database().session() as s:
            web = _report_user(request, s, DASHBOARD_ROLES)
            today = legal_terms.local_date(now())
            start = _parse_day(van) if van.strip() else date(today.year, 1, 1)
            end = _parse_day(tot) if tot.strip() else today
            unit = dienstonderdeel.strip() or None
            units = [u.name for u in list_units(session=s)]
            context = dict(user=web.user, web=web, van=van.strip() or (start.isoformat() if start else ""),
                           tot=tot.strip() or (end.isoformat() if end else ""), unit=unit or "", units=units,
                           may_annex=bool(web.user.role_codes & ANNEX_ROLES), result=None, error=None)
            if start is None or end is None:
                context["error"] = "Geef de begin- en einddatum als datum (jjjj-mm-dd)."
                return render(request, "rapportage_dashboard.html", status_code=422, **context)
            try:
                result = dash.build(session=s, start=start, end=end, unit=unit, user=web.user)
            except ReportRefused as exc:
                context["error"] = exc.detail
                return render(request, "rapportage_dashboard.html", status_code=422, **context)
            ids: set[int] = set()
            for fig in result["cijfers"].values():
                ids.update(fig.get("zaken", []))
                for sub in (fig.get("waarden") or {}).values():
                    ids.update(sub.get("zaken", []))
            # only ids the engine returned (visible to this user) are looked up and linked
            refs = dict(s.execute(select(Case.id, Case.reference).where(Case.id.in_(ids))).all()) if ids else {}
            context.update(result=result, figures=result["cijfers"], refs=refs, share_keys=SHARE_FIGURES,
                           group_keys=GROUP_FIGURES)
            return render(request, "rapportage_dashboard.html", **context)
    except DomainError as exc:
        return _domain_error(request, exc)
