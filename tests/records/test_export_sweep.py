"""Outside-in sweep over what the product hands out as files or bulk data: not one of them carries the reporter's
identity (name, e-mail, phone, address) or a receipt code, except what is addressed to the reporter.

One case through the real process (fact-finding investigation with a witness, closed with a measure) with
distinctive values; then every export a case worker, the auditor or a party can get is read back as text (inside
.docx, .xlsx and .zip too) and searched: the letters to everyone but the reporter, the case list (CSV and XLSX),
the annual annex and the Woo overview (CSV and Word), the dashboard, the audit trail and the access-request
answers to the subject and to the witness."""
from __future__ import annotations

import io
import json
import zipfile
from datetime import date

import pytest
from sqlalchemy import select

from documents.render import docx_text
from engine.identity.models import User

pytestmark = pytest.mark.db

REPORTER, MAIL, PHONE = "Ottoline Quarlesvanufford", "o.quarles@melder.example", "06-91827364"
ADDRESS = "Zwaluwstraat 77, Winsum"
SUBJECT, WITNESS = "Hidde Wolkenveld", "Ilse Bruinvisch"


def _user(s, name: str) -> User:
    return s.scalar(select(User).where(User.username == name))


def _parts(content: bytes) -> str:
    """Every part of a zip-based file (.docx, .xlsx, .zip, nested) as raw text: body, headers, properties."""
    with zipfile.ZipFile(io.BytesIO(content)) as z:
        raw = [z.read(n) for n in z.namelist()]
    return "\n".join(_parts(r) if r[:2] == b"PK" else r.decode("utf-8", "replace") for r in raw)


def _xlsx_text(content: bytes) -> str:
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(content))
    return "\n".join(str(c.value) for sheet in book for row in sheet.iter_rows() for c in row if c.value is not None)


def _zip_text(content: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(content)) as z:
        return "\n".join(docx_text(z.read(n)) if n.endswith(".docx") else z.read(n).decode() for n in z.namelist())


@pytest.fixture
def closed(db, clock):
    from engine.cases import confidential, field_classes
    from engine.identity.receipts import issue_receipt
    from tests.process.driver import run_scenario
    from tests.process.engine_driver import EngineDriver
    from tests.process.scenarios import DEFAULTS, FEITENONDERZOEK, with_

    driver = EngineDriver(db, clock)
    driver.trail = []
    today = DEFAULTS["melding_registreren"]["datum_melding"]
    answers = with_(FEITENONDERZOEK, {
        "melding_registreren": {"melder_naam": REPORTER, "melder_email": MAIL, "melder_telefoon": PHONE,
                                "melder_adres": ADDRESS, "betrokkene_naam": SUBJECT,
                                "omschrijving": f"Ik, {REPORTER} ({PHONE}), zag dat {SUBJECT} reizen declareerde."},
        "onderzoek_starten": {"getuigen_horen_nodig": True},
        "getuigen_horen": {"getuigenverhoren": [{"getuige": WITNESS, "datum": today,
                                                 "verslag": f"{SUBJECT} was die dag niet op kantoor."}]},
        "zaak_registreren": {"uitkomst": "aangetoond", "soort_onderzoek": "feitenonderzoek_intern",
                             "afdoeningen": ["Beëindiging dienstverband"],
                             "inhoud_geanonimiseerd": "Medewerker declareerde reizen die niet zijn gemaakt."},
    })
    run_scenario(driver, answers, DEFAULTS, {})
    assert driver.finished()
    with db.session() as s:
        field_classes.redact(session=s, user=_user(s, "meldpunt1"), case_id=driver.case_id, name="omschrijving",
                             text=f"Een collega zag dat {SUBJECT} reizen declareerde.")
        code, _ = issue_receipt(session=s, case_id=driver.case_id)
        assert confidential.read(s, case_id=driver.case_id)["melder_telefoon"] == PHONE
    return driver.case_id, code


def _needles(code: str) -> list[str]:
    return [REPORTER, "Quarlesvanufford", "Ottoline", MAIL, "o.quarles", PHONE, "91827364", ADDRESS,
            "Zwaluwstraat", code, code[:4] + " " + code[4:8]]


def test_no_export_but_the_reporters_own_carries_her_identity_or_a_receipt_code(db, closed):
    from documents import service as letters
    from engine.audit import trail
    from engine.cases import export
    from engine.cases.models import Case
    from engine.records import subject_rights as rights
    from engine.reports import annex, dashboard, woo
    from tests.factories import make_user

    case_id, code = closed
    texts: dict[str, str] = {}
    with db.session() as s:
        written = letters.list_letters(session=s, case_id=case_id)
        assert {l.recipient for l in written} - {"melder"}, "the case wrote letters to others than the reporter"
        for l in written:
            if l.recipient != "melder":
                content = letters.letter_content(session=s, letter=l)
                texts[f"brief {l.template} aan {l.recipient}"] = docx_text(content) + _parts(content)
        for username in ("coordinator1", "bvi1"):
            user = _user(s, username)
            texts[f"zakenlijst csv ({username})"] = export.export_cases(session=s, user=user, fmt="csv").content.decode()
            sheet = export.export_cases(session=s, user=user, fmt="xlsx").content
            texts[f"zakenlijst xlsx ({username})"] = _xlsx_text(sheet) + _parts(sheet)
        year = annex.build(session=s, year=2026)
        texts["jaarbijlage"] = annex.to_csv(year) + docx_text(annex.to_docx(year)) + _parts(annex.to_docx(year))
        overview = woo.build(session=s, start=date(2026, 1, 1), end=date(2026, 12, 31))
        texts["woo"] = woo.to_csv(overview) + docx_text(woo.to_docx(overview)) + _parts(woo.to_docx(overview))
        texts["dashboard"] = json.dumps(dashboard.build(session=s, start=date(2026, 1, 1), end=date(2026, 12, 31),
                                                        user=_user(s, "dg1")), ensure_ascii=False, default=str)
        auditor = make_user(s, "auditor1", "auditor", unit=None)
        texts["audittrail"] = json.dumps([e.__dict__ for e in trail.audit_trail(session=s, user=auditor, limit=10_000)],
                                         ensure_ascii=False, default=str)
        coord = _user(s, "coordinator1")
        reference = s.get(Case, case_id).reference
        for name, role in ((SUBJECT, "betrokkene"), (WITNESS, "getuige")):
            req = rights.register(session=s, user=coord, name=name)
            rights.link_case(session=s, user=coord, request_id=req.id, reference=reference, role=role)
            answer = rights.export(session=s, user=coord, request_id=req.id).content
            texts[f"inzageverzoek {role}"] = _zip_text(answer) + _parts(answer)
    assert "Zaak " in texts["inzageverzoek betrokkene"] and "declareerde" in texts["inzageverzoek betrokkene"]
    found = {(where, needle) for where, text in texts.items() for needle in _needles(code)
             if needle.casefold() in text.casefold()}
    assert not found, sorted(found)
