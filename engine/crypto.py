"""Field encryption at rest: AES-256-GCM under a key ring from the environment.

Keys come from ``MELDPUNT_ENCRYPTION_KEYS``: comma-separated, **newest first**, each
the standard or URL-safe base64 encoding of 32 random bytes (``meldpunt keys generate``).
New values are always encrypted under the newest key; older keys only decrypt.
After :func:`rotate` has re-encrypted every encrypted column, old keys can be removed
from the environment, and ciphertexts made under them stop being readable.

Stored format (ASCII, fits a TEXT column)::

    v1:<key id>:<base64url(nonce[12] || ciphertext || tag[16])>

``key id`` is the first 8 hex characters of SHA-256(key): it names the key without
revealing it, so decryption picks the right key without trial and rotation can tell
which values are already under the newest key. The associated data binds a value to
its purpose (e.g. ``"cases.melder_naam"``), so a ciphertext copied into another column
does not decrypt there.

Why AES-GCM and not Fernet: 256-bit keys, associated data for purpose binding, and a
compact format; both are authenticated. Random 96-bit nonces are safe far beyond the
number of values this system will ever encrypt under one key (NIST limit 2^32).

Nothing here logs or puts plaintext into exception messages.
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import secrets
from dataclasses import dataclass
from typing import Iterable

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import Text, bindparam, select, update
from sqlalchemy.orm import Session
from sqlalchemy.types import TypeDecorator

ENV_VAR = "MELDPUNT_ENCRYPTION_KEYS"
VERSION = "v1"
NONCE_BYTES = 12
KEY_BYTES = 32


class CryptoError(Exception):
    """Base class; messages never contain plaintext or key material."""


class EncryptionKeyMissing(CryptoError):
    def __init__(self) -> None:
        super().__init__(
            f"Geen versleutelingssleutel ingesteld: zet {ENV_VAR} (maak er een met 'meldpunt keys generate')."
        )


class InvalidKey(CryptoError):
    pass


class DecryptionFailed(CryptoError):
    def __init__(self, reason: str) -> None:
        super().__init__(f"Ontsleutelen mislukt: {reason}")


def generate_key() -> str:
    """A new random 256-bit key, URL-safe base64 (the format of ``MELDPUNT_ENCRYPTION_KEYS``)."""
    return base64.urlsafe_b64encode(secrets.token_bytes(KEY_BYTES)).decode("ascii")


def _decode_key(text: str) -> bytes:
    text = text.strip()
    padded = text + "=" * (-len(text) % 4)
    try:
        raw = base64.urlsafe_b64decode(padded.replace("+", "-").replace("/", "_"))
    except (binascii.Error, ValueError) as exc:
        raise InvalidKey("Een sleutel in MELDPUNT_ENCRYPTION_KEYS is geen geldige base64.") from exc
    if len(raw) != KEY_BYTES:
        raise InvalidKey("Een sleutel in MELDPUNT_ENCRYPTION_KEYS is geen 32 bytes (256 bits) lang.")
    return raw


def key_id(key: bytes) -> str:
    return hashlib.sha256(key).hexdigest()[:8]


@dataclass(frozen=True)
class KeyRing:
    """Keys newest first. Encrypts under ``keys[0]``, decrypts under any."""

    keys: tuple[bytes, ...]

    @classmethod
    def from_string(cls, value: str) -> "KeyRing":
        parts = [p for p in (value or "").split(",") if p.strip()]
        return cls(tuple(_decode_key(p) for p in parts))

    @property
    def primary_id(self) -> str:
        if not self.keys:
            raise EncryptionKeyMissing()
        return key_id(self.keys[0])

    def _mac_key(self, key: bytes, purpose: str) -> bytes:
        return hmac.new(key, b"meldpunt-mac\x00" + purpose.encode("utf-8"), hashlib.sha256).digest()

    def mac(self, message: str, purpose: str) -> str:
        """A tag that only a holder of the key ring can make for ``message`` (HMAC-SHA256 under a key derived from
        the newest key for ``purpose``; hex, 128 bits)."""
        if not self.keys:
            raise EncryptionKeyMissing()
        return hmac.new(self._mac_key(self.keys[0], purpose), message.encode("utf-8"), hashlib.sha256).hexdigest()[:32]

    def mac_ok(self, message: str, tag: str | None, purpose: str) -> bool:
        """Whether ``tag`` is :meth:`mac` of ``message`` under any key of the ring (a rotated key keeps its tags)."""
        if not tag or not self.keys:
            return False
        return any(hmac.compare_digest(
            hmac.new(self._mac_key(k, purpose), message.encode("utf-8"), hashlib.sha256).hexdigest()[:32], tag)
            for k in self.keys)

    def _by_id(self) -> dict[str, AESGCM]:
        return {key_id(k): AESGCM(k) for k in reversed(self.keys)}  # newest wins a (theoretical) clash

    def encrypt(self, plaintext: str, purpose: str = "") -> str:
        if not self.keys:
            raise EncryptionKeyMissing()
        nonce = secrets.token_bytes(NONCE_BYTES)
        ct = AESGCM(self.keys[0]).encrypt(nonce, plaintext.encode("utf-8"), _aad(purpose))
        blob = base64.urlsafe_b64encode(nonce + ct).decode("ascii").rstrip("=")
        return f"{VERSION}:{self.primary_id}:{blob}"

    def decrypt(self, token: str, purpose: str = "") -> str:
        if not self.keys:
            raise EncryptionKeyMissing()
        try:
            version, kid, blob = token.split(":", 2)
        except ValueError:
            raise DecryptionFailed("onbekend formaat") from None
        if version != VERSION:
            raise DecryptionFailed("onbekende versie")
        cipher = self._by_id().get(kid)
        if cipher is None:
            raise DecryptionFailed("de sleutel van deze waarde staat niet (meer) in de sleutelring")
        try:
            raw = base64.urlsafe_b64decode(blob + "=" * (-len(blob) % 4))
        except (binascii.Error, ValueError):
            raise DecryptionFailed("beschadigde waarde") from None
        if len(raw) < NONCE_BYTES + 16:
            raise DecryptionFailed("beschadigde waarde")
        try:
            data = cipher.decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], _aad(purpose))
        except InvalidTag:
            raise DecryptionFailed("echtheidscontrole mislukt (gewijzigd of verkeerde sleutel)") from None
        return data.decode("utf-8")

    def encrypt_bytes(self, data: bytes, purpose: str = "") -> bytes:
        """``data`` (e.g. a stored .docx) as ``MPE1:<key id>:`` + nonce + ciphertext + tag, purpose-bound."""
        if not self.keys:
            raise EncryptionKeyMissing()
        nonce = secrets.token_bytes(NONCE_BYTES)
        ct = AESGCM(self.keys[0]).encrypt(nonce, data, _aad(purpose))
        return b"%s:%s:" % (BLOB_MAGIC, self.primary_id.encode("ascii")) + nonce + ct

    def decrypt_bytes(self, blob: bytes, purpose: str = "") -> bytes:
        if not self.keys:
            raise EncryptionKeyMissing()
        head = len(BLOB_MAGIC) + 10  # "MPE1:" + 8 hex + ":"
        if len(blob) < head + NONCE_BYTES + 16 or not is_encrypted_blob(blob) or blob[head - 1:head] != b":":
            raise DecryptionFailed("onbekend formaat")
        cipher = self._by_id().get(blob[len(BLOB_MAGIC) + 1:head - 1].decode("ascii", "replace"))
        if cipher is None:
            raise DecryptionFailed("de sleutel van deze waarde staat niet (meer) in de sleutelring")
        try:
            return cipher.decrypt(blob[head:head + NONCE_BYTES], blob[head + NONCE_BYTES:], _aad(purpose))
        except InvalidTag:
            raise DecryptionFailed("echtheidscontrole mislukt (gewijzigd of verkeerde sleutel)") from None

    def is_current_bytes(self, blob: bytes) -> bool:
        """True when ``blob`` is already encrypted under the newest key."""
        return blob.startswith(b"%s:%s:" % (BLOB_MAGIC, self.primary_id.encode("ascii")))

    def is_current(self, token: str) -> bool:
        """True when ``token`` is already encrypted under the newest key."""
        parts = token.split(":", 2)
        return len(parts) == 3 and parts[0] == VERSION and parts[1] == self.primary_id


BLOB_MAGIC = b"MPE1"


def is_encrypted_blob(blob: bytes | None) -> bool:
    return bool(blob) and blob.startswith(BLOB_MAGIC + b":")


def _aad(purpose: str) -> bytes:
    return f"meldpunt:{VERSION}:{purpose}".encode("utf-8")


_keyring: KeyRing | None = None


def load_keyring() -> KeyRing:
    """The key ring from ``MELDPUNT_ENCRYPTION_KEYS`` (read fresh from the environment)."""
    value = os.environ.get(ENV_VAR)
    if value is None:
        from engine.config import Settings

        value = Settings().encryption_keys
    return KeyRing.from_string(value)


def get_keyring() -> KeyRing:
    global _keyring
    if _keyring is None:
        _keyring = load_keyring()
    return _keyring


def set_keyring(ring: KeyRing | None) -> KeyRing | None:
    """Install ``ring`` (``None``: reload from the environment on next use). Returns the previous one."""
    global _keyring
    previous, _keyring = _keyring, ring
    return previous


def encrypt_text(plaintext: str, *, purpose: str = "", keyring: KeyRing | None = None) -> str:
    return (keyring or get_keyring()).encrypt(plaintext, purpose)


def decrypt_text(token: str, *, purpose: str = "", keyring: KeyRing | None = None) -> str:
    return (keyring or get_keyring()).decrypt(token, purpose)


class EncryptedText(TypeDecorator):
    """A TEXT column whose values are stored AES-GCM encrypted.

    ``purpose`` is bound into the ciphertext as associated data (use ``"table.column"``).
    Encrypted columns cannot be searched or sorted in SQL; keep a non-confidential
    projection next to them where lists need one.
    """

    impl = Text
    cache_ok = True

    def __init__(self, purpose: str = "", **kwargs):
        super().__init__(**kwargs)
        self.purpose = purpose

    def process_bind_param(self, value: str | None, dialect):
        if value is None:
            return None
        if not isinstance(value, str):
            raise TypeError("EncryptedText accepts str only")
        return encrypt_text(value, purpose=self.purpose)

    def process_result_value(self, value: str | None, dialect):
        if value is None:
            return None
        return decrypt_text(value, purpose=self.purpose)

    def __repr__(self) -> str:  # keeps Alembic autogenerate output importable
        return f"engine.crypto.EncryptedText(purpose={self.purpose!r})"


def encrypted_columns(metadata=None) -> list[tuple]:
    """``(table, column)`` for every :class:`EncryptedText` column in ``metadata`` (default: all models)."""
    if metadata is None:
        from engine.db import Base
        from engine.models import import_all

        import_all()
        metadata = Base.metadata
    found = []
    for table in metadata.sorted_tables:
        for column in table.columns:
            if isinstance(column.type, EncryptedText):
                found.append((table, column))
    return found


def rotate(*, session: Session, metadata=None, keyring: KeyRing | None = None,
           batch_size: int = 500) -> dict[str, int]:
    """Re-encrypt every encrypted value not yet under the newest key.

    Works on raw column values (no ORM objects), so it never holds more than one
    batch of plaintext in memory. Returns ``{"table.column": rewritten count}``.
    Every old key still in use must be in the ring while this runs; afterwards it
    may be dropped. Idempotent.
    """
    ring = keyring or get_keyring()
    counts: dict[str, int] = {}
    for table, column in encrypted_columns(metadata):
        pk = list(table.primary_key.columns)
        if not pk:
            raise CryptoError(f"tabel {table.name} heeft geen primaire sleutel")
        stmt = select(*pk, _raw(table.c[column.name])).where(table.c[column.name].is_not(None))
        purpose = column.type.purpose
        pending: list[dict] = []
        count = 0
        for row in session.execute(stmt).all():  # read first, then update (safe on every driver)
            value = row[-1]
            if ring.is_current(value):
                continue
            new_value = ring.encrypt(ring.decrypt(value, purpose), purpose)
            params = {f"pk_{i}": row[i] for i in range(len(pk))}
            params["new_value"] = new_value
            pending.append(params)
            if len(pending) >= batch_size:
                count += _flush(session, table, pk, column, pending)
        count += _flush(session, table, pk, column, pending)
        counts[f"{table.name}.{column.name}"] = count
    if metadata is None:
        counts["letters.content"] = rotate_letters(session=session, keyring=ring)
    return counts


def rotate_letters(*, session: Session, keyring: KeyRing | None = None) -> int:
    """Re-encrypt stored letters (``documents.storage``) not yet under the newest key; one row at a time."""
    from sqlalchemy import column, table

    ring = keyring or get_keyring()
    letters = table("letters", column("id"), column("sha256"), column("storage"), column("content"))
    ids = session.execute(select(letters.c.id).where(letters.c.storage == "db-aes-gcm").order_by(letters.c.id))
    count = 0
    for (letter_id,) in ids.all():
        sha256, blob = session.execute(select(letters.c.sha256, letters.c.content)
                                       .where(letters.c.id == letter_id)).one()
        if blob is None or ring.is_current_bytes(blob):
            continue
        purpose = f"letters.content:{sha256}"
        session.connection().execute(update(letters).where(letters.c.id == letter_id).values(
            content=ring.encrypt_bytes(ring.decrypt_bytes(blob, purpose), purpose)))
        count += 1
    return count


def _raw(column):
    """The column's stored (ciphertext) value, bypassing the TypeDecorator."""
    from sqlalchemy import type_coerce

    return type_coerce(column, Text).label("raw")


def _flush(session: Session, table, pk: Iterable, column, pending: list[dict]) -> int:
    if not pending:
        return 0
    pk = list(pk)
    cond = [c == bindparam(f"pk_{i}") for i, c in enumerate(pk)]
    stmt = (
        update(table)
        .where(*cond)
        .values({column.name: bindparam("new_value", type_=Text)})
        .execution_options(synchronize_session=False)
    )
    n = len(pending)
    session.connection().execute(stmt, list(pending))
    pending.clear()
    return n
