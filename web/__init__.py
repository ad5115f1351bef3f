"""The web interface: server-rendered Dutch pages (Jinja2) in the same FastAPI app.

:func:`install` mounts the pages and the static files (our own CSS/JS and the npm
packages htmx and bpmn-js, served from ``node_modules`` installed by ``npm ci``).
"""
from __future__ import annotations

import inspect
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

HERE = Path(__file__).parent
NODE_MODULES = HERE.parent / "node_modules"

VENDOR = {
    "htmx": NODE_MODULES / "htmx.org" / "dist",
    "bpmn-js": NODE_MODULES / "bpmn-js" / "dist",
}


def install(app: FastAPI) -> None:
    from web import routes

    routes.install_handlers(app)
    for route in routes.router.routes:  # one request, one thread: no database work on the event loop
        if inspect.iscoroutinefunction(getattr(route, "endpoint", None)):
            raise TypeError(f"web route {route.path} is async; make it synchronous (the form: routes.FormDep)")
    app.include_router(routes.router)
    app.mount("/static/web", StaticFiles(directory=HERE / "static"), name="web-static")
    for name, directory in VENDOR.items():
        app.mount(f"/static/vendor/{name}", StaticFiles(directory=directory, check_dir=False), name=f"vendor-{name}")
