"""A process owner checks and previews an edited letter template over the API (issue 19): the same check as
deployment (Word's internals, placeholders against the sample case from the form schemas, the recipient's
allow-list), then the letter rendered with the sample case as PDF (LibreOffice) or HTML. Nothing is stored."""
from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from documents.build_templates import build
from documents.pdf import pdf_available
from engine.processes.models import ProcessVersion

pytestmark = pytest.mark.db

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _template(extra: str | None = None) -> bytes:
    from docx import Document

    from documents.render import normalise_docx

    raw = build("ontvangstbevestiging")
    if extra is None:
        return raw
    doc = Document(io.BytesIO(raw))
    doc.add_paragraph(extra)
    buf = io.BytesIO()
    doc.save(buf)
    return normalise_docx(buf.getvalue())


def _post(world, what: str, content: bytes, role: str = "procesbeheerder", letter: str = "ontvangstbevestiging"):
    return world.client.post(f"/api/v1/processen/brieven/{letter}/{what}", headers=world.h(role),
                             files=[("sjabloon", ("ontvangstbevestiging.docx", content, DOCX))])


def test_check_and_preview_an_edited_template(world, db):
    with db.session() as s:
        before = s.scalar(select(func.count(ProcessVersion.id)))
    edited = _template("Wij wijzen u graag op de vertrouwenspersoon van {{ organisatie.naam }}.")
    r = _post(world, "controleren", edited)
    assert r.status_code == 200, r.text
    assert r.json() == {"geldig": True, "issues": []}

    r = _post(world, "voorbeeld", edited)
    assert r.status_code == 200, r.text
    if pdf_available():
        assert r.headers["content-type"] == "application/pdf" and r.content[:4] == b"%PDF"
    else:
        assert r.headers["content-type"].startswith("text/html")
        text = r.text
        assert "Wij wijzen u graag op de vertrouwenspersoon van" in text and "Geachte mevrouw" in text
        assert "{{" not in text
    with db.session() as s:
        assert s.scalar(select(func.count(ProcessVersion.id))) == before  # nothing deployed


def test_preview_as_html_without_libreoffice(world, monkeypatch):
    from documents import pdf

    monkeypatch.setattr(pdf.shutil, "which", lambda name: None)
    r = _post(world, "voorbeeld", _template())
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert "Voorbeeld: Ontvangstbevestiging melding" in r.text
    assert "bevestig ik de ontvangst van uw melding" in r.text


def test_a_bad_template_is_refused_naming_what_was_found(world):
    r = _post(world, "controleren", _template("Uw contactpersoon is {{ contactpersoon_meldpunt }}."))
    assert r.status_code == 200 and r.json()["geldig"] is False
    assert any("placeholder 'contactpersoon_meldpunt' bestaat niet" in i["message"]
               and i["file"] == "letters/ontvangstbevestiging.docx" for i in r.json()["issues"]), r.json()
    r = _post(world, "controleren", _template("Aan {{ betrokkene_naam }}."))  # confidential for the reporter
    assert any("betrokkene_naam" in i["message"] and "niet beschikbaar" in i["message"] for i in r.json()["issues"])
    r = _post(world, "voorbeeld", b"geen Word")
    assert r.status_code == 422 and r.headers["content-type"].startswith("application/problem+json")
    assert "geen leesbaar Word-document" in r.text
    r = _post(world, "controleren", _template(), letter="bestaat_niet")
    assert r.json()["geldig"] is False and "staat niet in letters.json" in r.json()["issues"][0]["message"]


def test_only_the_process_owner(world):
    assert _post(world, "controleren", _template(), role="integriteitscoordinator").status_code == 403
    assert _post(world, "voorbeeld", _template(), role="onderzoeker").status_code == 403
