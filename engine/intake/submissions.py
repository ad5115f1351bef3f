"""A report form sent twice files one report.

A reporter who double-clicks "Melding versturen", or whose browser sends the form again after a lost answer,
would otherwise file two reports with two receipt codes and see only the second: the first report then sits with
the desk under a code nobody has, and the desk handles the same report twice. Every report form therefore carries
a one-time form key (:func:`new_key`, a hidden field of the web forms; the ``Idempotency-Key`` header of the API).
The first send with a key files the report; a second send with the same key and the same content files nothing and
answers as the first did (the same case, and within :data:`REPLAY_WINDOW` the same receipt code); the same key with
other content is refused with a Dutch message (the form was sent already; a new report needs a new form).

What is kept (``form_submissions``): the key's SHA-256, a MAC of the content keyed by the form key, the case, and
for :data:`REPLAY_WINDOW` the receipt code sealed (AES-GCM) under a key derived from the form key. The database
alone therefore opens no code and tells nothing about what was sent; the code is wiped after the window (a second
send later gets the case, not the code: whoever holds an old form page, on a shared computer, cannot read the
reporter's code from it), and the row goes after :data:`KEY_KEPT` or with its case's destruction.

The key row is written first in the report's transaction, so a concurrent second send waits on its unique index
(PostgreSQL) or on the database's write lock (SQLite) and then answers from it: one report, whatever the timing.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
import secrets
from dataclasses import dataclass
from datetime import timedelta

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from engine.clock import now
from engine.errors import FieldError, InvalidData
from engine.intake.models import FormSubmission

FIELD = "verzendkenmerk"  # the web forms' hidden field
HEADER = "Idempotency-Key"  # the API's header (IETF draft "The Idempotency-Key HTTP Header Field")
REPLAY_WINDOW = timedelta(minutes=5)  # as long as the receipt page's one-time cookie lives
KEY_KEPT = timedelta(hours=24)
_KEY = re.compile(r"[A-Za-z0-9_\-]{16,128}")

BAD_KEY = ("Het verzendkenmerk van het formulier is ongeldig. Laad het formulier opnieuw en verstuur het nog eens "
           "(16 tot 128 letters, cijfers, - of _).")
OTHER_CONTENT = ("Dit formulier is al verstuurd: de melding is ontvangen. Wilt u iets aanvullen, doe dat dan op "
                 "‘Mijn melding’ met uw ontvangstcode. Is dit een nieuwe melding, verstuur het formulier dan "
                 "opnieuw.")


@dataclass(frozen=True)
class Replay:
    """What the first send of this form answered: its case and, within the window, its receipt code (raw)."""

    case_id: int | None
    receipt_code: str | None


class Claim:
    """The key row of this send, written at the start of the report's transaction; :meth:`seal` completes it."""

    def __init__(self, row: FormSubmission, key: str):
        self._row, self._key = row, key

    def seal(self, session: Session, *, case_id: int, receipt_code: str | None) -> None:
        self._row.case_id = case_id
        if receipt_code:
            nonce = os.urandom(12)
            self._row.sealed_code = nonce + AESGCM(_seal_key(self._key)).encrypt(nonce, receipt_code.encode(), None)
        session.flush()


def new_key() -> str:
    """A fresh form key for one form page."""
    return secrets.token_urlsafe(32)


def checked_key(key: str | None, *, field: str = FIELD) -> str | None:
    """The key as sent, or None when none was sent (a form without one files as before); a malformed key is a
    Dutch 422 on ``field``."""
    if key is None or key == "":
        return None
    if not isinstance(key, str) or not _KEY.fullmatch(key):
        raise InvalidData([FieldError(field, BAD_KEY)], detail=BAD_KEY)
    return key


def content_digest(*parts) -> bytes:
    """A digest of what was sent (fields, files' names and contents, choices), order-independent for dicts."""
    def norm(value):
        if isinstance(value, bytes):
            return {"sha256": hashlib.sha256(value).hexdigest()}
        if isinstance(value, dict):
            return {str(k): norm(v) for k, v in sorted(value.items(), key=lambda kv: str(kv[0]))}
        if isinstance(value, (list, tuple)):
            return [norm(v) for v in value]
        return value

    text = json.dumps([norm(p) for p in parts], ensure_ascii=False, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).digest()


def _key_hash(key: str) -> bytes:
    return hashlib.sha256(b"meldpunt-formulier\0" + key.encode()).digest()


def _mac(key: str, digest: bytes) -> bytes:
    return hmac.new(key.encode(), digest, hashlib.sha256).digest()


def _seal_key(key: str) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
                info=b"meldpunt form submission receipt code").derive(key.encode())


def _answer(row: FormSubmission, key: str, digest: bytes) -> Replay:
    if not hmac.compare_digest(row.content_mac, _mac(key, digest)):
        raise InvalidData([FieldError(FIELD, OTHER_CONTENT)], detail=OTHER_CONTENT)
    code = None
    if row.sealed_code and now() - row.created_at <= REPLAY_WINDOW:
        try:
            code = AESGCM(_seal_key(key)).decrypt(row.sealed_code[:12], row.sealed_code[12:], None).decode()
        except InvalidTag:
            code = None
    return Replay(row.case_id, code)


def expire(session: Session) -> None:
    """Wipe sealed codes past the window and forget keys past :data:`KEY_KEPT` (indexed on ``created_at``): at
    every report and every sweep of the timer worker."""
    moment = now()
    due = (((FormSubmission.created_at < moment - REPLAY_WINDOW) & FormSubmission.sealed_code.is_not(None))
           | (FormSubmission.created_at < moment - KEY_KEPT))
    if session.scalar(select(FormSubmission.id).where(due).limit(1)) is None:
        return  # nothing to do: no write (the timer worker asks every few seconds)
    session.execute(update(FormSubmission).where(FormSubmission.created_at < moment - REPLAY_WINDOW,
                                                 FormSubmission.sealed_code.is_not(None))
                    .values(sealed_code=None).execution_options(synchronize_session=False))
    session.execute(delete(FormSubmission).where(FormSubmission.created_at < moment - KEY_KEPT)
                    .execution_options(synchronize_session=False))


def earlier(session: Session, key: str | None, digest: bytes) -> Replay | None:
    """The answer of an earlier send of this form, if there was one (read only; for the checks before filing)."""
    if key is None:
        return None
    row = session.scalar(select(FormSubmission).where(FormSubmission.key_hash == _key_hash(key)))
    return _answer(row, key, digest) if row is not None and row.case_id is not None else None


def claim(session: Session, key: str | None, digest: bytes) -> Claim | Replay | None:
    """At the start of the report's transaction: the key row of this send (``Claim``: file the report, then
    ``seal``), or the first send's answer (``Replay``: file nothing), or None without a key. A concurrent send
    with the same key waits here until the first commits and then gets its answer."""
    if key is None:
        return None
    expire(session)
    found = earlier(session, key, digest)
    if found is not None:
        return found
    row = FormSubmission(key_hash=_key_hash(key), content_mac=_mac(key, digest), created_at=now())
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError:  # the same form, sent at the same moment, committed first
        session.expire_all()
        found = earlier(session, key, digest)
        if found is None:
            raise
        return found
    return Claim(row, key)
