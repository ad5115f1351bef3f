"""The deployment check refuses a task no case can reach.

Before: a user task cut off from the start event (its incoming flow redirected) passed `processes check` and
deploy: a legal duty (here the aangifte, art. 162 Sv, with its term and escalation) that no case would ever reach.
"""
from __future__ import annotations

import re

import pytest

from engine.errors import ProcessValidationError
from engine.processes import service
from tests.engine.test_legal_proof import copy, edit, named, refusals  # noqa: F401  (copy: fixture)


def _cut_off_the_aangifte(directory) -> None:
    """The gateway's 'ja' flow goes to the join: nothing leads to 'Aangifte doen bij politie/OM' any more."""
    edit(directory / "beoordeling.bpmn", 'sourceRef="strafbaar_gateway" targetRef="aangifte_doen"',
         'sourceRef="strafbaar_gateway" targetRef="strafbaar_join"')


def test_a_task_no_case_can_reach_is_refused(copy):
    _cut_off_the_aangifte(copy)
    issues = refusals(copy)
    issue = named(issues, "beoordeling.bpmn", "aangifte_doen",
                  "Taak 'Aangifte doen bij politie/OM (art. 162 Sv)' is onbereikbaar")
    assert "geen pad vanaf de startgebeurtenis" in issue
    # the escalation behind its timer is unreachable too; nothing else is
    assert {re.match(r"^[\w.]+:\d+ \[(\w+)\]", i)[1] for i in issues if "onbereikbaar" in i} == {
        "aangifte_doen", "escalatie_aangifte"}, issues


def test_deploy_refuses_an_unreachable_task(db, copy):
    _cut_off_the_aangifte(copy)
    with db.session() as s, pytest.raises(ProcessValidationError) as info:
        service.deploy(session=s, directory=copy)
    assert any(i.element_id == "aangifte_doen" and "onbereikbaar" in i.message for i in info.value.issues)


def test_every_task_of_the_shipped_processes_is_reachable():
    from engine.processes.runtime_checks import unreachable_issues
    from engine.processes.validation import read_process_dir
    from lxml import etree
    from tests.process.driver import PROCESSES

    files = read_process_dir(PROCESSES)
    trees = {p: etree.ElementTree(etree.fromstring(c)) for p, c in files.items() if p.endswith(".bpmn")}
    assert unreachable_issues(trees=trees) == []
