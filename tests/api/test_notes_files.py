"""Issue 23 over the API: internal notes (handlers only, author's short edit window, audited) and files both ways
(metadata removed before storage, encrypted at rest, who may read which). Real app, engine and database."""
from __future__ import annotations

import base64
import io
import json
import zipfile
from datetime import timedelta

import pytest
from sqlalchemy import select, text

from engine.audit.models import AuditEvent
from engine.cases.reveal_models import CaseNote, ReporterAttachment

pytestmark = pytest.mark.db

NOTE = "Getuige pas na de vakantie bereikbaar; horen gepland in week 3."
AUTHOR = "Jan Schrijver"


def gps_jpeg() -> bytes:
    from PIL import Image

    img = Image.new("RGB", (48, 32), "green")
    exif = Image.Exif()
    exif[0x010F] = "Canon"
    exif[0x8825] = {1: "N", 2: (52.0, 22.0, 1.5), 3: "E", 4: (4.0, 53.0, 2.0)}
    out = io.BytesIO()
    img.save(out, "JPEG", exif=exif.tobytes())
    return out.getvalue()


def authored_docx() -> bytes:
    import docx

    d = docx.Document()
    d.add_paragraph("Verslag van het gesprek.")
    d.core_properties.author = AUTHOR
    d.core_properties.last_modified_by = AUTHOR
    d.core_properties.comments = "Concept van " + AUTHOR
    out = io.BytesIO()
    d.save(out)
    return out.getvalue()


def assert_clean(content: bytes, filename: str) -> None:
    """The stored bytes carry no GPS/EXIF (images) or author (Office files)."""
    if filename.endswith(".jpg"):
        from PIL import Image

        img = Image.open(io.BytesIO(content))
        assert len(img.getexif()) == 0 and not img.getexif().get_ifd(0x8825)
        assert b"Canon" not in content and b"Exif" not in content
    else:
        import docx

        props = docx.Document(io.BytesIO(content)).core_properties
        assert props.author == "" and props.last_modified_by == "" and props.comments == ""
        with zipfile.ZipFile(io.BytesIO(content)) as z:
            assert not any(AUTHOR.encode() in z.read(n) for n in z.namelist())


def stored(db, file_id: int) -> bytes:
    with db.session() as s:
        raw = s.execute(text("SELECT content FROM reporter_attachments WHERE id = :i"), {"i": file_id}).scalar()
        assert raw.startswith("v1:")  # encrypted at rest
        return base64.b64decode(s.get(ReporterAttachment, file_id).content)


def test_internal_notes_are_for_the_handlers_only(world, db, clock):
    c, case = world.client, world.case_a
    r = c.post(f"/api/v1/zaken/{case}/notities", headers=world.h("integriteitscoordinator"), json={"tekst": NOTE})
    assert r.status_code == 201, r.text
    note = r.json()
    assert note["auteur"] == "Integriteitscoordinator" and note["te_wijzigen_tot"]
    # the case's handlers read it; its reporter, subject and subject's manager (who hold roles!) do not
    r = c.get(f"/api/v1/zaken/{case}/notities", headers=world.h("hr_adviseur"))
    assert r.status_code == 200 and [n["tekst"] for n in r.json()] == [NOTE]
    assert r.json()[0]["te_wijzigen_tot"] is None  # not hers to edit
    for who in ("melder", "betrokkene", "leidinggevende"):
        assert c.get(f"/api/v1/zaken/{case}/notities", headers=world.h(who)).status_code == 404
        assert c.post(f"/api/v1/zaken/{case}/notities", headers=world.h(who),
                      json={"tekst": "x"}).status_code == 404
    # the reporter's own channel does not carry it
    for path in ("", "/berichten", "/bijlagen", "/brieven"):
        r = c.get(f"/api/v1/mijn-meldingen/{case}{path}", headers=world.h("melder"))
        assert r.status_code == 200 and NOTE not in r.text
    # only the author edits, only for a short while
    url = f"/api/v1/zaken/{case}/notities/{note['id']}"
    assert c.put(url, headers=world.h("hr_adviseur"), json={"tekst": "Anders."}).status_code == 403
    r = c.put(url, headers=world.h("integriteitscoordinator"), json={"tekst": NOTE + " Bevestigd."})
    assert r.status_code == 200 and r.json()["gewijzigd_op"]
    assert c.put(url, headers=world.h("integriteitscoordinator"), json={"tekst": " "}).status_code == 422
    clock.set(clock.now() + timedelta(minutes=15))
    r = c.put(url, headers=world.h("integriteitscoordinator"), json={"tekst": "Te laat."})
    assert r.status_code == 409 and "15 minuten" in r.json()["detail"]
    with db.session() as s:
        assert s.scalar(select(CaseNote.text)) == NOTE + " Bevestigd."
        raw = s.execute(text("SELECT text FROM case_notes")).scalar()
        assert raw.startswith("v1:") and "vakantie" not in raw  # encrypted at rest
        events = list(s.scalars(select(AuditEvent).where(AuditEvent.case_id == case,
                                                         AuditEvent.action.like("note.%"))))
    assert {e.action for e in events} == {"note.added", "note.edited"}
    assert not any("vakantie" in json.dumps(e.details) for e in events)  # the audit names the note, not its text
    # the case-list export does not carry it
    r = c.get("/api/v1/zaken/export", headers=world.h("integriteitscoordinator"), params={"formaat": "csv"})
    assert NOTE not in r.text


@pytest.mark.parametrize("filename,content", [("foto.jpg", gps_jpeg()), ("verslag.docx", authored_docx())])
def test_files_both_ways_are_stored_without_metadata(world, db, filename, content):
    c, case = world.client, world.case_a
    # the handler adds minutes / evidence
    r = c.post(f"/api/v1/zaken/{case}/bestanden", headers=world.h("onderzoeker"),
               files={"bestand": (filename, content, "application/octet-stream")}, data={"soort": "bewijs"})
    assert r.status_code == 201, r.text
    handler_file = r.json()
    assert handler_file["bron"] == "behandelaar" and handler_file["metadata_verwijderd"]
    removed = " ".join(handler_file["metadata_verwijderd"])
    assert ("GPS-locatie" in removed) if filename.endswith(".jpg") else ("auteur" in removed)
    assert_clean(stored(db, handler_file["id"]), filename)
    # the reporter adds one from her own channel
    r = c.post(f"/api/v1/mijn-meldingen/{case}/bijlagen", headers=world.h("melder"),
               files={"bestand": (filename, content, "application/octet-stream")})
    assert r.status_code == 201, r.text
    reporter_file = r.json()["id"]
    assert_clean(stored(db, reporter_file), filename)
    # who reads which: the handler's file for the case's people, the reporter's for the identity-authorised
    r = c.get(f"/api/v1/zaken/{case}/bestanden", headers=world.h("hr_adviseur"))
    assert [f["id"] for f in r.json()] == [handler_file["id"]]
    r = c.get(f"/api/v1/zaken/{case}/bestanden", headers=world.h("integriteitscoordinator"))
    assert {f["id"] for f in r.json()} == {handler_file["id"], reporter_file}
    r = c.get(f"/api/v1/zaken/{case}/bestanden/{handler_file['id']}", headers=world.h("hr_adviseur"))
    assert r.status_code == 200
    assert_clean(r.content, filename)
    assert c.get(f"/api/v1/zaken/{case}/bestanden/{reporter_file}",
                 headers=world.h("hr_adviseur")).status_code == 404
    assert c.get(f"/api/v1/zaken/{case}/bestanden/{handler_file['id']}",
                 headers=world.h("betrokkene")).status_code == 404
    # the reporter's channel lists only her own files
    r = c.get(f"/api/v1/mijn-meldingen/{case}/bijlagen", headers=world.h("melder"))
    assert [f["id"] for f in r.json()] == [reporter_file]


def test_file_limits_answer_in_dutch_and_store_nothing(world, db):
    c, case = world.client, world.case_a
    h = world.h("onderzoeker")
    cases = [({"bestand": ("x.exe", b"MZ\x90", "application/octet-stream")}, {"soort": "bewijs"}, "niet toegestaan"),
             ({"bestand": ("foto.jpg", b"\xff\xd8\xffnot really", "image/jpeg")}, {"soort": "bewijs"},
              "kon niet worden gelezen"),
             ({"bestand": ("a.txt", b"tekst", "text/plain")}, {"soort": "geheim"}, "Kies wat voor bestand"),
             ({"bestand": ("leeg.pdf", b"", "application/pdf")}, {"soort": "verslag"}, "leeg")]
    for files, data, message in cases:
        r = c.post(f"/api/v1/zaken/{case}/bestanden", headers=h, files=files, data=data)
        assert r.status_code == 422 and message in r.text, r.text
    with db.session() as s:
        assert s.scalar(select(ReporterAttachment.id)) is None
