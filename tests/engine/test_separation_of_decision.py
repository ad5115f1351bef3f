"""Separation of duties over the decision on the subject, proven at check and deploy.

The run-time rule (engine.cases.duties) keeps a person to one exclusive slot per case; it cannot see that the
decision task itself was bound to an investigator's slot. A process owner who sets ``slot`` of *Besluit
disciplinaire maatregel* (or of the voornemen) to ``onderzoeker_1`` had the investigator decide the penalty; one
who puts the decision in the investigators' lane had any investigator decide. Check and deploy refuse both. Which
task decides is read from the declarations (the voornemen milestone, a form that offers a penalty), which slots
and roles investigate from the tasks that carry the report and minutes-review milestones: no element id.
"""
from __future__ import annotations

import pytest

from engine.errors import ProcessValidationError
from engine.processes import service
from tests.engine.test_legal_proof import copy, named, refusals  # noqa: F401  (copy: fixture)

RULE = "Functiescheiding: wie de zaak onderzocht, besluit niet over de betrokkene (separation_of_duties)"


def _rebind(directory, element: str, slot: str) -> None:
    path = directory / "afdoening.bpmn"
    text = path.read_text(encoding="utf-8")
    start = text.index(f'id="{element}"')
    old = '<spiffworkflow:property name="slot" value="bevoegd_gezag" />'
    at = text.index(old, start)
    assert at - start < 1500, "the slot property belongs to another element"
    path.write_text(text[:at] + old.replace("bevoegd_gezag", slot) + text[at + len(old):], encoding="utf-8")


@pytest.mark.parametrize("element, slot", [
    ("besluit_disciplinaire_maatregel", "onderzoeker_1"),
    ("besluit_disciplinaire_maatregel", "onderzoeker_2"),
    ("voornemen_verzenden", "onderzoeker_1"),
])
def test_a_decision_bound_to_an_investigators_slot_is_refused(copy, element, slot):
    _rebind(copy, element, slot)
    issue = named(refusals(copy), "afdoening.bpmn", element, RULE)
    assert f"gebonden aan '{slot}', de plaats van een onderzoeker van de zaak" in issue


def test_a_decision_in_the_investigators_lane_is_refused(copy):
    path = copy / "afdoening.bpmn"
    text = path.read_text(encoding="utf-8")
    old = 'name="Bevoegd gezag">'
    assert text.count(old) == 1
    path.write_text(text.replace(old, 'name="Onderzoeker">'), encoding="utf-8")
    issue = named(refusals(copy), "afdoening.bpmn", "besluit_disciplinaire_maatregel", RULE)
    assert "ligt in de baan 'Onderzoeker', de rol die de zaak onderzoekt" in issue


def test_deploy_refuses_the_investigator_deciding(db, copy):
    _rebind(copy, "besluit_disciplinaire_maatregel", "onderzoeker_1")
    with db.session() as s, pytest.raises(ProcessValidationError) as info:
        service.deploy(session=s, directory=copy)
    assert any(i.element_id == "besluit_disciplinaire_maatregel" and RULE in i.message
               for i in info.value.issues), info.value.issues


def test_the_shipped_decisions_pass(copy):
    assert refusals(copy) == []
