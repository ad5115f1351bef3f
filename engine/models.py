"""The one list of model modules: importing ``engine`` imports them all, so ``Base.metadata`` always knows
every table (CLI, server, worker, bench, Alembic, tests). A test fails when a module that defines a mapped
class is missing here (tests/engine/test_model_registry.py)."""
from __future__ import annotations

import importlib

MODEL_MODULES = [
    "engine.identity.models",
    "engine.processes.models",
    "engine.cases.models",
    "engine.worklist.models",
    "engine.timers.models",
    "engine.audit.models",
    "engine.intake.models",
    "engine.cases.reveal_models",
    "engine.cases.search_models",
    "documents.models",
    "engine.reports.models",
    "engine.records.models",
    "engine.incidents.models",
    "engine.notifications.models",
    "engine.staff.models",
    "engine.letter_outbox.models",
    "engine.contact.models",
    "engine.register.models",
]


def import_all() -> None:
    """Import every model module (idempotent). Called by ``engine/__init__.py``; a missing module is an error."""
    for name in MODEL_MODULES:
        importlib.import_module(name)
