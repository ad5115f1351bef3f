"""Request ids, the access log and Prometheus metrics (issue 22).

:class:`ObservabilityMiddleware` (outermost) gives every request an id: a caller's ``X-Request-ID`` when it is
a plain token (letters, digits, ``.``, ``_``, ``-``; at most 64), otherwise a new one; the answer echoes it in
``X-Request-ID`` and every log line made while serving it carries it (``engine.logs``). It writes one access
line per request and counts the request for /metrics, both by *route template*
(``/api/v1/zaken/{case_id}``): never the filled-in path, its query string, a header, a cookie, the body or
the client's address.

``GET /metrics`` answers the Prometheus text format: requests by method, route template and status; their
latency (histogram); open and overdue tasks; timers per state, due and failing, and their firings; the
notifications outbox backlog and open incidents when those tables exist (``engine.metrics``). Counts only:
no case, name or text. Access (``ApiSettings``): ``Authorization: Bearer $MELDPUNT_METRICS_TOKEN`` or a
client address in ``MELDPUNT_METRICS_NETWORKS``; otherwise 401. It lies outside ``/api/v1`` because it is
not an API resource but the scrape path Prometheus expects by default; it is not in the OpenAPI document.

Several server processes: set ``PROMETHEUS_MULTIPROC_DIR`` to a directory shared by the processes of one
host (emptied before they start; ``deploy/run-processes.sh`` and the container do this). Then any process
answers /metrics with the sum over all of them (prometheus-client's multiprocess mode). Without it each
process counts for itself and must be scraped on its own port. The database figures are read at scrape time
and are the same whichever process answers.
"""
from __future__ import annotations

import hmac
import logging
import os
import re
import time
import uuid

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.client_address import _parse, _trusted, resolve
from engine.logs import access_route, request_id

log = logging.getLogger("meldpunt.http")

REQUEST_ID_HEADER = "x-request-id"
_GOOD_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
METHODS = {"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"}
UNMATCHED = "(geen route)"  # a path no route serves: never the path itself (it could be anything)
METRICS_PATH = "/metrics"

# Counters and histograms live in this registry (one per process); in multiprocess mode their values go to
# files in PROMETHEUS_MULTIPROC_DIR and the scrape reads those instead.
HTTP_REGISTRY = CollectorRegistry(auto_describe=True)
REQUESTS = Counter("meldpunt_http_requests", "HTTP-verzoeken per methode, routesjabloon en status",
                   ["method", "route", "status"], registry=HTTP_REGISTRY)
LATENCY = Histogram("meldpunt_http_request_duration_seconds", "Duur van HTTP-verzoeken (seconden)",
                    ["method", "route"], registry=HTTP_REGISTRY,
                    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0))


def _route_template(scope: Scope) -> str:
    """The matched route's template: the request path with each path parameter's value replaced by its name.
    A path that no route matched is not named at all."""
    if "endpoint" not in scope:
        return UNMATCHED
    path = scope.get("path", "")
    params = {name: str(value) for name, value in (scope.get("path_params") or {}).items()}
    for name, value in params.items():  # a parameter spanning segments (a file path under a mount)
        if "/" in value and value in path:
            at = path.rindex(value)
            path = path[:at] + "{" + name + "}" + path[at + len(value):]
    single = {value: name for name, value in params.items() if value and "/" not in value}
    return "/".join("{" + single[part] + "}" if part in single else part for part in path.split("/"))


class ObservabilityMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = next((v.decode("latin-1") for k, v in scope.get("headers", []) if k == b"x-request-id"), "")
        rid = given if _GOOD_ID.match(given) else uuid.uuid4().hex
        token = request_id.set(rid)
        route_token = access_route.set(None)
        started = time.perf_counter()
        status = 500  # an exception before the answer started: the server's error answer

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                access_route.set(_route_template(scope))  # for uvicorn's access line (engine.logs)
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"x-request-id"]
                message = {**message, "headers": [*headers, (b"x-request-id", rid.encode())]}
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            duration = time.perf_counter() - started
            method = scope.get("method", "GET") if scope.get("method") in METHODS else "OTHER"
            route = _route_template(scope)
            REQUESTS.labels(method, route, str(status)).inc()
            LATENCY.labels(method, route).observe(duration)
            log.info("%s %s %s", method, route, status,
                     extra={"http_method": method, "route": route, "status": status,
                            "duration_ms": round(duration * 1000, 1)})
            request_id.reset(token)
            access_route.reset(route_token)


# --------------------------------------------------------------------------- /metrics


class DatabaseCollector:
    """The database figures, read when scraped (engine.metrics)."""

    def collect(self):
        from engine.db import get_database
        from engine.metrics import snapshot

        up = GaugeMetricFamily("meldpunt_database_up", "1 als de database bij het uitlezen bereikbaar was")
        try:
            with get_database().session() as session:
                snap = snapshot(session=session)
        except Exception as exc:  # a scrape must answer even when the database does not
            log.warning("metrics: database not readable: %s", type(exc).__name__)
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        yield GaugeMetricFamily("meldpunt_open_tasks", "Open taken", value=snap.open_tasks)
        yield GaugeMetricFamily("meldpunt_overdue_tasks", "Open taken over hun termijn", value=snap.overdue_tasks)
        timers = GaugeMetricFamily("meldpunt_timers", "Timers per toestand", labels=["state"])
        for state, count in sorted(snap.timers.items()):
            timers.add_metric([state], count)
        yield timers
        yield GaugeMetricFamily("meldpunt_timers_due", "Wachtende timers waarvan de afgaantijd voorbij is",
                                value=snap.timers_due)
        yield GaugeMetricFamily("meldpunt_timers_failing", "Wachtende timers met een mislukte poging",
                                value=snap.timers_failing)
        yield CounterMetricFamily("meldpunt_timer_firings", "Afgegane timers (som van fire_count)",
                                  value=snap.timer_firings)
        yield GaugeMetricFamily("meldpunt_outbox_backlog", "Nog niet verzonden berichten in de outbox",
                                value=snap.outbox_backlog)
        yield GaugeMetricFamily("meldpunt_open_incidents", "Open incidenten", value=snap.open_incidents)


class _Scrape:
    """What one scrape collects: the HTTP figures (this process, or all processes in multiprocess mode) and
    the database figures."""

    def __init__(self, *collectors):
        self.collectors = collectors

    def collect(self):
        for collector in self.collectors:
            yield from collector.collect()


def _http_collector():
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if not directory:
        return HTTP_REGISTRY
    from prometheus_client import multiprocess

    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry, path=directory)
    return registry


def may_scrape(request: Request) -> bool:
    settings = request.app.state.api_settings
    token = settings.metrics_token.get_secret_value() if settings.metrics_token else ""
    given = request.headers.get("authorization", "")
    if token and given.startswith("Bearer ") and hmac.compare_digest(given[7:].encode(), token.encode()):
        return True
    if settings.metrics_networks and request.client:
        key = resolve(request.client.host, request.headers.getlist("x-forwarded-for"), settings.trusted_proxies)
        address = _parse(key.split("/")[0])
        return address is not None and _trusted(address, settings.metrics_networks)
    return False


async def metrics(request: Request) -> Response:
    if not may_scrape(request):
        return PlainTextResponse("Geen toegang tot /metrics.", status_code=401,
                                 headers={"WWW-Authenticate": 'Bearer realm="metrics"'})
    body = await run_in_threadpool(generate_latest, _Scrape(_http_collector(), DatabaseCollector()))
    return Response(body, media_type=CONTENT_TYPE_LATEST)


def install(app) -> None:
    app.add_route(METRICS_PATH, metrics, methods=["GET"], include_in_schema=False)
    app.add_middleware(ObservabilityMiddleware)
