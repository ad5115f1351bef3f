"""Demo users: at least one for every role (``meldpunt demo`` and scenario tests use this).

Separation of duties needs more than one person for some roles (two investigators,
a jurist for the objection who did nothing else in the case), so those roles get two.
Idempotent: existing usernames are left alone.
"""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.identity import service as identity
from engine.identity.models import User

DEMO_UNIT = "Douane"

# username, display name, roles, unit, manager username
DEMO_USERS: list[tuple[str, str, list[str], str | None, str | None]] = [
    ("directeur", "Dirk Directeur", ["bevoegd_gezag"], DEMO_UNIT, None),
    ("teamleider", "Tamara Teamleider", [], DEMO_UNIT, "directeur"),
    ("medewerker", "Mehmet Medewerker", [], DEMO_UNIT, "teamleider"),
    ("meldpunt", "Mila Meldpunt", ["meldpunt"], DEMO_UNIT, None),
    ("coordinator", "Cor Coördinator", ["integriteitscoordinator"], DEMO_UNIT, None),
    ("onderzoeker1", "Olga Onderzoeker", ["onderzoeker"], None, None),
    ("onderzoeker2", "Otto Onderzoeker", ["onderzoeker"], None, None),
    ("hr", "Hanna HR-adviseur", ["hr_adviseur"], None, None),
    ("jurist1", "Jan Jurist", ["jurist"], None, None),
    ("jurist2", "Julia Jurist", ["jurist"], None, None),
    ("vertrouwenspersoon", "Vera Vertrouwenspersoon", ["vertrouwenspersoon"], None, None),
    ("bvi", "Bas Bureau VI", ["bureau_vi"], None, None),
    ("procesbeheerder", "Petra Procesbeheerder", ["procesbeheerder"], None, None),
    ("auditor", "Aad Auditor", ["auditor"], None, None),
    ("beheerder", "Bea Beheerder", ["functioneel_beheerder"], None, None),
    # the risk inventory's lanes (issue 24): the manager keeps the register of the team
    ("leidinggevende", "Lotte Leidinggevende", ["leidinggevende"], DEMO_UNIT, "directeur"),
    ("dlso", "Bram Beveiligingsadviseur", ["beveiligingsadviseur"], None, None),
    ("mtlid", "Mirjam MT-lid", ["managementteam"], DEMO_UNIT, None),
]


def ensure_demo_users(*, session: Session, password: str | None) -> list[User]:
    """Create the demo users that do not exist yet; returns all of them, in list order."""
    users: dict[str, User] = {}
    for username, name, roles, unit, manager in DEMO_USERS:
        existing = session.scalar(select(User).where(User.username == username))
        if existing is None:
            existing = identity.create_user(session=session, username=username, display_name=name, roles=roles,
                                            unit=unit, manager_id=users[manager].id if manager else None,
                                            password=password)
        users[username] = existing
    return list(users.values())
