"""The reporter's public channel from outside (the real app, the demo organisation): what a public report leaves
behind. Measured against what GlobaLeaks promises a whistleblower: no client address or browser in the database,
the receipt code stored only as a hash, and files stored without the metadata that could point at the reporter -
also the metadata of a photo inside a document."""
from __future__ import annotations

import base64
import io
import re
import zipfile

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, text

from engine.cases.reveal_models import ReporterAttachment
from engine.db import Base

pytestmark = pytest.mark.db

ADDRESS, FORWARDED = "198.51.100.77", "203.0.113.9"
BROWSER = "Mozilla/5.0 (MelderBrowser-7f3a)"
REPORT = {"omschrijving": "Een collega declareert reizen die niet zijn gemaakt.", "dienstonderdeel": "Douane",
          "melden_als": "anoniem"}
CAMERA, ARTIST = "CameraMerkX", "Fotograaf Piet"


@pytest.fixture
def app(db, clock):
    from api.app import create_app
    from api.settings import ApiSettings
    from engine.demo import seed

    with db.session() as s:
        seed(session=s)
    return create_app(ApiSettings(cookie_secure=True))


def _client(app) -> TestClient:
    return TestClient(app, follow_redirects=False, base_url="https://testserver", client=(ADDRESS, 50123),
                      headers={"user-agent": BROWSER, "x-forwarded-for": FORWARDED})


def _report(c: TestClient, files=None) -> str:
    """Files a report with the web form; the receipt code the reporter is shown."""
    r = c.post("/melden", data=REPORT, files=files)
    assert r.status_code == 200, r.text  # the confirmation is the form's answer: the code in no cookie or address
    assert "location" not in r.headers and r.headers["cache-control"] == "no-store"
    return re.search(r"\d{4} \d{4} \d{4} \d{4}", r.text).group(0)


def _everything_stored(db) -> str:
    """Every value of every table as the database holds it (raw SQL: encrypted columns stay encrypted), as text;
    SQLite and PostgreSQL alike."""
    from engine.models import import_all

    import_all()
    with db.session() as s:
        return "\n".join(repr(tuple(row)) for table in Base.metadata.sorted_tables
                         for row in s.execute(text(f'SELECT * FROM "{table.name}"')).all())


def test_a_public_report_leaves_no_address_browser_or_receipt_code_in_the_database(app, db):
    c = _client(app)
    code = _report(c)
    token = re.search(r'name="login_token" value="([^"]+)"', c.get("/mijn-melding").text).group(1)
    r = c.post("/mijn-melding/code", data={"ontvangstcode": code, "login_token": token})
    assert r.status_code == 303 and r.headers["location"] == "/mijn-melding"
    assert c.post("/api/v1/melder/sessie", json={"ontvangstcode": "0000 0000 0000 0000"}).status_code == 401
    stored = _everything_stored(db)
    for trace in (ADDRESS, FORWARDED, "MelderBrowser", code, code.replace(" ", "")):
        assert trace not in stored, trace
    with db.session() as s:  # the code is kept only as an Argon2id hash
        assert s.execute(text("SELECT code_hash FROM receipt_codes")).scalars().all()[-1].startswith("$argon2id$")


def _phone_photo() -> bytes:
    from PIL import Image

    exif = Image.Exif()
    exif[0x010F], exif[0x013B] = CAMERA, ARTIST
    exif[0x8825] = {1: "N", 2: (52.0, 5.0, 30.0), 3: "E", 4: (4.0, 18.0, 0.0)}
    out = io.BytesIO()
    Image.new("RGB", (40, 30), "red").save(out, "JPEG", exif=exif.tobytes())
    return out.getvalue()


def test_a_photo_in_a_document_sent_with_the_public_form_is_stored_without_its_gps(app, db):
    import docx
    from PIL import Image

    document = docx.Document()
    document.add_paragraph("De bonnetjes, gefotografeerd op het bureau.")
    document.add_picture(io.BytesIO(_phone_photo()))
    out = io.BytesIO()
    document.save(out)
    name = "bonnetjes van Piet Uniek.docx"  # a file name may name someone too: not kept, a neutral name instead
    _report(_client(app), files=[("bestand", (name, out.getvalue(), "application/octet-stream"))])
    assert "Piet Uniek" not in _everything_stored(db)
    with db.session() as s:
        row = s.scalars(select(ReporterAttachment)).one()
        content = base64.b64decode(row.content)
        assert row.filename == "bijlage-1.docx"
    with zipfile.ZipFile(io.BytesIO(content)) as z:
        photos = [z.read(n) for n in z.namelist() if n.startswith("word/media/")]
    assert len(photos) == 1 and CAMERA.encode() not in photos[0] and ARTIST.encode() not in photos[0]
    photo = Image.open(io.BytesIO(photos[0]))
    assert photo.size == (40, 30) and len(photo.getexif()) == 0 and not photo.getexif().get_ifd(0x8825)


def test_the_report_form_keeps_what_was_reported_out_of_the_browsers_form_history(app):
    """Browsers remember what was typed into text fields (form history) unless told not to: on a shared or managed
    work computer "Functie van de betrokkene: teamleider" would stay behind. The form says autocomplete="off"; the
    reporter's own name, e-mail and phone keep their purpose (WCAG 1.3.5), which overrides it per field."""
    page = _client(app).get("/melden").text
    form = re.search(r'<form[^>]*action="/melden"[^>]*>', page).group(0)
    assert 'autocomplete="off"' in form
    for field in ("wanneer", "dienstonderdeel", "betrokkene_functie"):
        tag = re.search(rf'<input[^>]*name="{field}"[^>]*>', page).group(0)
        assert "autocomplete=" not in tag or 'autocomplete="off"' in tag, tag
    for field, purpose in (("melder_naam", "name"), ("melder_email", "email"), ("melder_telefoon", "tel")):
        assert f'autocomplete="{purpose}"' in re.search(rf'<input[^>]*name="{field}"[^>]*>', page).group(0)
