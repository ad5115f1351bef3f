"""The process files in processes/: static checks and every route, on bare SpiffWorkflow.

When the engine runtime lands, swap `driver` for an engine-backed driver with the same calls
(start, ready, complete, expire, waiting_timers, finished, data) and the route tests run
unchanged against engine.cases.service.
"""
from __future__ import annotations

import ast
import json
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from jsonschema import Draft202012Validator
from lxml import etree
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine, TaskDataEnvironment
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser, VALIDATOR

from .driver import (ENGINE_FUNCTIONS, PROCESSES, Expire, SpiffDriver, end_of_day, legal_date, legal_term,
                     load_manifest, run_scenario)
from .scenarios import DEFAULTS, FEITENONDERZOEK, TODAY, route_answers, with_

NS = {
    "bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
    "bpmndi": "http://www.omg.org/spec/BPMN/20100524/DI",
    "dc": "http://www.omg.org/spec/DD/20100524/DC",
    "di": "http://www.omg.org/spec/DD/20100524/DI",
    "spiff": "http://spiffworkflow.org/bpmn/schema/1.0/core",
    "dmn": "https://www.omg.org/spec/DMN/20191111/MODEL/",
}
LETTERS = {
    "ontvangstbevestiging", "verzoek_aanvullende_informatie", "besluit_geen_onderzoek", "onderzoeksopdracht",
    "kennisgeving_onderzoek", "verslag_hoorgesprek", "besluit_ordemaatregel", "sanctieadvies",
    "voornemen_disciplinaire_maatregel", "besluit_disciplinaire_maatregel", "afsluiting_zonder_maatregel",
    "terugkoppeling_melder", "gegrondheid_melder", "melding_politie_om", "verslag_getuigenverhoor",
}
RECIPIENTS = {"melder", "betrokkene", "bevoegd_gezag", "onderzoeker", "politie_om", "getuige"}
CATEGORIEEN = [
    "Financiële schendingen", "Misbruik positie en belangenverstrengeling",
    "Lekken en misbruik en/of achterhouden van en/of ongeoorloofd omgaan met informatie",
    "Misbruik bevoegdheden", "Misbruik geweldsbevoegdheid", "Ongewenste omgangsvormen",
    "Misbruik bedrijfsmiddelen en overtreding interne regels", "Ongepaste gedragingen in privé-sfeer",
    "Ongepaste communicatie", "Misstanden (klokkenluidersregeling)",
]
AFDOENINGEN = [
    "Geen afdoening/actie", "Afdoening d.m.v. corrigerend gesprek, waarschuwingsbrief, training, coaching, e.d.",
    "Schriftelijke berisping", "Vermindering IKB-uren", "Financiële afdoening (boete/ uitsluiting periodiek)",
    "Verplaatsing", "Beëindiging dienstverband", "Beëindiging tijdelijke arbeidsovereenkomst, contract, stage",
    "Ontslag op initiatief van de medewerker",
]
BPMN_FILES = sorted(PROCESSES.glob("*.bpmn"))
MANIFEST = load_manifest()


def xml(path: Path):
    return etree.parse(str(path))


def user_tasks():
    for f in BPMN_FILES:
        for ut in xml(f).iterfind(".//bpmn:userTask", NS):
            props = {p.get("name"): p.get("value") for p in ut.iterfind(".//spiff:property", NS)}
            yield f, ut, props


# =========================================================================== static checks
def test_manifest_shape():
    assert MANIFEST["main_process"] == "integriteitsmelding"
    assert set(MANIFEST["roles"]) == {"meldpunt", "integriteitscoordinator", "onderzoeker", "bevoegd_gezag",
                                      "hr_adviseur", "jurist", "vertrouwenspersoon", "bureau_vi",
                                      # the risk inventory's lanes (issue 24)
                                      "leidinggevende", "beveiligingsadviseur", "managementteam"}
    assert set(MANIFEST["processes"]) == {"risicoinventarisatie", "autorisatieherziening",
                                          "beheersmaatregelen_monitoring"}
    sod = MANIFEST["separation_of_duties"]
    assert sod["exclusive_slots"] == ["vertrouwenspersoon", "onderzoeker_1", "onderzoeker_2", "hr_adviseur",
                                      "bevoegd_gezag", "jurist_bezwaar"]
    assert sod["uninvolved_slots"] == ["jurist_bezwaar"]
    s = MANIFEST["settings"]
    assert s["rechtspositie"] in ("arbeidsovereenkomst", "publiekrechtelijk")  # the values the letters know
    assert s["organisatie"]["naam"] and s["organisatie"]["adresregels"]


def test_everything_parses_with_the_validator():
    parser = SpiffBpmnParser(validator=VALIDATOR)
    parser.add_bpmn_files([str(f) for f in BPMN_FILES])
    parser.add_dmn_files([str(f) for f in PROCESSES.glob("*.dmn")])
    spec = parser.get_spec(MANIFEST["main_process"])
    subs = parser.get_subprocess_specs(MANIFEST["main_process"])
    # the called processes, plus the embedded loop of the 12-week notice and the multi-instance subprocess
    # of the witnesses' minutes (one per witness)
    assert set(subs) == {"melding", "aanvullende_informatie", "beoordeling", "onderzoek", "afdoening",
                         "gegrondheid_melden", "getuigenverslagen"}
    assert spec.name == "integriteitsmelding"


def test_every_user_task_has_lane_form_and_valid_properties():
    lane_names = set(MANIFEST["roles"].values()) | set(MANIFEST["roles"])
    slots = set(MANIFEST["separation_of_duties"]["exclusive_slots"]) | set(MANIFEST["roles"])
    seen = 0
    for f, ut, props in user_tasks():
        seen += 1
        where = f"{f.name}:{ut.get('id')}"
        lanes = [ln.get("name") for ln in xml(f).iterfind(".//bpmn:lane", NS)
                 if ut.get("id") in [r.text for r in ln.iterfind("bpmn:flowNodeRef", NS)]]
        assert len(lanes) == 1 and lanes[0] in lane_names, where
        assert "form" in props, where
        form = PROCESSES / props["form"]
        assert form.is_file(), where
        schema = json.loads(form.read_text(encoding="utf-8"))
        Draft202012Validator.check_schema(schema)
        assert schema["title"] and schema["type"] == "object", where
        assert set(schema["required"]) <= set(schema["properties"]), where
        if "letter" in props:
            assert props["letter"] in LETTERS, where
            assert props.get("letter_recipient") in RECIPIENTS, where
        if "slot" in props:
            assert props["slot"] in slots, where
        if "assignment" in props:
            assert props["assignment"] in ("random", "random-workload"), where
    assert seen == len(list(PROCESSES.glob("forms/*.json")))  # one form per user task, no orphans


def test_all_fourteen_process_letters_are_used():
    used = {props["letter"] for _, _, props in user_tasks() if "letter" in props}
    assert used == LETTERS


def test_escalations_are_user_tasks_of_the_coordinator():
    """In the integrity process the coordinator escalates; in the risk inventory the security adviser."""
    escalator = {"risicoinventarisatie.bpmn": "Beveiligingsadviseur", "autorisatieherziening.bpmn": "Managementteam",
                 "beheersmaatregelen_monitoring.bpmn": "Managementteam"}
    for f in BPMN_FILES:
        doc = xml(f)
        for b in doc.iterfind(".//bpmn:boundaryEvent", NS):
            if b.get("cancelActivity") == "false":
                flow = doc.find(f".//bpmn:sequenceFlow[@sourceRef='{b.get('id')}']", NS)
                target = doc.find(f".//bpmn:userTask[@id='{flow.get('targetRef')}']", NS)
                assert target is not None and target.get("name").startswith("Escalatie"), b.get("id")
                lane = [ln.get("name") for ln in doc.iterfind(".//bpmn:lane", NS)
                        if target.get("id") in [r.text for r in ln.iterfind("bpmn:flowNodeRef", NS)]]
                assert lane == [escalator.get(f.name, "Integriteitscoördinator")], target.get("id")


def test_every_element_has_diagram_interchange():
    for f in BPMN_FILES:
        doc = xml(f)
        shapes = {s.get("bpmnElement"): s for s in doc.iterfind(".//bpmndi:BPMNShape", NS)}
        edges = {e.get("bpmnElement") for e in doc.iterfind(".//bpmndi:BPMNEdge", NS)}
        proc = doc.find("bpmn:process", NS)
        for el in proc:
            tag = etree.QName(el).localname
            if tag in ("laneSet", "documentation", "extensionElements"):
                continue
            if tag == "sequenceFlow":
                assert el.get("id") in edges, f"{f.name}: {el.get('id')} has no BPMNEdge"
            else:
                assert el.get("id") in shapes, f"{f.name}: {el.get('id')} has no BPMNShape"
                b = shapes[el.get("id")].find("dc:Bounds", NS)
                assert float(b.get("width")) > 0 and float(b.get("height")) > 0
        for lane in doc.iterfind(".//bpmn:lane", NS):
            assert shapes[lane.get("id")].get("isHorizontal") == "true", lane.get("id")
        for part in doc.iterfind(".//bpmn:participant", NS):
            assert part.get("id") in shapes


def _expressions():
    """Every script, condition, timer and DMN cell, with where it lives."""
    for f in BPMN_FILES:
        doc = xml(f)
        for s in doc.iterfind(".//bpmn:script", NS):
            yield f.name, "exec", s.text
        for s in doc.iterfind(".//spiff:postScript", NS):
            yield f.name, "exec", s.text
        for c in doc.iterfind(".//bpmn:conditionExpression", NS):
            yield f.name, "eval", c.text
        for tag in ("timeDate", "timeDuration", "timeCycle"):
            for t in doc.iterfind(f".//bpmn:{tag}", NS):
                yield f.name, "eval", t.text
        for lp in doc.iterfind(".//bpmn:loopCondition", NS):
            yield f.name, "eval", lp.text
    for f in PROCESSES.glob("*.dmn"):
        doc = xml(f)
        for cell in doc.iterfind(".//dmn:inputEntry/dmn:text", NS):
            if cell.text and cell.text.strip() != "-":
                text = cell.text.replace("?", "x")
                yield f.name, "eval", text if text.lstrip().startswith("x") else "x " + text
        for cell in doc.iterfind(".//dmn:outputEntry/dmn:text", NS):
            yield f.name, "eval", cell.text


def test_expressions_stay_inside_the_sandbox():
    allowed_calls = set(ENGINE_FUNCTIONS)
    for where, mode, text in _expressions():
        tree = ast.parse(text, mode=mode)
        for node in ast.walk(tree):
            assert not isinstance(node, (ast.Import, ast.ImportFrom, ast.Attribute, ast.Lambda)), (where, text)
            if isinstance(node, ast.Name):
                assert not node.id.startswith("_"), (where, text)
            if isinstance(node, ast.Call):
                assert isinstance(node.func, ast.Name) and node.func.id in allowed_calls, (where, text)


def test_timers_are_editable_expressions():
    seen = {}
    for f in BPMN_FILES:
        for b in xml(f).iterfind(".//bpmn:boundaryEvent", NS):
            expr = b.find(".//bpmn:timerEventDefinition/*", NS)
            assert expr is not None and expr.text.strip(), b.get("id")
            seen[b.get("id")] = expr.text.strip()
    assert seen["ontvangst_termijn"] == 'legal_term("P7D", start=datum_melding)'
    assert seen["terugkoppeling_termijn"] == "end_of_day(terugkoppeling_termijn)"
    # 12 weeks from receipt (set at registration); after an interim notice the promised date (task post-script)
    assert seen["gegrondheid_termijn"] == "end_of_day(gegrondheid_termijn)"
    assert seen["bezwaar_termijn"] == "end_of_day(bezwaar_termijn)"
    assert seen["aantastingstermijn"] == 'end_of_day(kantonrechter_termijn)'
    assert seen["zienswijze_termijn_verstreken"] == "end_of_day(zienswijze_termijn)"
    assert seen["onderzoekstermijn"] == "end_of_day(rapportage_termijn)"
    # every timer is a literal ISO value or an engine-function call with literal/case-data arguments
    # (the rule of engine/processes/validation.py), so the validator can check it
    for bid, text in seen.items():
        node = ast.parse(text, mode="eval").body
        assert isinstance(node, ast.Call) and node.func.id in ENGINE_FUNCTIONS, bid
        assert all(isinstance(a, (ast.Constant, ast.Name)) for a in [*node.args, *(k.value for k in node.keywords)])


# A deadline that a letter states is stored (ISO date) by the letter task's post-script with
# legal_date(...); the timer that enforces it fires at end_of_day(<that key>) (CONVENTIONS).
LETTER_DEADLINES = {
    "terugkoppeling_termijn": ("ontvangst_bevestigen", "terugkoppeling_termijn"),
    "bezwaar_termijn": ("besluit_disciplinaire_maatregel", "bezwaar_termijn"),
    "reactie_termijn": ("vragen_aan_melder", "antwoord_termijn"),
    "correctie_termijn": ("verslag_ter_correctie", "correctie_termijn_verstreken"),
    "zienswijze_termijn": ("voornemen_verzenden", "zienswijze_termijn_verstreken"),
    "ordemaatregel_heroverweging": ("ordemaatregel_besluit", "heroverweging_termijn"),
    "rapportage_termijn": ("onderzoeksopdracht_verstrekken", "onderzoekstermijn"),
}


@pytest.mark.parametrize("key", sorted(LETTER_DEADLINES))
def test_letter_deadline_equals_its_timer(key):
    task_id, timer_id = LETTER_DEADLINES[key]
    post = timer = None
    for f in BPMN_FILES:
        doc = xml(f)
        task = doc.find(f".//bpmn:userTask[@id='{task_id}']", NS)
        if task is not None:
            post = task.find(".//spiff:postScript", NS).text
            assert task.find(".//spiff:property[@name='letter']", NS) is not None
        b = doc.find(f".//bpmn:boundaryEvent[@id='{timer_id}']", NS)
        if b is not None:
            timer = b.find(".//bpmn:timerEventDefinition/*", NS).text.strip()
    assignments = {line.split(" = ", 1)[0]: line.split(" = ", 1)[1] for line in post.splitlines() if " = " in line}
    assert assignments[key].startswith("legal_date(")
    assert timer == f"end_of_day({key})"


def test_forms_use_domain_labels_and_mark_confidential_fields():
    forms = {p.stem: json.loads(p.read_text(encoding="utf-8")) for p in PROCESSES.glob("forms/*.json")}
    reg = forms["melding_registreren"]["properties"]
    assert reg["categorie"]["enum"] == CATEGORIEEN
    for key in ("melder_naam", "melder_adres", "melder_email", "melder_telefoon"):
        assert reg[key]["x-vertrouwelijk"] == "melder"
    assert forms["zaak_registreren"]["properties"]["afdoeningen"]["items"]["enum"] == AFDOENINGEN
    assert forms["sanctieadvies_opstellen"]["properties"]["advies_afdoeningen"]["items"]["enum"] == AFDOENINGEN
    assert forms["sanctieadvies_opstellen"]["properties"]["precedenten"]["readOnly"] is True
    for name, schema in forms.items():
        for key, prop in schema["properties"].items():
            if prop.get("format") == "date":
                assert prop["type"] == "string", (name, key)
            if "x-labels" in prop:
                assert set(prop["x-labels"]) == set(prop["enum"]), (name, key)


# =========================================================================== the DMN table
def decide(directory: Path | None = None, **inputs):
    parser = SpiffBpmnParser()
    parser.add_dmn_files([str(f) for f in (directory or PROCESSES).glob("*.dmn")])
    engine = parser.get_engine("route_voorstel", None)

    class _Task:  # the DMN engine only needs .data and .workflow.script_engine
        data = inputs
        workflow = type("W", (), {"script_engine": PythonScriptEngine(
            environment=TaskDataEnvironment(dict(ENGINE_FUNCTIONS)))})()
    return engine.result(_Task())


BASE = dict(categorie="Financiële schendingen", ernst="ernstig", strafbaar_feit=False, risicofunctie="geen")


@pytest.mark.parametrize("inputs, route, referral", [
    ({}, "vooronderzoek", ""),
    ({"strafbaar_feit": True, "ernst": "gering"}, "feitenonderzoek", ""),
    ({"risicofunctie": "meest_risicovol", "ernst": "gering"}, "feitenonderzoek", ""),
    ({"categorie": "Misstanden (klokkenluidersregeling)"}, "doorverwijzing", "huis_voor_klokkenluiders"),
    ({"categorie": "Ongewenste omgangsvormen", "ernst": "gering"}, "doorverwijzing", "vertrouwenspersoon"),
    ({"categorie": "Ongewenste omgangsvormen"}, "doorverwijzing", "klachtencommissie"),
    ({"categorie": "Ongewenste omgangsvormen", "ernst": "zeer_ernstig"}, "feitenonderzoek", ""),
    ({"ernst": "zeer_ernstig"}, "feitenonderzoek", ""),
    ({"risicofunctie": "risicovol"}, "feitenonderzoek", ""),
    ({"categorie": "Misbruik geweldsbevoegdheid", "ernst": "gering"}, "vooronderzoek", ""),
    ({"categorie": "Misbruik bevoegdheden", "ernst": "gering"}, "vooronderzoek", ""),
    ({"ernst": "gering"}, "geen_onderzoek", ""),
    ({"ernst": "gering", "risicofunctie": "risicovol"}, "geen_onderzoek", ""),
    ({"categorie": "Ongepaste communicatie", "ernst": "onbekend"}, "vooronderzoek", ""),
])
def test_dmn_proposes_route(inputs, route, referral):
    result = decide(**{**BASE, **inputs})
    assert result["voorgestelde_route"] == route
    assert result["voorgestelde_doorverwijzing"] == referral


# =========================================================================== routes
@pytest.fixture
def driver():
    """Bare SpiffWorkflow (for tests that look inside the workflow)."""
    return SpiffDriver()


@pytest.fixture(params=["spiff", pytest.param("engine", marks=pytest.mark.db)])
def make_driver(request):
    """Route tests run on bare SpiffWorkflow and, where the runtime exists, on the engine service."""
    if request.param == "spiff":
        return lambda **kw: SpiffDriver(**kw)
    from .engine_driver import EngineDriver
    db, clock = request.getfixturevalue("db"), request.getfixturevalue("clock")
    return lambda **kw: EngineDriver(db, clock, **kw)


@pytest.fixture
def rdriver(make_driver):
    return make_driver()


def play(driver, answers=None, start=None):
    return run_scenario(driver, answers or {}, DEFAULTS, start or {})


def test_route_geen_onderzoek(rdriver):
    trail = play(rdriver, with_({"ernst_en_strafbaarheid": {"ernst": "gering"}}, route_answers("geen_onderzoek")))
    data = rdriver.data()
    assert data["voorgestelde_route"] == "geen_onderzoek" and data["route"] == "geen_onderzoek"
    assert "besluit_geen_onderzoek" in trail and "onderzoeksopdracht_beslissen" not in trail
    assert trail[-1] == "zaak_registreren" and rdriver.finished()
    assert {"terugkoppeling_melder", "melder_informeren_gegrondheid", "ontvangst_bevestigen"} <= set(trail)
    assert "aangifte_doen" not in trail and data["strafbaar_feit"] is False


@pytest.mark.parametrize("target", ["klachtencommissie", "vertrouwenspersoon", "centraal_meldpunt_agressie",
                                    "huis_voor_klokkenluiders"])
def test_route_doorverwijzing(rdriver, target):
    trail = play(rdriver, route_answers("doorverwijzing", doorverwijzing_naar=target))
    assert "doorverwijzen" in trail and "vooronderzoek_uitvoeren" not in trail
    assert rdriver.data()["doorverwijzing_naar"] == target and rdriver.finished()


def test_route_overdracht(rdriver):
    trail = play(rdriver, route_answers("overdracht", overdracht_aan="Algemene Rekenkamer"))
    assert "overdragen" in trail and rdriver.data()["overdracht_aan"] == "Algemene Rekenkamer"


@pytest.mark.parametrize("informed", [False, True])
def test_route_vooronderzoek_stopt(rdriver, informed):
    trail = play(rdriver, with_(route_answers("vooronderzoek"),
                               {"vooronderzoek_uitvoeren": {"betrokkene_geinformeerd": informed}}))
    assert "vooronderzoek_uitvoeren" in trail and "onderzoeksopdracht_beslissen" not in trail
    assert ("betrokkene_informeren_afsluiting" in trail) is informed
    assert rdriver.finished()


def test_route_vooronderzoek_leidt_tot_feitenonderzoek(rdriver):
    trail = play(rdriver, with_(route_answers("vooronderzoek"),
                               {"vooronderzoek_uitvoeren": {"vooronderzoek_conclusie": "feitenonderzoek",
                                                            "onderzoek_soort": "extern"},
                                "onderzoeksopdracht_verstrekken": {"extern_bureau": "Bureau Extern Onderzoek"}}))
    assert trail.index("vooronderzoek_uitvoeren") < trail.index("onderzoeksopdracht_beslissen") \
        < trail.index("onderzoek_starten") < trail.index("sanctieadvies_opstellen")
    assert rdriver.finished()


def test_bevoegd_gezag_weigert_opdracht(rdriver):
    trail = play(rdriver, with_(FEITENONDERZOEK, {"onderzoeksopdracht_beslissen": {
        "opdracht_verleend": False, "opdracht_motivering": "Feiten al bekend; geen onderzoek nodig."}}))
    assert "onderzoeksopdracht_verstrekken" not in trail and "onderzoek_starten" not in trail
    assert rdriver.finished()


def outcome(uitkomst):
    return {"rapport_opstellen": {"uitkomst": uitkomst,
                                  "bevindingen": [{"bewering": "Onterecht reiskosten gedeclareerd",
                                                   "uitkomst": uitkomst}]}}


def test_feitenonderzoek_aangetoond_met_zienswijze(rdriver):
    trail = play(rdriver, with_(FEITENONDERZOEK, outcome("aangetoond"),
                               {"onderzoek_starten": {"getuigen_horen_nodig": True}}))
    order = ["onderzoeksopdracht_beslissen", "onderzoeksopdracht_verstrekken", "onderzoek_starten",
             "hoorgesprek_voeren", "verslag_ter_correctie", "reactie_verslag_verwerken", "getuigen_horen",
             "getuigenverslag_aanbieden", "getuigenverslag_reactie", "rapport_opstellen", "sanctieadvies_opstellen", "afdoening_bepalen", "voornemen_verzenden",
             "zienswijze_verwerken", "besluit_disciplinaire_maatregel", "zaak_registreren"]
    assert [t for t in trail if t in order] == order
    data = rdriver.data()
    assert data["zienswijze_ontvangen"] is True
    assert data["zienswijze_termijn"] == legal_date("P14D", start=data["voornemen_datum"])
    assert "bezwaar_registreren" not in trail  # arbeidsovereenkomst: no objection


def test_feitenonderzoek_deels_aangetoond_andere_afdoening(rdriver):
    trail = play(rdriver, with_(FEITENONDERZOEK, outcome("deels_aangetoond"), {"afdoening_bepalen": {
        "afdoening_keuze": "andere_afdoening",
        "afdoeningen": ["Afdoening d.m.v. corrigerend gesprek, waarschuwingsbrief, training, coaching, e.d."]}}))
    assert "sanctieadvies_opstellen" in trail and "afsluiten_zonder_maatregel" in trail
    assert "voornemen_verzenden" not in trail


def test_feitenonderzoek_niet_aangetoond(rdriver):
    trail = play(rdriver, with_(FEITENONDERZOEK, outcome("niet_aangetoond")))
    assert "sanctieadvies_opstellen" not in trail and "afsluiten_zonder_maatregel" in trail
    assert rdriver.data()["afdoeningen"] == ["Geen afdoening/actie"] or "zaak_registreren" in trail


def test_voornemen_zonder_zienswijze(rdriver):
    trail = play(rdriver, with_(FEITENONDERZOEK,
                               {"zienswijze_verwerken": Expire("zienswijze_termijn_verstreken")}))
    assert "zienswijze_verwerken" not in trail
    assert "besluit_disciplinaire_maatregel" in trail and rdriver.data()["zienswijze_ontvangen"] is False


# A dismissal is decided only after it was the intended measure heard in the zienswijze
# (legal_rules in processes/manifest.json: no besluit heavier than the voornemen).
VOORNEMEN_ONTSLAG = {"afdoening_bepalen": {"voorgenomen_maatregel": ["Beëindiging dienstverband"]}}


def test_arbeidsovereenkomst_ontslag_op_staande_voet(rdriver):
    ontslag = {**VOORNEMEN_ONTSLAG,
               "besluit_disciplinaire_maatregel": {"afdoeningen": ["Beëindiging dienstverband"],
                                                   "ontslag_op_staande_voet": True}}
    trail = play(rdriver, with_(FEITENONDERZOEK, ontslag))
    assert "verzoek_kantonrechter_registreren" in trail and "bezwaar_registreren" not in trail


def test_termination_always_watches_the_two_month_term_and_the_flag_needs_the_measure(rdriver):
    """The decision letter announces a dismissal on the spot whenever the measure is
    "Beëindiging dienstverband" (arbeidsovereenkomst); the kantonrechter term must then be
    watched even if the box was not ticked, and a ticked box without that measure is refused."""
    from engine import forms
    from engine.errors import InvalidData

    zonder_vinkje = {**VOORNEMEN_ONTSLAG,
                     "besluit_disciplinaire_maatregel": {"afdoeningen": ["Beëindiging dienstverband"],
                                                         "ontslag_op_staande_voet": False}}
    trail = play(rdriver, with_(FEITENONDERZOEK, zonder_vinkje))
    assert "verzoek_kantonrechter_registreren" in trail
    schema = json.loads((PROCESSES / "forms" / "besluit_disciplinaire_maatregel.json").read_text())
    base = {"besluit_motivering": "Ernstig plichtsverzuim.", "besluit_datum": "2026-11-02"}
    with pytest.raises(InvalidData) as info:
        forms.validate(schema, {**base, "afdoeningen": ["Schriftelijke berisping"], "ontslag_op_staande_voet": True})
    assert [(e.field, e.message) for e in info.value.errors] == [
        ("afdoeningen", "moet 'Beëindiging dienstverband' bevatten als het een ontslag op staande voet is")]
    forms.validate(schema, {**base, "afdoeningen": ["Beëindiging dienstverband"], "ontslag_op_staande_voet": True})
    forms.validate(schema, {**base, "afdoeningen": ["Schriftelijke berisping"], "ontslag_op_staande_voet": False})


def test_arbeidsovereenkomst_ontslag_niet_aangevochten(rdriver):
    ontslag = {**VOORNEMEN_ONTSLAG,
               "besluit_disciplinaire_maatregel": {"afdoeningen": ["Beëindiging dienstverband"],
                                                   "ontslag_op_staande_voet": True},
               "verzoek_kantonrechter_registreren": Expire("aantastingstermijn")}
    trail = play(rdriver, with_(FEITENONDERZOEK, ontslag))
    assert "verzoek_kantonrechter_registreren" not in trail and rdriver.data()["verzoek_kantonrechter"] is False


def test_publiekrecht_met_bezwaar(make_driver):
    rdriver = make_driver(settings={"rechtspositie": "publiekrechtelijk"})
    trail = play(rdriver, FEITENONDERZOEK)
    assert trail.index("besluit_disciplinaire_maatregel") < trail.index("bezwaar_registreren") \
        < trail.index("bezwaar_behandelen")
    task_props = {t: p for _, ut, p in user_tasks() for t in [ut.get("id")]}
    assert task_props["bezwaar_behandelen"]["slot"] == "jurist_bezwaar"
    assert "jurist_bezwaar" in MANIFEST["separation_of_duties"]["uninvolved_slots"]


def test_publiekrecht_bezwaartermijn_verstrijkt(make_driver):
    rdriver = make_driver(settings={"rechtspositie": "publiekrechtelijk"})
    trail = play(rdriver, with_(FEITENONDERZOEK, {"bezwaar_registreren": Expire("bezwaar_termijn")}))
    assert "bezwaar_registreren" not in trail and "bezwaar_behandelen" not in trail
    assert rdriver.data()["bezwaar_ingediend"] is False and rdriver.finished()


def test_schorsing_tijdens_onderzoek(rdriver):
    trail = play(rdriver, with_(FEITENONDERZOEK, {"ordemaatregel_overwegen": {
        "ordemaatregel": "schorsing", "ordemaatregel_motivering": "Belang van het onderzoek."}}))
    assert trail.index("ordemaatregel_overwegen") < trail.index("ordemaatregel_besluit") \
        < trail.index("ordemaatregel_heroverwegen") < trail.index("sanctieadvies_opstellen")
    assert rdriver.data()["ordemaatregel"] == "schorsing"


def test_anonieme_melder_met_vragen(rdriver):
    trail = play(rdriver, {
        "melding_registreren": {"melder_anoniem": True, "kanaal": "anoniem", "melder_soort": "anoniem",
                                "melder_naam": None, "melder_email": None, "melding_compleet": False},
        "antwoord_melder_verwerken": [{"melding_compleet": False}, {"melding_compleet": True}]})
    assert trail.count("vragen_aan_melder") == 2 and trail.count("antwoord_melder_verwerken") == 2
    data = rdriver.data()
    assert data["melder_anoniem"] is True and "melder_naam" not in data and rdriver.finished()


def test_anonieme_melder_zonder_naam_toegestaan_bekende_melder_niet(driver):
    driver.start({})
    anon = {k: v for k, v in DEFAULTS["melding_registreren"].items() if k not in ("melder_naam", "melder_email")}
    with pytest.raises(AssertionError, match="melder_naam"):
        driver.complete("melding_registreren", anon)
    driver.complete("melding_registreren", {**anon, "melder_anoniem": True})


def test_melder_antwoordt_niet(rdriver):
    trail = play(rdriver, {"melding_registreren": {"melding_compleet": False},
                          "antwoord_melder_verwerken": Expire("antwoord_termijn")})
    assert trail.count("vragen_aan_melder") == 1 and "antwoord_melder_verwerken" not in trail
    assert rdriver.data()["antwoord_ontvangen"] is False and rdriver.finished()


def test_vragenlus_is_begrensd(rdriver):
    trail = play(rdriver, {"melding_registreren": {"melding_compleet": False},
                          "antwoord_melder_verwerken": {"melding_compleet": False}})
    assert trail.count("vragen_aan_melder") == 5 and rdriver.finished()


def test_melding_via_vertrouwenspersoon(rdriver):
    trail = play(rdriver, {"melding_registreren": {"via_vertrouwenspersoon": True, "kanaal": "vertrouwenspersoon",
                                                  "melder_soort": "vertrouwenspersoon"}})
    assert trail.index("melding_registreren") < trail.index("toestemming_vertrouwenspersoon")
    assert rdriver.data()["toestemming_doorgeven"] is True


def test_aangifte_162_sv(rdriver):
    trail = play(rdriver, with_({"ernst_en_strafbaarheid": {"strafbaar_feit": True}}, FEITENONDERZOEK))
    data = rdriver.data()
    assert trail.index("ernst_en_strafbaarheid") < trail.index("aangifte_doen") < trail.index("melding_beoordelen")
    assert data["aangifte_gedaan"] is True and data["aangifte_datum"] == TODAY
    assert data["voorgestelde_route"] == "feitenonderzoek"


def test_meest_risicovol_prioriteit_en_signaal(driver):
    driver.start({})
    driver.complete("melding_registreren", {**DEFAULTS["melding_registreren"], "risicofunctie": "meest_risicovol"})
    ready = {t.element: t for t in driver.ready()}
    assert ready["ontvangst_bevestigen"].data["prioriteit"] == 3
    assert ready["ontvangst_bevestigen"].properties["priority"] == "prioriteit"
    driver.complete("ontvangst_bevestigen", DEFAULTS["ontvangst_bevestigen"])
    ready = {t.element: t for t in driver.ready()}
    assert ready["signaal_bureau_vi"].lane == "Bureau Veiligheid en Integriteit"
    assert "ernst_en_strafbaarheid" in ready  # the signal does not block the assessment


def test_geen_signaal_zonder_meest_risicovolle_functie(rdriver):
    trail = play(rdriver, {})
    assert "signaal_bureau_vi" not in trail


# =========================================================================== deadlines
def _due(driver, timer):
    return datetime.fromisoformat(driver.waiting_timers()[timer])


def test_ontvangstbevestiging_escalatie_vuurt_na_7_dagen(driver):
    driver.start({})
    driver.complete("melding_registreren", DEFAULTS["melding_registreren"])
    assert _due(driver, "ontvangst_termijn") == datetime.fromisoformat(legal_term("P7D", start=TODAY))
    assert "escalatie_ontvangstbevestiging" not in {t.element for t in driver.ready()}
    driver.expire("ontvangst_termijn")
    ready = {t.element: t for t in driver.ready()}
    assert ready["escalatie_ontvangstbevestiging"].lane == "Integriteitscoördinator"
    assert "ontvangst_bevestigen" in ready  # non-interrupting: the task stays


def test_ontvangstbevestiging_op_tijd_geen_escalatie(driver):
    driver.start({})
    driver.complete("melding_registreren", DEFAULTS["melding_registreren"])
    driver.complete("ontvangst_bevestigen", DEFAULTS["ontvangst_bevestigen"])
    assert "ontvangst_termijn" not in driver.waiting_timers()
    assert "escalatie_ontvangstbevestiging" not in {t.element for t in driver.ready()}


def _to_feedback(driver):
    driver.start({})
    driver.complete("melding_registreren", DEFAULTS["melding_registreren"])
    driver.complete("ontvangst_bevestigen", DEFAULTS["ontvangst_bevestigen"])


def test_terugkoppeling_termijn_3_maanden_na_ontvangstbevestiging(driver):
    _to_feedback(driver)
    acked = driver.ready()[0].data["ontvangstbevestigd_op"]
    assert _due(driver, "terugkoppeling_termijn") == datetime.fromisoformat(legal_term("P3M", start=acked))
    assert driver.ready()[0].data["terugkoppeling_termijn"] == legal_date("P3M", start=acked)
    driver.expire("terugkoppeling_termijn")
    ready = {t.element: t for t in driver.ready()}
    assert ready["escalatie_terugkoppeling"].lane == "Integriteitscoördinator"
    assert "terugkoppeling_melder" in ready


def test_gegrondheid_12_weken_escalatie(driver):
    _to_feedback(driver)
    driver.complete("terugkoppeling_melder", DEFAULTS["terugkoppeling_melder"])
    assert _due(driver, "gegrondheid_termijn") == datetime.fromisoformat(legal_term("P12W", start=TODAY))
    driver.expire("gegrondheid_termijn")
    assert "escalatie_gegrondheid" in {t.element for t in driver.ready()}


def test_terugkoppeling_op_tijd_geen_escalatie(driver):
    _to_feedback(driver)
    driver.complete("terugkoppeling_melder", DEFAULTS["terugkoppeling_melder"])
    assert "terugkoppeling_termijn" not in driver.waiting_timers()
    assert "escalatie_terugkoppeling" not in {t.element for t in driver.ready()}


def _run_until(driver, element, answers):
    """Play the defaults + answers until `element` is ready."""
    for _ in range(100):
        ready = {t.element: t for t in driver.ready()}
        if element in ready:
            return ready
        el = next(iter(ready))
        driver.complete(el, {**DEFAULTS[el], **answers.get(el, {})})
    raise AssertionError(element)


def test_onderzoek_streefduur_escalatie(driver):
    driver.start({})
    _run_until(driver, "onderzoek_starten", FEITENONDERZOEK)
    due = _due(driver, "onderzoekstermijn")
    rapportage = driver.ready()[0].data["rapportage_termijn"]
    assert rapportage == legal_date("P12W") and due == datetime.fromisoformat(end_of_day(rapportage))
    driver.expire("onderzoekstermijn")
    ready = {t.element: t for t in driver.ready()}
    assert ready["escalatie_onderzoekstermijn"].lane == "Integriteitscoördinator"
    assert "onderzoek_starten" in ready


def test_heroverweging_ordemaatregel_escalatie(driver):
    driver.start({})
    answers = {**FEITENONDERZOEK, "ordemaatregel_overwegen": {"ordemaatregel": "toegangsverbod",
                                                              "ordemaatregel_motivering": "Risico op beïnvloeding."}}
    _run_until(driver, "ordemaatregel_heroverwegen", answers)
    assert "heroverweging_termijn" in driver.waiting_timers()
    driver.expire("heroverweging_termijn")
    assert "escalatie_heroverweging_ordemaatregel" in {t.element for t in driver.ready()}


def test_correctietermijn_verslag_verstrijkt(driver):
    driver.start({})
    _run_until(driver, "reactie_verslag_verwerken", FEITENONDERZOEK)
    driver.expire("correctie_termijn_verstreken")
    ready = {t.element for t in driver.ready()}
    assert "reactie_verslag_verwerken" not in ready and "rapport_opstellen" in ready


def test_zienswijzetermijn_is_de_berekende_datum(driver):
    driver.start({})
    ready = _run_until(driver, "zienswijze_verwerken", FEITENONDERZOEK)
    data = ready["zienswijze_verwerken"].data
    assert data["zienswijze_termijn"] == legal_date("P14D", start=TODAY)
    assert driver.waiting_timers()["zienswijze_termijn_verstreken"] == end_of_day(data["zienswijze_termijn"])
    assert end_of_day(data["zienswijze_termijn"]) == legal_term("P14D", start=TODAY)


def test_termijn_op_weekend_schuift_naar_maandag():
    # Saturday 21 Nov 2026 + 7 days = Saturday 28 Nov: the term ends on Monday 30 Nov, so the timer
    # fires when that day has passed, 00:00 Europe/Amsterdam on Tuesday 1 Dec.
    fires = datetime.fromisoformat(legal_term("P7D", start="2026-11-21")).astimezone(ZoneInfo("Europe/Amsterdam"))
    assert fires.isoformat() == "2026-12-01T00:00:00+01:00"


def test_workflow_survives_a_serializer_round_trip(driver):
    from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
    from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
    driver.start({})
    _run_until(driver, "antwoord_melder_verwerken", {"melding_registreren": {"melding_compleet": False}})
    s = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(SPIFF_CONFIG))
    restored = s.deserialize_json(s.serialize_json(driver.wf))
    assert isinstance(restored, BpmnWorkflow)
    assert s.serialize_json(restored) == s.serialize_json(driver.wf)


def test_expressions_compile_under_restrictedpython():
    from RestrictedPython import compile_restricted_eval, compile_restricted_exec
    for where, mode, text in _expressions():
        result = (compile_restricted_exec if mode == "exec" else compile_restricted_eval)(text)
        assert not result.errors, (where, text, result.errors)


# =========================================================================== engine only
@pytest.fixture
def engine_driver(db, clock):
    from .engine_driver import EngineDriver
    return lambda **kw: EngineDriver(db, clock, **kw)


def test_engine_separation_of_duties_along_the_whole_process(engine_driver):
    d = engine_driver(settings={"rechtspositie": "publiekrechtelijk"})
    play(d, FEITENONDERZOEK)
    by_slot = d.completed_by_slot()
    exclusive = MANIFEST["separation_of_duties"]["exclusive_slots"]
    people = {slot: by_slot.get(slot, set()) for slot in exclusive}  # no vertrouwenspersoon in this case
    for a in exclusive:  # nobody acts in two exclusive slots of one case (investigators differ, etc.)
        for b in exclusive:
            assert a == b or not people[a] & people[b], (a, b, people)
    for jurist in people["jurist_bezwaar"]:  # the objection handler did nothing else in the case
        assert all(slot == "jurist_bezwaar" for slot, users in by_slot.items() if jurist in users), by_slot


def test_engine_letters_of_the_no_investigation_route(engine_driver):
    d = engine_driver()
    play(d, with_({"ernst_en_strafbaarheid": {"ernst": "gering"}}, route_answers("geen_onderzoek")))
    sent = [(template, recipient) for _, template, recipient in d.letters_sent()]
    assert sorted(sent) == sorted([("ontvangstbevestiging", "melder"), ("besluit_geen_onderzoek", "melder"),
                                   ("terugkoppeling_melder", "melder"), ("gegrondheid_melder", "melder")])


def test_engine_letters_of_a_disciplinary_route(engine_driver):
    d = engine_driver(settings={"rechtspositie": "publiekrechtelijk"})
    play(d, with_(FEITENONDERZOEK, {"ernst_en_strafbaarheid": {"strafbaar_feit": True},
                                    "ordemaatregel_overwegen": {"ordemaatregel": "schorsing",
                                                                "ordemaatregel_motivering": "Belang onderzoek."}}))
    templates = {template for _, template, _ in d.letters_sent()}
    assert templates == {"ontvangstbevestiging", "melding_politie_om", "onderzoeksopdracht", "kennisgeving_onderzoek",
                         "verslag_hoorgesprek", "besluit_ordemaatregel", "sanctieadvies",
                         "voornemen_disciplinaire_maatregel", "besluit_disciplinaire_maatregel",
                         "terugkoppeling_melder", "gegrondheid_melder"}


def test_engine_subject_unknown_at_registration_is_supplied_with_the_assignment_letter(engine_driver):
    """An anonymous report may not name the subject; the investigation assignment letter needs
    the name, refuses clearly without it, and the task's form lets the coordinator supply it."""
    unknown = with_({"melding_registreren": {"betrokkene_naam": None, "betrokkene_functie": None}}, FEITENONDERZOEK)
    d = engine_driver()
    with pytest.raises(AssertionError) as err:  # the driver reports why nobody could complete the task
        play(d, unknown)
    # refused as a form error naming the fields, before anything is written (issue 17)
    assert "FieldError(field='betrokkene_naam', message='is nodig voor de brief ‘Onderzoeksopdracht’" in str(err.value)
    d = engine_driver()
    play(d, with_(unknown, {"onderzoeksopdracht_verstrekken": {"betrokkene_naam": "C. Collega",
                                                             "betrokkene_functie": "Inspecteur"}}))
    assert ("onderzoeksopdracht_verstrekken", "onderzoeksopdracht", "onderzoeker") in d.letters_sent()
