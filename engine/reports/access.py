"""Who may read which management report (issue 9): one decision per report, asked by the API
(``api/routers/reports.py``), the pages (``web/pages/reports.py``) and the reports' menu on those pages.

* The annual annex and the Woo overview: organisation figures, for the integrity coordinator and Bureau Veiligheid
  en Integriteit (DOMAIN §2: the coordinator reports to management).
* The dashboard (deadlines and throughput): also the competent authority; it shows only the cases the user may
  see (``engine.reports.dashboard``).
* The confidential advisers' tables: ``engine.reports.vp``; monthly overviews: ``engine.reports.monthly``;
  organisational units: ``engine.reports.service``; the register's tile: ``engine.register.access``.

Every report is made for its reader: a case the reader is excluded from (reporter, subject, the subject's line
manager, a handler the reporter excluded: ``engine.identity.access.counted_condition``) is in none of its figures
and rows, as if it did not exist for them. The annex or Woo overview an excluded coordinator makes therefore lacks
that case; the one to publish is made by a colleague (the command line, without a reader, counts every case).
"""
from __future__ import annotations

from engine.errors import NotAuthorized
from engine.identity.models import User

ANNEX_ROLES = frozenset({"integriteitscoordinator", "bureau_vi"})
DASHBOARD_ROLES = ANNEX_ROLES | {"bevoegd_gezag"}
REFUSED = "U heeft geen rol die deze rapportage mag inzien."


def may_read_annex(user: User) -> bool:
    """The annual annex and the Woo overview."""
    return bool(user.active) and bool(user.role_codes & ANNEX_ROLES)


def require_annex_reader(user: User) -> None:
    if not may_read_annex(user):
        raise NotAuthorized(REFUSED)


def may_read_dashboard(user: User) -> bool:
    return bool(user.active) and bool(user.role_codes & DASHBOARD_ROLES)


def require_dashboard_reader(user: User) -> None:
    if not may_read_dashboard(user):
        raise NotAuthorized(REFUSED)
