"""Anonymous reporting round trip over HTTP, the known reporter, attachments, and identity reveal."""
from __future__ import annotations

import hashlib
import io

import pytest
from sqlalchemy import select, text

from api.deps import CSRF_HEADER, REPORTER_COOKIE_SECURE
from engine.audit.models import AuditEvent
from engine.cases.models import Case
from tests.api.conftest import REPORTER_NAME, UNIT

pytestmark = pytest.mark.db

PUBLIC = {"categorie": "Financiële schendingen", "omschrijving": "Mijn leidinggevende declareert reizen die niet zijn gemaakt.",
          "dienstonderdeel": UNIT}


def _pdf_with_author() -> bytes:
    import pikepdf

    pdf = pikepdf.new()
    pdf.add_blank_page()
    pdf.docinfo["/Author"] = "Piet Pdf"
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()


def _complete(c, world, who, element, case_id, data):
    items = c.get("/api/v1/taken/onverdeeld", headers=world.h(who)).json()
    item = next(i for i in items if i["zaak_id"] == case_id and i["element_id"] == element)
    assert c.post(f"/api/v1/taken/{item['id']}/claimen", headers=world.h(who)).status_code == 200
    r = c.post(f"/api/v1/taken/{item['id']}/afronden", headers=world.h(who), json={"gegevens": data})
    assert r.status_code == 200, r.text
    return r.json()


def test_anonymous_round_trip(world, db, caplog):
    c = world.client
    r = c.post("/api/v1/publiek/meldingen", json=PUBLIC)
    assert r.status_code == 201, r.text
    code = r.json()["ontvangstcode"]
    assert len(code.replace(" ", "")) == 16
    assert "zaak_id" not in r.json() and "zaaknummer" not in r.json()  # what the web form shows her: no case number
    assert r.json()["mijn_melding"] == "/mijn-melding"
    with db.session() as s:
        case_id = s.scalar(select(Case.id).order_by(Case.id.desc()).limit(1))
        # the code is nowhere in the database or the audit trail
        dump = " ".join(str(row) for row in s.execute(text("SELECT details FROM audit_events")).all())
    assert code.replace(" ", "") not in dump and code not in dump
    assert code not in caplog.text and code.replace(" ", "") not in caplog.text

    # the desk (coordinator of the unit) writes to the anonymous reporter
    r = c.post(f"/api/v1/zaken/{case_id}/berichten", headers=world.h("integriteitscoordinator"),
               json={"tekst": "Wanneer vond dit plaats?"})
    assert r.status_code == 201, r.text

    # the reporter opens a session with the receipt code, reads and answers
    r = c.post("/api/v1/melder/sessie", json={"ontvangstcode": code})
    assert r.status_code == 200, r.text
    csrf = r.json()["csrf_token"]
    assert REPORTER_COOKIE_SECURE in c.cookies
    status = c.get("/api/v1/melder/melding").json()
    assert status["ontvangst_bevestigd"] is False and status["ongelezen_berichten"] == 1
    msgs = c.get("/api/v1/melder/berichten").json()
    assert [m["tekst"] for m in msgs] == ["Wanneer vond dit plaats?"]
    assert c.post("/api/v1/melder/berichten", json={"tekst": "In maart."}).status_code == 403  # no CSRF token
    r = c.post("/api/v1/melder/berichten", json={"tekst": "In maart, op kantoor."}, headers={CSRF_HEADER: csrf})
    assert r.status_code == 201, r.text
    # attachments: safe names, allowed types only
    r = c.post("/api/v1/melder/bijlagen", headers={CSRF_HEADER: csrf},
               files={"bestand": ("../../etc/passwd.txt", b"root", "text/plain")})
    assert r.status_code == 422
    r = c.post("/api/v1/melder/bijlagen", headers={CSRF_HEADER: csrf},
               files={"bestand": ("script.exe", b"MZ...", "application/octet-stream")})
    assert r.status_code == 422
    r = c.post("/api/v1/melder/bijlagen", headers={CSRF_HEADER: csrf},  # not a readable PDF: refused, not stored
               files={"bestand": ("bonnetjes.pdf", b"%PDF-1.4 test", "application/pdf")})
    assert r.status_code == 422 and "kon niet worden gelezen als pdf" in r.text
    r = c.post("/api/v1/melder/bijlagen", headers={CSRF_HEADER: csrf},
               files={"bestand": ("bonnetjes.pdf", _pdf_with_author(), "application/pdf")})
    assert r.status_code == 201, r.text
    saved_cookies = dict(c.cookies)
    c.cookies.clear()

    # the desk sees the answer and the attachment
    desk = c.get(f"/api/v1/zaken/{case_id}/berichten", headers=world.h("integriteitscoordinator")).json()
    assert [m["richting"] for m in desk] == ["naar_melder", "van_melder"]
    att = c.get(f"/api/v1/zaken/{case_id}/bijlagen", headers=world.h("integriteitscoordinator")).json()
    r = c.get(f"/api/v1/zaken/{case_id}/bijlagen/{att[0]['id']}", headers=world.h("integriteitscoordinator"))
    # stored without the document information (issue 23: metadata removed before storage)
    assert r.content.startswith(b"%PDF-") and b"Piet Pdf" not in r.content
    assert hashlib.sha256(r.content).hexdigest() == r.headers["x-content-sha256"] == att[0]["sha256"]

    # the desk registers the report and acknowledges receipt: visible to the reporter
    _complete(c, world, "meldpunt", "melding_registreren", case_id, {
        "kanaal": "anoniem", "melder_soort": "anoniem", "melder_anoniem": True, "via_vertrouwenspersoon": False,
        "datum_melding": "2026-11-02", "categorie": "Financiële schendingen", "subcategorie": "fraude",
        "omschrijving": PUBLIC["omschrijving"], "dienstonderdeel": UNIT, "betrokkene_persoon": "extern/onbekend",
        "risicofunctie": "geen", "melding_compleet": True})
    _complete(c, world, "meldpunt", "ontvangst_bevestigen", case_id, {"ontvangstbevestiging_via": "email"})
    c.cookies.update(saved_cookies)
    status = c.get("/api/v1/melder/melding").json()
    assert status["ontvangst_bevestigd"] is True, status
    c.cookies.clear()

    # a wrong receipt is refused (same answer as unknown) and the limiter locks the client out
    codes = []
    for _ in range(7):
        codes.append(c.post("/api/v1/melder/sessie", json={"ontvangstcode": "0000 0000 0000 0000"}).status_code)
    assert codes[0] == 401 and codes[-1] == 429, codes
    assert c.post("/api/v1/melder/sessie", json={"ontvangstcode": code}).status_code == 429  # even the right one

    with db.session() as s:
        actions = set(s.scalars(select(AuditEvent.action).where(AuditEvent.case_id == case_id)))
    assert {"report.submitted", "message.to_reporter", "message.from_reporter", "attachment.added",
            "messages.read", "attachment.read", "task.completed"} <= actions


def test_public_reports_are_rate_limited(world):
    c = world.client
    statuses = [c.post("/api/v1/publiek/meldingen", json=PUBLIC).status_code for _ in range(12)]
    assert statuses[:10] == [201] * 10 and statuses[-1] == 429
    r = c.post("/api/v1/publiek/meldingen", json={**PUBLIC, "melder_naam": "X"})
    assert r.status_code in (422, 429)


def test_public_form_refuses_bad_input(world):
    c = world.client
    assert c.post("/api/v1/publiek/meldingen", json={**PUBLIC, "melder_naam": "X"}).status_code == 422
    assert c.post("/api/v1/publiek/meldingen", json={**PUBLIC, "datum_voorval": "9999-01-01"}).status_code == 422
    assert c.post("/api/v1/publiek/meldingen", content=b"{", headers={"content-type": "application/json"}).status_code == 400


def test_known_reporter_reads_and_answers(world, db):
    c = world.client
    r = c.post(f"/api/v1/zaken/{world.case_a}/berichten", headers=world.h("meldpunt"), json={"tekst": "Een vraag."})
    assert r.status_code == 201
    msgs = c.get(f"/api/v1/mijn-meldingen/{world.case_a}/berichten", headers=world.h("melder")).json()
    assert [m["tekst"] for m in msgs] == ["Een vraag."]
    r = c.post(f"/api/v1/mijn-meldingen/{world.case_a}/berichten", headers=world.h("melder"), json={"tekst": "Antwoord."})
    assert r.status_code == 201
    assert c.get(f"/api/v1/mijn-meldingen/{world.case_b}/berichten", headers=world.h("melder")).status_code == 404
    r = c.post(f"/api/v1/mijn-meldingen/{world.case_a}/bijlagen", headers=world.h("melder"),
               files={"bestand": ("notitie.txt", "Aanvulling: het ging om maart.".encode(), "text/plain")})
    assert r.status_code == 201, r.text
    assert [a["bestandsnaam"] for a in c.get(f"/api/v1/mijn-meldingen/{world.case_a}/bijlagen",
                                             headers=world.h("melder")).json()] == ["bijlage-1.txt"]  # her name dropped
    assert c.get(f"/api/v1/mijn-meldingen/{world.case_a}/bijlagen", headers=world.h("onderzoeker")).status_code == 404
    import base64
    with db.engine.connect() as conn:
        raw = conn.execute(text("SELECT content FROM reporter_attachments")).scalar_one()
    assert raw.startswith("v1:") and "maart" not in raw
    assert base64.b64encode("Aanvulling: het ging om maart.".encode()).decode() not in raw


def test_identity_reveal_needs_coordinator_approval_and_prior_notice(world, db):
    c = world.client
    a = world.case_a
    onderzoeker = world.users["onderzoeker"]
    r = c.post(f"/api/v1/zaken/{a}/onthullingen", headers=world.h("integriteitscoordinator"),
               json={"ontvanger_id": onderzoeker, "reden": "De melder moet als getuige worden gehoord."})
    assert r.status_code == 201, r.text
    rid = r.json()["id"]
    # not yet effective
    assert c.get(f"/api/v1/zaken/{a}", headers=world.h("onderzoeker")).json()["melder"]["identiteit"] is None
    # the requester may not approve their own request; an investigator may not decide at all
    assert c.post(f"/api/v1/zaken/{a}/onthullingen/{rid}/besluit", headers=world.h("integriteitscoordinator"),
                  json={"goedkeuren": True}).status_code == 403
    assert c.post(f"/api/v1/zaken/{a}/onthullingen/{rid}/besluit", headers=world.h("onderzoeker"),
                  json={"goedkeuren": True}).status_code == 403
    r = c.post(f"/api/v1/zaken/{a}/onthullingen/{rid}/besluit", headers=world.h("coordinator2"),
               json={"goedkeuren": True, "toelichting": "Noodzakelijk."})
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "goedgekeurd" and r.json()["melder_geinformeerd_op"]
    # the reporter was told in writing, with the reason
    msgs = c.get(f"/api/v1/mijn-meldingen/{a}/berichten", headers=world.h("melder")).json()
    assert any("getuige" in m["tekst"] and "identiteit" in m["tekst"] for m in msgs)
    detail = c.get(f"/api/v1/zaken/{a}", headers=world.h("onderzoeker")).json()
    assert detail["melder"]["identiteit"]["melder_naam"] == REPORTER_NAME
    # deciding twice is a conflict; other investigators still see a pseudonym
    assert c.post(f"/api/v1/zaken/{a}/onthullingen/{rid}/besluit", headers=world.h("coordinator2"),
                  json={"goedkeuren": False}).status_code == 409
    assert REPORTER_NAME not in c.get(f"/api/v1/zaken/{a}", headers=world.h("jurist")).text
    with db.session() as s:
        events = list(s.scalars(select(AuditEvent.action).where(AuditEvent.case_id == a).order_by(AuditEvent.id)))
    i = events.index("identity.reporter_informed")
    assert events.index("identity.reveal_requested") < i < events.index("identity.reveal_approved")
    assert "identity.read" in events[i:]


def _reveal(c, world, case_id, reason="De melder moet als getuige worden gehoord."):
    r = c.post(f"/api/v1/zaken/{case_id}/onthullingen", headers=world.h("integriteitscoordinator"),
               json={"ontvanger_id": world.users["onderzoeker"], "reden": reason})
    assert r.status_code == 201, r.text
    return r.json()["id"], c.post(f"/api/v1/zaken/{case_id}/onthullingen/{r.json()['id']}/besluit",
                                  headers=world.h("coordinator2"), json={"goedkeuren": True})


def test_reveal_letter_is_in_the_case_file_and_with_the_known_reporter(world, db):
    import io

    from docx import Document

    c, a = world.client, world.case_a
    rid, r = _reveal(c, world, a)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["brief_id"] and body["melder_geinformeerd_op"]
    # in the case file, for those who may see the identity
    docs = c.get(f"/api/v1/zaken/{a}/documenten", headers=world.h("integriteitscoordinator")).json()
    letter = next(d for d in docs if d["id"] == body["brief_id"])
    assert (letter["sjabloon"], letter["ontvanger"]) == ("kennisgeving_bekendmaking_identiteit", "melder")
    assert letter["opgesteld_op"] <= body["melder_geinformeerd_op"]
    # the reporter lists and downloads it; bytes match the recorded hash
    mine = c.get(f"/api/v1/mijn-meldingen/{a}/brieven", headers=world.h("melder")).json()
    assert [m["id"] for m in mine] == [body["brief_id"]]
    r = c.get(f"/api/v1/mijn-meldingen/{a}/brieven/{body['brief_id']}", headers=world.h("melder"))
    assert r.status_code == 200 and r.headers["x-content-sha256"] == letter["sha256"]
    import hashlib
    assert hashlib.sha256(r.content).hexdigest() == letter["sha256"]
    text = "\n".join(p.text for p in Document(io.BytesIO(r.content)).paragraphs)
    assert "Geachte heer/mevrouw Geheimnaam," in text and "getuige" in text and "in de rol van onderzoeker" in text
    assert "B. Betrokkene" not in text and "Onderzoeker" not in text  # no subject, grantee by role only
    # nobody else gets it through the reporter paths; letters to others are not in the reporter's list
    assert c.get(f"/api/v1/mijn-meldingen/{a}/brieven", headers=world.h("onderzoeker")).status_code == 404
    assert c.get(f"/api/v1/mijn-meldingen/{a}/brieven/{body['brief_id']}",
                 headers=world.h("jurist")).status_code == 404
    with db.session() as s:
        events = list(s.scalars(select(AuditEvent.action).where(AuditEvent.case_id == a).order_by(AuditEvent.id)))
    assert events.index("identity.reporter_letter") < events.index("identity.reveal_approved")
    assert "document.read" in events


def test_reveal_is_refused_and_rolled_back_when_the_letter_cannot_be_made(world, db):
    c, a = world.client, world.case_a
    rid, r = _reveal(c, world, a, reason="B. Betrokkene wil weten wie hem heeft gemeld.")
    assert r.status_code == 422, r.text
    problem = r.json()
    # the leak guard for the reporter refuses it, naming the field; the name itself is not repeated
    assert problem["type"].endswith("/not-in-general-terms") and "B. Betrokkene" not in r.text
    assert [e["field"] for e in problem["errors"]] == ["bekendmaking_reden"]
    # nothing took effect: request still open, no letter, no message, identity hidden
    reveals = c.get(f"/api/v1/zaken/{a}/onthullingen", headers=world.h("integriteitscoordinator")).json()
    assert [(x["id"], x["status"], x["melder_geinformeerd_op"], x["brief_id"]) for x in reveals] == [
        (rid, "aangevraagd", None, None)]
    assert c.get(f"/api/v1/zaken/{a}", headers=world.h("onderzoeker")).json()["melder"]["identiteit"] is None
    assert c.get(f"/api/v1/mijn-meldingen/{a}/berichten", headers=world.h("melder")).json() == []
    assert c.get(f"/api/v1/mijn-meldingen/{a}/brieven", headers=world.h("melder")).json() == []


def test_anonymous_reporter_reads_the_reveal_letter_with_the_receipt_code(world, db):
    from tests.factories import bind_to_slot

    c = world.client
    r = c.post("/api/v1/publiek/meldingen", json=PUBLIC)
    assert r.status_code == 201, r.text
    code = r.json()["ontvangstcode"]
    with db.session() as s:
        case_id = s.scalar(select(Case.id).order_by(Case.id.desc()).limit(1))
        bind_to_slot(s, case_id=case_id, user_id=world.users["onderzoeker"], role="onderzoeker",
                     slot="test_onderzoeker")
    rid, r = _reveal(c, world, case_id)
    assert r.status_code == 200, r.text
    letter_id = r.json()["brief_id"]
    assert c.post("/api/v1/melder/sessie", json={"ontvangstcode": code}).status_code == 200
    assert [m["id"] for m in c.get("/api/v1/melder/brieven").json()] == [letter_id]
    r = c.get(f"/api/v1/melder/brieven/{letter_id}")
    assert r.status_code == 200
    import io

    from docx import Document
    text = "\n".join(p.text for p in Document(io.BytesIO(r.content)).paragraphs)
    assert "Geachte melder," in text and "anonieme meldportaal" in text
    assert code not in text and code.replace(" ", "") not in text
    assert any("brief" in m["tekst"] for m in c.get("/api/v1/melder/berichten").json())
    # another case's letter is not reachable with this receipt code
    assert c.get(f"/api/v1/melder/brieven/{letter_id + 1000}").status_code == 404


def test_anonymous_reporter_sees_the_acknowledgement_term_right_after_submitting(world, clock):
    """The 7-day acknowledgement term (EU directive 2019/1937 art. 9) runs from receipt, not from registration:
    the reporter sees it at once. Received Friday 18 December 2026: 7 days end on Eerste Kerstdag, so by the
    Algemene termijnenwet the last day is Monday 28 December 2026 (the date the page shows after registration)."""
    from datetime import datetime, timezone

    clock.set(datetime(2026, 12, 18, 9, 0, tzinfo=timezone.utc))
    c = world.client
    r = c.post("/api/v1/publiek/meldingen", json=PUBLIC)
    assert r.status_code == 201, r.text
    assert c.post("/api/v1/melder/sessie", json={"ontvangstcode": r.json()["ontvangstcode"]}).status_code == 200
    terms = c.get("/api/v1/melder/melding").json()["termijnen"]
    assert {"uiterlijk_op": "2026-12-28", "wat": "een bevestiging dat uw melding is ontvangen",
            "tekst": "U krijgt uiterlijk 28 december 2026 een bevestiging dat uw melding is ontvangen."} in terms
