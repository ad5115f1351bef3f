"""Kennisgeving en onderzoeksopdracht (DOMAIN §1.2–1.3): the competent authority (bevoegd gezag) is informed when a
report leads to a formal investigation and gives the investigation assignment; the subject (betrokkene) is notified in
writing before being heard. The hearing itself was guarded (``subject_hearing_issues``), these two were not: a process
owner could delete 'Onderzoek starten en betrokkene informeren' (or strip its letter), or delete the competent
authority's 'Onderzoeksopdracht verstrekken' and route straight into the investigation, and deploy it. `processes
check` and deploy now refuse a set that investigates without declaring both (``legal_rules.investigation`` and a
``written_notices`` entry for the notice to 'betrokkene'), without a task carrying each milestone, or with a path to
the hearing around the notice or into an investigating task around the assignment. Edits are made to a copy of
processes/.
"""
from __future__ import annotations

import json

import pytest

from engine.errors import ProcessValidationError
from engine.processes import service
from tests.bpmn_edits import remove_task, skip_assignment, skip_notice
from tests.engine.test_legal_proof import copy, edit, named, refusals  # noqa: F401  (copy: fixture)

NOTICE_RULE = "Kennisgeving: de betrokkene wordt schriftelijk ingelicht over het onderzoek voordat hij wordt gehoord"
ASSIGNMENT_RULE = "Onderzoeksopdracht: het bevoegd gezag wordt ingelicht en verstrekt de opdracht"


def in_manifest(issues: list[str], words: str) -> str:
    """The refusal of the manifest's legal rules (no line: the manifest is JSON) that says ``words``."""
    found = [i for i in issues if i.startswith("manifest.json [legal_rules]: ") and words in i]
    assert found, f"no refusal manifest.json [legal_rules] '{words}' in:\n" + "\n".join(issues)
    return found[0]


def _manifest(copy) -> dict:
    return json.loads((copy / "manifest.json").read_text(encoding="utf-8"))


def _write(copy, manifest: dict) -> None:
    (copy / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")


def test_the_shipped_set_notifies_and_has_the_assignment(copy):
    assert not [i for i in refusals(copy) if NOTICE_RULE in i or ASSIGNMENT_RULE in i]


def test_a_set_without_the_notice_task_is_refused(copy):
    remove_task(copy, "onderzoek.bpmn", "onderzoek_starten")
    issue = in_manifest(refusals(copy), NOTICE_RULE)
    assert "Geen taak draagt de mijlpaal 'kennisgeving'" in issue, issue


def test_a_notice_task_without_its_letter_is_refused(copy):
    edit(copy / "onderzoek.bpmn", '<spiffworkflow:property name="letter" value="kennisgeving_onderzoek" />', "")
    issue = named(refusals(copy), "onderzoek.bpmn", "onderzoek_starten",
                  "wordt schriftelijk meegedeeld aan 'betrokkene'")
    assert "de taak 'Onderzoek starten en betrokkene informeren' verklaart geen brief" in issue, issue


def test_a_notice_letter_to_someone_else_is_refused(copy):
    edit(copy / "onderzoek.bpmn", '<spiffworkflow:property name="letter" value="kennisgeving_onderzoek" />',
         '<spiffworkflow:property name="letter" value="onderzoeksopdracht" />')
    named(refusals(copy), "onderzoek.bpmn", "onderzoek_starten", "wordt schriftelijk meegedeeld aan 'betrokkene'")


@pytest.mark.parametrize("condition", ["prioriteit == 1", "False"])
def test_a_choice_around_the_notice_is_refused(copy, condition):
    skip_notice(copy, condition)
    issue = named(refusals(copy), "onderzoek.bpmn", "betrokkene_inlichten_gw", NOTICE_RULE)
    assert "de keuze 'Betrokkene inlichten?' kan om de kennisgeving heen" in issue, issue
    assert "'Hoorgesprek betrokkene voeren'" in issue and "'Onderzoek starten en betrokkene informeren'" in issue, issue


def test_a_manifest_without_the_written_notice_to_the_subject_is_refused(copy):
    manifest = _manifest(copy)
    manifest["legal_rules"]["written_notices"] = [n for n in manifest["legal_rules"]["written_notices"]
                                                  if n["milestone"] != "kennisgeving"]
    _write(copy, manifest)
    issue = in_manifest(refusals(copy), NOTICE_RULE)
    assert "'written_notices'" in issue and "'betrokkene'" in issue, issue


def test_a_manifest_without_the_investigation_declaration_is_refused(copy):
    manifest = _manifest(copy)
    del manifest["legal_rules"]["investigation"]
    _write(copy, manifest)
    issue = in_manifest(refusals(copy), ASSIGNMENT_RULE)
    assert "'legal_rules.investigation' ontbreekt" in issue and "dit proces onderzoekt" in issue, issue
    assert "'Onderzoek starten en betrokkene informeren'" in issue, issue


def test_a_set_without_the_assignment_task_is_refused(copy):
    remove_task(copy, "integriteitsmelding.bpmn", "onderzoeksopdracht_verstrekken")
    issue = in_manifest(refusals(copy), ASSIGNMENT_RULE)
    assert "Geen taak draagt de mijlpaal 'onderzoeksopdracht'" in issue, issue


@pytest.mark.parametrize("condition", ["prioriteit == 1", "False"])
def test_a_choice_around_the_assignment_is_refused(copy, condition):
    skip_assignment(copy, condition)
    issue = named(refusals(copy), "integriteitsmelding.bpmn", "opdracht_nodig_gw", ASSIGNMENT_RULE)
    assert "de keuze 'Opdracht nodig?' kan om de onderzoeksopdracht heen" in issue, issue
    assert "'Onderzoek starten en betrokkene informeren'" in issue and "'Onderzoeksopdracht verstrekken'" in issue


def test_an_assignment_given_by_someone_other_than_the_competent_authority_is_refused(copy):
    edit(copy / "integriteitsmelding.bpmn", '<spiffworkflow:property name="slot" value="bevoegd_gezag" />\n'
         '          <spiffworkflow:property name="priority" value="prioriteit" />\n'
         '          <spiffworkflow:property name="letter" value="onderzoeksopdracht" />',
         '<spiffworkflow:property name="slot" value="jurist_bezwaar" />\n'
         '          <spiffworkflow:property name="priority" value="prioriteit" />\n'
         '          <spiffworkflow:property name="letter" value="onderzoeksopdracht" />')
    issue = named(refusals(copy), "integriteitsmelding.bpmn", "onderzoeksopdracht_verstrekken", ASSIGNMENT_RULE)
    assert "'jurist_bezwaar'" in issue and "'bevoegd_gezag'" in issue, issue


def test_deploy_refuses_a_set_without_the_notice_task(db, copy):
    remove_task(copy, "onderzoek.bpmn", "onderzoek_starten")
    with db.session() as s, pytest.raises(ProcessValidationError) as info:
        service.deploy(session=s, directory=copy)
    assert any(i.file == "manifest.json" and NOTICE_RULE in i.message for i in info.value.issues), info.value.issues


def test_deploy_refuses_a_choice_around_the_assignment(db, copy):
    skip_assignment(copy, "False")
    with db.session() as s, pytest.raises(ProcessValidationError) as info:
        service.deploy(session=s, directory=copy)
    assert any(i.file == "integriteitsmelding.bpmn" and i.element_id == "opdracht_nodig_gw"
               and ASSIGNMENT_RULE in i.message for i in info.value.issues), info.value.issues
