"""Compliance scenarios: fixtures shared with tests/ (database, frozen clock) and the Dutch step library."""
from tests.conftest import _encryption_keyring, _schema, clock, database_url, db  # noqa: F401  (fixtures)
from tests.conftest import pytest_collection_modifyitems  # noqa: F401

from features.steps.common import *  # noqa: F401,F403  (registers every step)
