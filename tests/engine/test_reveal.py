"""Identity reveal (DOMAIN §4): approval writes a letter to the reporter first, in the same transaction.

The letter (``kennisgeving_bekendmaking_identiteit``) is stored like every letter (immutable, sha256),
audited, and exists before the identity becomes visible to the grantee; if it cannot be produced the
approval rolls back and the identity stays hidden.
"""
from __future__ import annotations

import pytest
from sqlalchemy import select

from documents import service as letters
from documents.errors import LetterRenderError
from documents.models import Letter
from documents.render import docx_text
from engine.audit.models import AuditEvent
from engine.cases import reveal
from engine.cases.reveal_models import IdentityReveal
from engine.identity.models import User
from engine.intake.models import CaseMessage
from engine.intake import service as intake
from engine.processes import service as processes
from tests.factories import bind_to_slot, make_user
from tests.process.driver import PROCESSES

pytestmark = pytest.mark.db

UNIT = "Douane"
SUBJECT = "Bart Betrokken"
REPORTER = "Rianne Melder"
GRANTEE = "Olga Onderzoek"
REPORT = {"kanaal": "meldpunt_integriteit", "categorie": "Financiële schendingen", "subcategorie": "fraude",
          "omschrijving": "Declaraties voor reizen die niet zijn gemaakt.", "dienstonderdeel": UNIT,
          "betrokkene_naam": SUBJECT, "betrokkene_functie": "Inspecteur", "risicofunctie": "geen",
          "via_vertrouwenspersoon": False}


@pytest.fixture
def world(db, clock):
    with db.session() as s:
        processes.deploy(session=s, directory=PROCESSES)
        users = {name: make_user(s, name, *roles, unit=UNIT) for name, roles in {
            "desk": ("meldpunt",), "coord": ("integriteitscoordinator",), "coord2": ("integriteitscoordinator",),
            "onderzoeker": ("onderzoeker",)}.items()}
        users["onderzoeker"].display_name = GRANTEE
        known = intake.submit_report(session=s, actor=users["desk"], data={
            **REPORT, "melder_anoniem": False, "melder_naam": REPORTER,
            "melder_adres": "Kade 12\n1011 AB  Amsterdam"}).case
        anonymous = intake.submit_report(session=s, actor=None, data=dict(REPORT)).case
        for case in (known, anonymous):
            bind_to_slot(s, case_id=case.id, user_id=users["onderzoeker"].id, role="onderzoeker",
                         slot="test_onderzoeker")
        s.flush()
        return {"users": {k: u.id for k, u in users.items()}, "known": known.id, "anonymous": anonymous.id}


def _user(s, world, name) -> User:
    return s.get(User, world["users"][name])


def _request(db, world, case_key, reason="De melder moet als getuige worden gehoord."):
    with db.session() as s:
        row = reveal.request_reveal(session=s, case_id=world[case_key], by=_user(s, world, "coord"),
                                    grantee_id=world["users"]["onderzoeker"], reason=reason)
        return row.id


def _approve(db, world, case_key, rid):
    with db.session() as s:
        reveal.decide_reveal(session=s, case_id=world[case_key], reveal_id=rid, by=_user(s, world, "coord2"),
                             approve=True)


def _revealed(db, world, case_key) -> bool:
    with db.session() as s:
        return reveal.is_revealed_to(session=s, user=_user(s, world, "onderzoeker"), case_id=world[case_key])


def test_approval_writes_the_letter_before_the_reveal_takes_effect(db, world):
    rid = _request(db, world, "known")
    assert not _revealed(db, world, "known")
    _approve(db, world, "known", rid)
    assert _revealed(db, world, "known")
    with db.session() as s:
        row = s.get(IdentityReveal, rid)
        letter = letters.get_letter(session=s, letter_id=row.letter_id)  # sha256 verified
        assert (letter.case_id, letter.template, letter.recipient) == (
            world["known"], "kennisgeving_bekendmaking_identiteit", "melder")
        assert letter.rendered_at <= row.reporter_informed_at
        assert letter.rendered_by == "coord2"
        text = docx_text(letters.letter_content(session=s, letter=letter))
        message = s.get(CaseMessage, row.message_id)
        events = list(s.scalars(select(AuditEvent).where(AuditEvent.case_id == world["known"])
                                .order_by(AuditEvent.seq)))
    assert "Geachte heer/mevrouw Melder," in text and "Kade 12" in text
    assert "in de rol van onderzoeker" in text
    assert "als getuige worden gehoord" in text
    assert SUBJECT not in text and GRANTEE not in text  # the grantee by role, never by name
    assert "getuige" in message.body and "brief" in message.body
    actions = [e.action for e in events]
    i_letter = actions.index("identity.reporter_letter")
    assert actions.index("identity.reveal_requested") < i_letter < actions.index("identity.reporter_informed") \
        < actions.index("identity.reveal_approved")
    details = events[i_letter].details
    assert details["brief"] == letter.id and details["sha256"] == letter.sha256
    assert REPORTER not in str([e.details for e in events])


def test_anonymous_reporter_gets_the_letter_via_the_portal_route(db, world):
    rid = _request(db, world, "anonymous")
    _approve(db, world, "anonymous", rid)
    assert _revealed(db, world, "anonymous")
    with db.session() as s:
        row = s.get(IdentityReveal, rid)
        text = docx_text(letters.letter_content(session=s, letter=letters.get_letter(session=s,
                                                                                     letter_id=row.letter_id)))
        assert row.message_id is not None  # the channel message is kept too
    assert "Aan de melder (anoniem)" in text and "Geachte melder," in text
    assert "anonieme meldportaal" in text and "ontvangstcode" in text


def test_letter_failure_rolls_the_approval_back_and_the_identity_stays_hidden(db, world):
    # The reason names the subject: the leak guard refuses the letter, so nothing of the approval remains.
    rid = _request(db, world, "known", reason=f"{SUBJECT} wil weten wie hem heeft gemeld.")
    with pytest.raises(LetterRenderError) as err:
        _approve(db, world, "known", rid)
    assert SUBJECT not in str(err.value)
    assert not _revealed(db, world, "known")
    with db.session() as s:
        row = s.get(IdentityReveal, rid)
        assert (row.state, row.reporter_informed_at, row.letter_id, row.message_id, row.decided_at) == (
            "aangevraagd", None, None, None, None)
        assert s.scalars(select(Letter).where(Letter.case_id == world["known"],
                                              Letter.template == "kennisgeving_bekendmaking_identiteit")).all() == []
        assert s.scalars(select(CaseMessage).where(CaseMessage.case_id == world["known"])).all() == []
        actions = set(s.scalars(select(AuditEvent.action).where(AuditEvent.case_id == world["known"])))
    assert not actions & {"identity.reporter_letter", "identity.reporter_informed", "identity.reveal_approved"}


def test_storage_failure_rolls_the_approval_back(db, world, monkeypatch):
    from documents import storage

    class BrokenStore:
        name = "broken"

        def put(self, *, session, letter, content):
            raise OSError("disk full")

        def get(self, *, session, letter):  # pragma: no cover - never reached
            return b""

    rid = _request(db, world, "known")
    previous = storage.set_store(BrokenStore())
    try:
        with pytest.raises(OSError):
            _approve(db, world, "known", rid)
    finally:
        storage.set_store(previous)
    assert not _revealed(db, world, "known")
    with db.session() as s:
        assert s.get(IdentityReveal, rid).state == "aangevraagd"
        assert s.scalars(select(CaseMessage).where(CaseMessage.case_id == world["known"])).all() == []


def test_each_reveal_has_its_own_letter(db, world):
    first = _request(db, world, "known")
    _approve(db, world, "known", first)
    with db.session() as s:
        other = make_user(s, "onderzoeker_b", "onderzoeker", unit=UNIT)
        bind_to_slot(s, case_id=world["known"], user_id=other.id, role="onderzoeker", slot="test_onderzoeker_b")
        other_id = other.id
    with db.session() as s:
        second = reveal.request_reveal(session=s, case_id=world["known"], by=_user(s, world, "coord"),
                                       grantee_id=other_id, reason="Tweede verhoor.").id
    _approve(db, world, "known", second)
    with db.session() as s:
        a, b = s.get(IdentityReveal, first), s.get(IdentityReveal, second)
        la, lb = s.get(Letter, a.letter_id), s.get(Letter, b.letter_id)
        assert la.id != lb.id and la.version == lb.version == 1 and lb.supersedes_id is None
