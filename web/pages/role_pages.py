"""The pages of roles that have no case work (issue 17): which of them a user may open, for the main menu and the
worklist, and a Dutch date-time for their tables. The other menu items that depend on a role (reports, the
register, the archive, processes, users) ask the engine too, through ``mag`` in the templates.

Each link is shown exactly when the engine's decision for that page lets the user in (the same functions the
pages and the API call), so a menu item never leads to a refusal.
"""
from __future__ import annotations

from datetime import datetime

from engine import legal_terms
from types import SimpleNamespace

from engine.audit.trail import may_read_audit
from engine.identity import access
from engine.identity.admin import may_manage_users
from engine.identity.models import User
from engine.incidents.service import may_see_incidents
from engine.processes.service import may_manage_processes
from engine.register import access as register_access
from engine.reports import access as report_access, importer, vp
from engine.reports.service import may_manage_units
from engine.staff.service import may_hand_over_work
from web.pages.common import templates

MONTHS = ("januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september", "oktober",
          "november", "december")


def role_pages(user: User | None) -> list[tuple[str, str]]:
    """(address, Dutch label) of every role page ``user`` may open."""
    if user is None:
        return []
    pages = []
    if vp.may_register(user):
        pages.append(("/vertrouwenspersoon", "Registraties vertrouwenspersoon"))
    if may_read_audit(user):
        pages.append(("/audit", "Audittrail"))
    if may_manage_users(user):
        pages.append(("/gebruikers", "Gebruikers"))
    if may_hand_over_work(user):
        pages.append(("/medewerkers", "Medewerkers"))
    if may_manage_units(user):
        pages.append(("/dienstonderdelen", "Dienstonderdelen"))
    if importer.may_import(user):
        pages.append(("/import", "Historische zaken importeren"))
    if may_see_incidents(user):
        pages.append(("/incidenten", "Incidenten"))
    return pages


def moment(value: datetime | None) -> str:
    """'15 december 2026, 10:00' in Europe/Amsterdam."""
    if value is None:
        return "—"
    local = value.astimezone(legal_terms.AMSTERDAM)
    return f"{local.day} {MONTHS[local.month - 1]} {local.year}, {local:%H:%M}"


# The engine's decisions behind the main menu's other items, for the templates (``{% if mag.archief(user) %}``):
# each the decision its page asks first, so a link never leads to a refusal and no role is named in a template.
MENU_DECISIONS = SimpleNamespace(
    rapportages=report_access.may_read_dashboard,  # /rapportages (web.pages.reports)
    risicofuncties=lambda user: bool(user.active) and register_access.may_read(user),  # /risicofuncties
    archief=access.may_read_records,  # /bewaartermijnen (web.pages.records)
    processen=may_manage_processes,  # /processen (web.pages.processes)
    gebruikers=may_manage_users,  # /gebruikers (web.pages.admin)
)

templates.env.globals["rolpaginas"] = role_pages
templates.env.globals["mag"] = MENU_DECISIONS
templates.env.filters["tijdstip_nl"] = moment
