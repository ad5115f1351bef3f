"""Two-factor login in the engine (issue 22): enrolment, TOTP codes computed from the engine clock, replay,
wrong codes and their rate limit, recovery codes once, the secret encrypted at rest, and the reporter's
identity refused to an identity role whose login has no verified second factor."""
from __future__ import annotations

from datetime import timedelta

import pyotp
import pytest
from sqlalchemy import text

from engine.clock import now
from engine.identity import access, second_factor
from engine.identity import service as identity
from engine.errors import InvalidData, NotAuthorized
from engine.identity.errors import NotAuthenticated, TooManyAttempts
from engine.identity.models import RecoveryCode
from engine.intake import service as intake
from engine.processes import service as processes
from tests.process.driver import PROCESSES

pytestmark = pytest.mark.db

ADDRESS = "192.0.2.7"
REPORT = {
    "kanaal": "meldpunt_integriteit", "categorie": "Financiële schendingen", "subcategorie": "fraude",
    "omschrijving": "Declaraties voor reizen die niet zijn gemaakt.", "dienstonderdeel": "Douane",
    "betrokkene_naam": "B. Betrokkene", "betrokkene_functie": "Inspecteur", "risicofunctie": "geen",
    "melder_anoniem": False, "via_vertrouwenspersoon": False, "melder_naam": "Rita Geheimnaam",
}


def code_now(secret: str) -> str:
    """The code an authenticator app shows at the engine's current moment (never the wall clock)."""
    return pyotp.TOTP(secret).at(now())


def wrong_code(secret: str) -> str:
    """A six-digit code that is none of the codes accepted now (current step and one either side)."""
    totp = pyotp.TOTP(secret)
    accepted = {totp.at(now() + timedelta(seconds=d)) for d in (-30, 0, 30)}
    return next(c for c in ("111111", "222222", "333333", "444444") if c not in accepted)


def enrol(s, user) -> tuple[str, list[str]]:
    secret = second_factor.begin_enrolment(session=s, user=user)
    codes = second_factor.confirm_enrolment(session=s, user=user, code=code_now(secret), client_key=ADDRESS)
    assert codes is not None
    return secret, codes


def test_enrolment_stores_the_secret_encrypted_and_recovery_codes_hashed(db, clock):
    with db.session() as s:
        user = identity.create_user(session=s, username="desk", display_name="Desk", roles=["meldpunt"])
        assert not second_factor.is_enrolled(session=s, user=user)
        secret = second_factor.begin_enrolment(session=s, user=user)
        assert second_factor.begin_enrolment(session=s, user=user) == secret  # a reload shows the same QR code
        uri = second_factor.provisioning_uri(user=user, secret=secret)
        assert uri.startswith("otpauth://totp/") and "issuer=Meldpunt" in uri
        svg = second_factor.qr_svg(uri)
        assert svg.startswith("<svg") and "<script" not in svg
        assert second_factor.confirm_enrolment(session=s, user=user, code=wrong_code(secret), client_key=ADDRESS) is None
        assert not second_factor.is_enrolled(session=s, user=user)
        codes = second_factor.confirm_enrolment(session=s, user=user, code=code_now(secret), client_key=ADDRESS)
        assert codes is not None and len(codes) == second_factor.RECOVERY_CODES == len(set(codes))
        assert second_factor.is_enrolled(session=s, user=user)
        user_id = user.id
    with db.engine.connect() as conn:
        raw = conn.execute(text("SELECT secret FROM second_factors WHERE user_id = :u"), {"u": user_id}).scalar_one()
        hashes = conn.execute(text("SELECT code_hash FROM recovery_codes WHERE user_id = :u"), {"u": user_id}).scalars()
        hashes = list(hashes)
    assert raw.startswith("v1:") and secret not in raw
    assert len(hashes) == 10 and all(h.startswith("$argon2id$") for h in hashes)
    assert not any(c.replace("-", "") in h for c in codes for h in hashes)


def test_login_code_from_the_engine_clock_once_and_wrong_codes_refused(db, clock):
    with db.session() as s:
        user = identity.create_user(session=s, username="coord", display_name="Coördinator",
                                    roles=["integriteitscoordinator"])
        secret, _ = enrol(s, user)
        clock.advance(timedelta(seconds=30))
        code = code_now(secret)
        assert second_factor.verify(session=s, user=user, code=code, client_key=ADDRESS) == "totp"
        # The same code again (replay) is refused, also within its step; the next step's code works.
        assert second_factor.verify(session=s, user=user, code=code, client_key=ADDRESS) is None
        clock.advance(timedelta(seconds=30))
        assert second_factor.verify(session=s, user=user, code=f" {code_now(secret)[:3]} {code_now(secret)[3:]} ",
                                    client_key=ADDRESS) == "totp"
        # A code of ten minutes ago is refused (only one step of drift either side).
        old = pyotp.TOTP(secret).at(now() - timedelta(minutes=10))
        assert second_factor.verify(session=s, user=user, code=old, client_key=ADDRESS) is None
        assert second_factor.verify(session=s, user=user, code="abc", client_key=ADDRESS) is None


def test_wrong_codes_are_rate_limited(db, clock):
    with db.session() as s:
        user = identity.create_user(session=s, username="coord", display_name="Coördinator",
                                    roles=["integriteitscoordinator"])
        secret, _ = enrol(s, user)
        wrong = wrong_code(secret)
        for _ in range(second_factor.POLICY.account_backoff.free_failures):
            assert second_factor.verify(session=s, user=user, code=wrong, client_key=ADDRESS) is None
        with pytest.raises(TooManyAttempts) as refused:
            second_factor.verify(session=s, user=user, code=code_now(secret), client_key=ADDRESS)
        assert "Probeer het opnieuw over" in refused.value.detail
        # From another address too: the delay is per user.
        with pytest.raises(TooManyAttempts):
            second_factor.verify(session=s, user=user, code=code_now(secret), client_key="198.51.100.1")
        clock.advance(timedelta(minutes=1))
        assert second_factor.verify(session=s, user=user, code=code_now(secret), client_key=ADDRESS) == "totp"


def test_a_recovery_code_works_once(db, clock):
    with db.session() as s:
        user = identity.create_user(session=s, username="desk", display_name="Desk", roles=["meldpunt"])
        _, codes = enrol(s, user)
        assert second_factor.verify(session=s, user=user, code=codes[3].lower(), client_key=ADDRESS) == "herstelcode"
        assert second_factor.verify(session=s, user=user, code=codes[3], client_key=ADDRESS) is None
        assert second_factor.remaining_recovery_codes(session=s, user=user) == 9
        assert s.query(RecoveryCode).filter(RecoveryCode.used_at.is_not(None)).count() == 1
        # Phone and codes lost: functional administration removes the second factor; the user enrols again.
        second_factor.reset(session=s, user=user)
        assert not second_factor.is_enrolled(session=s, user=user)
        assert second_factor.verify(session=s, user=user, code=codes[4], client_key=ADDRESS) is None


def test_identity_refused_without_a_verified_second_factor(db, clock, tweede_factor_verplicht):
    with db.session() as s:
        processes.deploy(session=s, directory=PROCESSES)
        coord = identity.create_user(session=s, username="coord", display_name="Coördinator",
                                     roles=["integriteitscoordinator"])
        investigator = identity.create_user(session=s, username="onderzoeker", display_name="Onderzoeker",
                                            roles=["onderzoeker"])
        case = intake.submit_report(session=s, actor=coord, data=dict(REPORT)).case
        assert access.can_see_case(session=s, user=coord, case_id=case.id)
        assert second_factor.required_for(coord) and not second_factor.required_for(investigator)
        # No second factor verified in this login: the engine refuses the identity, the pseudonym only.
        assert not access.may_see_reporter_identity(session=s, user=coord, case_id=case.id)
        assert access.entitled_to_reporter_identity(session=s, user=coord, case_id=case.id)
        # A session with a verified second factor: allowed.
        session_id, pending = identity.start_web_session(session=s, user=coord, pending=True)
        coord.second_factor_verified = False
        assert identity.resolve_web_session(session=s, session_id=session_id, allow_pending=True).pending
        assert not coord.second_factor_verified  # a pending session verifies nothing
        with pytest.raises(NotAuthenticated):
            identity.resolve_web_session(session=s, session_id=session_id)  # nor opens anything else
        full_id, _ = identity.start_web_session(session=s, user=coord, second_factor_at=now())
        identity.resolve_web_session(session=s, session_id=full_id)
        assert coord.second_factor_verified
        assert access.may_see_reporter_identity(session=s, user=coord, case_id=case.id)


def test_identity_not_gated_when_the_setting_is_off(db, clock):
    with db.session() as s:
        processes.deploy(session=s, directory=PROCESSES)
        coord = identity.create_user(session=s, username="coord", display_name="Coördinator",
                                     roles=["integriteitscoordinator"])
        case = intake.submit_report(session=s, actor=coord, data=dict(REPORT)).case
        assert not second_factor.required()
        assert access.may_see_reporter_identity(session=s, user=coord, case_id=case.id)
        assert not second_factor.login_needs_code(session=s, user=coord)
        enrol(s, coord)  # who enrolled anyway is still asked the code
        assert second_factor.login_needs_code(session=s, user=coord)


def _audit_actions(s) -> list[tuple[str, str]]:
    from sqlalchemy import select

    from engine.audit.models import AuditEvent

    return [(e.actor, e.action) for e in s.scalars(select(AuditEvent).order_by(AuditEvent.id))]


def test_new_recovery_codes_after_a_current_code_make_the_old_ones_useless(db, clock):
    with db.session() as s:
        user = identity.create_user(session=s, username="desk", display_name="Desk", roles=["meldpunt"])
        secret, old = enrol(s, user)
        assert second_factor.renew_recovery_codes(session=s, user=user, code=wrong_code(secret),
                                                  client_key=ADDRESS) is None
        assert second_factor.remaining_recovery_codes(session=s, user=user) == 10  # nothing changed
        clock.advance(timedelta(seconds=30))
        new = second_factor.renew_recovery_codes(session=s, user=user, code=code_now(secret), client_key=ADDRESS)
        assert len(new) == 10 and not set(new) & set(old)
        assert second_factor.verify(session=s, user=user, code=old[0], client_key=ADDRESS) is None
        assert second_factor.verify(session=s, user=user, code=new[0], client_key=ADDRESS) == "herstelcode"
        assert ("desk", "herstelcodes_vernieuwd") in _audit_actions(s)
        # a recovery code also proves it is the owner (the phone is away), and is used up by the renewal
        assert second_factor.renew_recovery_codes(session=s, user=user, code=new[1], client_key=ADDRESS)
        assert second_factor.verify(session=s, user=user, code=new[1], client_key=ADDRESS) is None


def test_switching_off_needs_a_code_and_is_refused_where_the_role_requires_it(db, clock, request):
    with db.session() as s:
        user = identity.create_user(session=s, username="desk", display_name="Desk", roles=["meldpunt"])
        secret, _ = enrol(s, user)
        assert second_factor.switch_off(session=s, user=user, code=wrong_code(secret), client_key=ADDRESS) is False
        assert second_factor.is_enrolled(session=s, user=user)
        request.getfixturevalue("tweede_factor_verplicht")
        with pytest.raises(NotAuthorized, match="verplicht"):
            second_factor.switch_off(session=s, user=user, code=code_now(secret), client_key=ADDRESS)
        assert second_factor.is_enrolled(session=s, user=user)


def test_switching_off_where_the_setting_allows_it(db, clock):
    with db.session() as s:
        user = identity.create_user(session=s, username="desk", display_name="Desk", roles=["meldpunt"])
        secret, codes = enrol(s, user)
        clock.advance(timedelta(seconds=30))
        assert second_factor.switch_off(session=s, user=user, code=code_now(secret), client_key=ADDRESS) is True
        assert not second_factor.is_enrolled(session=s, user=user)
        assert not second_factor.login_needs_code(session=s, user=user)
        assert s.query(RecoveryCode).count() == 0
        assert ("desk", "tweede_factor_uitgeschakeld") in _audit_actions(s)
        with pytest.raises(InvalidData):  # nothing left to switch off
            second_factor.switch_off(session=s, user=user, code=codes[0], client_key=ADDRESS)


def test_the_coordinator_or_administrator_resets_someone_elses_second_factor(db, clock):
    with db.session() as s:
        desk = identity.create_user(session=s, username="desk", display_name="Desk", roles=["meldpunt"])
        coord = identity.create_user(session=s, username="coord", display_name="Coördinator",
                                     roles=["integriteitscoordinator"])
        admin = identity.create_user(session=s, username="beheer", display_name="Beheer",
                                     roles=["functioneel_beheerder"])
        investigator = identity.create_user(session=s, username="onderzoeker", display_name="Onderzoeker",
                                            roles=["onderzoeker"])
        enrol(s, desk)
        session_id, _ = identity.start_web_session(session=s, user=desk, second_factor_at=now())
        with pytest.raises(NotAuthorized, match="integriteitscoördinator"):
            second_factor.reset_for(session=s, user_id=desk.id, by=investigator)
        with pytest.raises(NotAuthorized, match="eigen"):
            second_factor.reset_for(session=s, user_id=coord.id, by=coord)
        assert second_factor.is_enrolled(session=s, user=desk)
        assert second_factor.reset_for(session=s, user_id=desk.id, by=coord) is desk
        assert not second_factor.is_enrolled(session=s, user=desk)
        with pytest.raises(NotAuthenticated):  # the sessions of the one who lost the phone have ended
            identity.resolve_web_session(session=s, session_id=session_id)
        enrol(s, desk)
        second_factor.reset_for(session=s, user_id=desk.id, by=admin)
        second_factor.reset_for(session=s, user_id=desk.id, by=None, actor="cli")
        resets = [a for a in _audit_actions(s) if a[1] == "tweede_factor_hersteld"]
        assert resets == [("coord", "tweede_factor_hersteld"), ("beheer", "tweede_factor_hersteld"),
                          ("cli", "tweede_factor_hersteld")]
        # the coordinator does not reset the factor of another coordinator or of an administrator of accounts
        # (the next login would enrol a new one); the functional administrator does
        coord2 = identity.create_user(session=s, username="coord2", display_name="Coördinator 2",
                                      roles=["integriteitscoordinator"])
        for person in (coord2, admin):
            enrol(s, person)
            with pytest.raises(NotAuthorized, match="alleen de functioneel beheerder"):
                second_factor.reset_for(session=s, user_id=person.id, by=coord)
            assert second_factor.is_enrolled(session=s, user=person)
        second_factor.reset_for(session=s, user_id=coord2.id, by=admin)
        assert not second_factor.is_enrolled(session=s, user=coord2)
