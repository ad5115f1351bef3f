"""Where the bytes of a letter live. One small interface, so a content-addressed
file store can replace the database column without touching the service."""
from __future__ import annotations

from typing import Protocol

from sqlalchemy.orm import Session

from documents.models import Letter


class LetterStore(Protocol):
    name: str

    def put(self, *, session: Session, letter: Letter, content: bytes) -> None:
        """Store ``content`` for the (new, not yet flushed) ``letter``."""

    def get(self, *, session: Session, letter: Letter) -> bytes:
        """The stored bytes of ``letter``."""


class DatabaseStore:
    """Bytes in the ``letters.content`` column, inside the caller's transaction."""

    name = "db"

    def put(self, *, session: Session, letter: Letter, content: bytes) -> None:
        letter.storage = self.name
        letter.content = content

    def get(self, *, session: Session, letter: Letter) -> bytes:
        return letter.content or b""


_store: LetterStore = DatabaseStore()


def get_store() -> LetterStore:
    return _store


def set_store(store: LetterStore) -> LetterStore:
    global _store
    previous, _store = _store, store
    return previous
