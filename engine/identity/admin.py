"""User administration by the functional administrator: the one door for ``api/routers/users.py`` and the
page ``web/pages/admin.py`` (issue 17).

Only holders of :data:`~engine.identity.roles.USER_ADMIN_ROLES` list, add, change and disable accounts; every change is an
event in the audit trail (no password in it, ever). The rules of the account itself (username, roles, password
length) stay in :mod:`engine.identity.service`.
"""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.audit import service as audit
from engine.errors import FieldError, InvalidData, NotAuthorized
from engine.identity import service as identity
from engine.identity.models import User, UserRole
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
    """Block the account: it can no longer log in, and its tokens and sessions end at once; its claimed tasks go
    back to the pool and the coordinators are told (``engine.staff.service.disable_account``)."""
    from engine.staff import service as staff

    require_user_admin(by)
    user, _ = staff.disable_account(session=session, user_id=user_id, actor=by.username)
    return user


def change_user(*, session: Session, by: User, user_id: int, roles: list[str], unit: str | None = None,
                manager_id: int | None = None) -> tuple[User, int]:
    """Set a user's roles, unit and manager; returns (user, number of tasks handed back to the pool).

    Everything is checked before anything changes. A role taken away takes its work with it: the user's claimed
    open tasks of that role go back to the role's pool (their drafts discarded), each audited, so nobody keeps
    working a case in a role they no longer hold. An administrator cannot take away their own administrator role
    (the organisation would be left without one by a slip)."""
    from engine.worklist import service as worklist

    require_user_admin(by)
    user = identity.get_user(session=session, user_id=user_id)
    errors = []
    try:
        codes = identity.validate_roles(list(roles))
    except InvalidData as exc:
        errors += exc.errors
        codes = sorted(user.role_codes)
    if user.id == by.id and (user.role_codes & USER_ADMIN_ROLES) and not (set(codes) & USER_ADMIN_ROLES):
        errors.append(FieldError("roles", "U kunt uw eigen rol van functioneel beheerder niet intrekken; "
                                          "laat een andere beheerder dat doen."))
    if manager_id is not None and (manager_id == user.id or session.get(User, manager_id) is None):
        errors.append(FieldError("manager_id", "Kies een andere bestaande medewerker als leidinggevende."))
    unit = " ".join((unit or "").split()) or None
    if unit is not None and len(unit) > 200:
        errors.append(FieldError("unit", "Het dienstonderdeel is te lang (hoogstens 200 tekens)."))
    if errors:
        raise InvalidData(errors)
    before = sorted(user.role_codes)
    new_manager = manager_id is not None and manager_id != user.manager_id
    user.roles = [UserRole(role=r) for r in codes]
    user.unit, user.manager_id = unit, manager_id
    released = 0
    taken_away = set(before) - set(codes)
    if taken_away:
        released = len(worklist.release_claims(session=session, user=user, actor=by.username,
                                               reason="rol ingetrokken", roles=taken_away))
    if new_manager:  # the new manager is now a party of every case about this user (access.EXCLUDED_PARTIES)
        from engine.cases.models import CaseParty
        from engine.staff import service as staff

        subject_of = set(session.scalars(select(CaseParty.case_id).where(CaseParty.user_id == user.id,
                                                                         CaseParty.party == "betrokkene")))
        released += len(staff.release_party_claims(session, user_ids={manager_id}, case_ids=subject_of,
                                                   actor=by.username))
    session.flush()
    audit.append(session=session, actor=by.username, action="gebruiker_gewijzigd",
                 details={"gebruiker_id": user.id, "rollen": codes, "eerder": before, "vrijgegeven": released})
    return user, released
