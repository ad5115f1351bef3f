"""Compliance scenarios: fixtures shared with tests/ (database, frozen clock) and the Dutch step library."""
from pathlib import Path

import pytest

from tests.conftest import _encryption_keyring, _schema, clock, database_url, db  # noqa: F401  (fixtures)
from tests.conftest import pytest_collection_modifyitems as _mark_db

import importlib
import pkgutil

import features.steps as _steps_pkg

# Every module under features/steps/ registers its steps here (as ``from module import *`` would), so a new
# step module needs no change to this file.
for _info in pkgutil.iter_modules(_steps_pkg.__path__):
    _module = importlib.import_module(f"features.steps.{_info.name}")
    globals().update({k: v for k, v in vars(_module).items() if not k.startswith("_")})


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    """Mark database tests (as in tests/; every scenario uses the database) and let ``-k <feature file name>`` select one feature file."""
    _mark_db(config, items)
    for item in items:
        from pytest_bdd.scenario import scenario_wrapper_template_registry
        func = getattr(item, "obj", None)
        scenario = scenario_wrapper_template_registry.get(func) if func is not None else None
        if scenario is not None:
            item.extra_keyword_matches.add(Path(scenario.feature.filename).stem)
            # steps get their fixtures at run time, so mark every scenario as a database test explicitly
            if not item.get_closest_marker("db"):
                item.add_marker(pytest.mark.db)
