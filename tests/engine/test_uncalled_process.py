"""The deployment check refuses a process that no case can reach: not the main process, not declared under
'processes' in the manifest (a process started on its own), and called by no call activity of a process that is.

Before: a whole BPMN process nothing called passed `processes check` and deploy. Its tasks (a hearing, a letter, a
term) would never run, while the process owner who added it believed they would.
"""
from __future__ import annotations

import re

import pytest

from engine.errors import ProcessValidationError
from engine.processes import service
from tests.engine.test_legal_proof import PROCESSES, copy, edit, named, refusals  # noqa: F401  (copy: fixture)


def _renamed_copy(directory, source: str, target: str, prefix: str) -> None:
    """A copy of ``source`` as ``target`` with every id of the file (the process's too) prefixed: the same process
    under another name, as a process owner leaves one behind when starting a new version in a new file."""
    text = (directory / source).read_text(encoding="utf-8")
    ids = set(re.findall(r'\bid="([^"]+)"', text))
    pattern = re.compile(r"(?<![\w.-])(" + "|".join(sorted(map(re.escape, ids), key=len, reverse=True)) + r")(?![\w.-])")
    (directory / target).write_text(pattern.sub(lambda m: prefix + m.group(1), text), encoding="utf-8")


def test_the_real_set_calls_every_process():
    assert [i for i in refusals(PROCESSES) if "nergens aangeroepen" in i] == []


def test_a_process_nothing_calls_is_refused(copy):
    _renamed_copy(copy, "aanvullende_informatie.bpmn", "aanvullende_informatie_oud.bpmn", "oud_")
    issues = refusals(copy)
    issue = named(issues, "aanvullende_informatie_oud.bpmn", "oud_aanvullende_informatie",
                  "Proces 'Aanvullende informatie opvragen' wordt nergens aangeroepen")
    assert "geen zaak komt er ooit langs" in issue
    assert [i for i in issues if "nergens aangeroepen" in i] == [issue], issues  # the original is still called


def test_a_process_only_an_uncalled_process_calls_is_refused_too(copy):
    """Calls count only from a process that is itself reached: a chain hanging from nothing is reported whole."""
    _renamed_copy(copy, "integriteitsmelding.bpmn", "integriteitsmelding_oud.bpmn", "oud_")
    edit(copy / "integriteitsmelding_oud.bpmn", 'calledElement="afdoening"', 'calledElement="oud2_afdoening"')
    _renamed_copy(copy, "afdoening.bpmn", "afdoening_oud.bpmn", "oud2_")
    issues = [i for i in refusals(copy) if "nergens aangeroepen" in i]
    assert {re.match(r"^([\w.]+):", i)[1] for i in issues} == {"integriteitsmelding_oud.bpmn",
                                                               "afdoening_oud.bpmn"}, issues


def test_a_process_declared_under_processes_is_not_reported(copy):
    """The manifest's 'processes' start on their own (a request, a yearly date): nothing need call them."""
    issues = refusals(copy)
    assert not [i for i in issues if "nergens aangeroepen" in i]
    assert "risicoinventarisatie" in (copy / "manifest.json").read_text(encoding="utf-8")


def test_deploy_refuses_a_process_nothing_calls(db, copy):
    _renamed_copy(copy, "aanvullende_informatie.bpmn", "aanvullende_informatie_oud.bpmn", "oud_")
    with db.session() as s, pytest.raises(ProcessValidationError) as info:
        service.deploy(session=s, directory=copy)
    assert any(i.element_id == "oud_aanvullende_informatie" and "nergens aangeroepen" in i.message
               for i in info.value.issues), info.value.issues
