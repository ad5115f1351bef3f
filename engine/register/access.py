"""Who may use the register of critical and risky functions (issue 24); the API and the web pages ask here.

Readers of the whole register: the security adviser (who keeps it), the management team, and the integrity
coordinator and Bureau Veiligheid en Integriteit (for the annual self-analysis). A manager (role leidinggevende)
reads the functions of their own team only. The rotation overview names people: adviser, management team and
Bureau V&I. Starting an inventory and recording who holds a function: the security adviser. The register holds
nothing of any integrity case, so reading it reveals none."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.errors import NotAuthorized, NotFound
from engine.identity.models import User
from engine.register.models import RegisterFunction

ADVISER = "beveiligingsadviseur"
MANAGER = "leidinggevende"
READERS = frozenset({ADVISER, "managementteam", "integriteitscoordinator", "bureau_vi"})
ROTATION_READERS = frozenset({ADVISER, "managementteam", "bureau_vi"})
KEEPERS = frozenset({ADVISER})


def team_scope(user: User) -> str | None:
    """``None``: the whole register; a team name: only that team's functions. Refuses everyone else."""
    if user.role_codes & READERS:
        return None
    if MANAGER in user.role_codes and user.unit:
        return user.unit
    raise NotAuthorized("U heeft geen rol die het register van risicovolle functies mag inzien.")


def may_read(user: User) -> bool:
    return bool(user.role_codes & READERS) or (MANAGER in user.role_codes and bool(user.unit))


def may_read_whole(user: User) -> bool:
    """The whole register, not one team's part (e.g. the register's tile on the reports dashboard)."""
    return bool(user.role_codes & READERS)


def readable_function(*, session: Session, user: User, function_id: int) -> RegisterFunction:
    """A function of the register ``user`` may read (:func:`team_scope`: a manager, only the own team's), with its
    assessments; a function of another team is not found, like one that does not exist. Refuses a non-reader."""
    team = team_scope(user)
    function = session.get(RegisterFunction, function_id)
    if function is None or (team is not None and function.team != team):
        raise NotFound("Functie niet gevonden.")
    return function


def functions_to_hold(*, session: Session, user: User) -> list[RegisterFunction]:
    """Every function of the register, by team and name: the choice when the keeper records who holds one."""
    require_keeper(user)
    return list(session.scalars(select(RegisterFunction).order_by(RegisterFunction.team, RegisterFunction.name)))


def require_rotation_reader(user: User) -> None:
    if not user.role_codes & ROTATION_READERS:
        raise NotAuthorized("Alleen de beveiligingsadviseur, het managementteam en Bureau Veiligheid en "
                            "Integriteit zien wie een meest risicovolle functie vervult.")


def may_keep(user: User) -> bool:
    return bool(user.role_codes & KEEPERS)


def require_keeper(user: User) -> None:
    if not user.role_codes & KEEPERS:
        raise NotAuthorized("Alleen de beveiligingsadviseur houdt het register bij.")
