"""The web pages, one module per concept (as ``api/routers/``); shared page helpers in :mod:`web.pages.common`.

:data:`ROUTERS` lists every page module's router; ``web.install`` mounts them all.
"""
from __future__ import annotations

from web.pages import auth, cases, letters, processes, records, reporter, reports, search, tasks, worklist

ROUTERS = tuple(m.router for m in (auth, worklist, search, tasks, cases, letters, reporter, processes, reports, records))


def routes() -> list:
    """Every page route (for checks over all of them, e.g. tests/web/test_path_ids.py)."""
    return [route for router in ROUTERS for route in router.routes]
