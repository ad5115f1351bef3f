"""The worked examples of docs/PROCESS_OWNERS.md, applied to a copy of processes/.

Each example edits the files the way a process owner would (text or XML edits), checks the
copy, and runs it. Broken copies show the messages a process owner gets.
"""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from lxml import etree
from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException

from .checks import check
from .driver import PROCESSES, SpiffDriver, end_of_day, legal_date, run_scenario
from .scenarios import DEFAULTS, FEITENONDERZOEK
from .test_process_files import BASE, decide

NS = {"bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
      "bpmndi": "http://www.omg.org/spec/BPMN/20100524/DI",
      "dc": "http://www.omg.org/spec/DD/20100524/DC",
      "di": "http://www.omg.org/spec/DD/20100524/DI",
      "spiff": "http://spiffworkflow.org/bpmn/schema/1.0/core"}


@pytest.fixture
def copy(tmp_path) -> Path:
    target = tmp_path / "processes"
    shutil.copytree(PROCESSES, target)
    return target


def edit(path: Path, old: str, new: str, count: int = 1):
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == count, f"{old!r} occurs {text.count(old)} times in {path.name}"
    path.write_text(text.replace(old, new), encoding="utf-8")


def run_until(driver, element, answers):
    driver.start({})
    for _ in range(100):
        ready = {t.element: t for t in driver.ready()}
        if element in ready:
            return ready
        el = next(iter(ready))
        driver.complete(el, {**DEFAULTS[el], **answers.get(el, {})})
    raise AssertionError(element)


def test_the_shipped_processes_pass_the_check():
    assert check(PROCESSES) == []


# --------------------------------------------------------------------------- example 1
def test_example_change_zienswijze_term_14_to_21_days(copy):
    # one place: the post-script of 'Voornemen verzenden'; the timer fires at end_of_day(zienswijze_termijn)
    edit(copy / "afdoening.bpmn", 'zienswijze_termijn = legal_date("P14D", start=voornemen_datum)',
         'zienswijze_termijn = legal_date("P21D", start=voornemen_datum)')
    assert check(copy) == []
    driver = SpiffDriver(copy)
    ready = run_until(driver, "zienswijze_verwerken", FEITENONDERZOEK)
    data = ready["zienswijze_verwerken"].data
    assert data["zienswijze_termijn"] == legal_date("P21D", start=data["voornemen_datum"])
    assert driver.waiting_timers()["zienswijze_termijn_verstreken"] == end_of_day(data["zienswijze_termijn"])


# --------------------------------------------------------------------------- example 2
def add_user_task(bpmn: Path, after: str, task_id: str, name: str, lane: str, form: str):
    """Insert a user task after `after` (on its outgoing flow), in `lane`, with its shape and edges."""
    B = "{%s}" % NS["bpmn"]
    doc = etree.parse(str(bpmn))
    proc = doc.find("bpmn:process", NS)
    flow = proc.find(f"bpmn:sequenceFlow[@sourceRef='{after}']", NS)
    target = flow.get("targetRef")
    new_flow_id = f"Flow_{task_id}_to_{target}"
    flow.set("targetRef", task_id)
    for inc in proc.find(f"*[@id='{target}']", NS).iterfind("bpmn:incoming", NS):
        if inc.text == flow.get("id"):
            inc.text = new_flow_id
    ut = etree.SubElement(proc, B + "userTask", id=task_id, name=name)
    ext = etree.SubElement(ut, B + "extensionElements")
    props = etree.SubElement(ext, "{%s}properties" % NS["spiff"])
    etree.SubElement(props, "{%s}property" % NS["spiff"], name="form", value=form)
    etree.SubElement(ut, B + "incoming").text = flow.get("id")
    etree.SubElement(ut, B + "outgoing").text = new_flow_id
    etree.SubElement(proc, B + "sequenceFlow", id=new_flow_id, sourceRef=task_id, targetRef=target)
    lane_el = proc.find(f".//bpmn:lane[@name='{lane}']", NS)
    etree.SubElement(lane_el, B + "flowNodeRef").text = task_id
    plane = doc.find(".//bpmndi:BPMNPlane", NS)
    src = plane.find(f"bpmndi:BPMNShape[@bpmnElement='{after}']/dc:Bounds", NS)
    x, y = float(src.get("x")), float(src.get("y")) + 100
    shape = etree.SubElement(plane, "{%s}BPMNShape" % NS["bpmndi"], id=f"{task_id}_di", bpmnElement=task_id)
    etree.SubElement(shape, "{%s}Bounds" % NS["dc"], x=str(x), y=str(y), width="100", height="80")
    edge = etree.SubElement(plane, "{%s}BPMNEdge" % NS["bpmndi"], id=f"{new_flow_id}_di", bpmnElement=new_flow_id)
    for px, py in ((x + 100, y + 40), (x + 160, y + 40)):
        etree.SubElement(edge, "{%s}waypoint" % NS["di"], x=str(px), y=str(py))
    doc.write(str(bpmn), xml_declaration=True, encoding="UTF-8")


def test_example_add_user_task_with_form_and_lane(copy):
    form = {"$schema": "https://json-schema.org/draft/2020-12/schema", "title": "Beoordeling meelezen",
            "description": "Een tweede coördinator leest de beoordeling mee (vier-ogenprincipe).",
            "type": "object",
            "properties": {"meelezer_akkoord": {"type": "boolean", "title": "Akkoord met de beoordeling"},
                           "meelezer_opmerking": {"type": "string", "title": "Opmerking", "x-widget": "textarea"}},
            "required": ["meelezer_akkoord"]}
    (copy / "forms" / "beoordeling_meelezen.json").write_text(json.dumps(form, ensure_ascii=False, indent=2))
    add_user_task(copy / "beoordeling.bpmn", after="melding_beoordelen", task_id="beoordeling_meelezen",
                  name="Beoordeling meelezen", lane="Integriteitscoördinator", form="forms/beoordeling_meelezen.json")
    assert check(copy) == []
    driver = SpiffDriver(copy)
    defaults = {**DEFAULTS, "beoordeling_meelezen": {"meelezer_akkoord": True}}
    trail = run_scenario(driver, {}, defaults, {})
    assert trail.index("melding_beoordelen") < trail.index("beoordeling_meelezen")
    assert driver.data()["meelezer_akkoord"] is True


def test_example_added_task_in_unknown_lane_is_refused(copy):
    (copy / "forms" / "x.json").write_text('{"type": "object"}')
    add_user_task(copy / "beoordeling.bpmn", after="melding_beoordelen", task_id="x", name="X",
                  lane="Integriteitscoördinator", form="forms/ontbreekt.json")
    edit(copy / "beoordeling.bpmn", 'name="Bureau Veiligheid en Integriteit"', 'name="Bureau Integriteit"')
    messages = [str(i) for i in check(copy)]
    assert any("Lane 'Bureau Integriteit' is geen rol uit manifest.json" in m for m in messages), messages
    assert any("[x] Formulier 'forms/ontbreekt.json' bestaat niet" in m for m in messages), messages


# --------------------------------------------------------------------------- example 3
def test_example_change_dmn_rule(copy):
    assert decide(**{**BASE, "ernst": "gering", "risicofunctie": "risicovol"})["voorgestelde_route"] == "geen_onderzoek"
    new_rule = """      <rule id="regel_risicovol_gering">
        <description>Ook een geringe schending door iemand in een risicovolle functie: vooronderzoek.</description>
        <inputEntry id="regel_rg_in_0"><text></text></inputEntry>
        <inputEntry id="regel_rg_in_1"><text>== "gering"</text></inputEntry>
        <inputEntry id="regel_rg_in_2"><text></text></inputEntry>
        <inputEntry id="regel_rg_in_3"><text>== "risicovol"</text></inputEntry>
        <outputEntry id="regel_rg_out_0"><text>"vooronderzoek"</text></outputEntry>
        <outputEntry id="regel_rg_out_1"><text>""</text></outputEntry>
      </rule>
      <rule id="regel_10">"""
    edit(copy / "route_voorstel.dmn", '      <rule id="regel_10">', new_rule)
    assert check(copy) == []
    assert decide(copy, **{**BASE, "ernst": "gering", "risicofunctie": "risicovol"})["voorgestelde_route"] \
        == "vooronderzoek"
    assert decide(copy, **{**BASE, "ernst": "gering"})["voorgestelde_route"] == "geen_onderzoek"


# --------------------------------------------------------------------------- pitfalls: broken copies
def test_unquoted_duration_is_reported_and_fails_at_run_time(copy):
    edit(copy / "integriteitsmelding.bpmn", 'legal_term("P7D", start=datum_melding)',
         "legal_term(P7D, start=datum_melding)")
    messages = [str(i) for i in check(copy)]
    assert any('[ontvangst_termijn] Duur zonder aanhalingstekens: schrijf "P7D"' in m for m in messages), messages
    driver = SpiffDriver(copy)
    driver.start({})
    with pytest.raises(WorkflowTaskException, match="P7D"):
        driver.complete("melding_registreren", DEFAULTS["melding_registreren"])


def test_feel_list_in_dmn_is_reported(copy):
    edit(copy / "route_voorstel.dmn", '? in ("Misbruik geweldsbevoegdheid", "Misbruik bevoegdheden")',
         '"Misbruik geweldsbevoegdheid","Misbruik bevoegdheden"')
    messages = [str(i) for i in check(copy)]
    assert any("FEEL-lijst" in m and "regel_8_in_0" in m for m in messages), messages


def test_in_without_question_mark_is_reported(copy):
    edit(copy / "route_voorstel.dmn", '? in ("Misbruik geweldsbevoegdheid"', 'in ("Misbruik geweldsbevoegdheid"')
    messages = [str(i) for i in check(copy)]
    assert any("Schrijf '? in (" in m for m in messages), messages


def test_gateway_loop_back_is_reported(copy):
    edit(copy / "aanvullende_informatie.bpmn",
         'sourceRef="vragen_join" targetRef="vragen_end"', 'sourceRef="vragen_join" targetRef="vragen_aan_melder"')
    messages = [str(i) for i in check(copy)]
    assert any("Lus terug via een sequence flow" in m for m in messages), messages


def test_broken_xml_reports_the_line(copy):
    edit(copy / "onderzoek.bpmn", "</bpmn:process>", "</bpmn:proces>")
    [issue] = check(copy)
    assert issue.file == "onderzoek.bpmn" and issue.line and "Ongeldige XML" in issue.message


def test_missing_diagram_shape_is_reported(copy):
    doc = (copy / "beoordeling.bpmn").read_text(encoding="utf-8")
    start = doc.index('<bpmndi:BPMNShape id="signaal_bureau_vi_di"')
    end = doc.index("</bpmndi:BPMNShape>", start) + len("</bpmndi:BPMNShape>")
    (copy / "beoordeling.bpmn").write_text(doc[:start] + doc[end:], encoding="utf-8")
    messages = [str(i) for i in check(copy)]
    assert any("[signaal_bureau_vi] Element heeft geen plaats in het diagram" in m for m in messages), messages


def test_missing_called_process_is_reported(copy):
    (copy / "onderzoek.bpmn").unlink()
    messages = [str(i) for i in check(copy)]
    assert any("onderzoek" in m for m in messages), messages
