"""The web pages, one module per concept (as ``api/routers/``); shared page helpers in :mod:`web.pages.common`.

:data:`ROUTERS` lists every page module's router; ``web.install`` mounts them all.
"""
from __future__ import annotations

from web.pages import (account, auth, cases, intake, letters, modeller, oidc, processes, records, register, reporter,
                       reports, reveals, search, second_factor, staff, tasks, worklist)
from web.pages import admin, audit, confidential_adviser, history_import, incidents, rehearsal, role_pages  # noqa: F401 (role_pages: menu)

ROUTERS = tuple(m.router for m in (auth, oidc, second_factor, worklist, search, tasks, cases, intake, reveals, letters,
                                   reporter, modeller, processes, reports, records, audit, admin, staff,
                                   confidential_adviser, history_import, incidents, rehearsal, account, register))


def routes() -> list:
    """Every page route (for checks over all of them, e.g. tests/web/test_path_ids.py)."""
    return [route for router in ROUTERS for route in router.routes]
