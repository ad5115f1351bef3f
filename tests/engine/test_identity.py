"""Users, Argon2id passwords, API tokens and web sessions (engine level)."""
from __future__ import annotations

from datetime import timedelta

import pytest
from argon2 import PasswordHasher
from sqlalchemy import text

from engine.errors import InvalidData, NotFound
from engine.identity import service as identity
from engine.identity.errors import NotAuthenticated
from engine.identity.models import ApiToken
from engine.identity.roles import CASE_ROLES, ROLES, oversees_unit

pytestmark = pytest.mark.db

PASSWORD = "correct-horse-battery-staple"


def _user(s, username="j.jansen", roles=("meldpunt",), **kw):
    return identity.create_user(session=s, username=username, display_name="Jan Jansen", roles=list(roles),
                                password=kw.pop("password", PASSWORD), **kw)


def all_raw_text(db) -> str:
    """Every value of every identity table, as one string (to look for leaked secrets)."""
    out = []
    with db.engine.connect() as conn:
        for table in ("users", "user_roles", "api_tokens", "web_sessions"):
            for row in conn.execute(text(f"SELECT * FROM {table}")):
                out.extend(str(v) for v in row)
    return "\n".join(out)


def test_role_catalogue():
    assert set(CASE_ROLES) == {"meldpunt", "integriteitscoordinator", "onderzoeker", "bevoegd_gezag", "hr_adviseur",
                               "jurist", "vertrouwenspersoon", "bureau_vi"}
    assert {"procesbeheerder", "auditor"} <= set(ROLES)
    assert oversees_unit(roles={"integriteitscoordinator"}, user_unit="Douane", case_unit="Douane")
    assert not oversees_unit(roles={"integriteitscoordinator"}, user_unit="Douane", case_unit="Toeslagen")
    assert oversees_unit(roles={"bureau_vi"}, user_unit=None, case_unit="Toeslagen")
    assert not oversees_unit(roles={"onderzoeker"}, user_unit=None, case_unit="Douane")


def test_create_user_validates(db, clock):
    with db.session() as s:
        boss = _user(s, "baas", roles=["bevoegd_gezag"], unit="Douane")
        user = _user(s, roles=["meldpunt", "onderzoeker", "meldpunt"], unit="Douane", manager_id=boss.id)
        assert user.role_codes == {"meldpunt", "onderzoeker"} and user.manager_id == boss.id
    with db.session() as s:
        with pytest.raises(InvalidData) as exc:
            _user(s, "x", roles=["koning"])
        assert exc.value.errors[0].field == "roles"
        with pytest.raises(InvalidData):
            _user(s, "j.jansen")  # duplicate
        with pytest.raises(InvalidData):
            _user(s, "kort", password="kort")
        with pytest.raises(InvalidData):
            _user(s, "met spatie")
        with pytest.raises(InvalidData):
            _user(s, "y", manager_id=9999)


def test_passwords_are_argon2id_and_never_stored_plain(db, clock):
    with db.session() as s:
        _user(s)
    with db.engine.connect() as conn:
        stored = conn.execute(text("SELECT password_hash FROM users")).scalar_one()
    assert stored.startswith("$argon2id$")
    assert PASSWORD not in all_raw_text(db)


def test_authenticate(db, clock):
    with db.session() as s:
        _user(s)
        _user(s, "weg", password=PASSWORD)
        _user(s, "zonder", password=None)
        identity.disable_user(session=s, user_id=identity.get_user(session=s, username="weg").id)
    with db.session() as s:
        assert identity.authenticate(session=s, username="j.jansen", password=PASSWORD).username == "j.jansen"
        for username, password in [("j.jansen", "fout-wachtwoord!"), ("onbekend", PASSWORD), ("weg", PASSWORD),
                                   ("zonder", ""), ("zonder", PASSWORD)]:
            with pytest.raises(NotAuthenticated) as exc:
                identity.authenticate(session=s, username=username, password=password)
            assert exc.value.detail == identity.LOGIN_FAILED  # one message for every failure


def test_rehash_when_parameters_change(db, clock, monkeypatch):
    weak = PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1)
    with db.session() as s:
        user = _user(s, password=None)
        user.password_hash = weak.hash(PASSWORD)
    with db.session() as s:
        identity.authenticate(session=s, username="j.jansen", password=PASSWORD)
    with db.session() as s:
        new_hash = identity.get_user(session=s, username="j.jansen").password_hash
    assert new_hash.startswith("$argon2id$") and "m=65536" in new_hash
    with db.session() as s:
        identity.set_password(session=s, user_id=identity.get_user(session=s, username="j.jansen").id,
                              password="een-ander-lang-wachtwoord")
        assert identity.authenticate(session=s, username="j.jansen", password="een-ander-lang-wachtwoord")


def test_tokens_hashed_expire_and_revoke(db, clock):
    with db.session() as s:
        user = _user(s)
        plaintext, token = identity.issue_token(session=s, user=user, name="koppeling", ttl=timedelta(days=1))
        token_id = token.id
    assert plaintext.startswith("mpt_") and len(plaintext) > 40
    raw = all_raw_text(db)
    assert plaintext not in raw and plaintext[4:] not in raw
    assert identity.sha256_hex(plaintext) in raw

    with db.session() as s:
        assert identity.resolve_token(session=s, token=plaintext).username == "j.jansen"
        assert s.get(ApiToken, token_id).last_used_at == clock.now()
    tampered = plaintext[:-1] + ("A" if plaintext[-1] != "A" else "B")
    for bad in (tampered, "mpt_" + "x" * 43, "", "Bearer " + plaintext, plaintext + "x"):
        with db.session() as s, pytest.raises(NotAuthenticated):
            identity.resolve_token(session=s, token=bad)

    clock.advance(timedelta(days=1))
    with db.session() as s, pytest.raises(NotAuthenticated):
        identity.resolve_token(session=s, token=plaintext)  # expired

    with db.session() as s:
        user = identity.get_user(session=s, username="j.jansen")
        fresh, row = identity.issue_token(session=s, user=user, name="nieuw")
        assert identity.resolve_token(session=s, token=fresh)
        identity.revoke_token(session=s, token_id=row.id, by=user)
    with db.session() as s, pytest.raises(NotAuthenticated):
        identity.resolve_token(session=s, token=fresh)


def test_revoke_someone_elses_token_is_not_found(db, clock):
    with db.session() as s:
        a, b = _user(s, "a"), _user(s, "b")
        _, row = identity.issue_token(session=s, user=a, name="t")
        with pytest.raises(NotFound):
            identity.revoke_token(session=s, token_id=row.id, by=b)
        admin = _user(s, "admin", roles=["functioneel_beheerder"])
        assert identity.revoke_token(session=s, token_id=row.id, by=admin).revoked_at is not None


def test_token_ttl_bounds(db, clock):
    with db.session() as s:
        user = _user(s)
        for ttl in (timedelta(0), timedelta(days=400)):
            with pytest.raises(InvalidData):
                identity.issue_token(session=s, user=user, name="t", ttl=ttl)
        with pytest.raises(InvalidData):
            identity.issue_token(session=s, user=user, name="  ")


def test_disable_user_revokes_tokens_and_sessions(db, clock):
    with db.session() as s:
        user = _user(s)
        plaintext, _ = identity.issue_token(session=s, user=user, name="t")
        sid, _ = identity.start_web_session(session=s, user=user)
        identity.disable_user(session=s, user_id=user.id)
    with db.session() as s:
        with pytest.raises(NotAuthenticated):
            identity.resolve_token(session=s, token=plaintext)
        with pytest.raises(NotAuthenticated):
            identity.resolve_web_session(session=s, session_id=sid)


def test_web_sessions(db, clock):
    with db.session() as s:
        user = _user(s)
        sid, web = identity.start_web_session(session=s, user=user, ttl=timedelta(hours=8))
        csrf = web.csrf_token
    assert sid not in all_raw_text(db)
    with db.session() as s:
        web = identity.resolve_web_session(session=s, session_id=sid)
        assert identity.check_csrf(web, csrf) and not identity.check_csrf(web, csrf + "x")
        assert not identity.check_csrf(web, None) and not identity.check_csrf(web, "")
    clock.advance(identity.SESSION_IDLE + timedelta(seconds=1))  # idle too long
    with db.session() as s, pytest.raises(NotAuthenticated):
        identity.resolve_web_session(session=s, session_id=sid)
    with db.session() as s:
        sid2, _ = identity.start_web_session(session=s, user=identity.get_user(session=s, username="j.jansen"))
        identity.end_web_session(session=s, session_id=sid2)
    with db.session() as s, pytest.raises(NotAuthenticated):
        identity.resolve_web_session(session=s, session_id=sid2)


def test_identity_provider_seam(db, clock):
    class FakeOidc:
        name = "oidc"

        def authenticate(self, *, session, credentials):
            return identity.get_user(session=session, username=credentials["sub"])

    with db.session() as s:
        _user(s)
    assert isinstance(identity.get_identity_provider(), identity.LocalPasswordProvider)
    previous = identity.set_identity_provider(FakeOidc())
    try:
        with db.session() as s:
            assert identity.get_identity_provider().authenticate(session=s, credentials={"sub": "j.jansen"}).id
    finally:
        identity.set_identity_provider(previous)


def test_demo_users_cover_every_role(db, clock):
    from engine.identity.seed import ensure_demo_users

    with db.session() as s:
        users = ensure_demo_users(session=s, password=None)
        again = ensure_demo_users(session=s, password=None)
        assert [u.id for u in users] == [u.id for u in again]
        covered = set().union(*(u.role_codes for u in users))
        assert covered >= set(ROLES)
        by_name = {u.username: u for u in users}
        assert by_name["medewerker"].manager_id == by_name["teamleider"].id
