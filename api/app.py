"""The FastAPI application. Routers are thin; business rules live in engine/."""
from __future__ import annotations

import contextlib
import logging

from fastapi import FastAPI
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api import adr, observability, problems
from api.deps import check_routes
from api.routers import (
    audit,
    auth,
    cases,
    contact,
    documents,
    health,
    incidents,
    intake,
    melder_auth,
    notifications,
    processes,
    records,
    register,
    reporter,
    reports,
    staff,
    tasks,
    users,
)
from api.settings import ApiSettings
from engine.logs import install_log_guards

# Every answer a browser may render runs under this policy: scripts only from our own origin (no inline
# script, no eval; the templates have no inline <script> or on...= attributes, and the API docs are our own
# page with the Swagger UI served from node_modules), no plugins, no <base>, no framing. Inline styles stay
# allowed: bpmn-js, htmx and the Swagger UI set them, and a style cannot run code. A route may send its own,
# stricter policy (process files: api.raw_files).
CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src 'self' data:",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
]).encode()
HSTS = b"max-age=31536000; includeSubDomains"
SECURITY_HEADERS = [
    (b"content-security-policy", CONTENT_SECURITY_POLICY),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
]


class SecurityHeadersMiddleware:
    """Adds conservative security headers (CSP, nosniff, no framing, no referrer; HSTS over https or when
    ``hsts`` says the app is served over https behind a proxy); API answers are not cached unless a route
    says so."""

    def __init__(self, app: ASGIApp, hsts: bool = False, form_targets: tuple[str, ...] = ()) -> None:
        self.app = app
        self.hsts = hsts
        self.headers = SECURITY_HEADERS
        if form_targets:  # the logout form is redirected to the organisation's provider (web.pages.auth)
            csp = CONTENT_SECURITY_POLICY.replace(b"form-action 'self'",
                                                  b" ".join([b"form-action 'self'", *(t.encode() for t in form_targets)]))
            self.headers = [(k, csp if k == b"content-security-policy" else v) for k, v in SECURITY_HEADERS]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {k.lower() for k, _ in headers}
                headers += [(k, v) for k, v in self.headers if k not in present]
                if (self.hsts or scope.get("scheme") == "https") and b"strict-transport-security" not in present:
                    headers.append((b"strict-transport-security", HSTS))
                if b"cache-control" not in present:
                    headers.append((b"cache-control", b"no-store"))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _refuse_a_database_not_at_the_schema() -> None:
    """The server starts only on a database at this product's schema (also when uvicorn itself starts the app, as
    deploy/entrypoint.sh and deploy/run-processes.sh do): else the reason in Dutch in the log, and the start-up fails,
    so uvicorn stops before it serves a request. One query of alembic_version; nothing is migrated. ``meldpunt serve``
    checks the same before it starts uvicorn (cli.common.require_current_schema)."""
    from engine.db import get_database
    from engine.migrations.runner import SchemaNotCurrent, schema_problem

    problem = schema_problem(get_database().url)
    if problem is not None:
        message = f"Meldpunt start niet: {problem}"
        logging.getLogger("meldpunt").error(message)
        raise SchemaNotCurrent(message)


@contextlib.asynccontextmanager
async def lifespan(app: FastAPI):
    """Optionally run the timer worker (MELDPUNT_TIMERS_IN_SERVER=true), the mail sender
    (MELDPUNT_MAIL_IN_SERVER=true with MELDPUNT_SMTP_HOST set) and the letter worker (MELDPUNT_BRIEVEN_IN_SERVER,
    on by default) in this process."""
    from engine.clock import install_spiff_clock
    from engine.config import get_settings

    install_spiff_clock()
    settings = get_settings()
    _refuse_a_database_not_at_the_schema()
    _limit_memory_and_threads(settings)
    from engine.legal_terms import equated_days_warnings

    for warning in equated_days_warnings():  # also in /api/v1/gereed
        logging.getLogger("meldpunt").warning(warning)
    timers = None
    mail = None
    if settings.timers_in_server:
        from engine.db import get_database
        from engine.timers.worker import start_background

        timers = start_background(database=get_database(), poll_seconds=settings.timer_poll_seconds)
    if settings.mail_in_server and settings.smtp_host:
        from engine.db import get_database
        from engine.notifications import worker as mail_worker

        mail = mail_worker.start_background(database=get_database())
    from engine.db import get_database
    from engine.identity import session_cache

    # another server process's revocation empties this one's session cache at once (PostgreSQL; engine.identity)
    identity_listener = session_cache.listen(get_database().engine) if settings.session_cache_seconds > 0 else None
    letters = None
    if settings.brieven_in_server:
        from engine.db import get_database
        from engine.letter_outbox import worker as letter_worker

        letters = letter_worker.start_background(bind=get_database().engine)
    try:
        yield
    finally:
        session_cache.stop(identity_listener)
        if letters is not None:
            from engine.letter_outbox import worker as letter_worker

            letter_worker.stop_background(letters)
        if timers is not None:
            from engine.timers.worker import stop_background

            stop_background(timers)
        if mail is not None:
            mail[1].set()
            mail[0].join(timeout=settings.smtp_timeout_seconds)  # let a mail in flight finish its SMTP dialogue


def request_threads(settings) -> int:
    """Threads for synchronous requests (engine.config; the connection pool is sized from it)."""
    return settings.request_threads


def _limit_memory_and_threads(settings) -> None:
    """Bound the request thread pool and the number of malloc arenas (see engine.config)."""
    import anyio.to_thread

    anyio.to_thread.current_default_thread_limiter().total_tokens = request_threads(settings)
    if settings.malloc_arena_max:
        import ctypes
        import ctypes.util

        try:
            libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
            libc.mallopt(-8, settings.malloc_arena_max)  # M_ARENA_MAX; a no-op outside glibc
        except (OSError, AttributeError):
            pass


def create_app(settings: ApiSettings | None = None, oidc_settings=None) -> FastAPI:
    """The app; ``oidc_settings`` (engine.identity.oidc.OidcSettings) default to the MELDPUNT_OIDC_* environment."""
    from engine.identity.oidc import OidcClient, OidcSettings

    settings = settings or ApiSettings()
    oidc_settings = oidc_settings if oidc_settings is not None else OidcSettings()
    app = FastAPI(
        title="Meldpunt Integriteit API",
        version=adr.API_VERSION,
        description="Zaaksysteem voor meldingen van (vermoedelijke) integriteitsschendingen.",
        openapi_url="/api/v1/openapi.json",
        docs_url=None,  # our own page below: the Swagger UI from node_modules, no CDN, no inline script
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.api_settings = settings
    app.state.oidc = OidcClient(oidc_settings) if oidc_settings.enabled else None  # login via the organisation
    install_log_guards()  # uvicorn's access line, if a server writes it: no query string, no client address
    problems.install(app)
    # Added last = outermost: the size limit runs before anything reads the body.
    app.add_middleware(problems.StrictJsonMiddleware)
    app.add_middleware(SecurityHeadersMiddleware, hsts=settings.hsts,
                       form_targets=(oidc_settings.origin,) if oidc_settings.enabled else ())
    adr.install(app, settings)  # API-Version header, former paths redirected, the document per the rules
    # Process uploads get a smaller cap unless the environment sets one for that prefix.
    path_limits = {"/api/v1/processen": processes.PROCESS_UPLOAD_LIMIT, **settings.body_limits}
    app.add_middleware(problems.BodySizeLimitMiddleware, max_bytes=settings.max_body_bytes,
                       path_limits=path_limits)
    observability.install(app)  # outermost: request id, access line and HTTP metrics for every answer; /metrics
    app.include_router(health.router, prefix="/api/v1")
    app.include_router(auth.router, prefix="/api/v1")
    app.include_router(notifications.router, prefix="/api/v1")  # before /gebruikers/{user_id}
    app.include_router(users.router, prefix="/api/v1")
    app.include_router(staff.router, prefix="/api/v1")
    app.include_router(staff.notices_router, prefix="/api/v1")
    app.include_router(melder_auth.router, prefix="/api/v1")
    for module in (intake, reporter, cases, contact, documents, tasks, processes, audit, reports, records, incidents,
                   register):
        app.include_router(module.router, prefix="/api/v1")
    app.include_router(records.case_router, prefix="/api/v1")
    app.include_router(records.access_router, prefix="/api/v1")
    import web

    web.install_api_docs(app, openapi_url=app.openapi_url, docs_url="/api/v1/docs")
    web.install(app)  # the server-rendered pages and their static files
    check_routes(app)  # every API route that uses the session runs in one thread (api.deps)
    guard_included_routers(app)
    return app


def guard_included_routers(app: FastAPI) -> int:
    """Skip an included router whose routes cannot match the request's path (issue 25).

    FastAPI tries the included routers in order, and every route of each with its own per-route bookkeeping: a
    request for ``/api/v1/taken/...`` went through ~84 routes of the routers included before it, a web page
    through all of the API's. A route matches only a path that begins with the route's literal text up to its first
    parameter (``/api/v1/taken/``), FULL or PARTIAL, so a router none of whose literals begins the path answers "no
    match" at once; the order, the matching itself and the OpenAPI document stay FastAPI's. Only routers of plain
    API routes get the check, and it stands aside if the router's routes change after start-up. Returns the number
    of routers guarded.

    The paths are read from the included router's own routes and its inclusion prefix (the path FastAPI gives each
    route there), not from FastAPI's effective route contexts: building those solves every route's dependencies and
    response model, which FastAPI otherwise does for a router at its first request. Building them here for every
    router at each start-up was most of ``create_app``'s cost (a sixth of the test suite's CPU, which makes an app
    per test)."""
    from fastapi.routing import APIRoute, _IncludedRouter
    from starlette._utils import get_route_path
    from starlette.routing import PARAM_REGEX, Match

    guarded = 0
    for route in app.router.routes:
        if not isinstance(route, _IncludedRouter):
            continue
        inner_routes = list(route.original_router.routes)
        # plain API routes only (a nested router, a mount or a frontend group keeps FastAPI's own matching)
        if not inner_routes or not all(isinstance(r, APIRoute) for r in inner_routes):
            continue
        paths = [route.include_context.path_for(r) for r in inner_routes]
        if not all(path.startswith("/") for path in paths):
            continue
        literals = set()
        for path in paths:
            param = PARAM_REGEX.search(path)
            literals.add(path[:param.start()] if param else path)
        # the shortest literals suffice: a path beginning with a longer one begins with its shorter prefix too
        prefix = tuple(sorted(x for x in literals if not any(x != y and x.startswith(y) for y in literals)))
        if any(len(x) <= 1 for x in prefix):
            continue
        version = route.original_router._get_routes_version()

        def matches(scope, inner=route.matches, prefix=prefix, router=route.original_router, version=version):
            if (scope["type"] == "http" and not get_route_path(scope).startswith(prefix)
                    and router._get_routes_version() == version):
                return Match.NONE, {}
            return inner(scope)

        route.matches = matches
        guarded += 1
    return guarded
