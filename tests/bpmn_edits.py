"""Edits a process owner might make to the shipped process files, for the tests that prove deployment refuses the
ones that would get around a legal rule."""
from __future__ import annotations

from pathlib import Path

SHAPE = '<dc:Bounds x="{x}" y="10" width="{w}" height="{w}" /></bpmndi:BPMNShape>'
EDGE = ('<bpmndi:BPMNEdge id="{flow}_di" bpmnElement="{flow}">'
        '<di:waypoint x="10" y="10" /><di:waypoint x="20" y="20" /></bpmndi:BPMNEdge>')


def replace_once(text: str, replacements: list[tuple[str, str]]) -> str:
    for old, new in replacements:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    return text


def insert_choice(directory: Path, *, flow: str, source: str, target: str, gateway: str, name: str, condition: str,
                  otherwise: str, lane_after: str, new_end: str | None = None,
                  file: str = "integriteitsmelding.bpmn", before: str = '<bpmn:endEvent id="end" name="Zaak afgesloten">',
                  plane: str | None = None) -> None:
    """Put an exclusive gateway ``gateway`` (shown as ``name``) on the sequence flow ``flow`` from ``source`` to
    ``target``: the case goes on to ``target`` only when ``condition``, else (the gateway's default) to
    ``otherwise`` — an element of the process, or a new end event of that id named ``new_end``. The gateway (and the
    end event) join the lane after ``lane_after`` and are written before the element ``before`` (its opening tag,
    as in the file); the diagram gets their shapes (in the plane whose opening tag is ``plane``, else the file's
    only plane)."""
    path = directory / file
    original = f'<bpmn:sequenceFlow id="{flow}" sourceRef="{source}" targetRef="{target}" />'
    yes, no = f"Flow_{gateway}_ja", f"Flow_{gateway}_nee"
    end = (f'<bpmn:endEvent id="{otherwise}" name="{new_end}"><bpmn:incoming>{no}</bpmn:incoming></bpmn:endEvent>'
           if new_end is not None else "")
    refs = f"<bpmn:flowNodeRef>{gateway}</bpmn:flowNodeRef>" + (
        f"<bpmn:flowNodeRef>{otherwise}</bpmn:flowNodeRef>" if new_end is not None else "")
    shapes = (f'<bpmndi:BPMNShape id="{gateway}_di" bpmnElement="{gateway}" isMarkerVisible="true">'
              + SHAPE.format(x=10, w=50)
              + (f'<bpmndi:BPMNShape id="{otherwise}_di" bpmnElement="{otherwise}">' + SHAPE.format(x=100, w=36)
                 if new_end is not None else "")
              + EDGE.format(flow=yes) + EDGE.format(flow=no))
    text = replace_once(path.read_text(encoding="utf-8"), [
        (original, original.replace(f'targetRef="{target}"', f'targetRef="{gateway}"')
         + f'<bpmn:sequenceFlow id="{yes}" sourceRef="{gateway}" targetRef="{target}">'
           f'<bpmn:conditionExpression>{condition}</bpmn:conditionExpression></bpmn:sequenceFlow>'
           f'<bpmn:sequenceFlow id="{no}" sourceRef="{gateway}" targetRef="{otherwise}" />'),
        (f"<bpmn:incoming>{flow}</bpmn:incoming>", f"<bpmn:incoming>{yes}</bpmn:incoming>"),
        (before,
         f'<bpmn:exclusiveGateway id="{gateway}" name="{name}" default="{no}">'
         f"<bpmn:incoming>{flow}</bpmn:incoming>"
         f"<bpmn:outgoing>{yes}</bpmn:outgoing><bpmn:outgoing>{no}</bpmn:outgoing></bpmn:exclusiveGateway>"
         + end + before),
        (f"<bpmn:flowNodeRef>{lane_after}</bpmn:flowNodeRef>", f"<bpmn:flowNodeRef>{lane_after}</bpmn:flowNodeRef>"
         + refs),
        (plane, plane + shapes) if plane is not None else ("</bpmndi:BPMNPlane>", shapes + "</bpmndi:BPMNPlane>"),
    ])
    path.write_text(text, encoding="utf-8")


def skip_subject_hearing(directory: Path, condition: str) -> None:
    """'Onderzoek starten en betrokkene informeren' -> gateway 'Betrokkene horen?': the subject's hearing (and the
    minutes offered to check, correct and sign) only when ``condition``; else straight on to the witnesses' join
    before the report."""
    insert_choice(directory, flow="Flow_onderzoek_starten_to_hoorgesprek_voeren", source="onderzoek_starten",
                  target="hoorgesprek_voeren", gateway="betrokkene_horen_gw", name="Betrokkene horen?",
                  condition=condition, otherwise="getuigen_join", lane_after="onderzoek_starten",
                  file="onderzoek.bpmn", before='<bpmn:exclusiveGateway id="getuigen_join" name="">',
                  plane='<bpmndi:BPMNPlane id="BPMNPlane_onderzoek" bpmnElement="Collaboration_onderzoek">')


def remove_task(directory: Path, file: str, task: str) -> None:
    """Delete the element ``task`` (one flow in, one flow out) from ``file`` as a process owner would in the modeller:
    the flow into it now leads where the flow out of it led; the element, that flow, its lane reference and its
    diagram shapes are gone."""
    from lxml import etree

    ns = {"bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
          "bpmndi": "http://www.omg.org/spec/BPMN/20100524/DI"}
    path = directory / file
    tree = etree.parse(str(path))
    root = tree.getroot()
    element = root.find(f".//*[@id='{task}']")
    assert element is not None, task
    into = root.findall(f".//bpmn:sequenceFlow[@targetRef='{task}']", ns)
    out = root.findall(f".//bpmn:sequenceFlow[@sourceRef='{task}']", ns)
    assert len(into) == 1 and len(out) == 1, (task, len(into), len(out))
    target = out[0].get("targetRef")
    into[0].set("targetRef", target)
    for incoming in root.findall(f".//*[@id='{target}']/bpmn:incoming", ns):
        if incoming.text == out[0].get("id"):
            incoming.text = into[0].get("id")
    gone = {task, out[0].get("id")}
    for ref in root.findall(".//bpmn:flowNodeRef", ns):
        if ref.text == task:
            ref.getparent().remove(ref)
    for shape in [*root.iterfind(".//bpmndi:BPMNShape", ns), *root.iterfind(".//bpmndi:BPMNEdge", ns)]:
        if shape.get("bpmnElement") in gone:
            shape.getparent().remove(shape)
    element.getparent().remove(element)
    out[0].getparent().remove(out[0])
    tree.write(str(path), xml_declaration=True, encoding="UTF-8")


def skip_notice(directory: Path, condition: str) -> None:
    """'Onderzoek starten en betrokkene informeren' only when ``condition``; else the investigation goes straight to
    the subject's hearing (gateway 'Betrokkene inlichten?')."""
    insert_choice(directory, flow="Flow_onderzoek_split_to_onderzoek_starten", source="onderzoek_split",
                  target="onderzoek_starten", gateway="betrokkene_inlichten_gw", name="Betrokkene inlichten?",
                  condition=condition, otherwise="hoorgesprek_voeren", lane_after="onderzoek_starten",
                  file="onderzoek.bpmn", before='<bpmn:exclusiveGateway id="getuigen_join" name="">',
                  plane='<bpmndi:BPMNPlane id="BPMNPlane_onderzoek" bpmnElement="Collaboration_onderzoek">')


def skip_assignment(directory: Path, condition: str) -> None:
    """Before 'Beslissen over onderzoeksopdracht': the competent authority decides on and gives the assignment only
    when ``condition``; else the feitenonderzoek goes straight into the investigation (gateway 'Opdracht nodig?')."""
    insert_choice(directory, flow="Flow_feitenonderzoek_join_to_onderzoeksopdracht_beslissen",
                  source="feitenonderzoek_join", target="onderzoeksopdracht_beslissen", gateway="opdracht_nodig_gw",
                  name="Opdracht nodig?", condition=condition, otherwise="onderzoek_call",
                  lane_after="onderzoeksopdracht_beslissen")
