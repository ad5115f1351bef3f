"""A route declared ``async def`` that touches the database would run its database work on the event loop and hold
up every other request (issue 25): building the app refuses it, with the route and what to do in the message.
API routes: ``api.deps.UnitOfWorkRoute`` when the route is built, ``api.deps.check_routes`` in ``create_app`` for a
router without it; web pages: ``web.install`` refuses any ``async`` page (their database work is in the handler).
"""
from __future__ import annotations

from typing import Annotated

import pytest
from fastapi import APIRouter, Depends

from api.app import create_app
from api.deps import CurrentUser, SessionDep, UnitOfWorkRoute
from api.routers import health
from api.settings import ApiSettings
from web.pages import worklist as worklist_pages


def test_an_async_api_endpoint_using_the_session_is_refused_when_its_route_is_built():
    router = APIRouter(route_class=UnitOfWorkRoute)
    with pytest.raises(TypeError, match="leest_async: an async endpoint cannot use the database session; "
                                        "make it synchronous"):
        @router.get("/direct")
        async def leest_async(session: SessionDep) -> dict:
            return {}
    with pytest.raises(TypeError, match="wie_async: an async endpoint cannot use the database session"):
        @router.get("/via-een-afhankelijkheid")  # the session only below a dependency (the current user)
        async def wie_async(user: CurrentUser) -> dict:
            return {}
    assert router.routes == []


@pytest.fixture
def extra_route():
    """Add a route to one of the app's own routers for one test, and take it away again."""
    added: list[tuple[APIRouter, object]] = []

    def add(router: APIRouter, path: str, endpoint, **kwargs) -> None:
        router.add_api_route(path, endpoint, **kwargs)
        added.append((router, router.routes[-1]))

    yield add
    for router, route in added:
        router.routes.remove(route)


def test_create_app_refuses_an_async_api_route_that_uses_the_session_without_the_unit_of_work(db, extra_route):
    async def status_async(session: SessionDep) -> dict:
        return {}

    extra_route(health.router, "/gezondheid-async", status_async, methods=["GET"])  # a plain APIRouter
    with pytest.raises(TypeError, match=r"route /gezondheid-async uses the database session without "
                                        r"UnitOfWorkRoute"):
        create_app(ApiSettings())


def test_create_app_refuses_an_async_web_page(db, extra_route):
    async def werkvoorraad_async() -> str:  # a page's database work is in its handler: async would run it on the loop
        return ""

    extra_route(worklist_pages.router, "/werkvoorraad-async", werkvoorraad_async, methods=["GET"])
    with pytest.raises(TypeError, match=r"web route /werkvoorraad-async is async; make it synchronous"):
        create_app(ApiSettings())


def test_the_app_as_shipped_builds(db):
    assert create_app(ApiSettings()).routes


def eigen_lezing(session: SessionDep) -> str:  # synchronous, uses the session, not deferred (@in_transaction)
    return ""


def gebruikers_eigen(lezing: Annotated[str, Depends(eigen_lezing)]) -> dict:
    return {}


def test_a_synchronous_dependency_that_needs_the_database_is_refused_also_after_apps_were_built(db, extra_route):
    """check_routes remembers what each endpoint and dependency depends on (built once per process, not per app):
    a route added after the shipped app was built, whose synchronous dependency reads the session without
    @in_transaction, is still refused."""
    from api.routers import users

    assert create_app(ApiSettings()).routes  # every shipped endpoint's dependencies remembered
    extra_route(users.router, "/gebruikers-eigen", gebruikers_eigen, methods=["GET"])
    with pytest.raises(TypeError, match=r"route /gebruikers-eigen: dependency eigen_lezing needs the "
                                        r"database; declare it with @in_transaction"):
        create_app(ApiSettings())
