"""Reports coming in, receipt codes for anonymous reporters, the two-way channel."""
from __future__ import annotations

import pytest
from sqlalchemy import text

from engine.cases.models import CaseParty
from engine.errors import InvalidData, NotAuthorized
from engine.identity import receipts
from engine.intake import service as intake
from engine.processes import service as processes
from engine.worklist import service as worklist
from tests.factories import make_user

REPORT = {"categorie": "Financiële schendingen", "omschrijving": "Er verdwijnt geld uit de kas.",
          "dienstonderdeel": "Douane"}


@pytest.fixture
def org(db, clock):
    with db.session() as s:
        processes.deploy(session=s)
        desk = make_user(s, "desk", "meldpunt")
        vp = make_user(s, "vp", "vertrouwenspersoon")
        chef = make_user(s, "chef", "meldpunt")
        subject = make_user(s, "betrokkene", "onderzoeker", manager=chef)
        return {"desk": desk.id, "vp": vp.id, "chef": chef.id, "subject": subject.id}


def test_anonymous_report_gets_a_receipt_code_that_opens_only_its_case(db, org):
    with db.session() as s:
        done = intake.submit_report(session=s, actor=None,
                                    data={**REPORT, "melder_naam": "Poging tot naam", "melder_anoniem": False})
        case_id, code = done.case.id, done.receipt_code
    assert code is not None and len(code) == 16 and code.isdigit()
    with db.engine.connect() as conn:
        dump = "\n".join(str(r) for t in ("receipt_codes", "cases", "audit_events", "case_confidential")
                         for r in conn.execute(text(f"SELECT * FROM {t}")).all())
    assert code not in dump and "Poging tot naam" not in dump and "Er verdwijnt geld" not in dump
    with db.session() as s:
        assert receipts.match(session=s, code=code).case_id == case_id
        assert receipts.match(session=s, code="0" * 16) is None
        item = worklist.items_of_case(session=s, case_id=case_id)[0]
        assert item.role == "meldpunt"


def test_two_way_messages_are_stored_encrypted(db, org):
    from engine.identity.models import User

    with db.session() as s:
        case_id = intake.submit_report(session=s, actor=None, data=REPORT).case.id
        desk = s.get(User, org["desk"])
        with pytest.raises(NotAuthorized):  # the desk writes once the case is theirs to see (one decision: access)
            intake.message_to_reporter(session=s, case_id=case_id, author=desk, text="Kunt u dit toelichten?")
        worklist.claim(session=s, work_item_id=worklist.items_of_case(session=s, case_id=case_id)[0].id, user=desk)
        intake.message_to_reporter(session=s, case_id=case_id, author=desk,
                                   text="Kunt u aangeven wanneer dit gebeurde?")
        intake.message_from_reporter(session=s, case_id=case_id, text="Vorige week dinsdag.")
        with pytest.raises(NotAuthorized):
            intake.message_to_reporter(session=s, case_id=case_id, author=s.get(User, org["vp"]), text="x")
        with pytest.raises(InvalidData):
            intake.message_from_reporter(session=s, case_id=case_id, text="   ")
    with db.session() as s:
        msgs = intake.messages(session=s, case_id=case_id)
        assert [(m.direction, m.body) for m in msgs] == [
            ("naar_melder", "Kunt u aangeven wanneer dit gebeurde?"), ("van_melder", "Vorige week dinsdag.")]
    with db.engine.connect() as conn:
        raw = str(conn.execute(text("SELECT body FROM case_messages")).all())
    assert "dinsdag" not in raw and "wanneer" not in raw


def test_vertrouwenspersoon_passes_a_report_on_only_with_consent(db, org):
    from engine.identity.models import User

    with db.session() as s:
        with pytest.raises(InvalidData) as err:
            intake.submit_report(session=s, actor=s.get(User, org["vp"]), data={**REPORT, "via_vertrouwenspersoon": True})
        assert err.value.errors[0].field == "toestemming_doorgeven"
    with db.session() as s:
        done = intake.submit_report(session=s, actor=s.get(User, org["vp"]),
                                    data={**REPORT, "via_vertrouwenspersoon": True, "toestemming_doorgeven": True,
                                          "melder_naam": "M. Elder"})
        assert done.receipt_code is None


def test_subject_and_their_manager_become_excluded_parties(db, org):
    from engine.identity.models import User

    with db.session() as s:
        case_id = intake.submit_report(session=s, actor=s.get(User, org["desk"]), data=REPORT,
                                       subject_user_id=org["subject"]).case.id
        parties = {(p.party, p.user_id) for p in s.query(CaseParty).filter_by(case_id=case_id)}
        assert parties == {("betrokkene", org["subject"]), ("leidinggevende", org["chef"])}
        assert worklist.unassigned_in_my_roles(session=s, user=s.get(User, org["chef"])) == []
        assert len(worklist.unassigned_in_my_roles(session=s, user=s.get(User, org["desk"]))) == 1
