"""The web interface: server-rendered Dutch pages (Jinja2) in the same FastAPI app.

:func:`install` mounts the pages and the static files (our own CSS/JS and the npm
packages htmx, bpmn-js, swagger-ui-dist and the NL Design System's Rijkshuisstijl Community CSS, served from ``node_modules`` installed by ``npm ci``).
:func:`install_api_docs` serves the API documentation page (Swagger UI) from those same local files.
"""
from __future__ import annotations

import inspect
from pathlib import Path

from html import escape

from fastapi import FastAPI
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

HERE = Path(__file__).parent
NODE_MODULES = HERE.parent / "node_modules"

VENDOR = {
    "htmx": NODE_MODULES / "htmx.org" / "dist",
    "bpmn-js": NODE_MODULES / "bpmn-js" / "dist",
    # the in-browser modeller's properties panel (its UMD bundle, its stylesheet) and the preact it renders with
    "bpmn-js-properties-panel": NODE_MODULES / "bpmn-js-properties-panel" / "dist",
    "properties-panel": NODE_MODULES / "@bpmn-io" / "properties-panel" / "dist",
    "preact": NODE_MODULES / "preact" / "dist",
    "dmn-js": NODE_MODULES / "dmn-js" / "dist",  # the modeller's decision tables
    "swagger-ui": NODE_MODULES / "swagger-ui-dist",
    # NL Design System, Rijkshuisstijl Community: the theme's design tokens (CSS variables under .rhc-theme)
    # and the component CSS (utrecht-*, nl-*, rhc-* classes), each one built file in the package's dist/.
    "rijkshuisstijl-tokens": NODE_MODULES / "@rijkshuisstijl-community" / "design-tokens" / "dist",
    "rijkshuisstijl-componenten": NODE_MODULES / "@rijkshuisstijl-community" / "components-css" / "dist",
}

API_DOCS_PAGE = """<!DOCTYPE html>
<html lang="nl">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} - API-documentatie</title>
<link rel="stylesheet" href="/static/vendor/swagger-ui/swagger-ui.css">
<link rel="icon" type="image/png" href="/static/vendor/swagger-ui/favicon-32x32.png">
</head>
<body>
<div id="swagger-ui" data-openapi-url="{openapi_url}"></div>
<script src="/static/vendor/swagger-ui/swagger-ui-bundle.js"></script>
<script src="/static/web/api-docs.js"></script>
</body>
</html>
"""


def install_api_docs(app: FastAPI, *, openapi_url: str, docs_url: str) -> None:
    """The Swagger UI page, with every asset from this app (no CDN) and no inline script (CSP)."""
    page = API_DOCS_PAGE.format(title=escape(app.title), openapi_url=escape(openapi_url))

    @app.get(docs_url, include_in_schema=False)
    def api_docs() -> HTMLResponse:
        return HTMLResponse(page)


def install(app: FastAPI) -> None:
    from web import pages
    from web.pages import common

    common.install_handlers(app)
    for route in pages.routes():  # one request, one thread: no database work on the event loop
        if inspect.iscoroutinefunction(getattr(route, "endpoint", None)):
            raise TypeError(f"web route {route.path} is async; make it synchronous (the form: common.FormDep)")
    for router in pages.ROUTERS:
        app.include_router(router)
    app.mount("/static/web", StaticFiles(directory=HERE / "static"), name="web-static")
    for name, directory in VENDOR.items():
        app.mount(f"/static/vendor/{name}", StaticFiles(directory=directory, check_dir=False), name=f"vendor-{name}")
