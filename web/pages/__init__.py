"""The web pages, one module per concept (as ``api/routers/``); shared page helpers in :mod:`web.pages.common`.

:data:`ROUTERS` lists every page module's router; ``web.install`` mounts them all.
"""
from __future__ import annotations

from web.pages import (auth, cases, intake, letters, processes, records, reporter, reports, reveals, search, staff,
                       tasks, worklist)
from web.pages import admin, audit, confidential_adviser, history_import, role_pages  # noqa: F401 (role_pages: menu)

ROUTERS = tuple(m.router for m in (auth, worklist, search, tasks, cases, intake, reveals, letters, reporter, processes,
                                   reports, records, audit, admin, staff, confidential_adviser, history_import))


def routes() -> list:
    """Every page route (for checks over all of them, e.g. tests/web/test_path_ids.py)."""
    return [route for router in ROUTERS for route in router.routes]
