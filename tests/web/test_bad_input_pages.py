"""Bad input on the server-rendered pages, the process owner's uploads and the CLI: a Dutch message that names
the field (or file) and why, never a 500 or a traceback, and nothing changed (no new version, no half step).

The JSON API is fuzzed by tests/api/test_schema_fuzz.py; these are the surfaces it does not reach.
"""
from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

pytestmark = pytest.mark.db

ROOT = Path(__file__).resolve().parents[2]
LETTER = "afsluiting_zonder_maatregel"
PASSWORD = "meldpunt-demo"


def login(demo_app, username: str) -> tuple[TestClient, str]:
    client = TestClient(demo_app, follow_redirects=False, raise_server_exceptions=False)
    r = client.post("/api/v1/auth/inloggen", json={"username": username, "password": PASSWORD})
    assert r.status_code == 200, r.text
    return client, next(v for k, v in client.cookies.items() if "csrf" in k)


def versions(db) -> int:
    from engine.processes.models import ProcessVersion

    with db.session() as s:
        return s.scalar(select(func.count(ProcessVersion.id)))


def _docx_with(document_xml_edit) -> bytes:
    source = zipfile.ZipFile(ROOT / "processes" / "letters" / f"{LETTER}.docx")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "word/document.xml":
                data = document_xml_edit(data)
            target.writestr(info.filename, data)
    return out.getvalue()


BROKEN_TEMPLATES = {
    "geen-zip": b"PK\x03\x04kapot",
    "jinja-syntaxfout": _docx_with(lambda xml: xml.replace(
        b"</w:body>", b"<w:p><w:r><w:t>{{ melder. }} {% for %}</w:t></w:r></w:p></w:body>")),
    "xml-afgebroken": _docx_with(lambda xml: xml[: len(xml) // 2]),
}


@pytest.mark.parametrize("kind", sorted(BROKEN_TEMPLATES))
def test_a_process_set_with_an_unreadable_letter_template_names_the_template(demo_app, db, kind):
    """A letter template in the process set that is no Word file, or has a broken placeholder: the check names
    the template (page, API and the engine's check alike) and nothing is deployed."""
    from engine.processes import service as processes
    from engine.processes.validation import read_process_dir

    content = BROKEN_TEMPLATES[kind]
    files = {**read_process_dir(ROOT / "processes"), f"letters/{LETTER}.docx": content}
    issues = processes.check(files=files)
    assert any(LETTER in i.message and "Sjabloon" in i.message for i in issues), [i.message for i in issues]

    before = versions(db)
    owner, csrf = login(demo_app, "procesbeheerder")
    r = owner.post("/processen", data={"csrf_token": csrf, "aanvullen": "ja", "actie": "uitrollen"},
                   files=[("bestanden", (f"{LETTER}.docx", content, "application/octet-stream"))])
    assert r.status_code == 422, (r.status_code, r.text[:300])
    assert LETTER in r.text and "Sjabloon" in r.text
    r = owner.post("/api/v1/processen/valideren", headers={"X-CSRF-Token": csrf}, files=[("bestanden", (name.split("/")[-1], data))
                                                          for name, data in files.items()])
    assert r.status_code == 200 and r.json()["geldig"] is False, (r.status_code, r.text[:300])
    assert any(LETTER in i["message"] for i in r.json()["issues"])
    assert versions(db) == before


@pytest.mark.parametrize("value", ["99999999999999999999999", "2147483648", "0", "²", "-1", "abc"])
def test_the_migration_form_refuses_a_version_number_out_of_range(demo_app, db, value):
    owner, csrf = login(demo_app, "procesbeheerder")
    r = owner.post("/processen/migratie", data={"csrf_token": csrf, "van": value, "naar": "1", "actie": "migreren"})
    assert r.status_code == 422, (r.status_code, r.text[:300])
    assert "Kies de versie" in r.text or "bestaat niet" in r.text


def _coordinator_task(demo_app, db, element: str = "ernst_en_strafbaarheid"):
    from engine.worklist.models import WorkItem

    with db.session() as s:
        item_id = s.scalar(select(WorkItem.id).where(WorkItem.element_id == element, WorkItem.state == "open"))
    client, csrf = login(demo_app, "coordinator")
    assert client.post(f"/taken/{item_id}/oppakken", data={"csrf_token": csrf}).status_code == 303
    return client, csrf, item_id


def _state(db, item_id: int) -> str:
    from engine.worklist.models import WorkItem

    with db.session() as s:
        return s.get(WorkItem, item_id).state


def test_a_file_in_place_of_a_choice_on_a_task_form_is_a_field_error_and_the_task_stays_open(demo_app, db):
    client, csrf, item_id = _coordinator_task(demo_app, db)
    data = {"csrf_token": csrf, "strafbaar_feit": "false", "strafbaar_feit_toelichting": "Geen aanwijzing."}
    files = {"ernst": ("ernst.txt", b"ernstig", "text/plain")}
    r = client.post(f"/taken/{item_id}", data=data, files=files)
    assert r.status_code == 422, (r.status_code, r.text[:300])
    assert "Het formulier is niet" in r.text and "verplicht" in r.text
    assert client.post(f"/taken/{item_id}/concept", data=data, files=files).status_code == 303
    assert _state(db, item_id) == "open"


def test_a_task_form_posted_twice_completes_the_task_once(demo_app, db):
    """A double click or a resubmitted page: the second post shows the task as done by them, with a Dutch notice
    that the form was not processed again (not an error page that makes them wonder whether it went through), no
    second step."""
    from engine.worklist.models import WorkItem

    client, csrf, item_id = _coordinator_task(demo_app, db)
    data = {"csrf_token": csrf, "ernst": "ernstig", "strafbaar_feit": "false",
            "strafbaar_feit_toelichting": "Geen aanwijzing voor een ambtsmisdrijf.", "onbekend_veld": "genegeerd"}
    assert client.post(f"/taken/{item_id}", data=data).status_code == 200
    r = client.post(f"/taken/{item_id}", data=data)
    assert r.status_code == 303 and r.headers["location"].startswith(f"/taken/{item_id}?")
    page = client.get(r.headers["location"])
    assert page.status_code == 200 and "Deze taak had u al afgerond; het formulier is niet nog eens verwerkt." in page.text
    assert "(afgerond)" in page.text  # the read-only page of what was recorded
    with db.session() as s:
        case_id = s.get(WorkItem, item_id).case_id
        items = [i.element_id for i in s.scalars(select(WorkItem).where(WorkItem.case_id == case_id))]
    assert len(items) == len(set(items)), items  # no task twice


def _user_id(db, username: str) -> int:
    from engine.identity.models import User

    with db.session() as s:
        return s.scalar(select(User.id).where(User.username == username))


# (who, address, form); {value} is the bad number, {medewerker} the id of the demo employee
NUMBER_FIELDS = [
    ("auditor", "/audit?zaak={value}", None),
    ("auditor", "/audit?vanaf={value}", None),
    ("coordinator", "/gebruikers/{medewerker}/afwezigheden", {"van": "2026-12-07", "tot": "2026-12-11", "vervanger": "{value}"}),
    ("coordinator", "/gebruikers/{medewerker}/werk-overdragen", {"naar": "{value}", "reden": "Langdurig afwezig."}),
    ("beheerder", "/gebruikers", {"gebruikersnaam": "nieuw", "naam": "Nieuwe Medewerker", "leidinggevende": "{value}",
                                  "rollen": "medewerker", "wachtwoord": "een-lang-wachtwoord-2026",
                                  "wachtwoord_herhaald": "een-lang-wachtwoord-2026"}),
    ("beheerder", "/dienstonderdelen", {"naam": "Douane", "medewerkers": "{value}"}),
    ("beheerder", "/dienstonderdelen", {"naam": "Douane", "directeur": "{value}"}),
    ("dlso", "/risicofuncties/functiehouders", {"medewerker": "medewerker", "functie": "{value}", "sinds": "2026-01-01"}),
    ("coordinator", "/zaken/2/onthullingen", {"ontvanger_id": "{value}", "reden": "Nodig voor het onderzoek."}),
]


@pytest.mark.parametrize("value", ["²", "99999999999999999999999"])
@pytest.mark.parametrize("who,address,form", NUMBER_FIELDS, ids=[
    f"{w}:{a.split('?')[0]}:" + (next(k for k, v in f.items() if v == "{value}") if f else a.split("?")[1].split("=")[0])
    for w, a, f in NUMBER_FIELDS])
def test_a_number_that_is_no_number_is_a_dutch_field_error(demo_app, db, who, address, form, value):
    """'²' passes str.isdigit but not int(); 10^22 is beyond any database id: both are a field error."""
    from engine.audit.models import AuditEvent

    client, csrf = login(demo_app, who)
    address = address.format(value=value, medewerker=_user_id(db, "medewerker"))
    with db.session() as s:
        before = s.scalar(select(func.count(AuditEvent.id)))
    if form is None:
        r = client.get(address)
        assert r.status_code in (200, 422), (r.status_code, r.text[:300])
    else:
        r = client.post(address, data={"csrf_token": csrf, **{k: v.format(value=value) for k, v in form.items()}})
        assert r.status_code == 422, (r.status_code, r.text[:300])
        with db.session() as s:
            assert s.scalar(select(func.count(AuditEvent.id))) == before  # nothing written
    assert "Interne fout" not in r.text and '<html lang="nl"' in r.text
