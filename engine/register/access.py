"""Who may use the register of critical and risky functions (issue 24); the API and the web pages ask here.

Readers of the whole register: the security adviser (who keeps it), the management team, and the integrity
coordinator and Bureau Veiligheid en Integriteit (for the annual self-analysis). A manager (role leidinggevende)
reads the functions of their own team only. The rotation overview names people: adviser, management team and
Bureau V&I. Starting an inventory and recording who holds a function: the security adviser. The register holds
nothing of any integrity case, so reading it reveals none."""
from __future__ import annotations

from engine.errors import NotAuthorized
from engine.identity.models import User

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


def require_rotation_reader(user: User) -> None:
    if not user.role_codes & ROTATION_READERS:
        raise NotAuthorized("Alleen de beveiligingsadviseur, het managementteam en Bureau Veiligheid en "
                            "Integriteit zien wie een meest risicovolle functie vervult.")


def may_keep(user: User) -> bool:
    return bool(user.role_codes & KEEPERS)


def require_keeper(user: User) -> None:
    if not user.role_codes & KEEPERS:
        raise NotAuthorized("Alleen de beveiligingsadviseur houdt het register bij.")
