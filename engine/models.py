"""Imports every model module so that ``Base.metadata`` knows all tables (Alembic, tests)."""
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
    "documents.models",
    "engine.reports.models",
]


def import_all() -> None:
    for name in MODEL_MODULES:
        try:
            importlib.import_module(name)
        except ModuleNotFoundError as exc:  # a package not written yet
            if exc.name != name:
                raise
