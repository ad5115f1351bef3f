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


class OnbekendeZin(Exception):
    """A scenario sentence that matches no step; the message names the file, the line and the nearest sentences."""


_MARKERS: set[str] = set()


def pytest_configure(config):
    _MARKERS.update(line.split(":", 1)[0].strip() for line in config.getini("markers"))
    # The suite's speed plugins (tests/conftest.py) also for `meldpunt scenarios`, which empties pyproject's addopts.
    for name in ("tests.argon2_memo", "tests.parse_memo"):
        if not config.pluginmanager.has_plugin(name) and not config.pluginmanager.is_blocked(name):
            config.pluginmanager.import_plugin(name)


def pytest_bdd_apply_tag(tag, function):
    """A scenario tag (``@wet:Wbk-art2a``, ``@L7``) is a label for ``meldpunt scenarios @tag``, not a pytest marker
    (so ``--strict-markers`` accepts any tag); a tag naming a registered marker (``@slow``) still marks the test."""
    return None if tag in _MARKERS else True


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """An unknown sentence is reported by its Dutch message alone, without pytest-bdd's and pluggy's internals."""
    outcome = yield
    if call.excinfo is not None and call.excinfo.errisinstance(OnbekendeZin):
        report = outcome.get_result()
        report.longrepr = str(call.excinfo.value)
        report.onbekende_zin = True  # features/runner.py: a usage error (exit code 2), not a failed claim


def pytest_bdd_step_func_lookup_error(request, feature, scenario, step, exception):
    """Replace pytest-bdd's English StepDefinitionNotFoundError by a Dutch hint with the nearest catalogue sentences."""
    from features.catalogue import nearest

    try:
        where = Path(feature.filename).resolve().relative_to(Path(__file__).resolve().parent.parent)
    except ValueError:
        where = Path(feature.filename)
    hints = "\n".join(f"  - {keyword} {sentence}\n      voorbeeld: {example.splitlines()[0].strip()}"
                      for keyword, sentence, example in nearest(step.name))
    raise OnbekendeZin(
        f"\nOnbekende zin in {where}, regel {step.line_number}:\n    {step.keyword.strip()} {step.name}\n"
        f"Geen zin uit de stappencatalogus (features/STAPPEN.md) past hierop. Bedoelt u een van deze?\n{hints}\n"
        "Let op de precieze woorden en de aanhalingstekens rond de invulplekken.")
