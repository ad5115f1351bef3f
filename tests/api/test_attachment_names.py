"""A reporter's file name can name her ("Roosmarijn Verklikker aantekeningen.txt"): the reporter channel keeps her
file under a neutral name (``bijlage-<n>.<extension>``) and drops the name she gave, so no staff surface (API list,
download, case page) shows it and the database does not hold it, not even encrypted. Real app, engine and database
(demo seed)."""
from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, text

from api.deps import CSRF_HEADER
from tests.web import flow

pytestmark = pytest.mark.db

PASSWORD = "meldpunt-demo"
NAMES = ["Roosmarijn Verklikker aantekeningen.txt", "Verklaring_Jan_Jansen_personeelsnr_12345.txt"]
TELLTALES = ["Roosmarijn", "Verklikker", "Jan_Jansen", "Jansen", "12345"]
PUBLIC = {"categorie": "Financiële schendingen", "omschrijving": "Mijn leidinggevende declareert reizen die niet "
          "zijn gemaakt.", "dienstonderdeel": "Douane"}


def _login(app, username: str) -> TestClient:
    client = TestClient(app, follow_redirects=False)
    r = client.post("/api/v1/auth/inloggen", json={"username": username, "password": PASSWORD})
    assert r.status_code == 200, r.text
    return client


def _leaks(text_: str) -> list[str]:
    return [t for t in TELLTALES if t in text_]


def test_a_reporters_file_name_is_not_kept_nor_shown(db, clock):
    from api.app import create_app
    from api.settings import ApiSettings
    from engine.cases.models import Case
    from engine.cases.reveal_models import ReporterAttachment
    from engine.demo import seed

    with db.session() as s:
        seed(session=s)
    app = create_app(ApiSettings(cookie_secure=False))
    reporter = TestClient(app, follow_redirects=False)
    r = reporter.post("/api/v1/publiek/meldingen", json=PUBLIC)
    assert r.status_code == 201, r.text
    code = r.json()["ontvangstcode"]
    with db.session() as s:
        case_id = s.scalar(select(Case.id).order_by(Case.id.desc()).limit(1))
    r = reporter.post("/api/v1/melder/sessie", json={"ontvangstcode": code})
    assert r.status_code == 200, r.text
    csrf = r.json()["csrf_token"]
    answers = []
    for name in NAMES:  # the anonymous mailbox of her receipt code
        r = reporter.post("/api/v1/melder/bijlagen", headers={CSRF_HEADER: csrf},
                          files={"bestand": (name, "Aantekeningen over de declaraties.".encode(), "text/plain")})
        assert r.status_code == 201, r.text
        answers.append(r.json()["bestandsnaam"])
    assert answers == ["bijlage-1.txt", "bijlage-2.txt"]  # extension kept, the rest neutral
    assert not _leaks(reporter.get("/api/v1/melder/bijlagen").text)

    flow.complete(db, case_id, "melding_registreren", username="meldpunt")
    staff = _login(app, "meldpunt")
    listed = staff.get(f"/api/v1/zaken/{case_id}/bijlagen")
    assert listed.status_code == 200, listed.text
    assert [a["bestandsnaam"] for a in listed.json()] == ["bijlage-1.txt", "bijlage-2.txt"]
    assert not _leaks(listed.text)
    files = staff.get(f"/api/v1/zaken/{case_id}/bestanden").json()
    assert [f["bestandsnaam"] for f in files] == ["bijlage-1.txt", "bijlage-2.txt"]
    for a in listed.json():
        download = staff.get(f"/api/v1/zaken/{case_id}/bijlagen/{a['id']}")
        assert download.status_code == 200
        assert download.headers["content-disposition"] == f'attachment; filename="{a["bestandsnaam"]}"'
        download = staff.get(f"/api/v1/zaken/{case_id}/bestanden/{a['id']}")
        assert download.status_code == 200 and not _leaks(download.headers["content-disposition"])
    page = staff.get(f"/zaken/{case_id}")
    assert page.status_code == 200 and "bijlage-1.txt" in page.text and not _leaks(page.text)

    with db.session() as s:
        rows = list(s.scalars(select(ReporterAttachment).where(ReporterAttachment.case_id == case_id,
                                                                ReporterAttachment.source == "melder")))
        assert sorted(r.filename for r in rows) == ["bijlage-1.txt", "bijlage-2.txt"]
        # nowhere in the row (not even encrypted: the decrypted name is neutral) nor in the audit trail
        dump = " ".join(str(row) for row in s.execute(text("SELECT details FROM audit_events")).all())
    assert not _leaks(dump)


def test_the_reporter_is_told_her_file_name_is_not_kept(db, clock):
    from api.app import create_app
    from api.settings import ApiSettings
    from engine.demo import seed

    with db.session() as s:
        seed(session=s)
    page = TestClient(create_app(ApiSettings(cookie_secure=False))).get("/melden")
    assert page.status_code == 200 and "De naam van uw bestand bewaren wij niet" in page.text
