"""The Dutch government's API Design Rules (Logius, "pas toe of leg uit") applied to the whole API.

One place for what the rules ask of every operation, so no router has to remember them:

- ``API-Version`` with the full semantic version on every answer under ``/api/`` (/core/version-header),
  and documented on every 2xx/3xx response of the OpenAPI document;
- the major version in the URI, named once in ``servers`` (/core/uri-version): the document's paths are
  relative to ``/api/v1``;
- ``info.version`` in semver and ``info.contact`` with name, url and e-mail (/core/doc-openapi-contact);
- every operation documents 400, and every 4xx/5xx is ``application/problem+json`` (/core/problem-details;
  the answers themselves come from ``api.problems``);
- resources in Dutch and kebab-case; query keys lowerCamelCase. Paths that were English before
  (``/reports``, ``/users``, ``/roles``, ...) answer with a permanent redirect (308, method and body kept)
  to their Dutch successor and say so in a ``Deprecation`` header; they are not in the document.

``tests/api/test_api_design_rules.py`` checks the document and live answers against these rules.
"""
from __future__ import annotations

import re

from starlette.types import ASGIApp, Message, Receive, Scope, Send

API_VERSION = "1.0.0"
PREFIX = "/api/v1"

# Former path (regex on the whole path) -> its successor; kept answering with a 308 redirect.
LEGACY_PATHS: list[tuple[re.Pattern, str]] = [
    (re.compile(r"^/api/v1/reports(/.*)?$"), "/api/v1/rapportages{0}"),
    (re.compile(r"^/api/v1/users/(\d+)/disable$"), "/api/v1/gebruikers/{0}/blokkeren"),
    (re.compile(r"^/api/v1/users(/.*)?$"), "/api/v1/gebruikers{0}"),
    (re.compile(r"^/api/v1/roles$"), "/api/v1/rollen"),
    (re.compile(r"^/api/v1/audit/verify$"), "/api/v1/audit/verificatie"),
    (re.compile(r"^/api/v1/auth/login$"), "/api/v1/auth/inloggen"),
    (re.compile(r"^/api/v1/auth/logout$"), "/api/v1/auth/uitloggen"),
    (re.compile(r"^/api/v1/auth/me$"), "/api/v1/auth/ik"),
    (re.compile(r"^/api/v1/health$"), "/api/v1/gezondheid"),
    (re.compile(r"^/api/v1/ready$"), "/api/v1/gereed"),
]
# Former query keys -> lowerCamelCase successors (rewritten in place for the redirect).
LEGACY_QUERY_KEYS = {"zaak_id": "zaakId", "periode_van": "periodeVan", "periode_tot": "periodeTot",
                     "te_laat": "teLaat"}


def successor(path: str) -> str | None:
    for pattern, target in LEGACY_PATHS:
        match = pattern.match(path)
        if match:
            return target.format(*(g or "" for g in match.groups()))
    return None


def _renamed_query(query: str) -> tuple[str, bool]:
    if not query:
        return query, False
    parts, changed = [], False
    for part in query.split("&"):
        key, sep, value = part.partition("=")
        if key in LEGACY_QUERY_KEYS:
            key, changed = LEGACY_QUERY_KEYS[key], True
        parts.append(key + sep + value)
    return "&".join(parts), changed


class ApiDesignRulesMiddleware:
    """``API-Version`` on every API answer; former paths and query keys redirected (308) to their successors."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "") if scope["type"] == "http" else ""
        if not path.startswith("/api/"):
            await self.app(scope, receive, send)
            return
        query = scope.get("query_string", b"").decode("latin-1")
        target = successor(path)
        new_query, renamed = _renamed_query(query)
        if target or renamed:
            location = (target or path) + (f"?{new_query}" if new_query else "")
            await send({"type": "http.response.start", "status": 308, "headers": [
                (b"location", location.encode("latin-1")), (b"api-version", API_VERSION.encode()),
                (b"deprecation", b"true"), (b"link", f'<{target or path}>; rel="successor-version"'.encode("latin-1")),
                (b"content-length", b"0")]})
            await send({"type": "http.response.body", "body": b""})
            return

        async def send_with_version(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [h for h in message.get("headers", []) if h[0].lower() != b"api-version"]
                headers.append((b"api-version", API_VERSION.encode()))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_version)


PROBLEM_SCHEMA = {
    "title": "Probleem",
    "description": "Foutmelding volgens RFC 9457 (problem details); bij ongeldige gegevens ook `errors` per veld.",
    "type": "object",
    "required": ["type", "title", "status"],
    "properties": {
        "type": {"type": "string", "format": "uri", "description": "Soort fout (URI)"},
        "title": {"type": "string", "description": "Korte Nederlandse omschrijving"},
        "status": {"type": "integer", "description": "HTTP-statuscode"},
        "detail": {"type": "string", "description": "Uitleg in het Nederlands"},
        "instance": {"type": "string", "description": "Kenmerk van dit voorval"},
    },
}
VERSION_HEADER = {"description": "Volledige versie van de API (semver)",
                  "schema": {"type": "string", "example": API_VERSION}}
HTTP_METHODS = {"get", "put", "post", "delete", "patch", "head", "options"}


def shape_document(doc: dict, *, servers_url: str, contact: dict) -> dict:
    """Rewrite FastAPI's generated document into the form the API Design Rules ask for."""
    doc["info"]["version"] = API_VERSION
    doc["info"]["contact"] = contact
    doc["servers"] = [{"url": servers_url, "description": "Meldpunt Integriteit API, versie 1"}]
    doc.setdefault("components", {}).setdefault("schemas", {})["Probleem"] = PROBLEM_SCHEMA
    problem_ref = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Probleem"}}}
    paths = {}
    for path, operations in doc.get("paths", {}).items():
        relative = path[len(PREFIX):] if path.startswith(PREFIX) else path
        for method, operation in operations.items():
            if method not in HTTP_METHODS:
                continue
            responses = operation.setdefault("responses", {})
            responses.setdefault("400", {"description": "Ongeldig verzoek"})
            for code, response in responses.items():
                if code[:1] in "23":
                    response.setdefault("headers", {})["API-Version"] = VERSION_HEADER
                elif code[:1] in "45":
                    content = response.get("content") or {}
                    schema = (content.get("application/problem+json") or {}).get("schema")
                    response["content"] = {"application/problem+json": {"schema": schema}} if schema else problem_ref
        paths[relative or "/"] = operations
    doc["paths"] = paths
    return doc


def install(app, settings) -> None:
    """The middleware and the document; call once in ``create_app``."""
    app.add_middleware(ApiDesignRulesMiddleware)
    generate = app.openapi
    published = settings.published_url()
    servers_url = (published.rstrip("/") + PREFIX) if published else PREFIX
    contact = {"name": settings.api_contact_name, "url": settings.api_contact_url, "email": settings.api_contact_email}

    def openapi() -> dict:
        if app.openapi_schema is None:
            app.openapi_schema = shape_document(generate(), servers_url=servers_url, contact=contact)
        return app.openapi_schema

    app.openapi = openapi
