"""Security headers over both surfaces of the real app (issue 16).

Process files are served as downloads a browser will not render; every page a browser may render carries a
Content-Security-Policy without inline script; the API docs load nothing from outside the app.
"""
from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

pytestmark = pytest.mark.db

PASSWORD = "meldpunt-demo"


def _app(**settings):
    from api.app import create_app
    from api.settings import ApiSettings

    return create_app(ApiSettings(cookie_secure=False, **settings))


def _login(app, username: str, base_url: str = "http://testserver") -> TestClient:
    client = TestClient(app, follow_redirects=False, base_url=base_url)
    r = client.post("/api/v1/auth/inloggen", json={"username": username, "password": PASSWORD})
    assert r.status_code == 200, r.text
    return client


def _case_and_version(db) -> tuple[int, int, str]:
    from engine.cases.models import Case
    from engine.processes.models import ProcessVersion

    with db.session() as s:
        case = s.execute(select(Case).where(Case.process_version_id.is_not(None)).order_by(Case.id)).scalars().first()
        version = s.get(ProcessVersion, case.process_version_id)
        bpmn = next(f.path for f in version.files if f.path.endswith(".bpmn"))
        return case.id, version.id, bpmn


def test_process_files_are_served_as_downloads_wherever_they_are_served_raw(demo):
    case_id, version_id, bpmn = _case_and_version(demo)
    app = _app()
    coordinator, owner = _login(app, "coordinator"), _login(app, "procesbeheerder")
    served = {
        f"/zaken/{case_id}/diagram?bestand={bpmn}": coordinator,
        f"/api/v1/zaken/{case_id}/bpmn": coordinator,
        f"/api/v1/zaken/{case_id}/bpmn?bestand={bpmn}": coordinator,
        f"/api/v1/processen/{version_id}/bpmn": owner,
        f"/processen/{version_id}/diagram?bestand={bpmn}": owner,
    }
    for url, client in served.items():
        r = client.get(url)
        assert r.status_code == 200, (url, r.status_code)
        assert r.content.startswith(b"<?xml"), url
        assert r.headers["content-disposition"].startswith("attachment; filename="), url
        assert r.headers["x-content-type-options"] == "nosniff", url
        csp = r.headers["content-security-policy"]
        assert "sandbox" in csp and "default-src 'none'" in csp, url


def _routes(container, prefix=""):
    """Every route of the app, with its full path (included routers are walked with their prefix)."""
    for route in container.routes:
        included = getattr(route, "original_router", None)
        if included is not None:
            yield from _routes(included, prefix + route.include_context.prefix)
        elif hasattr(route, "methods"):
            yield prefix + route.path, route


def _page_routes(app) -> list[str]:
    """The GET routes a browser may open as a page: everything outside the JSON API, plus the API docs."""
    return sorted({path for path, route in _routes(app) if "GET" in route.methods
                   and (not path.startswith("/api/") or getattr(route, "include_in_schema", True) is False)})


INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>|\son[a-z]+\s*=|javascript:", re.IGNORECASE)


def test_every_page_answers_with_the_content_security_policy_and_has_no_inline_script(demo):
    from api.app import CONTENT_SECURITY_POLICY
    from documents.models import Letter
    from engine.worklist.models import WorkItem

    case_id, version_id, bpmn = _case_and_version(demo)
    with demo.session() as s:
        item_id = s.scalar(select(WorkItem.id).where(WorkItem.case_id == case_id).order_by(WorkItem.id))
        letter_id = s.scalar(select(Letter.id).where(Letter.case_id == case_id).order_by(Letter.id))
    values = {"{case_id:id}": case_id, "{item_id:id}": item_id, "{letter_id:id}": letter_id,
              "{version_id:id}": version_id}
    queries = {"/zaken/{case_id:id}/diagram": f"?bestand={bpmn}", "/processen/{version_id:id}/diagram": f"?bestand={bpmn}"}
    app = _app()
    people = {"anoniem": TestClient(app, follow_redirects=False), "coordinator": _login(app, "coordinator"),
              "procesbeheerder": _login(app, "procesbeheerder")}
    routes = _page_routes(app)
    assert {"/", "/zaken/{case_id:id}", "/taken/{item_id:id}", "/melden", "/api/v1/docs"} <= set(routes)
    policy = CONTENT_SECURITY_POLICY.decode()
    for parameter in ("'self'", "frame-ancestors 'none'", "object-src 'none'", "base-uri 'none'"):
        assert parameter in policy
    assert "unsafe-eval" not in policy and "script-src 'self'" in policy
    html_pages = set()
    for route in routes + ["/bestaat-niet"]:
        url = route
        for placeholder, value in values.items():
            url = url.replace(placeholder, str(value))
        url = re.sub(r"\{[a-z_]+:id\}", "1", url)  # other ids (lists, requests, views): an existing or missing one
        assert "{" not in url, f"geen testwaarde voor een parameter van {route}"
        url += queries.get(route, "")
        for who, client in people.items():
            r = client.get(url)
            assert r.status_code < 500, (route, who, r.status_code)
            assert r.headers.get("x-content-type-options") == "nosniff", (route, who)
            assert r.headers.get("referrer-policy") == "no-referrer", (route, who)
            if r.headers.get("content-type", "").startswith("text/html"):
                html_pages.add(route)
                assert r.headers.get("content-security-policy") == policy, (route, who)
                assert not INLINE_SCRIPT.search(r.text), (route, who, INLINE_SCRIPT.search(r.text).group(0))
            else:
                assert r.headers.get("content-security-policy"), (route, who)
    assert len(html_pages) >= len(routes) - 3  # all but the raw downloads (diagrams, letter) were HTML pages


def test_hsts_over_https_or_when_the_setting_says_so(db, clock):
    plain = TestClient(_app(), base_url="http://testserver").get("/inloggen")
    assert "strict-transport-security" not in plain.headers
    secure = TestClient(_app(), base_url="https://testserver").get("/inloggen")
    assert secure.headers["strict-transport-security"].startswith("max-age=31536000")
    behind_proxy = TestClient(_app(hsts=True), base_url="http://testserver").get("/inloggen")
    assert behind_proxy.headers["strict-transport-security"].startswith("max-age=31536000")


def test_api_docs_load_nothing_from_outside_the_app(site):
    """In Chromium: the Swagger UI renders under the CSP and every request stays on the app's own origin."""
    page = site.person()
    requests, violations = [], []
    page.on("request", lambda request: requests.append(request.url))
    page.on("console", lambda message: violations.append(message.text)
            if "Content Security Policy" in message.text else None)
    page.goto("/api/v1/docs")
    page.locator(".swagger-ui .info .title").wait_for()
    page.locator(".opblock").first.wait_for()
    assert "Meldpunt Integriteit API" in page.locator(".swagger-ui .info .title").inner_text()
    outside = [url for url in requests if not url.startswith(site.base + "/") and not url.startswith("data:")]
    assert outside == [] and requests
    assert violations == []
