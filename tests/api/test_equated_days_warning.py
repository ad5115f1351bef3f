"""The equated days of the Algemene termijnenwet (art. 3 lid 3) are published by royal decree about once every three
years and cannot be computed; a year missing from the configuration makes a term that ends on such a day end a day
too early. The readiness check tells the operator when this year or the next is missing (by the engine clock), and
the server logs it at start-up."""
from __future__ import annotations

import logging
from datetime import datetime, timezone

import pytest
from fastapi.testclient import TestClient

from engine import legal_terms

pytestmark = pytest.mark.db


def test_the_readiness_check_warns_when_next_years_equated_days_are_missing(app, clock, caplog):
    clock.set(datetime(2027, 6, 1, 10, tzinfo=timezone.utc))  # the shipped file covers 2027 and 2028
    with TestClient(app) as c:
        assert "waarschuwingen" not in c.get("/api/v1/gereed").json()
    clock.set(datetime(2028, 6, 1, 10, tzinfo=timezone.utc))
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="meldpunt"), TestClient(app) as c:
        answer = c.get("/api/v1/gereed").json()
    assert answer["status"] == "ok"  # ready all the same
    (warning,) = answer["waarschuwingen"]
    assert "ontbreken voor 2029" in warning and "2028" not in warning.split("ontbreken")[1].split(":")[0]
    assert any("ontbreken voor 2029" in r.getMessage() for r in caplog.records)


def test_a_year_listed_without_days_counts_as_covered(clock):
    previous = legal_terms.configure_equated_days({"2026": [], "2027": ["2027-05-07"]})
    try:
        clock.set(datetime(2026, 3, 1, 10, tzinfo=timezone.utc))
        assert legal_terms.equated_days_warnings() == []
        clock.set(datetime(2027, 3, 1, 10, tzinfo=timezone.utc))
        assert "ontbreken voor 2028" in legal_terms.equated_days_warnings()[0]
    finally:
        legal_terms.configure_equated_days(previous)
