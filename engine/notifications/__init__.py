"""E-mail notifications (issue 22; docs/NOTIFICATIONS.md).

The one door for other modules::

    from engine import notifications
    notifications.enqueue(session, user_id=user.id, kind="werk_teruggegeven", link="/werkvoorraad?tab=open")

writes an outbox row in the caller's transaction (it commits or rolls back with the event), respecting the user's
preference (direct, dagelijks, uit). ``kind`` is one of :data:`KINDS`; ``link`` a path into the product. The
sender worker (``meldpunt mail run``) mails it after commit. A mail says only that there is something, and links to
the product: never a case reference, a name, a category or any other case data.
"""
from __future__ import annotations

from sqlalchemy.orm import Session

from engine.notifications.service import KINDS, MODE_LABELS, preference, set_preference

__all__ = ["KINDS", "MODE_LABELS", "enqueue", "preference", "set_preference"]


def enqueue(session: Session, *, user_id: int, kind: str, link: str) -> None:
    """Notify ``user_id`` of an event of ``kind`` (see :data:`KINDS`) with a ``link`` into the product, in the
    caller's transaction. Nothing is written when the user switched notifications off or has no e-mail address."""
    from engine.notifications import service

    service.enqueue(session, user_id=user_id, kind=kind, link=link)
