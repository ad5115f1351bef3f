"""The included-router guard (``api.app.guard_included_routers``, issue 25): a router whose paths cannot begin the
request's path answers "no match" at once, and answers every path exactly as FastAPI's own matching does.

Making the app builds none of FastAPI's per-route contexts (each router builds its own at its first request, as
FastAPI does without the guard): building them for every router at each start-up once cost a sixth of the test
suite's CPU."""
from __future__ import annotations

import re

from fastapi.routing import APIRoute, _IncludedRouter
from starlette.routing import Match

from api.app import create_app
from api.settings import ApiSettings


def _included(app) -> list[_IncludedRouter]:
    return [r for r in app.router.routes if isinstance(r, _IncludedRouter)]


def _paths(app) -> set[str]:
    """A concrete path for every route of the app (each parameter filled in), and a few that match nothing."""
    paths = {"/", "/nergens", "/api", "/api/v1", "/api/v1/", "/api/v1/onbekend/1"}
    for route in app.router.routes:
        if isinstance(route, _IncludedRouter):
            for inner in route.original_router.routes:
                if isinstance(inner, APIRoute):
                    paths.add(route.include_context.path_for(inner))
        elif getattr(route, "path", None):
            paths.add(route.path)
    return {re.sub(r"\{[^}]+\}", "1", p) for p in paths}


def _scope(path: str, method: str) -> dict:
    return {"type": "http", "path": path, "root_path": "", "method": method, "headers": [], "query_string": b""}


def test_making_the_app_builds_no_route_context():
    app = create_app(ApiSettings())
    routers = _included(app)
    assert routers
    # FastAPI builds a router's contexts in effective_candidates() and records the routes' version it built them for
    assert [r for r in routers if r._effective_candidates_version is not None] == []


def test_every_router_answers_every_path_as_fastapi_does():
    app = create_app(ApiSettings())
    routers = _included(app)
    guarded = [r for r in routers if "matches" in vars(r)]  # the guard sets matches on the instance
    assert len(guarded) >= 10, len(guarded)
    paths = _paths(app)
    assert len(paths) > 100
    skipped = 0
    for router in guarded:
        for path in sorted(paths):
            for method in ("GET", "POST"):
                scope = _scope(path, method)
                mine, fastapi = router.matches(scope), type(router).matches(router, scope)
                assert mine[0] == fastapi[0], (path, method, router.original_router.prefix)
                assert mine[1].keys() == fastapi[1].keys(), (path, method)
                skipped += mine[0] == Match.NONE
    assert skipped > len(guarded) * len(paths)  # most routers cannot match most paths: the guard says so at once


def test_the_guard_stands_aside_when_a_router_changes_after_start_up():
    from fastapi import APIRouter, FastAPI

    from api.app import guard_included_routers

    router = APIRouter(prefix="/api/v1/proef")

    @router.get("/een")
    def one():
        return {"een": 1}

    app = FastAPI()
    app.include_router(router)
    assert guard_included_routers(app) == 1
    included = _included(app)[0]
    later = "/api/v1/proef/twee"
    assert included.matches(_scope(later, "GET"))[0] == Match.NONE

    @router.get("/twee")  # added after start-up: its path begins with none of the prefixes the guard took
    def added():
        return {"later": 1}

    assert included.matches(_scope(later, "GET"))[0] == Match.FULL
