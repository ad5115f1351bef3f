"""Process set validation: the valid fixture parses; each kind of defect is refused with file, element and line."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from engine.errors import ProcessValidationError, ValidationIssue
from engine.processes.manifest import parse_manifest
from engine.processes.validation import ParsedProcessSet, parse_process_set, read_process_dir

FIXTURE = Path(__file__).parent.parent / "fixtures" / "processes" / "minimal"
BPMN = "testproces.bpmn"
FUNCTIONS = {"legal_term": lambda term, start=None: "2026-01-01T00:00:00+00:00"}

CALLED_PROCESS = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
                  xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core"
                  id="deelproces_definitions" targetNamespace="http://meldpunt.example/bpmn">
  <bpmn:process id="{process_id}" isExecutable="true">
    <bpmn:startEvent id="deel_start"><bpmn:outgoing>d1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:userTask id="aanvullen" name="Aanvullen">
      <bpmn:extensionElements>
        <spiffworkflow:properties>
          <spiffworkflow:property name="form" value="forms/beoordelen.json" />
        </spiffworkflow:properties>
      </bpmn:extensionElements>
      <bpmn:incoming>d1</bpmn:incoming><bpmn:outgoing>d2</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:endEvent id="deel_einde"><bpmn:incoming>d2</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="d1" sourceRef="deel_start" targetRef="aanvullen" />
    <bpmn:sequenceFlow id="d2" sourceRef="aanvullen" targetRef="deel_einde" />
  </bpmn:process>
</bpmn:definitions>
"""

EMPTY_PROCESS = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
                  id="leeg_definitions" targetNamespace="http://meldpunt.example/bpmn">
  <bpmn:process id="{process_id}" isExecutable="true">
    <bpmn:startEvent id="leeg_start" />
  </bpmn:process>
</bpmn:definitions>
"""


@pytest.fixture
def process_dir(tmp_path: Path) -> Path:
    target = tmp_path / "processes"
    shutil.copytree(FIXTURE, target)
    return target


def edit(directory: Path, name: str, old: str, new: str) -> int:
    """Replace ``old`` by ``new`` in a file of the temp copy; returns the 1-based line of the edit."""
    path = directory / name
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {name}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return text[: text.index(old)].count("\n") + 1


def refusals(directory: Path, **kwargs) -> list[ValidationIssue]:
    with pytest.raises(ProcessValidationError) as caught:
        parse_process_set(read_process_dir(directory), functions=FUNCTIONS, **kwargs)
    assert str(caught.value)  # the error text lists every issue
    return caught.value.issues


def only_issue(issues: list[ValidationIssue], file: str, element_id: str | None,
               line: int | None = None) -> ValidationIssue:
    assert len(issues) == 1, [str(issue) for issue in issues]
    issue = issues[0]
    assert (issue.file, issue.element_id) == (file, element_id), str(issue)
    if line is not None:
        assert issue.line == line, str(issue)
    assert file in str(issue) and (element_id is None or element_id in str(issue))
    return issue


# -- the valid set ------------------------------------------------------------------------


def test_valid_set_parses_with_task_metadata(process_dir: Path) -> None:
    (process_dir / "README.txt").write_text("wordt genegeerd")
    files = read_process_dir(process_dir)
    assert sorted(files) == ["forms/beoordelen.json", "forms/registreren.json",
                             "manifest.json", "route.dmn", BPMN]

    parsed = parse_process_set(files, functions=FUNCTIONS, template_exists=lambda name: True)

    assert isinstance(parsed, ParsedProcessSet)
    assert parsed.spec.name == "testproces"
    assert parsed.manifest.main_process == "testproces"
    assert set(parsed.forms) == {"forms/beoordelen.json", "forms/registreren.json"}
    assert set(parsed.tasks) == {"registreren", "beoordelen"}
    registreren, beoordelen = parsed.tasks["registreren"], parsed.tasks["beoordelen"]
    assert (registreren.role, registreren.slot, registreren.priority) == ("meldpunt", "meldpunt", 2)
    assert registreren.form == "forms/registreren.json" and registreren.kind == "userTask"
    assert (beoordelen.role, beoordelen.slot) == ("integriteitscoordinator", "coordinator")
    assert beoordelen.process_id == "testproces"


def test_manifest_maps_lane_names_and_codes_to_roles() -> None:
    manifest = parse_manifest((FIXTURE / "manifest.json").read_bytes())
    assert manifest.role_for_lane("Integriteitscoördinator") == "integriteitscoordinator"
    assert manifest.role_for_lane("meldpunt") == "meldpunt"
    assert manifest.role_for_lane("Directie") is None
    assert manifest.exclusive_slots == {"meldpunt", "integriteitscoordinator"}
    assert manifest.uninvolved_slots == frozenset()


def add_call_to_deelproces(directory: Path, *, in_lane: bool) -> int:
    """Route beoordelen -> call activity 'aanroep' (deelproces) -> end; returns the call's line."""
    (directory / "deelproces.bpmn").write_text(CALLED_PROCESS.format(process_id="deelproces"))
    if in_lane:
        edit(directory, BPMN, '<bpmn:flowNodeRef>beoordelen</bpmn:flowNodeRef>',
             '<bpmn:flowNodeRef>beoordelen</bpmn:flowNodeRef><bpmn:flowNodeRef>aanroep</bpmn:flowNodeRef>')
    edit(directory, BPMN, '<bpmn:incoming>f_beoordeeld</bpmn:incoming>\n    </bpmn:endEvent>',
         '<bpmn:incoming>f_aanroep</bpmn:incoming>\n    </bpmn:endEvent>')
    return edit(directory, BPMN,
                '<bpmn:sequenceFlow id="f_beoordeeld" sourceRef="beoordelen" targetRef="einde_beoordeeld" />',
                '<bpmn:sequenceFlow id="f_beoordeeld" sourceRef="beoordelen" targetRef="aanroep" />'
                '<bpmn:callActivity id="aanroep" calledElement="deelproces">'
                '<bpmn:incoming>f_beoordeeld</bpmn:incoming><bpmn:outgoing>f_aanroep</bpmn:outgoing>'
                '</bpmn:callActivity>'
                '<bpmn:sequenceFlow id="f_aanroep" sourceRef="aanroep" targetRef="einde_beoordeeld" />')


def test_user_task_of_called_process_without_lanes_gets_no_role(process_dir: Path) -> None:
    add_call_to_deelproces(process_dir, in_lane=True)

    parsed = parse_process_set(read_process_dir(process_dir), functions=FUNCTIONS)

    assert set(parsed.subprocess_specs) == {"deelproces"}
    assert parsed.tasks["aanvullen"].role is None
    assert parsed.tasks["aanvullen"].process_id == "deelproces"


@pytest.mark.parametrize("timer", ['legal_term("P7D")', 'legal_term("P3M", start=datum_melding)'])
def test_timer_may_call_an_engine_function(process_dir: Path, timer: str) -> None:
    edit(process_dir, BPMN, '<bpmn:timeDuration>"P14D"</bpmn:timeDuration>',
         f'<bpmn:timeDate>{timer}</bpmn:timeDate>')
    parse_process_set(read_process_dir(process_dir), functions=FUNCTIONS)


# -- one test per refusal kind --------------------------------------------------------------


def test_refuses_xml_that_does_not_parse(process_dir: Path) -> None:
    line = edit(process_dir, BPMN, '<bpmn:endEvent id="einde_direct">', '<bpmn:endEvent id=einde_direct>')
    issue = only_issue(refusals(process_dir), BPMN, None, line)
    assert "Geen geldige XML" in issue.message


def test_refuses_an_xml_bomb(process_dir: Path) -> None:
    entities = "".join(f'<!ENTITY e{i} "{f"&e{i - 1};" * 10}">' for i in range(1, 10))
    (process_dir / "bom.bpmn").write_text(
        f'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY e0 "x">{entities}]><d>&e9;</d>')
    issue = only_issue(refusals(process_dir), "bom.bpmn", None, line=1)
    assert "Geen geldige XML" in issue.message


def test_refuses_a_doctype_with_entities(process_dir: Path) -> None:
    text = (process_dir / BPMN).read_text()
    (process_dir / BPMN).write_text(text.replace(
        '<bpmn:definitions', '<!DOCTYPE x [<!ENTITY geheim SYSTEM "file:///etc/passwd">]>\n<bpmn:definitions', 1))
    issue = only_issue(refusals(process_dir), BPMN, None, line=1)
    assert "DOCTYPE" in issue.message


def test_refuses_missing_manifest(process_dir: Path) -> None:
    (process_dir / "manifest.json").unlink()
    issue = only_issue(refusals(process_dir), "manifest.json", None)
    assert "ontbreekt" in issue.message


def test_refuses_missing_main_process(process_dir: Path) -> None:
    edit(process_dir, "manifest.json", '"main_process": "testproces"', '"main_process": "hoofdproces"')
    issue = only_issue(refusals(process_dir), "manifest.json", "hoofdproces")
    assert "hoofdproces" in issue.message


def test_refuses_process_without_id(process_dir: Path) -> None:
    (process_dir / "naamloos.bpmn").write_text(EMPTY_PROCESS.replace('id="{process_id}" ', ""))
    issue = only_issue(refusals(process_dir), "naamloos.bpmn", None, line=4)
    assert "geen id" in issue.message


def test_refuses_duplicate_process_id(process_dir: Path) -> None:
    (process_dir / "testproces_kopie.bpmn").write_text(EMPTY_PROCESS.format(process_id="testproces"))
    issue = only_issue(refusals(process_dir), "testproces_kopie.bpmn", "testproces", line=4)
    assert "meer dan eens" in issue.message and BPMN in issue.message


def test_refuses_call_activity_with_absent_target(process_dir: Path) -> None:
    line = edit(process_dir, BPMN, '<bpmn:endEvent id="einde_direct">',
                '<bpmn:callActivity id="aanroep" calledElement="bestaat_niet" />'
                '<bpmn:endEvent id="einde_direct">')
    edit(process_dir, BPMN, '<bpmn:flowNodeRef>einde_direct</bpmn:flowNodeRef>',
         '<bpmn:flowNodeRef>einde_direct</bpmn:flowNodeRef><bpmn:flowNodeRef>aanroep</bpmn:flowNodeRef>')
    # the call has no flows, so it is also refused as unreachable (test_process_structure_check); this is about its target
    issue = only_issue([i for i in refusals(process_dir) if "onbereikbaar" not in i.message], BPMN, "aanroep", line)
    assert "bestaat_niet" in issue.message


def test_refuses_call_without_lane_to_process_whose_tasks_have_no_lane(process_dir: Path) -> None:
    line = add_call_to_deelproces(process_dir, in_lane=False)
    issue = only_issue(refusals(process_dir), BPMN, "aanroep", line)
    assert "geen baan" in issue.message and "deelproces" in issue.message


def test_refuses_reference_to_an_unknown_element(process_dir: Path) -> None:
    line = edit(process_dir, BPMN, 'attachedToRef="registreren"', 'attachedToRef="registeren"')
    issue = only_issue(refusals(process_dir), BPMN, "termijn_registreren", line)
    assert "registeren" in issue.message


def test_refuses_user_task_in_no_lane(process_dir: Path) -> None:
    edit(process_dir, BPMN, '<bpmn:flowNodeRef>beoordelen</bpmn:flowNodeRef>', '')
    line = edit(process_dir, BPMN, '<bpmn:userTask id="beoordelen"', '<bpmn:userTask id="beoordelen"')
    issue = only_issue(refusals(process_dir), BPMN, "beoordelen", line)
    assert "geen baan" in issue.message


def test_refuses_lane_naming_no_role(process_dir: Path) -> None:
    line = edit(process_dir, BPMN, 'name="Integriteitscoördinator"', 'name="Directie"')
    issue = only_issue(refusals(process_dir), BPMN, "baan_coordinator", line)
    assert "Directie" in issue.message


def test_refuses_user_task_without_form_property(process_dir: Path) -> None:
    edit(process_dir, BPMN, '<spiffworkflow:property name="form" value="forms/beoordelen.json" />', '')
    line = edit(process_dir, BPMN, '<bpmn:userTask id="beoordelen"', '<bpmn:userTask id="beoordelen"')
    issue = only_issue(refusals(process_dir), BPMN, "beoordelen", line)
    assert "'form'" in issue.message


def test_refuses_user_task_whose_form_file_is_missing(process_dir: Path) -> None:
    (process_dir / "forms" / "beoordelen.json").unlink()
    line = edit(process_dir, BPMN, '<bpmn:userTask id="beoordelen"', '<bpmn:userTask id="beoordelen"')
    issue = only_issue(refusals(process_dir), BPMN, "beoordelen", line)
    assert "forms/beoordelen.json" in issue.message


def test_refuses_gateway_condition_that_does_not_compile(process_dir: Path) -> None:
    line = edit(process_dir, BPMN, 'voorgestelde_route != "geen_onderzoek" and',
                'voorgestelde_route !=! "geen_onderzoek" and')
    issue = only_issue(refusals(process_dir), BPMN, "f_beoordelen", line)
    assert "Syntaxfout" in issue.message


def test_refuses_script_task_that_fails_the_static_check(process_dir: Path) -> None:
    line = edit(process_dir, BPMN, '<bpmn:script>prioriteit =', '<bpmn:script>import os\nprioriteit =')
    edit(process_dir, BPMN, '<bpmn:scriptTask id="prioriteit_bepalen"', '<bpmn:scriptTask id="prioriteit_bepalen"')
    issue = only_issue(refusals(process_dir), BPMN, "prioriteit_bepalen")
    assert "importeren" in issue.message
    assert issue.line is not None and issue.line < line


def test_refuses_post_script_that_fails_the_static_check(process_dir: Path) -> None:
    line = edit(process_dir, BPMN, "<spiffworkflow:postScript>geregistreerd = True",
                "<spiffworkflow:postScript>geregistreerd = open('/etc/passwd')")
    issue = only_issue(refusals(process_dir), BPMN, "registreren", line)
    assert "'open'" in issue.message and "Nascript" in issue.message


@pytest.mark.parametrize("timer, reason", [
    ('<bpmn:timeDuration>"14 dagen"</bpmn:timeDuration>', "ISO 8601-duur"),
    ('<bpmn:timeDuration>P14D</bpmn:timeDuration>', "engine-functie"),
    ('<bpmn:timeDate>"P14D"</bpmn:timeDate>', "ISO 8601-datum"),
    ('<bpmn:timeCycle>"P1D"</bpmn:timeCycle>', "ISO 8601-herhaling"),
    ('<bpmn:timeDuration>os_system("P14D")</bpmn:timeDuration>', "engine-functie (legal_term)"),
    ('<bpmn:timeDuration>legal_term(1 + 2)</bpmn:timeDuration>', "vaste waarden"),
])
def test_refuses_invalid_timer_expression(process_dir: Path, timer: str, reason: str) -> None:
    line = edit(process_dir, BPMN, '<bpmn:timeDuration>"P14D"</bpmn:timeDuration>', timer)
    issue = only_issue(refusals(process_dir), BPMN, "termijn_registreren", line)
    assert reason in issue.message


def test_refuses_form_that_is_not_json(process_dir: Path) -> None:
    line = edit(process_dir, "forms/registreren.json", '"required": ["categorie"]', '"required": [categorie]')
    issue = only_issue(refusals(process_dir), "forms/registreren.json", None, line)
    assert "JSON" in issue.message


def test_refuses_form_that_is_not_a_valid_json_schema(process_dir: Path) -> None:
    edit(process_dir, "forms/registreren.json", '"type": "integer"', '"type": "geheel getal"')
    issue = only_issue(refusals(process_dir), "forms/registreren.json", "$.properties.bedrag.type")
    assert "JSON Schema" in issue.message


def test_refuses_dmn_that_does_not_parse(process_dir: Path) -> None:
    line = edit(process_dir, "route.dmn", "<text>categorie</text>", "<text>categorie</txt>")
    issues = refusals(process_dir)
    assert (issues[0].file, issues[0].line) == ("route.dmn", line)
    # the decision is then unknown to the BPMN that uses it, which is reported too
    assert [(i.file, i.element_id) for i in issues[1:]] == [(BPMN, "route_bepalen")]


def test_refuses_dmn_cell_that_fails_the_static_check(process_dir: Path) -> None:
    line = edit(process_dir, "route.dmn", '<text>"feitenonderzoek"</text>', "<text>().__class__</text>")
    issue = only_issue(refusals(process_dir), "route.dmn", "regel_fraude_out", line)
    assert "__class__" in issue.message


def test_refuses_letter_without_template(process_dir: Path) -> None:
    edit(process_dir, BPMN, '<spiffworkflow:property name="slot" value="coordinator" />',
         '<spiffworkflow:property name="letter" value="ontvangstbevestiging" />')
    line = edit(process_dir, BPMN, '<bpmn:userTask id="beoordelen"', '<bpmn:userTask id="beoordelen"')
    issue = only_issue(refusals(process_dir, template_exists=lambda name: name != "ontvangstbevestiging"),
                       BPMN, "beoordelen", line)
    assert "ontvangstbevestiging" in issue.message


def test_refuses_bpmn_that_violates_the_schema(process_dir: Path) -> None:
    line = edit(process_dir, BPMN, '<bpmn:outgoing>f_start</bpmn:outgoing>', '<bpmn:onbekend />')
    issue = only_issue(refusals(process_dir), BPMN, "start", line)
    assert "bpmn:onbekend" in issue.message


def test_reports_all_problems_at_once(process_dir: Path) -> None:
    edit(process_dir, BPMN, 'name="Integriteitscoördinator"', 'name="Directie"')
    edit(process_dir, BPMN, '"P14D"', '"14 dagen"')
    edit(process_dir, "forms/registreren.json", '"type": "integer"', '"type": "geheel getal"')
    issues = refusals(process_dir)
    assert {(i.file, i.element_id) for i in issues} == {
        (BPMN, "baan_coordinator"), (BPMN, "termijn_registreren"),
        ("forms/registreren.json", "$.properties.bedrag.type")}
