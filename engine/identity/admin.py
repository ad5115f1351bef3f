"""User administration by the functional administrator: the one door for ``api/routers/users.py`` and the
page ``web/pages/admin.py`` (issue 17).

Only holders of :data:`~engine.identity.roles.USER_ADMIN_ROLES` list, add and disable accounts; every change is an
event in the audit trail (no password in it, ever). The rules of the account itself (username, roles, password
length) stay in :mod:`engine.identity.service`.
"""
from __future__ import annotations

from sqlalchemy.orm import Session

from engine.audit import service as audit
from engine.errors import NotAuthorized
from engine.identity import service as identity
from engine.identity.models import User
from engine.identity.roles import USER_ADMIN_ROLES


def may_manage_users(user: User) -> bool:
    return bool(user.active) and bool(user.role_codes & USER_ADMIN_ROLES)


def require_user_admin(user: User) -> None:
    if not may_manage_users(user):
        raise NotAuthorized("Alleen de functioneel beheerder beheert gebruikers.")


def list_users(*, session: Session, by: User, limit: int | None = None, after: str | None = None) -> list[User]:
    """Users by username; a page of ``limit`` after the username ``after`` (keyset)."""
    require_user_admin(by)
    return identity.list_users(session=session, limit=limit, after=after)


def get_user(*, session: Session, by: User, user_id: int) -> User:
    require_user_admin(by)
    return identity.get_user(session=session, user_id=user_id)


def add_user(*, session: Session, by: User, username: str, display_name: str, roles: list[str],
             unit: str | None = None, manager_id: int | None = None, password: str | None = None,
             email: str | None = None) -> User:
    require_user_admin(by)
    user = identity.create_user(session=session, username=username, display_name=display_name, roles=roles,
                                unit=unit, manager_id=manager_id, password=password, email=email)
    audit.append(session=session, actor=by.username, action="gebruiker_toegevoegd",
                 details={"gebruiker_id": user.id, "rollen": sorted(user.role_codes)})
    return user


def disable_user(*, session: Session, by: User, user_id: int) -> User:
    """Block the account: it can no longer log in, and its tokens and sessions end at once."""
    require_user_admin(by)
    user = identity.disable_user(session=session, user_id=user_id)
    audit.append(session=session, actor=by.username, action="gebruiker_geblokkeerd",
                 details={"gebruiker_id": user.id})
    return user
