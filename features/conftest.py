"""Compliance scenarios: fixtures shared with tests/ (database, frozen clock) and the Dutch step library."""
from pathlib import Path

import pytest

from tests.conftest import _encryption_keyring, _schema, clock, database_url, db  # noqa: F401  (fixtures)
from tests.conftest import pytest_collection_modifyitems as _mark_db

from features.steps.common import *  # noqa: F401,F403  (registers every step)


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
