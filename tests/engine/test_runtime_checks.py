"""Issue 18: `meldpunt processes check` catches what would otherwise fail only at run time.

Each test makes one realistic mistake of a process owner in a copy of processes/ and asserts the check's Dutch
message, naming the file, the line and the element (engine/processes/runtime_checks.py).
"""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.engine.test_legal_proof import ISSUE, copy, edit, refusals  # noqa: F401  (copy: fixture)
from tests.process.driver import PROCESSES

ROOT = Path(__file__).resolve().parents[2]
CAMUNDA_DMN13 = "https://www.omg.org/spec/DMN/20191111/MODEL/"


def only(issues: list[str]) -> re.Match:
    """The single refusal, parsed into file, line, element and message (no library English)."""
    assert len(issues) == 1, "\n".join(issues)
    m = ISSUE.match(issues[0])
    assert m, issues[0]
    for english in ("Error", "object has no attribute", "Did you mean", "Traceback", "Exception"):
        assert english not in m["message"], m["message"]
    return m


def test_the_shipped_processes_pass_the_check():
    assert refusals(PROCESSES) == []


@pytest.mark.parametrize("file, old, new, element, words", [
    # an unquoted duration blocks the first task of every new case
    ("integriteitsmelding.bpmn", 'legal_term("P7D", start=datum_melding)', 'legal_term(P7D, start=datum_melding)',
     "ontvangst_termijn", 'duur zonder aanhalingstekens: schrijf "P7D"'),
    # a mistyped duration
    ("integriteitsmelding.bpmn", 'legal_term("P7D", start=datum_melding)', 'legal_term("P7X", start=datum_melding)',
     "ontvangst_termijn", "'P7X' is geen geldige ISO 8601-duur"),
    # a duration without its P, in a post-script
    ("aanvullende_informatie.bpmn", 'legal_date("P14D")', 'legal_date("14D")',
     "vragen_aan_melder", "'14D' is geen geldige ISO 8601-duur"),
    # an unknown function in a post-script
    ("aanvullende_informatie.bpmn", 'legal_date("P14D")', 'wettelijke_datum("P14D")',
     "vragen_aan_melder", "onbekende functie 'wettelijke_datum'"),
    # a misspelt gateway variable
    ("integriteitsmelding.bpmn", 'route == "overdracht"', 'rout == "overdracht"',
     "Flow_route_gateway_to_overdragen", "leest 'rout', maar geen formulier, script of beslistabel"),
    # a renamed DMN input variable
    ("route_voorstel.dmn", "<text>categorie</text>", "<text>meldingscategorie</text>",
     "inputExpression_categorie", "leest 'meldingscategorie'"),
    # an unquoted DMN output
    ("route_voorstel.dmn", '<outputEntry id="regel_3_out_0"><text>"doorverwijzing"</text>',
     '<outputEntry id="regel_3_out_0"><text>doorverwijzing</text>',
     "regel_3_out_0", "'doorverwijzing' is geen tekst: zet de uitkomst tussen aanhalingstekens"),
    # in (…) without ? in a DMN cell
    ("route_voorstel.dmn", '<inputEntry id="regel_4_in_0"><text>== "Ongewenste omgangsvormen"</text>',
     '<inputEntry id="regel_4_in_0"><text>in ("Ongewenste omgangsvormen", "Overig")</text>',
     "regel_4_in_0", "schrijf '? in (\"Ongewenste omgangsvormen\", \"Overig\")' (met vraagteken"),
    # a FEEL list in a DMN cell (silently never matches)
    ("route_voorstel.dmn", '<inputEntry id="regel_4_in_0"><text>== "Ongewenste omgangsvormen"</text>',
     '<inputEntry id="regel_4_in_0"><text>"Ongewenste omgangsvormen", "Overig"</text>',
     "regel_4_in_0", "is een FEEL-lijst en past nooit: cellen zijn Python"),
    # a FEEL range
    ("route_voorstel.dmn", '<inputEntry id="regel_4_in_0"><text>== "Ongewenste omgangsvormen"</text>',
     '<inputEntry id="regel_4_in_0"><text>[1..5]</text>', "regel_4_in_0", "is een FEEL-bereik"),
    # COLLECT turns the proposed route into a list
    ("route_voorstel.dmn", 'hitPolicy="FIRST"', 'hitPolicy="COLLECT"',
     "route_voorstel_tabel", "Hit policy COLLECT geeft een lijst"),
    # a condition that fails on every case: a setting the manifest does not have
    ("afdoening.bpmn", 'instellingen["rechtspositie"] == "publiekrechtelijk"',
     'instellingen["rechtspositie_soort"] == "publiekrechtelijk"', "Flow_rechtspositie_gateway_to_bezwaar_registreren",
     "kan met voorbeeldgegevens uit de formulieren niet worden berekend (onbekende sleutel)"),
])
def test_a_run_time_mistake_is_refused_with_file_line_and_element(copy, file, old, new, element, words):
    edit(copy / file, old, new)
    m = only(refusals(copy))
    assert (m["file"], m["element"]) == (file, element)
    assert words in m["message"]
    line = (copy / file).read_text(encoding="utf-8").splitlines()[int(m["line"]) - 1]
    assert re.sub(r"<[^>]+>", "", new) in line or f'id="{element}"' in line, line


def test_a_missing_diagram_shape_is_refused(copy):
    path = copy / "beoordeling.bpmn"
    text = path.read_text(encoding="utf-8")
    shape = re.search(r'\s*<bpmndi:BPMNShape id="[^"]+" bpmnElement="route_voorstellen">.*?</bpmndi:BPMNShape>',
                      text, re.S)
    path.write_text(text.replace(shape.group(0), ""), encoding="utf-8")
    m = only(refusals(copy))
    assert (m["file"], m["element"]) == ("beoordeling.bpmn", "route_voorstellen")
    assert "vorm (BPMNShape) ontbreekt" in m["message"]
    assert 'id="route_voorstellen"' in path.read_text(encoding="utf-8").splitlines()[int(m["line"]) - 1]


def _camunda_dmn(decision_body: str, namespace: str = CAMUNDA_DMN13) -> str:
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<definitions xmlns="{namespace}" id="Definitions_1" '
            f'name="DRD" namespace="http://camunda.org/schema/1.0/dmn">\n'
            f'  <decision id="route_voorstel" name="Routevoorstel">\n{decision_body}  </decision>\n</definitions>\n')


@pytest.mark.parametrize("content, words, element", [
    (_camunda_dmn('    <literalExpression id="LiteralExpression_1"><text>"feitenonderzoek"</text>'
                  '</literalExpression>\n'), "is een letterlijke expressie; alleen beslistabellen", "route_voorstel"),
    (_camunda_dmn(""), "heeft geen beslistabel", "route_voorstel"),
    (_camunda_dmn('    <decisionTable id="DecisionTable_1"><input id="i"><inputExpression id="ie" typeRef="string">'
                  '<text>categorie</text></inputExpression></input><output id="o" name="voorgestelde_route" '
                  'typeRef="string" /></decisionTable>\n', "http://www.omg.org/spec/DMN/20151101/dmn.xsd"),
     "DMN 1.1 wordt niet ondersteund: sla de beslistabel op als DMN 1.3", "Definitions_1"),
])
def test_dmn_files_from_camundas_editor_get_a_dutch_message(copy, content, words, element):
    (copy / "route_voorstel.dmn").write_text(content, encoding="utf-8")
    issues = refusals(copy)
    m = ISSUE.match(next(i for i in issues if i.startswith("route_voorstel.dmn")))
    assert m["element"] == element and words in m["message"]
    assert not any("'list' object" in i or "attribute" in i for i in issues), issues


def test_a_loop_back_via_a_flow_is_refused(copy):
    path = copy / "beoordeling.bpmn"
    edit(path, 'targetRef="melding_beoordelen"', 'targetRef="route_voorstellen"')
    issues = refusals(copy)
    assert any("Lus terug via een verbinding" in i and i.startswith("beoordeling.bpmn:") for i in issues), issues


def test_the_cli_check_prints_the_dutch_message_and_fails(copy):
    edit(copy / "integriteitsmelding.bpmn", 'route == "overdracht"', 'rout == "overdracht"')
    result = subprocess.run([sys.executable, "-m", "cli.main", "processes", "check", str(copy)], cwd=ROOT,
                            capture_output=True, text=True, env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin",
                                                                 "HOME": str(copy.parent)})
    assert result.returncode != 0
    assert "integriteitsmelding.bpmn:" in result.stderr and "[Flow_route_gateway_to_overdragen]" in result.stderr
    assert "leest 'rout'" in result.stderr


def test_a_stored_version_is_loaded_without_the_run_time_checks(copy):
    """A version deployed before these checks existed stays loadable for its running cases (prove_legal=False)."""
    from engine.processes.validation import read_process_dir

    edit(copy / "route_voorstel.dmn", '<outputEntry id="regel_3_out_0"><text>"doorverwijzing"</text>',
         '<outputEntry id="regel_3_out_0"><text>doorverwijzing</text>')
    assert refusals(copy)  # refused at check and deploy
    from engine.processes import service

    assert service.parse(read_process_dir(copy), prove_legal=False).manifest.main_process == "integriteitsmelding"
