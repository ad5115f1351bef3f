"""Security headers over both surfaces of the real app (issue 16).

Process files are served as downloads a browser will not render; every page a browser may render carries a
Content-Security-Policy without inline script; the API docs load nothing from outside the app.
"""
from __future__ import annotations

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
    r = client.post("/api/v1/auth/login", json={"username": username, "password": PASSWORD})
    assert r.status_code == 200, r.text
    return client


@pytest.fixture
def demo(db, clock):
    from engine.demo import seed

    with db.session() as s:
        seed(session=s)
    return db


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
