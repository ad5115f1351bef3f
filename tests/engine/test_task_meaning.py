"""What a task means to the product is declared in the process files, never by its element id.

The dashboard counts the task that ``fulfils`` a legal milestone; the sanction-advice page shows precedents
on the task that declares ``shows_precedents``. Each test changes a copy of processes/ the way a process owner
could and checks that the product follows the declaration (or refuses a wrong one, naming file and element).
"""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from engine.processes import service
from engine.processes.validation import read_process_dir
from tests.process.driver import PROCESSES


@pytest.fixture
def copy(tmp_path) -> Path:
    target = tmp_path / "processes"
    shutil.copytree(PROCESSES, target)
    return target


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path.name}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def parsed(directory: Path):
    return service.parse(read_process_dir(directory))


def test_the_real_process_declares_its_milestone_tasks_and_precedents():
    real = parsed(PROCESSES)
    for milestone in ("ontvangstbevestiging", "terugkoppeling", "gegrondheid"):
        assert len(service.elements_fulfilling(real, milestone)) == 1, milestone
    assert sum(service.shows_precedents(real, e) for e in real.tasks) == 1


def test_precedents_follow_the_declaration_to_another_task(copy):
    real = parsed(PROCESSES)
    (shown,) = [e for e in real.tasks if service.shows_precedents(real, e)]
    edit(copy / "afdoening.bpmn", '          <spiffworkflow:property name="shows_precedents" value="true" />\n', "")
    edit(copy / "afdoening.bpmn", '<spiffworkflow:property name="form" value="forms/afdoening_bepalen.json" />',
         '<spiffworkflow:property name="form" value="forms/afdoening_bepalen.json" />\n'
         '          <spiffworkflow:property name="shows_precedents" value="true" />')
    moved = parsed(copy)
    assert not service.shows_precedents(moved, shown)
    assert [e for e in moved.tasks if service.shows_precedents(moved, e)] == ["afdoening_bepalen"]


def test_a_wrong_declaration_is_refused_naming_file_and_element(copy):
    edit(copy / "afdoening.bpmn", 'name="shows_precedents" value="true"', 'name="shows_precedents" value="ja"')
    edit(copy / "integriteitsmelding.bpmn", 'name="fulfils" value="terugkoppeling"',
         'name="fulfils" value="terugkopeling"')
    issues = [str(i) for i in service.check(directory=copy)]
    assert any(i.startswith("afdoening.bpmn:") and "'shows_precedents'" in i for i in issues), issues
    assert any(i.startswith("integriteitsmelding.bpmn:") and "onbekende wettelijke mijlpaal 'terugkopeling'" in i
               for i in issues), issues


def test_the_public_form_offers_the_intake_forms_categories_and_one_intake_task_only(copy):
    real = parsed(PROCESSES)
    categories = service.intake_form(real)["properties"]["categorie"]["enum"]
    assert "Financiële schendingen" in categories
    # the process owner adds a category: the intake form (wherever the task that declares it) offers it
    form = copy / "forms" / "melding_registreren.json"
    edit(form, '"Financiële schendingen",', '"Financiële schendingen",\n        "Misbruik van AI-systemen",')
    assert "Misbruik van AI-systemen" in service.intake_form(parsed(copy))["properties"]["categorie"]["enum"]
    # two tasks claiming to be the registration of a report are refused
    edit(copy / "afdoening.bpmn", '<spiffworkflow:property name="form" value="forms/afdoening_bepalen.json" />',
         '<spiffworkflow:property name="form" value="forms/afdoening_bepalen.json" />\n'
         '          <spiffworkflow:property name="intake" value="true" />')
    issues = [str(i) for i in service.check(directory=copy)]
    assert any("'intake' staat op meer dan één taak" in i for i in issues), issues
