"""Two-factor login for local accounts (issue 22): TOTP (RFC 6238, pyotp) and one-time recovery codes.

Who must give a second factor (``MELDPUNT_TWEEDE_FACTOR``, ``engine.config``):

* ``verplicht`` (the default): every holder of a role that may see a reporter's identity
  (``roles.IDENTITY_ROLES``). Their password login is not complete until the code is given: the password
  opens a *pending* session (``WebSession.pending``) that reaches only the code page and the enrolment
  page; a correct code ends it and starts a full session with ``second_factor_at`` set. Without a verified
  second factor in the current session (or behind the current API token) the reporter's identity is
  refused by the engine's access decision (:func:`identity_allowed`, used by
  ``access.may_see_reporter_identity``), whatever the page or endpoint.
* ``uit`` (the demo and the test suites): nobody is required to. A user who enrolled anyway is still asked
  the code at login; the identity is not gated.

With an OpenID Connect login the identity provider does the second factor; this module is for local
accounts (passwords).

Secrets: the TOTP secret is stored encrypted (``EncryptedText``, AES-GCM bound to its column); recovery
codes as Argon2id hashes, each usable once. A code is accepted in the current 30-second step or one step
either side (clock drift), and never twice (``SecondFactor.last_step``). Attempts are rate limited per user
and per address (``engine.identity.ratelimit``, scope ``tweede_factor``). Nothing here logs or returns a
secret or code except :func:`begin_enrolment` (the secret, to its owner, for the QR code) and
:func:`confirm_enrolment` (the recovery codes, shown once).
"""
from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta

import pyotp
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from engine.clock import now
from engine.errors import FieldError, InvalidData
from engine.identity import ratelimit
from engine.identity.models import RecoveryCode, SecondFactor, User, WebSession
from engine.identity.roles import IDENTITY_ROLES
from engine.identity.service import hash_secret, verify_secret

ISSUER = "Meldpunt Integriteit"
RECOVERY_CODES = 10
RECOVERY_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # 32 symbols, no 0/O or 1/I
RECOVERY_LENGTH = 12  # 60 bits
PENDING_TTL = timedelta(minutes=10)  # a session that has passed the password only
MAX_CODE = 40

SCOPE = "tweede_factor"
POLICY = ratelimit.RateLimitPolicy(
    window=timedelta(minutes=15), max_attempts=20,
    client_backoff=ratelimit.Backoff(free_failures=5, period=timedelta(minutes=30),
                                     base_delay=timedelta(seconds=30), max_delay=timedelta(minutes=15)),
    address_backoff=ratelimit.Backoff(free_failures=20, period=timedelta(minutes=15),
                                      base_delay=timedelta(seconds=30), max_delay=timedelta(minutes=15)),
    account_backoff=ratelimit.Backoff(free_failures=5, period=timedelta(minutes=30),
                                      base_delay=timedelta(seconds=30), max_delay=timedelta(minutes=15)),
    # Whoever reaches the code has the password: no address is exempt from the per-account delay.
    known_client_period=timedelta(0))
LOCKED = "Te veel onjuiste codes vanaf dit adres."
ACCOUNT_LOCKED = "Te veel onjuiste codes voor deze gebruiker."

CODE_WRONG = "De code is onjuist of al gebruikt."
CODE_NEEDED = ("Voor uw rol is tweestapsverificatie verplicht: geef ook de code uit uw authenticator-app "
               "(of een herstelcode) in het veld 'code'.")
ENROL_NEEDED = ("Voor uw rol is tweestapsverificatie verplicht en die is nog niet ingesteld. Meld u aan in de "
                "browser en stel haar in op de pagina 'Tweestapsverificatie' (/account/tweestapsverificatie).")
IDENTITY_REFUSED = ("De identiteit van de melder is alleen te zien na aanmelden met tweestapsverificatie. "
                    "Meld u opnieuw aan met uw code (of stel tweestapsverificatie in).")


# --------------------------------------------------------------------------- who must

def required() -> bool:
    """Whether the deployment requires a second factor of the identity roles (``MELDPUNT_TWEEDE_FACTOR``)."""
    from engine.config import get_settings

    return get_settings().tweede_factor == "verplicht"


def required_for(user: User) -> bool:
    """Must ``user`` give a second factor at login (a role that may see a reporter's identity)?"""
    return required() and bool(user.role_codes & IDENTITY_ROLES)


def identity_allowed(user: User) -> bool:
    """The second-factor part of the reporter-identity decision: a holder of an identity role sees the identity
    only when the current session (or API token) verified a second factor, where the deployment requires it."""
    return not required_for(user) or bool(user.second_factor_verified)


def factor_of(*, session: Session, user: User) -> SecondFactor | None:
    return session.get(SecondFactor, user.id)


def is_enrolled(*, session: Session, user: User) -> bool:
    factor = factor_of(session=session, user=user)
    return factor is not None and factor.confirmed_at is not None


def login_needs_code(*, session: Session, user: User) -> bool:
    """After a correct password: must the login wait for a code (or for enrolment)?"""
    return required_for(user) or is_enrolled(session=session, user=user)


def remaining_recovery_codes(*, session: Session, user: User) -> int:
    return len(list(session.scalars(select(RecoveryCode.id).where(RecoveryCode.user_id == user.id,
                                                                  RecoveryCode.used_at.is_(None)))))


# --------------------------------------------------------------------------- enrolment

def begin_enrolment(*, session: Session, user: User) -> str:
    """The secret of ``user``'s enrolment that awaits its first code (made now if there is none), for the QR code.
    Refused when a second factor is already set up (it is shown only while enrolling)."""
    factor = factor_of(session=session, user=user)
    if factor is not None and factor.confirmed_at is not None:
        raise InvalidData([FieldError("code", "Tweestapsverificatie is al ingesteld.")])
    if factor is None:
        factor = SecondFactor(user_id=user.id, secret=pyotp.random_base32(), created_at=now())
        session.add(factor)
        session.flush()
    return factor.secret


def provisioning_uri(*, user: User, secret: str) -> str:
    """The ``otpauth://`` URI an authenticator app reads from the QR code."""
    return pyotp.TOTP(secret).provisioning_uri(name=user.username, issuer_name=ISSUER)


def qr_svg(uri: str) -> str:
    """The QR code of ``uri`` as inline SVG (segno; no external service, no script)."""
    import segno

    return segno.make(uri, error="m").svg_inline(scale=5, border=4, title="QR-code voor uw authenticator-app")


def grouped_secret(secret: str) -> str:
    """The secret in groups of four, for typing it into an app by hand."""
    return " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))


def confirm_enrolment(*, session: Session, user: User, code: str, client_key: str) -> list[str] | None:
    """Check the first code of the pending enrolment; on success the second factor is set up and the new recovery
    codes are returned (plaintext, once). ``None`` for a wrong code; ``TooManyAttempts`` when this user or
    address must wait. The attempt is recorded in ``session``: the caller commits it."""
    factor = factor_of(session=session, user=user)
    if factor is None or factor.confirmed_at is not None:
        raise InvalidData([FieldError("code", "Er is geen tweestapsverificatie in voorbereiding. Laad de pagina "
                                              "opnieuw.")])
    _check_allowed(session, user, client_key)
    step = _totp_step(factor, _normalise(code))
    ok = step is not None
    _record(session, user, client_key, ok)
    if not ok:
        return None
    factor.confirmed_at = now()
    factor.last_step = step
    return new_recovery_codes(session=session, user=user)


def new_recovery_codes(*, session: Session, user: User) -> list[str]:
    """Replace ``user``'s recovery codes by :data:`RECOVERY_CODES` new ones; the plaintext is returned once."""
    session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = []
    moment = now()
    for _ in range(RECOVERY_CODES):
        raw = "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(RECOVERY_LENGTH))
        session.add(RecoveryCode(user_id=user.id, bucket=_bucket(raw), code_hash=hash_secret(raw), created_at=moment))
        codes.append("-".join(raw[i:i + 4] for i in range(0, RECOVERY_LENGTH, 4)))
    session.flush()
    return codes


def reset(*, session: Session, user: User) -> None:
    """Remove ``user``'s second factor and recovery codes (a lost phone; the user enrols again at next login)."""
    session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    session.execute(delete(SecondFactor).where(SecondFactor.user_id == user.id))
    session.flush()


# --------------------------------------------------------------------------- managing it afterwards

SWITCH_OFF_REFUSED = "Voor uw rol is tweestapsverificatie verplicht: uitschakelen kan niet."
NOT_ENROLLED = "Tweestapsverificatie is niet ingesteld."


def may_reset_for_others(by: User) -> bool:
    """The integrity coordinator and the functional administrator reset someone else's second factor."""
    from engine.identity.roles import USER_ADMIN_ROLES

    return bool(by.active) and bool(by.role_codes & ({"integriteitscoordinator"} | USER_ADMIN_ROLES))


COORDINATOR_ROLE = "integriteitscoordinator"
ONLY_COORDINATOR_OR_ADMIN = ("Alleen de integriteitscoördinator en de functioneel beheerder stellen de "
                             "tweestapsverificatie van een ander opnieuw in.")
GUARDED_FROM_COORDINATOR = ("De tweestapsverificatie van een integriteitscoördinator of een functioneel beheerder "
                            "stelt alleen de functioneel beheerder opnieuw in.")


def why_not_reset_for(by: User, person: User) -> str | None:
    """Why ``by`` may not reset ``person``'s second factor (Dutch), or None. The functional administrator resets
    anyone's; the integrity coordinator only that of staff who hold neither the coordinator's role nor a user
    administrator's: a reset lets the next login enrol a new factor, so the accounts that see reporters'
    identities or hand out roles are reset only by the administrators of accounts. Nobody resets their own here."""
    from engine.identity.roles import USER_ADMIN_ROLES

    if not may_reset_for_others(by):
        return ONLY_COORDINATOR_OR_ADMIN
    if by.id == person.id:
        return "Uw eigen tweestapsverificatie beheert u op de pagina 'Tweestapsverificatie' (/account/tweestapsverificatie)."
    if not by.role_codes & USER_ADMIN_ROLES and person.role_codes & ({COORDINATOR_ROLE} | USER_ADMIN_ROLES):
        return GUARDED_FROM_COORDINATOR
    return None


def reset_for(*, session: Session, user_id: int, by: User | None, actor: str | None = None) -> User:
    """Reset the second factor of ``user_id`` for someone who lost phone and recovery codes: factor and codes gone,
    every session and API token of theirs ended (they log in again and enrol anew), audited. The one door for
    the user pages (``by``: see :func:`why_not_reset_for`) and the CLI (``by`` None, ``actor`` "cli")."""
    from engine.audit import service as audit
    from engine.errors import NotAuthorized
    from engine.identity import service as identity

    if by is not None and not may_reset_for_others(by):
        raise NotAuthorized(ONLY_COORDINATOR_OR_ADMIN)  # before reading the person: nothing told of them
    user = identity.get_user(session=session, user_id=user_id)
    why = why_not_reset_for(by, user) if by is not None else None
    if why:
        raise NotAuthorized(why)
    reset(session=session, user=user)
    identity.end_all_sessions(session=session, user_id=user.id)
    audit.append(session=session, actor=by.username if by is not None else (actor or "cli"),
                 action="tweede_factor_hersteld", details={"gebruiker": user.username})
    return user


def renew_recovery_codes(*, session: Session, user: User, code: str, client_key: str) -> list[str] | None:
    """The user makes new recovery codes (the old ones stop working), after a current code from the app (or a
    recovery code); the new codes are returned once. ``None`` for a wrong code (the attempt is recorded: the caller
    commits it)."""
    from engine.audit import service as audit

    if not is_enrolled(session=session, user=user):
        raise InvalidData([FieldError("code", NOT_ENROLLED)])
    if verify(session=session, user=user, code=code, client_key=client_key) is None:
        return None
    codes = new_recovery_codes(session=session, user=user)
    audit.append(session=session, actor=user.username, action="herstelcodes_vernieuwd", details={})
    return codes


def switch_off(*, session: Session, user: User, code: str, client_key: str) -> bool:
    """The user switches off their own second factor, where the deployment does not require it of them, after a
    current code; ``False`` for a wrong code (recorded: the caller commits). Audited."""
    from engine.audit import service as audit
    from engine.errors import NotAuthorized

    if required_for(user):
        raise NotAuthorized(SWITCH_OFF_REFUSED)
    if not is_enrolled(session=session, user=user):
        raise InvalidData([FieldError("code", NOT_ENROLLED)])
    if verify(session=session, user=user, code=code, client_key=client_key) is None:
        return False
    reset(session=session, user=user)
    audit.append(session=session, actor=user.username, action="tweede_factor_uitgeschakeld", details={})
    return True


# --------------------------------------------------------------------------- verification

def verify(*, session: Session, user: User, code: str, client_key: str) -> str | None:
    """Check a login code of an enrolled ``user``: ``"totp"`` or ``"herstelcode"`` (the recovery code is then used
    up), ``None`` when wrong. ``TooManyAttempts`` before checking anything when this user or address must wait.
    The attempt is recorded in ``session``: the caller commits it, also when it answers 'wrong'."""
    if len(code or "") > MAX_CODE:
        raise InvalidData([FieldError("code", f"De code mag hoogstens {MAX_CODE} tekens bevatten.")])
    _check_allowed(session, user, client_key)
    factor = factor_of(session=session, user=user)
    value = _normalise(code)
    method = None
    if factor is not None and factor.confirmed_at is not None:
        step = _totp_step(factor, value)
        if step is not None:
            factor.last_step = step
            method = "totp"
        elif _use_recovery_code(session, user, value):
            method = "herstelcode"
    _record(session, user, client_key, method is not None)
    return method


def mark_verified(*, web: WebSession) -> None:
    """Record on a browser session that its second factor was verified now."""
    web.pending = False
    web.second_factor_at = now()


def _normalise(code: str | None) -> str:
    return "".join(ch for ch in (code or "").upper() if ch.isalnum())[:MAX_CODE]


def _totp_step(factor: SecondFactor, value: str) -> int | None:
    """The time step whose code ``value`` is (current step or one either side), if not used before."""
    if len(value) != 6 or not value.isdigit():
        return None
    totp = pyotp.TOTP(factor.secret)
    current = totp.timecode(now())
    for step in (current, current - 1, current + 1):
        if factor.last_step is not None and step <= factor.last_step:
            continue
        if hmac.compare_digest(totp.generate_otp(step), value):
            return step
    return None


def _bucket(raw: str) -> int:
    return hashlib.sha256(raw.encode("ascii")).digest()[0]


def _use_recovery_code(session: Session, user: User, value: str) -> bool:
    if len(value) != RECOVERY_LENGTH:
        return False
    rows = session.scalars(select(RecoveryCode).where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None),
                                                      RecoveryCode.bucket == _bucket(value)))
    for row in rows:
        if verify_secret(row.code_hash, value):
            row.used_at = now()
            session.flush()
            return True
    return False


def _account(user: User) -> str:
    return f"gebruiker:{user.id}"


def _check_allowed(session: Session, user: User, client_key: str) -> None:
    ratelimit.check_allowed(session=session, scope=SCOPE, client_key=client_key, account=_account(user),
                            policy=POLICY, message=LOCKED, account_message=ACCOUNT_LOCKED)


def _record(session: Session, user: User, client_key: str, success: bool) -> None:
    ratelimit.record_attempt(session=session, scope=SCOPE, client_key=client_key, account=_account(user),
                             success=success, policy=POLICY)
