"""Retention has a ceiling (DOMAIN §4: records are kept no longer than necessary and proportionate; reference points
10 years for files in which a disciplinary measure was imposed, unsubstantiated reports much shorter).

`processes check` already refused a lighter outcome kept longer than a heavier one, but a set could keep every file
for 99 years, or an unsubstantiated report as long as a penalty file. Check and deploy now refuse a class longer
than the 10-year reference point and an unsubstantiated report not shorter than a penalty file; a version stored
before destroys at the ceiling.
"""
from __future__ import annotations

import json
from datetime import date

import pytest

from engine.processes import service as processes
from engine.records.retention import DEFAULTS, parse_retention
from tests.records.test_config import _with_retention


def _retention(**terms: str) -> dict:
    retention = json.loads(json.dumps(DEFAULTS))
    for name, term in terms.items():
        retention["klassen"][name]["termijn"] = term
    return retention


@pytest.mark.parametrize("terms, key, words", [
    ({"maatregel": "P11Y"}, "retention.klassen.maatregel.termijn", "P10Y"),
    ({"maatregel": "P99Y", "gegrond_zonder_maatregel": "P99Y", "ongegrond": "P99Y"},
     "retention.klassen.ongegrond.termijn", "P10Y"),
    ({"maatregel": "P121M"}, "retention.klassen.maatregel.termijn", "P10Y"),
    ({"gegrond_zonder_maatregel": "P10Y", "ongegrond": "P10Y"}, "retention.klassen.ongegrond.termijn",
     "korter dan die van maatregel"),
])
def test_check_refuses_a_retention_above_the_ceiling(tmp_path, terms, key, words):
    issues = [str(i) for i in processes.check(directory=_with_retention(tmp_path, _retention(**terms)))]
    assert any(key in i and words in i and "DOMAIN §4" in i for i in issues), issues


def test_check_allows_the_reference_point_itself(tmp_path):
    retention = _retention(maatregel="P120M", gegrond_zonder_maatregel="P10Y", ongegrond="P2Y")
    issues = [str(i) for i in processes.check(directory=_with_retention(tmp_path, retention))]
    assert not [i for i in issues if "retention" in i], issues


def test_deploy_refuses_a_retention_above_the_ceiling(db, tmp_path):
    from engine.errors import ProcessValidationError

    directory = _with_retention(tmp_path, _retention(maatregel="P30Y"))
    with db.session() as s, pytest.raises(ProcessValidationError) as info:
        processes.deploy(session=s, directory=directory)
    assert any("retention.klassen.maatregel.termijn" in i.message for i in info.value.issues), info.value.issues


def test_a_stored_version_destroys_at_the_ceiling():
    rules = parse_retention(_retention(maatregel="P30Y"))  # how a version stored before the ceiling reads
    closed = date(2026, 3, 15)
    assert rules.end_of_term("maatregel", closed) == date(2036, 3, 15)
    assert rules.end_of_term("ongegrond", closed) == date(2027, 3, 15)
