"""A vertrouwenspersoon passes a report on only with the reporter's consent (DOMAIN §1.1, §2). The set records that
consent in the confidant's own task ('Toestemming melder bevestigen'). A process owner could deploy a set in which
that task is skipped for some reports that came through the confidant (an extra condition on the gateway), or in
which its form accepts 'no consent' and the case goes on. `processes check` and deploy now refuse both, naming file,
element and rule. Edits are made to a copy of processes/.
"""
from __future__ import annotations

import pytest

from engine.errors import ProcessValidationError
from engine.processes import service
from tests.engine.test_legal_proof import copy, edit, named, refusals  # noqa: F401  (copy: fixture)

RULE = "Een vertrouwenspersoon geeft een melding alleen door met toestemming van de melder"


@pytest.mark.parametrize("condition", ["via_vertrouwenspersoon == True and prioriteit &gt; 99", "False"])
def test_a_gateway_that_can_skip_the_consent_is_refused(copy, condition):
    edit(copy / "melding.bpmn", "via_vertrouwenspersoon == True", condition)
    issue = named(refusals(copy), "melding.bpmn", "via_vp_gateway", RULE)
    assert "'toestemming_vertrouwenspersoon'" in issue and "'via_vertrouwenspersoon'" in issue


def test_a_consent_form_that_accepts_no_consent_is_refused(copy):
    edit(copy / "forms/toestemming_vertrouwenspersoon.json", '"const": true,', "")
    issue = named(refusals(copy), "melding.bpmn", "toestemming_vertrouwenspersoon", RULE)
    assert "'toestemming_doorgeven'" in issue and "forms/toestemming_vertrouwenspersoon.json" in issue


def test_the_shipped_set_passes(copy):
    assert not [i for i in refusals(copy) if RULE in i]


def test_deploy_refuses_a_gateway_that_can_skip_the_consent(db, copy):
    edit(copy / "melding.bpmn", "via_vertrouwenspersoon == True", "False")
    with db.session() as s, pytest.raises(ProcessValidationError) as info:
        service.deploy(session=s, directory=copy)
    assert any(i.file == "melding.bpmn" and i.element_id == "via_vp_gateway" and RULE in i.message
               for i in info.value.issues), info.value.issues
