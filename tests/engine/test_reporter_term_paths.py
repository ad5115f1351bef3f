"""The reporter's terms (EU directive 2019/1937 art. 9; Wet bescherming klokkenluiders): every reporter gets the
acknowledgement, the feedback within three months and hears whether the report is founded, whatever route the case
takes. A process owner could deploy a choice after the acknowledgement that sends some cases (here: anonymous
reports) straight to closing, past the feedback task: its timer is never armed, nobody is told, the reporter hears
nothing. `processes check` and deploy now refuse a set in which any path of the case can end without passing the
task that fulfils each of the reporter's terms, naming file, element and rule. Edits are made to a copy of
processes/.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from engine.errors import ProcessValidationError
from engine.processes import service
from tests.bpmn_edits import insert_choice
from tests.engine.test_legal_proof import copy, named, refusals  # noqa: F401  (copy: fixture)

FEEDBACK = "Wettelijke termijn 'terugkoppeling aan de melder binnen 3 maanden'"


def _skip_feedback(directory: Path, condition: str) -> None:
    """'Ontvangst bevestigen' -> gateway 'Terugkoppelen?': the feedback task only when ``condition``; else straight
    to the join before closing."""
    insert_choice(directory, flow="Flow_ontvangst_bevestigen_to_terugkoppeling_melder", source="ontvangst_bevestigen",
                  target="terugkoppeling_melder", gateway="terugkoppelen_gw", name="Terugkoppelen?",
                  condition=condition, otherwise="hoofd_join", lane_after="escalatie_ontvangstbevestiging")


@pytest.mark.parametrize("condition", ["melder_anoniem == False", "False"])
def test_a_choice_that_closes_the_case_without_feedback_is_refused(copy, condition):
    _skip_feedback(copy, condition)
    issues = refusals(copy)
    issue = named(issues, "integriteitsmelding.bpmn", "terugkoppelen_gw", FEEDBACK)
    assert "'terugkoppeling_melder'" in issue and "Terugkoppelen?" in issue
    # the feedback task also fulfils 'gegrondheid' on that path: the twelve weeks are skipped as well
    named(issues, "integriteitsmelding.bpmn", "terugkoppelen_gw", "melder hoort binnen 12 weken")


def test_the_shipped_set_reaches_every_reporters_term_on_every_path(copy):
    assert not [i for i in refusals(copy) if "niet elk pad door de zaak" in i]


def test_deploy_refuses_a_choice_that_closes_the_case_without_feedback(db, copy):
    _skip_feedback(copy, "melder_anoniem == False")
    with db.session() as s, pytest.raises(ProcessValidationError) as info:
        service.deploy(session=s, directory=copy)
    assert any(i.file == "integriteitsmelding.bpmn" and i.element_id == "terugkoppelen_gw" and FEEDBACK in i.message
               for i in info.value.issues), info.value.issues
