"""Where the bytes of a letter live. One small interface, so a content-addressed
file store can replace the database column without touching the service.

Letters are encrypted at rest: a letter to the reporter names them, and most others name the subject, so
every letter is stored AES-256-GCM encrypted under the key ring of ``engine.crypto`` (like the confidential
case fields), bound to the purpose ``letters.content:<sha256 of the plaintext>``. Reading decrypts
transparently; the recorded sha256 stays the hash of the real .docx, so the integrity check is unchanged
(and a ciphertext moved to another letter's row does not decrypt there). Rows stored before encryption
(``storage == "db"``) are encrypted by migration 0014 and still read as they are until then."""
from __future__ import annotations

from typing import Protocol

from sqlalchemy.orm import Session

from documents.models import Letter
from engine.crypto import DecryptionFailed, get_keyring

PLAIN = "db"  # legacy: plain bytes in letters.content
ENCRYPTED = "db-aes-gcm"  # AES-GCM blob (engine.crypto.KeyRing.encrypt_bytes) in letters.content


def letter_purpose(sha256: str) -> str:
    return f"letters.content:{sha256}"


class LetterStore(Protocol):
    name: str

    def put(self, *, session: Session, letter: Letter, content: bytes) -> None:
        """Store ``content`` for the (new, not yet flushed) ``letter``."""

    def get(self, *, session: Session, letter: Letter) -> bytes:
        """The stored bytes of ``letter``."""


class DatabaseStore:
    """Encrypted bytes in the ``letters.content`` column, inside the caller's transaction."""

    name = ENCRYPTED

    def put(self, *, session: Session, letter: Letter, content: bytes) -> None:
        """``letter.sha256`` must already be the hash of ``content`` (the purpose the ciphertext is bound to)."""
        letter.storage = self.name
        letter.content = get_keyring().encrypt_bytes(content, letter_purpose(letter.sha256))

    def get(self, *, session: Session, letter: Letter) -> bytes:
        if letter.storage == ENCRYPTED and letter.content:
            try:
                return get_keyring().decrypt_bytes(letter.content, letter_purpose(letter.sha256))
            except DecryptionFailed:
                return b""  # altered or moved ciphertext: the sha256/size check reports it as damaged
        return letter.content or b""


_store: LetterStore = DatabaseStore()


def get_store() -> LetterStore:
    return _store


def set_store(store: LetterStore) -> LetterStore:
    global _store
    previous, _store = _store, store
    return previous
