"""The statutory floor of the hearing rule: the manifest declares the legal rules, but cannot lower them.

A process owner (by mistake or on purpose) edits manifest.json in a copy of the shipped processes/: deletes
``legal_rules``, points ``measures.field`` at a field no case reads, drops a penalty from ``measures.penalties`` or
reverses their order. Each leaves the forms able to impose a penalty while the engine would check nothing (or the
wrong thing) at every step: a sanction without hearing, or heavier than the voornemen. `processes check` and deploy
refuse each, naming manifest.json, the element legal_rules and the rule.
"""
from __future__ import annotations

import json

import pytest

from engine.errors import ProcessValidationError
from engine.processes import service
from engine.reports import labels
from tests.process.driver import PROCESSES
from tests.engine.test_legal_proof import copy, refusals  # noqa: F401  (copy: fixture)

def _manifest(directory, change) -> None:
    path = directory / "manifest.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")


def _refused(issues: list[str], words: str) -> str:
    for issue in issues:
        if issue.startswith("manifest.json [legal_rules]: ") and words in issue:
            return issue
    raise AssertionError(f"no refusal manifest.json [legal_rules] '{words}' in:\n" + "\n".join(issues))


def test_the_floor_is_the_published_penalties_and_the_shipped_manifest_declares_it():
    from engine.processes.legal_rules import STATUTORY_PENALTIES

    assert set(STATUTORY_PENALTIES) <= set(labels.RESOLUTIONS)
    assert "Ontslag op initiatief van de medewerker" not in STATUTORY_PENALTIES
    rules = json.loads((PROCESSES / "manifest.json").read_text(encoding="utf-8"))["legal_rules"]
    assert rules["measures"]["field"] == "afdoeningen"
    assert [p for p in rules["measures"]["penalties"] if p in STATUTORY_PENALTIES] == list(STATUTORY_PENALTIES)


@pytest.mark.parametrize("change, words", [
    (lambda m: m.pop("legal_rules"), "de wettelijke regels ontbreken"),
    (lambda m: m["legal_rules"]["measures"].__setitem__("field", "sancties"), "'measures.field' is 'sancties'"),
    (lambda m: m["legal_rules"]["measures"]["penalties"].remove("Beëindiging dienstverband"),
     "mist de straf 'Beëindiging dienstverband'"),
    (lambda m: m["legal_rules"]["measures"]["penalties"].reverse(), "van licht naar zwaar"),
], ids=["zonder-legal_rules", "ander-veld", "straf-weggelaten", "volgorde-omgedraaid"])
def test_a_manifest_that_lowers_the_hearing_rule_is_refused(copy, change, words):
    _manifest(copy, change)
    assert "CAO Rijk hoofdstuk 15" in _refused(refusals(copy), words)


def test_deploy_refuses_a_set_without_legal_rules(db, copy):
    _manifest(copy, lambda m: m.pop("legal_rules"))
    with db.session() as s, pytest.raises(ProcessValidationError) as info:
        service.deploy(session=s, directory=copy)
    assert any(i.file == "manifest.json" and "de wettelijke regels ontbreken" in i.message
               for i in info.value.issues), info.value.issues


def test_a_set_that_cannot_impose_a_penalty_needs_no_legal_rules():
    from tests.engine.test_validation import FIXTURE  # the minimal set: no afdoeningen, no penalty choices

    assert service.check(directory=FIXTURE) == []
