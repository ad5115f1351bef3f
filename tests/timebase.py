"""The test suite's one moment. Every date in test data derives from it, never from the wall clock.

The ``clock`` fixture (tests/conftest.py) freezes the engine clock here for every test, the bare
SpiffWorkflow driver reads the same engine clock, and the route scenarios date their answers from
:data:`TEST_TODAY`; so the suite gives the same result on any calendar day (CI proves it by running
under libfaketime on other dates).
"""
from __future__ import annotations

from datetime import datetime, timezone

# Monday 2 November 2026, 09:00 UTC (10:00 in Amsterdam).
TEST_START = datetime(2026, 11, 2, 9, 0, tzinfo=timezone.utc)
TEST_TODAY = TEST_START.date().isoformat()
