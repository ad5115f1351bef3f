"""Edits of the shipped process files a hostile-but-plausible process owner could make, each of which deployed
before and let a case do what the manifest's rules are meant to prevent. `processes check` and deploy now refuse
them, naming file, element and rule. Every edit is made to a copy of processes/; no element id in product code.

1. Separation of duties: an investigation task bound to no exclusive slot (its slot removed, so it defaults to the
   role) leaves whoever investigated free to take the competent authority's slot and decide on the subject; an
   investigator's slot on a task outside the investigation (the sanction advice) has the investigator advise.
2. The hearing: the subject's answer or written waiver recorded in the form of another task (the voornemen) counts
   at the zienswijze step, which then closes the hearing the day the voornemen goes out.
3. A legal term's escalation behind a gateway whose other branch ends: the timer fires, nobody is told.
4. A reporter's term (terugkoppeling) no longer carried by the task that fulfils it, or carried by no task after
   the acknowledgement: the three months after the acknowledgement are watched by no timer.
6. The confidant's task (the reporter's consent) on a slot that is not exclusive: the vertrouwenspersoon holds no
   exclusive slot in the case and may take an investigator's, though a confidant never investigates.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from engine.errors import ProcessValidationError
from engine.processes import service
from tests.bpmn_edits import insert_choice
from tests.engine.test_legal_proof import copy, edit, named, refusals  # noqa: F401  (copy: fixture)

SEPARATION = "Functiescheiding: wie de zaak onderzocht, besluit niet over de betrokkene (separation_of_duties)"
HEARING = "Een straf vereist eerst een voornemen en zienswijze (CAO Rijk hoofdstuk 15)"


def _without_slots(directory: Path, file: str, *slots: str) -> None:
    path = directory / file
    text = path.read_text(encoding="utf-8")
    for slot in slots:
        text = text.replace(f'<spiffworkflow:property name="slot" value="{slot}" />', "")
    path.write_text(text, encoding="utf-8")


def _set_slot(directory: Path, file: str, element: str, old: str, new: str) -> None:
    path = directory / file
    text = path.read_text(encoding="utf-8")
    start = text.index(f'id="{element}"')
    prop = f'<spiffworkflow:property name="slot" value="{old}" />'
    at = text.index(prop, start)
    assert at - start < 1500, "the slot property belongs to another element"
    path.write_text(text[:at] + prop.replace(old, new) + text[at + len(prop):], encoding="utf-8")


# --------------------------------------------------------------------------- 1. separation of duties

def test_investigation_tasks_without_an_exclusive_slot_are_refused(copy):
    _without_slots(copy, "onderzoek.bpmn", "onderzoeker_1", "onderzoeker_2")
    issues = refusals(copy)
    issue = named(issues, "onderzoek.bpmn", "rapport_opstellen", SEPARATION)
    assert "onderzoekstaak" in issue and "'onderzoeker'" in issue and "exclusive_slots" in issue
    named(issues, "onderzoek.bpmn", "hoorgesprek_voeren", SEPARATION)


def test_one_investigation_task_without_an_exclusive_slot_is_refused(copy):
    _set_slot(copy, "onderzoek.bpmn", "rapport_opstellen", "onderzoeker_1", "onderzoeker")
    issue = named(refusals(copy), "onderzoek.bpmn", "rapport_opstellen", SEPARATION)
    assert "'onderzoeker'" in issue


def test_the_sanction_advice_bound_to_an_investigators_slot_is_refused(copy):
    _set_slot(copy, "afdoening.bpmn", "sanctieadvies_opstellen", "hr_adviseur", "onderzoeker_1")
    issue = named(refusals(copy), "afdoening.bpmn", "sanctieadvies_opstellen", SEPARATION)
    assert "'onderzoeker_1', de plaats van een onderzoeker van de zaak" in issue and "'HR-adviseur'" in issue


def test_deploy_refuses_investigation_without_exclusive_slots(db, copy):
    _without_slots(copy, "onderzoek.bpmn", "onderzoeker_1", "onderzoeker_2")
    with db.session() as s, pytest.raises(ProcessValidationError) as info:
        service.deploy(session=s, directory=copy)
    assert any(i.element_id == "rapport_opstellen" and SEPARATION in i.message for i in info.value.issues), \
        info.value.issues


# --------------------------------------------------------------------------- 2. the hearing fields

def _add_fields(directory: Path, form: str, fields: dict) -> None:
    path = directory / "forms" / form
    schema = json.loads(path.read_text(encoding="utf-8"))
    schema["properties"].update(fields)
    path.write_text(json.dumps(schema, ensure_ascii=False, indent=2), encoding="utf-8")


WAIVER = {"zienswijze_afstand": {"type": "boolean", "title": "Betrokkene ziet af van een zienswijze"},
          "zienswijze_afstand_datum": {"type": "string", "format": "date", "title": "Datum afstandsverklaring"}}


def test_a_waiver_in_the_voornemen_form_is_refused(copy):
    _add_fields(copy, "voornemen_verzenden.json", WAIVER)
    issue = named(refusals(copy), "afdoening.bpmn", "voornemen_verzenden", HEARING)
    assert "forms/voornemen_verzenden.json" in issue and "'zienswijze_afstand'" in issue
    assert "'zienswijze_afstand_datum'" in issue


def test_an_answer_in_another_form_is_refused(copy):
    _add_fields(copy, "sanctieadvies_opstellen.json",
                {"zienswijze_ontvangen": {"type": "boolean", "title": "Betrokkene reageerde al"}})
    issue = named(refusals(copy), "afdoening.bpmn", "sanctieadvies_opstellen", HEARING)
    assert "'zienswijze_ontvangen'" in issue


def test_a_read_only_hearing_field_elsewhere_passes(copy):
    _add_fields(copy, "besluit_disciplinaire_maatregel.json",
                {"zienswijze_ontvangen": {"type": "boolean", "title": "Zienswijze ontvangen", "readOnly": True}})
    assert not [i for i in refusals(copy) if "zienswijze_ontvangen" in i]


# --------------------------------------------------------------------------- 3. escalation behind a gateway

def _gate_escalation(directory: Path, condition: str) -> None:
    """Timer '7 dagen verstreken' on 'Ontvangst bevestigen' -> gateway: escalation only when ``condition``; else
    an end event."""
    insert_choice(directory, flow="Flow_ontvangst_termijn_to_escalatie_ontvangstbevestiging",
                  source="ontvangst_termijn", target="escalatie_ontvangstbevestiging", gateway="escaleren_gw",
                  name="Escaleren?", condition=condition, otherwise="niet_escaleren", new_end="Niet escaleren",
                  lane_after="escalatie_ontvangstbevestiging")


@pytest.mark.parametrize("condition", ["False", "prioriteit &gt; 99"])
def test_an_escalation_a_gateway_can_skip_is_refused(copy, condition):
    _gate_escalation(copy, condition)
    issue = named(refusals(copy), "integriteitsmelding.bpmn", "ontvangst_bevestigen",
                  "Wettelijke termijn 'ontvangstbevestiging binnen 7 dagen'")
    assert "niet op elk pad" in issue


def test_deploy_refuses_an_escalation_a_gateway_can_skip(db, copy):
    _gate_escalation(copy, "False")
    with db.session() as s, pytest.raises(ProcessValidationError) as info:
        service.deploy(session=s, directory=copy)
    assert any(i.element_id == "ontvangst_bevestigen" and "niet op elk pad" in i.message
               for i in info.value.issues), info.value.issues


# --------------------------------------------------------------------------- 4. the task that fulfils a term

def _unwatch_feedback(directory: Path, *, keep_fulfils: bool) -> None:
    """'Terugkoppeling aan melder' no longer carries 'terugkoppeling'; its timer for it now watches 'gegrondheid'
    (a plausible 'tidy-up': the task keeps a timer and an escalation, so nothing looks unreachable)."""
    path = directory / "integriteitsmelding.bpmn"
    text = path.read_text(encoding="utf-8")
    text = text.replace('<spiffworkflow:property name="legal_milestone" value="terugkoppeling, gegrondheid" />',
                        '<spiffworkflow:property name="legal_milestone" value="gegrondheid" />')
    start = text.index('<bpmn:boundaryEvent id="terugkoppeling_termijn"')
    end = text.index("</bpmn:boundaryEvent>", start)
    timer = text[start:end].replace('value="terugkoppeling"', 'value="gegrondheid"') \
        .replace("end_of_day(terugkoppeling_termijn)", "end_of_day(gegrondheid_termijn)")
    text = text[:start] + timer + text[end:]
    if not keep_fulfils:
        edit_text = '<spiffworkflow:property name="fulfils" value="terugkoppeling" />'
        assert text.count(edit_text) == 1
        text = text.replace(edit_text, "")
    path.write_text(text, encoding="utf-8")


def test_the_task_that_fulfils_a_term_without_its_milestone_is_refused(copy):
    _unwatch_feedback(copy, keep_fulfils=True)
    issue = named(refusals(copy), "integriteitsmelding.bpmn", "terugkoppeling_melder",
                  "Wettelijke termijn 'terugkoppeling aan de melder binnen 3 maanden'")
    assert "'fulfils'" in issue and "draagt de mijlpaal 'terugkoppeling' niet" in issue


def test_a_reporters_term_no_task_watches_after_the_acknowledgement_is_refused(copy):
    _unwatch_feedback(copy, keep_fulfils=False)
    issue = named(refusals(copy), "integriteitsmelding.bpmn", "ontvangst_bevestigen",
                  "Wettelijke termijn 'terugkoppeling aan de melder binnen 3 maanden'")
    assert "geen latere taak draagt de mijlpaal 'terugkoppeling'" in issue


def test_deploy_refuses_an_unwatched_feedback_term(db, copy):
    _unwatch_feedback(copy, keep_fulfils=False)
    with db.session() as s, pytest.raises(ProcessValidationError) as info:
        service.deploy(session=s, directory=copy)
    assert any(i.element_id == "ontvangst_bevestigen" and "'terugkoppeling'" in i.message
               for i in info.value.issues), info.value.issues


def test_the_shipped_set_passes(copy):
    assert refusals(copy) == []


# --------------------------------------------------------------------------- 5. the voornemen's intention field

def _intention_field(directory: Path, name: str) -> None:
    path = directory / "manifest.json"
    manifest = json.loads(path.read_text(encoding="utf-8"))
    manifest["legal_rules"]["hearing"]["voornemen"]["measures_field"] = name
    path.write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")


def test_the_advice_as_the_intention_field_is_refused(copy):
    """The HR adviser's advised penalty named as the voornemen's: a heavier penalty 'matching the advice' would pass
    the hoorplicht, though the subject was never heard on an intention of the competent authority."""
    _intention_field(copy, "advies_afdoeningen")
    issue = named(refusals(copy), "afdoening.bpmn", "sanctieadvies_opstellen", HEARING)
    assert "'advies_afdoeningen'" in issue and "voornemen" in issue and "bevoegd_gezag" in issue, issue


def test_an_intention_field_nobody_fills_in_at_the_voornemen_is_refused(copy):
    _intention_field(copy, "voorgenomen_straf")
    issues = refusals(copy)
    assert any(i.startswith("manifest.json [legal_rules]: ") and "'voorgenomen_straf'" in i and HEARING in i
               for i in issues), issues


def test_deploy_refuses_the_advice_as_the_intention_field(db, copy):
    _intention_field(copy, "advies_afdoeningen")
    with db.session() as s, pytest.raises(ProcessValidationError) as info:
        service.deploy(session=s, directory=copy)
    assert any(i.element_id == "sanctieadvies_opstellen" and "'advies_afdoeningen'" in i.message
               for i in info.value.issues), info.value.issues


# --------------------------------------------------------------------------- 6. the confidant never investigates

def test_the_confidants_task_without_an_exclusive_slot_is_refused(copy):
    """DOMAIN §2: the vertrouwenspersoon passes a report on with consent and never investigates. With its slot no
    longer exclusive, whoever confirmed the reporter's consent holds no exclusive slot in the case and may then take
    an investigator's (onderzoeker_1) and investigate it."""
    manifest = json.loads((copy / "manifest.json").read_text(encoding="utf-8"))
    manifest["separation_of_duties"]["exclusive_slots"].remove("vertrouwenspersoon")
    (copy / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
    issue = named(refusals(copy), "melding.bpmn", "toestemming_vertrouwenspersoon", SEPARATION)
    assert "'Toestemming melder bevestigen'" in issue and "'toestemming_doorgeven'" in issue, issue
    assert "exclusive_slots" in issue and "een vertrouwenspersoon onderzoekt nooit" in issue, issue


def test_deploy_refuses_a_confidant_without_an_exclusive_slot(db, copy):
    manifest = json.loads((copy / "manifest.json").read_text(encoding="utf-8"))
    manifest["separation_of_duties"]["exclusive_slots"].remove("vertrouwenspersoon")
    (copy / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
    with db.session() as s, pytest.raises(ProcessValidationError) as info:
        service.deploy(session=s, directory=copy)
    assert any(i.element_id == "toestemming_vertrouwenspersoon" and SEPARATION in i.message
               for i in info.value.issues), info.value.issues
