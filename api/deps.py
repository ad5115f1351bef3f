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
channel) use :data:`SessionDep`, :data:`CurrentUser`, :func:`permitted` and
:func:`client_key` the same way.
"""
from __future__ import annotations

import hmac
import inspect
import logging
import weakref
from dataclasses import dataclass
from typing import Annotated, Any, Callable, get_args, get_origin

from fastapi import Depends, Path, Request, Response, params
from fastapi.datastructures import DefaultPlaceholder
from fastapi.exceptions import ResponseValidationError
from fastapi.routing import APIRoute
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


# --------------------------------------------------------------------------- one request, one thread, one transaction
#
# FastAPI runs every synchronous dependency and the endpoint in separate hops through the thread pool.
# A transaction begun in one hop and used in the next is suspended in between, holding its locks, while
# its request waits for a free thread; under a burst every thread can end up waiting for such a lock
# (issue 14). So nothing here touches the database on the way in: the database dependencies
# (authentication, the visible case, roles, the reporter's session) are *deferred* - on the event loop
# they only record what to do - and :class:`UnitOfWorkRoute` runs them, the endpoint, the commit (or
# rollback) and the session's close in one call on one thread. Cheap checks that need no database
# (a malformed or missing credential) still answer at once.

log = logging.getLogger("meldpunt.api")
UNIT_PARAM = "_meldpunt_request_unit"
RESPONSE_PARAM = "_meldpunt_response"  # FastAPI's per-request Response (headers/status an endpoint set on it)


class Deferred:
    """A database dependency, evaluated (once) inside its request's transaction."""

    __slots__ = ("unit", "func", "kwargs", "done", "value")

    def __init__(self, unit: "RequestUnit", func: Callable[..., Any], kwargs: dict[str, Any]):
        self.unit, self.func, self.kwargs = unit, func, kwargs
        self.done, self.value = False, None

    def resolve(self) -> Any:
        if not self.done:
            if not self.unit.running:
                raise RuntimeError("a database dependency used outside its request's transaction")
            self.value = self.func(**{k: _resolved(v) for k, v in self.kwargs.items()})
            self.done = True
        return self.value


def _resolved(value: Any) -> Any:
    return value.resolve() if isinstance(value, Deferred) else value


class RequestUnit:
    """A request's unit of work: one session whose transaction begins and ends inside :meth:`run`.

    Created on the event loop without any I/O (a session connects on its first statement).
    Work registered with :meth:`after_commit` (e.g. a token's last use) runs after the commit, each
    in a short transaction of its own, so a read path never writes in the request's transaction.
    """

    def __init__(self, database, *, read_only: bool = False):
        self.database = database
        self.read_only = read_only
        self.session: Session = database.read_session_begin() if read_only else database.sessionmaker()
        self.running = False
        self._deferred: list[Deferred] = []
        self._after_commit: list[Callable[[], None]] = []

    def defer(self, func: Callable[..., Any], kwargs: dict[str, Any]) -> Deferred:
        item = Deferred(self, func, kwargs)
        self._deferred.append(item)
        return item

    def after_commit(self, func: Callable[[], None]) -> None:
        self._after_commit.append(func)

    def run(self, endpoint: Callable[..., Any], kwargs: dict[str, Any]) -> Any:
        """Deferred dependencies (in the order FastAPI solved them), endpoint, commit: one thread."""
        if self.read_only:
            return self._run_read(endpoint, kwargs)
        session = self.session
        self.running = True
        try:
            for item in list(self._deferred):
                item.resolve()
            result = endpoint(**{k: _resolved(v) for k, v in kwargs.items()})
            session.commit()  # before the response goes out: a failing commit is reported, not lost
        except BaseException:
            session.rollback()
            raise
        finally:
            self.running = False
            session.close()
        self._run_after_commit()
        return result

    def _run_read(self, endpoint: Callable[..., Any], kwargs: dict[str, Any]) -> Any:
        """A route declared :func:`read_only`: no transaction; what it must record (its read audit) is written
        in one short transaction after the reads, before the response (``engine.db.read_session``)."""
        self.running, ok = True, False
        try:
            for item in list(self._deferred):
                item.resolve()
            result = endpoint(**{k: _resolved(v) for k, v in kwargs.items()})
            ok = True
        finally:
            self.running = False
            self.database.read_session_end(self.session, ok=ok)
        self._run_after_commit()
        return result

    def _run_after_commit(self) -> None:
        for func in self._after_commit:
            try:
                func()
            except Exception as exc:  # bookkeeping only: never fail an answered request for it
                log.warning("after-commit work failed: %s", type(exc).__name__)


READ_ONLY_ATTR = "__meldpunt_read_only__"


def read_only(endpoint: Callable[..., Any]) -> Callable[..., Any]:
    """Declare an API route a pure read: it runs without a transaction (``engine.db.read_session``: no ``BEGIN
    IMMEDIATE`` on SQLite, no ``BEGIN``/``COMMIT`` on PostgreSQL). Its audit events of what it showed are
    written in one short write transaction before the response; any other write fails loudly
    (``engine.db.ReadOnlyViolation``). Put it under the ``@router.get(...)`` decorator::

        @router.get("/mijn")
        @read_only
        def my_tasks(...): ...
    """
    setattr(endpoint, READ_ONLY_ATTR, True)
    return endpoint


def is_read_only_route(endpoint: Any) -> bool:
    return bool(getattr(endpoint, READ_ONLY_ATTR, False))


async def request_unit(request: Request) -> RequestUnit:
    """The request's unit of work (FastAPI caches it: one per request); read-only when its route is declared so."""
    return RequestUnit(get_database(), read_only=is_read_only_route(request.scope.get("endpoint")))


UnitDep = Annotated[RequestUnit, Depends(request_unit)]


async def get_session(unit: UnitDep) -> Session:
    """The request's session. Use it only in the endpoint or a deferred dependency (see above)."""
    return unit.session


SessionDep = Annotated[Session, Depends(get_session)]


def _with_unit_param(signature: inspect.Signature, *, response: bool = False, **replace: Any) -> inspect.Signature:
    params = [p for p in signature.parameters.values() if p.name not in (UNIT_PARAM, RESPONSE_PARAM)]
    added = [inspect.Parameter(UNIT_PARAM, inspect.Parameter.KEYWORD_ONLY, annotation=UnitDep)]
    if response:
        added.append(inspect.Parameter(RESPONSE_PARAM, inspect.Parameter.KEYWORD_ONLY, annotation=Response))
    # keyword-only parameters must come before **kwargs
    tail = [p for p in params if p.kind is inspect.Parameter.VAR_KEYWORD]
    params = [p for p in params if p.kind is not inspect.Parameter.VAR_KEYWORD]
    return signature.replace(parameters=params + added + tail, **replace)


def in_transaction(func: Callable[..., Any]) -> Callable[..., Any]:
    """Turn a synchronous database dependency into a deferred one (same parameters for FastAPI)."""
    signature = inspect.signature(func, eval_str=True)

    async def dependency(**kwargs: Any) -> Deferred:
        unit: RequestUnit = kwargs.pop(UNIT_PARAM)
        return unit.defer(func, kwargs)

    dependency.__signature__ = _with_unit_param(signature, return_annotation=inspect.Signature.empty)
    dependency.__name__ = dependency.__qualname__ = func.__name__
    dependency.__doc__ = func.__doc__
    dependency.__module__ = func.__module__
    return dependency


# What each callable depends on, read from its signature once per process: every app the process builds (the
# tests build one per test) checks the same module-level endpoints and dependencies again (check_routes), and
# inspect.signature(eval_str=True) over every route's dependency tree was nearly all of create_app's cost.
# Weak keys: an endpoint wrapper made for an app that is gone leaves no entry behind.
_DEPENDENCIES: "weakref.WeakKeyDictionary[Callable[..., Any], tuple[Callable[..., Any], ...]]" = \
    weakref.WeakKeyDictionary()
_NEEDS_UNIT: "weakref.WeakKeyDictionary[Callable[..., Any], bool]" = weakref.WeakKeyDictionary()


def _cached(cache: weakref.WeakKeyDictionary, call: Callable[..., Any]) -> Any:
    try:
        return cache.get(call)
    except TypeError:  # neither hashable nor weakly referenceable: never cached
        return None


def _remember(cache: weakref.WeakKeyDictionary, call: Callable[..., Any], value: Any) -> None:
    try:
        cache[call] = value
    except TypeError:
        pass


def _dependencies(call: Callable[..., Any]) -> tuple[Callable[..., Any], ...]:
    """The callables ``call``'s parameters depend on (``Depends`` as a default or in ``Annotated``)."""
    cached = _cached(_DEPENDENCIES, call)
    if cached is not None:
        return cached
    try:
        signature = inspect.signature(call, eval_str=True)
    except (TypeError, ValueError, NameError):
        return ()  # not remembered: a name that cannot be resolved yet may resolve later
    found: list[Callable[..., Any]] = []
    for param in signature.parameters.values():
        candidates = [param.default]
        if get_origin(param.annotation) is Annotated:
            candidates += list(get_args(param.annotation)[1:])
        for candidate in candidates:
            dep = getattr(candidate, "dependency", None)
            if isinstance(candidate, params.Depends) and dep is not None:
                found.append(dep)
    result = tuple(found)
    _remember(_DEPENDENCIES, call, result)
    return result


def _needs_unit(call: Callable[..., Any], seen: set | None = None) -> bool:
    """Whether ``call`` or any dependency below it uses the request's unit of work."""
    if call is request_unit:
        return True
    cached = _cached(_NEEDS_UNIT, call)
    if cached is not None:
        return cached
    top = seen is None
    seen = set() if seen is None else seen
    if id(call) in seen:
        return False
    seen.add(id(call))
    result = any(_needs_unit(dep, seen) for dep in _dependencies(call))
    if top or result:  # below the top a False may only mean "already being looked at"
        _remember(_NEEDS_UNIT, call, result)
    return result


class UnitOfWorkRoute(APIRoute):
    """An API route whose database work runs in one thread and one transaction (see above).

    A synchronous endpoint that uses the session (directly or through a dependency) is wrapped:
    FastAPI still solves and validates its parameters, then one thread-pool call resolves the
    deferred dependencies, runs the endpoint and commits. An ``async`` endpoint cannot use the
    session (its work would run on the event loop): that is refused when the route is built.

    The answer's model is validated and serialised to JSON in that same thread call, as FastAPI would do it
    afterwards (same checks, same bytes): FastAPI validates a synchronous endpoint's return value in a
    second thread-pool hop, which costs more than the validation itself (issue 25).
    """

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        route: dict[str, APIRoute] = {}
        if _needs_unit(endpoint):
            if inspect.iscoroutinefunction(endpoint):
                raise TypeError(f"{endpoint.__name__}: an async endpoint cannot use the database session; "
                                "make it synchronous (read the body in an async dependency)")
            endpoint = _in_one_thread(endpoint, route)
        super().__init__(path, endpoint, **kwargs)
        route["route"] = self


def _answer(route: APIRoute | None, result: Any, response: Response | None) -> Any:
    """``result`` as FastAPI's request handler would answer it with its fast path (``serialize_response`` with
    ``dump_json``): validated against the route's response model, JSON bytes by pydantic, the status code
    and headers set on the request's ``Response``. Anything else (a Response, no response model, a custom
    response class) is left to FastAPI."""
    if (route is None or response is None or isinstance(result, Response) or route.response_field is None
            or not isinstance(route.response_class, DefaultPlaceholder)):
        return result
    from starlette.responses import Response as PlainResponse

    field = route.response_field
    value, errors = field.validate(result, {}, loc=("response",))
    if errors:
        from fastapi.routing import _extract_endpoint_context

        raise ResponseValidationError(errors=errors, body=result,
                                      endpoint_ctx=_extract_endpoint_context(route.dependant.call))
    content = field.serialize_json(value, include=route.response_model_include,
                                   exclude=route.response_model_exclude, by_alias=route.response_model_by_alias,
                                   exclude_unset=route.response_model_exclude_unset,
                                   exclude_defaults=route.response_model_exclude_defaults,
                                   exclude_none=route.response_model_exclude_none)
    status = response.status_code or route.status_code
    answer = PlainResponse(content=content, media_type="application/json",
                           **({"status_code": status} if status is not None else {}))
    from fastapi.utils import is_body_allowed_for_status_code

    if not is_body_allowed_for_status_code(answer.status_code):
        answer.body = b""
    answer.headers.raw.extend(response.headers.raw)
    return answer


def _in_one_thread(endpoint: Callable[..., Any], route: dict | None = None) -> Callable[..., Any]:
    signature = inspect.signature(endpoint, eval_str=True)
    route = {} if route is None else route

    # FastAPI fills one Response parameter per endpoint: the endpoint's own if it has one, else ours
    own = next((p.name for p in signature.parameters.values()
                if inspect.isclass(p.annotation) and issubclass(p.annotation, Response)), None)

    def run_endpoint(**kwargs: Any) -> Any:
        unit: RequestUnit = kwargs.pop(UNIT_PARAM)
        response: Response | None = kwargs.get(own) if own else kwargs.pop(RESPONSE_PARAM, None)
        result = unit.run(endpoint, kwargs)
        return _answer(route.get("route"), result, response)

    run_endpoint.__signature__ = _with_unit_param(signature, response=own is None)
    for attr in ("__name__", "__qualname__", "__doc__", "__module__"):
        setattr(run_endpoint, attr, getattr(endpoint, attr))
    if is_read_only_route(endpoint):
        setattr(run_endpoint, READ_ONLY_ATTR, True)
    run_endpoint.__meldpunt_endpoint__ = endpoint
    return run_endpoint


def check_routes(app) -> None:
    """Start-up check: every API route that uses the session is a :class:`UnitOfWorkRoute`, and every
    synchronous dependency below it that needs the database is deferred (:func:`in_transaction`)."""

    def routes(container):
        for route in container.routes:
            included = getattr(route, "original_router", None)
            if included is not None:
                yield from routes(included)
            else:
                yield route

    def sync_db_dependencies(call, seen):
        if id(call) in seen:
            return
        seen.add(id(call))
        for dep in _dependencies(call):
            if not inspect.iscoroutinefunction(dep) and _needs_unit(dep):
                yield dep
            yield from sync_db_dependencies(dep, seen)

    for route in routes(app.router):
        if not isinstance(route, APIRoute):
            continue
        original = getattr(route.endpoint, "__meldpunt_endpoint__", route.endpoint)
        if is_read_only_route(original):
            if not is_read_only_route(route.endpoint):
                raise TypeError(f"route {route.path}: @read_only must be under the route decorator")
            if not route.methods <= SAFE_METHODS:
                raise TypeError(f"route {route.path}: only a GET route can be declared read-only")
        if not _needs_unit(route.endpoint):
            continue
        if not isinstance(route, UnitOfWorkRoute):
            raise TypeError(f"route {route.path} uses the database session without UnitOfWorkRoute")
        for dep in sync_db_dependencies(route.endpoint, set()):
            raise TypeError(f"route {route.path}: dependency {dep.__name__} needs the database; "
                            "declare it with @in_transaction")


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


async def authentication(request: Request, unit: UnitDep,
                         _doc_bearer: Annotated[object, Depends(_bearer_scheme)] = None,
                         _doc_cookie: Annotated[object, Depends(_cookie_scheme)] = None) -> Deferred:
    token = _bearer(request)  # a malformed header or no credential at all: 401 at once, no database
    cookie = None if token is not None else _session_cookie(request)
    if token is None and not cookie:
        raise NotAuthenticated("U bent niet aangemeld.")
    return unit.defer(_authenticate, {"request": request, "unit": unit, "token": token, "cookie": cookie})


def _authenticate(*, request: Request, unit: RequestUnit, token: str | None, cookie: str | None) -> Authentication:
    """Inside the request's transaction: read only; the last use is recorded after the commit."""
    database, session = unit.database, unit.session
    if token is not None:
        row = identity.resolve_token_row(session=session, token=token)
        if identity.use_is_stale(row.last_used_at):
            unit.after_commit(lambda token_id=row.id: identity.record_token_use(database=database, token_id=token_id))
        auth = Authentication(user=row.user, method="token")
    else:
        web = identity.resolve_web_session(session=session, session_id=cookie, touch=False)
        if identity.use_is_stale(web.last_seen_at):
            unit.after_commit(lambda web_id=web.id: identity.record_web_session_use(database=database, web_id=web_id))
        if request.method not in SAFE_METHODS and not identity.check_csrf(web, request.headers.get(CSRF_HEADER)):
            raise CsrfFailed(f"De CSRF-controle is mislukt: stuur de header {CSRF_HEADER} mee.")
        auth = Authentication(user=web.user, method="session", web_session=web)
    request.state.user_id = auth.user.id  # for logging/audit; never the secret
    return auth


AuthDep = Annotated[Authentication, Depends(authentication)]


@in_transaction
def current_user(auth: AuthDep) -> User:
    return auth.user


CurrentUser = Annotated[User, Depends(current_user)]


def permitted(check: Callable[[User], None]):
    """A dependency that lets through the users the engine's ``check`` lets through (it raises
    :class:`NotAuthorized`: 403). The decision is the engine's (e.g. ``engine.reports.access.require_annex_reader``),
    the same one the web pages ask; no role is named here."""

    def dependency(user: CurrentUser) -> User:
        check(user)
        return user

    dependency.__name__ = f"permitted_{check.__name__}"
    return in_transaction(dependency)


@in_transaction
def visible_case(case_id: Annotated[int, Path(title="Zaak", ge=1, le=2**31 - 1, description="Zaak-id")],
                 user: CurrentUser, session: SessionDep):
    """The case of the path, if this user may see it; 404 otherwise (existence does not leak)."""
    from engine.identity.access import require_visible_case

    return require_visible_case(session=session, user=user, case_id=case_id)


@in_transaction
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
