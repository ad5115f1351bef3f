"""Hoor en wederhoor (DOMAIN §1.3): the subject of an investigation is heard and gets the minutes of the hearing to
check, correct and sign before the report goes to the competent authority, who decides on it. The witnesses' minutes
were guarded (``minutes_review``), the subject's hearing was not: a process owner could put a choice after 'Onderzoek
starten en betrokkene informeren' that sends some investigations (or, with condition ``False``, every one) straight
to the report, and deploy it; the competent authority then decided on a report in which the subject was never heard.
`processes check` and deploy now refuse a set in which any path of a case reaches the task with the report milestone
without passing the task with the milestone ``hoorverslag`` (the subject's reaction to the minutes, or its term),
naming file, element and rule. Edits are made to a copy of processes/.
"""
from __future__ import annotations

import json

import pytest

from engine.errors import ProcessValidationError
from engine.processes import service
from tests.bpmn_edits import skip_subject_hearing
from tests.engine.test_legal_proof import copy, edit, named, refusals  # noqa: F401  (copy: fixture)

RULE = "Hoor en wederhoor: de betrokkene wordt gehoord en krijgt het verslag van het hoorgesprek"
REPORT = "'Conclusies per bewering en onderzoeksrapport'"


@pytest.mark.parametrize("condition", ["getuigen_horen_nodig == True", "False"])
def test_a_choice_that_skips_the_subjects_hearing_is_refused(copy, condition):
    skip_subject_hearing(copy, condition)
    issue = named(refusals(copy), "onderzoek.bpmn", "betrokkene_horen_gw", RULE)
    assert "de keuze 'Betrokkene horen?' kan om het hoorgesprek heen" in issue, issue
    assert REPORT in issue and "'Reactie op verslag verwerken'" in issue and "mijlpaal 'hoorverslag'" in issue, issue


def test_a_set_in_which_no_task_ends_the_subjects_hearing_is_refused(copy):
    """The milestone dropped from the task, and its term from the manifest (else the term's own proof refuses)."""
    edit(copy / "onderzoek.bpmn", '<spiffworkflow:property name="legal_milestone" value="hoorverslag" />', "")
    manifest = json.loads((copy / "manifest.json").read_text(encoding="utf-8"))
    manifest["legal_rules"]["deadlines"] = [d for d in manifest["legal_rules"]["deadlines"]
                                            if d["milestone"] != "hoorverslag"]
    (copy / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
    issue = named(refusals(copy), "onderzoek.bpmn", "rapport_opstellen", RULE)
    assert REPORT in issue and "geen taak draagt de mijlpaal 'hoorverslag'" in issue, issue


def test_the_shipped_set_hears_the_subject_before_every_report(copy):
    assert not [i for i in refusals(copy) if RULE in i]


def test_deploy_refuses_a_choice_that_skips_the_subjects_hearing(db, copy):
    skip_subject_hearing(copy, "False")
    with db.session() as s, pytest.raises(ProcessValidationError) as info:
        service.deploy(session=s, directory=copy)
    assert any(i.file == "onderzoek.bpmn" and i.element_id == "betrokkene_horen_gw" and RULE in i.message
               for i in info.value.issues), info.value.issues
