"""The subject's answer to the voornemen (zienswijze) is recorded by a person, never by a script.

A process owner edits afdoening.bpmn so that *Voornemen verzenden* leads straight to the script task *Geen
zienswijze ontvangen* (which carries the milestone ``zienswijze``) and that script says
``zienswijze_ontvangen = True``: the hearing milestone is passed at once, the subject never had a word, and the
decision may impose the penalty. `processes check` refuses the script (file, line, element, rule); a version that
slipped in anyway (stored by an older release) is stopped at run time: the step is refused, nothing changes.
"""
from __future__ import annotations

import shutil

from features.steps.common import (World, _complete, step_demo,  # noqa: F401
                                   wereld)
from tests.api.test_deadline_terms_at_run_time import _to_voornemen
from tests.api.test_legal_rules import HEARING_RULE, _state, _store_unproven_version
from tests.process.driver import PROCESSES

SKIP = ('sourceRef="voornemen_verzenden" targetRef="zienswijze_verwerken"',
        'sourceRef="voornemen_verzenden" targetRef="geen_zienswijze"')
FAKE = ("<bpmn:script>zienswijze_ontvangen = False</bpmn:script>",
        "<bpmn:script>zienswijze_ontvangen = True</bpmn:script>")


def _edited(text: str) -> str:
    for old, new in (SKIP, FAKE):
        assert old in text, old
        text = text.replace(old, new, 1)
    return text


def test_check_refuses_a_script_that_records_the_zienswijze(tmp_path):
    from engine.processes import service

    copy = tmp_path / "processes"
    shutil.copytree(PROCESSES, copy)
    path = copy / "afdoening.bpmn"
    path.write_text(_edited(path.read_text(encoding="utf-8")), encoding="utf-8")
    issues = [str(i) for i in service.check(directory=copy)]
    assert any(i.startswith("afdoening.bpmn:") and "[geen_zienswijze]" in i and HEARING_RULE in i
               and "'zienswijze_ontvangen'" in i for i in issues), issues


def test_the_engine_refuses_a_zienswijze_a_script_claims(wereld):
    step_demo(wereld)

    def edit(files: dict) -> dict:
        files["afdoening.bpmn"] = _edited(files["afdoening.bpmn"].decode("utf-8")).encode("utf-8")
        return files

    _store_unproven_version(wereld, edit)
    _to_voornemen(wereld)
    before = _state(wereld)
    r = _complete(wereld, "directeur", "voornemen_verzenden", {})
    assert r.status_code == 422, r.text
    assert r.json()["type"].endswith("/legal-rule")
    assert "De zienswijzetermijn loopt tot en met" in r.json()["detail"], r.json()
    assert _state(wereld) == before
    assert "besluit_disciplinaire_maatregel" not in _state(wereld)[0]
