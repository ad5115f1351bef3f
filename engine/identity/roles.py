"""The role catalogue and who oversees which organisational unit.

Case roles are the lanes of the process set (``processes/manifest.json`` ``roles``);
three more roles exist outside any case:

* ``procesbeheerder`` (process owner): validates and deploys process versions.
* ``auditor``: reads the audit trail; sees no case content.
* ``functioneel_beheerder`` (functional administrator): manages user accounts and
  tokens of others; sees no case content.

Oversight ("need to know" beyond one's own tasks): a user holding an oversight role
sees the cases of their own unit; the same role with no unit (``unit is None``) means
organisation-wide oversight. Oversight roles: ``integriteitscoordinator`` (coordinates
the cases of their unit) and ``bureau_vi`` (the security and integrity bureau, usually
organisation-wide). No other role grants oversight: an investigator, adviser or the
competent authority sees a case only through a task or an assignment in it.
"""
from __future__ import annotations

CASE_ROLES: dict[str, str] = {
    "meldpunt": "Meldpunt",
    "integriteitscoordinator": "Integriteitscoördinator",
    "onderzoeker": "Onderzoeker",
    "bevoegd_gezag": "Bevoegd gezag",
    "hr_adviseur": "HR-adviseur",
    "jurist": "Jurist",
    "vertrouwenspersoon": "Vertrouwenspersoon",
    "bureau_vi": "Bureau Veiligheid en Integriteit",
}

SYSTEM_ROLES: dict[str, str] = {
    "procesbeheerder": "Procesbeheerder",
    "auditor": "Auditor",
    "functioneel_beheerder": "Functioneel beheerder",
}

ROLES: dict[str, str] = {**CASE_ROLES, **SYSTEM_ROLES}

OVERSIGHT_ROLES: frozenset[str] = frozenset({"integriteitscoordinator", "bureau_vi"})

# Roles that may see the reporter's identity of a case they are entitled to see (DOMAIN §4).
IDENTITY_ROLES: frozenset[str] = frozenset({"meldpunt", "integriteitscoordinator"})

# Roles that redact the report's substance for the case workers (engine.cases.field_classes; the desk).
REDACTION_ROLES: frozenset[str] = frozenset({"meldpunt"})

# The reporting desk: who writes to the reporter and reads her messages (the messages identify her), and who registers
# a report for the organisation (engine.intake.staff): the desk and the coordinator.
DESK_ROLES: frozenset[str] = frozenset({"meldpunt", "integriteitscoordinator"})

# Who takes reports in (staff intake, engine.intake): the desk and the confidential adviser (vertrouwenspersoon), who
# may pass a report on. Whoever files a report without one of these roles is its reporter or a line manager.
INTAKE_ROLES: frozenset[str] = DESK_ROLES | {"vertrouwenspersoon"}

USER_ADMIN_ROLES: frozenset[str] = frozenset({"functioneel_beheerder"})

# Who may export the case list (CSV/XLSX; engine.cases.export): the oversight roles, who report on the cases of
# their unit or organisation (DOMAIN §2: the coordinator "reports to management"). A bulk copy leaves the system's
# need-to-know checks behind, so it is not for those who see a case only through their own tasks (DOMAIN §2:
# too-broad authorisations are themselves an integrity risk); the system roles see no cases at all.
EXPORT_ROLES: frozenset[str] = OVERSIGHT_ROLES


def known_roles() -> dict[str, str]:
    """Role code → Dutch label; adds roles of the deployed manifest when it names more."""
    roles = dict(ROLES)
    try:  # the manifest is owned by process owners; tolerate its absence
        import json

        from engine.config import get_settings

        manifest = get_settings().processes_dir / "manifest.json"
        if manifest.is_file():
            roles.update({k: v for k, v in json.loads(manifest.read_text("utf-8")).get("roles", {}).items()
                          if isinstance(k, str) and isinstance(v, str)})
    except (OSError, ValueError):
        pass
    return roles


def oversees_unit(*, roles: set[str], user_unit: str | None, case_unit: str | None) -> bool:
    """Does a user with ``roles`` in ``user_unit`` oversee a case of ``case_unit``?"""
    if not roles & OVERSIGHT_ROLES:
        return False
    return user_unit is None or (case_unit is not None and user_unit == case_unit)
