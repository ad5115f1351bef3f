"""Separation of duties at every step, whatever the slots (DOMAIN §2): whoever investigated a case does not advise
on the sanction or decide on the subject in it, whoever advised does not investigate or decide, and the competent
authority who decides acted in no other role on the case.

``engine.cases.duties`` keeps people apart by the exclusive slots of the process files; the deployment proof
(tests/engine/test_hostile_owner_edits.py) refuses a set whose investigating tasks are bound to no exclusive slot.
A version stored without that proof (an older release stored it; its cases keep running on it) is stopped at the
step: the engine reads what each task does from the version's own declarations (milestones, lanes, slots, forms:
``engine.processes.legal_rules.separated_duties``) and refuses the step (422, ``legal-rule``, reden
``functiescheiding``), naming the rule and the earlier task, and nothing of it is stored.
"""
from __future__ import annotations

from engine.identity import service as identity
from engine.identity.seed import DEMO_UNIT
from features.steps.afdoening import _do, by, step_investigated
from features.steps.common import World, _complete, step_demo, step_report_about, step_user, wereld  # noqa: F401
from tests.api.test_legal_rules import _state, _store_unproven_version

SEPARATION = ("Functiescheiding: onderzoek, advies over de straf en besluit over de betrokkene liggen in een zaak bij "
              "verschillende personen (separation_of_duties)")
DECIDER = "Functiescheiding: wie besluit, treedt in de zaak in geen andere rol op (separation_of_duties)"
DECISION = {"afdoening_keuze": "disciplinaire_maatregel", "voorgenomen_maatregel": ["Schriftelijke berisping"],
            "besluit_motivering": "Conform het sanctieadvies."}


def _without_slots(*slots: str, files: tuple[str, ...]):
    """A version as stored before the deployment proof: ``slots`` taken off the tasks of ``files`` (each task then
    binds its doer to its role, which is no exclusive slot)."""
    def edit(contents: dict) -> dict:
        for slot in slots:
            prop = f'<spiffworkflow:property name="slot" value="{slot}" />'.encode()
            assert any(prop in contents[name] for name in files), slot
            for name in files:
                contents[name] = contents[name].replace(prop, b"")
        return contents
    return edit


def _advice_slot(slot: str):
    def edit(contents: dict) -> dict:
        prop = b'<spiffworkflow:property name="slot" value="hr_adviseur" />'
        assert contents["afdoening.bpmn"].count(prop) == 1
        contents["afdoening.bpmn"] = contents["afdoening.bpmn"].replace(prop, prop.replace(b"hr_adviseur",
                                                                                            slot.encode()))
        return contents
    return edit


NO_INVESTIGATOR_SLOTS = _without_slots("onderzoeker_1", "onderzoeker_2",
                                       files=("onderzoek.bpmn", "integriteitsmelding.bpmn"))


def _person(w: World, username: str, *roles: str) -> None:
    with w.db.session() as s:
        w.add_user(identity.create_user(session=s, username=username, display_name=username.title(),
                                        roles=list(roles), unit=DEMO_UNIT), s)


def _assign(w: World, who: str, task: str) -> None:
    """``task`` is on ``who``'s worklist though its step will refuse them: the slots allow it, and an assignment made
    before the assignment applied the separation of duties too (tests/engine/test_separation_in_assignment.py) stays.
    The coordinator's assignment now is refused with the same rule, nothing changed; the stored one is put in
    place."""
    from engine.worklist.models import WorkItem

    item = next(t for t in w.open_tasks(True) if task in (t["naam"], t["element_id"]))
    r = w.client.post(f"/api/v1/taken/{item['id']}/toewijzen", headers=w.h("coordinator"),
                      json={"medewerker_id": w.users[who], "reden": "Werkverdeling (test)"})
    assert r.status_code == 403 and r.json()["reden"] == "functiescheiding", r.text
    assert next(t for t in w.open_tasks(True) if t["id"] == item["id"])["bij"] == item["bij"]
    with w.db.session() as s:
        s.get(WorkItem, item["id"]).assignee_id = w.users[who]


def _refused(w: World, who: str, task: str, values: dict, *words: str) -> str:
    before = _state(w)
    r = _complete(w, who, task, values)
    assert r.status_code == 422, r.text
    body = r.json()
    assert body["type"].endswith("/legal-rule") and body["reden"] == "functiescheiding", body
    for word in words:
        assert word in body["detail"], body["detail"]
    assert "er is niets opgeslagen" in body["detail"], body["detail"]
    assert _state(w) == before
    return body["detail"]


def _reported(w: World) -> None:
    step_user(w, "cora", "geen", "Douane")
    step_report_about(w, "meldpunt", "medewerker", "cora", "Financiële schendingen")


def _to_assessment(w: World, registrar: str = "meldpunt") -> None:
    by(w, registrar, "melding_registreren")
    _do(w, "meldpunt", "ontvangst_bevestigen")
    _do(w, "meldpunt", "terugkoppeling_melder")
    _do(w, "coordinator", "ernst_en_strafbaarheid")
    by(w, "coordinator", "Melding beoordelen en route kiezen", {
        "route": "feitenonderzoek", "onderzoek_soort": "intern", "beoordeling_motivering": "Ernstige verdenking."})


def _investigator_assigned_the_decision(wereld, change) -> None:
    """On a version stored with ``change`` (no deployment proof): 'rechercheur', investigator and competent
    authority at once, investigates the case, HR advises, and the decision is assigned to 'rechercheur'."""
    step_demo(wereld)
    _store_unproven_version(wereld, change)
    _person(wereld, "rechercheur", "onderzoeker", "bevoegd_gezag")
    _reported(wereld)
    step_investigated(wereld, "rechercheur", "onderzoeker2", "aangetoond")
    _do(wereld, "hr", "sanctieadvies_opstellen")
    _assign(wereld, "rechercheur", "afdoening_bepalen")


def test_an_investigator_decides_nothing_in_a_version_without_investigator_slots(wereld):
    _investigator_assigned_the_decision(wereld, NO_INVESTIGATOR_SLOTS)
    detail = _refused(wereld, "rechercheur", "afdoening_bepalen", DECISION, SEPARATION,
                      "u deed in deze zaak eerder de taak 'Onderzoek starten en betrokkene informeren' (onderzoek)",
                      "de taak 'Afdoening bepalen' (besluit over de betrokkene) niet afronden")
    assert "Cora" not in detail and "rechercheur" not in detail.lower()
    by(wereld, "directeur", "afdoening_bepalen", DECISION)  # the competent authority decides
    assert "voornemen_verzenden" in {t["element_id"] for t in wereld.open_tasks()}


def test_whoever_gave_the_investigation_assignment_does_not_investigate(wereld):
    step_demo(wereld)
    _store_unproven_version(wereld, NO_INVESTIGATOR_SLOTS)
    _person(wereld, "dirk2", "bevoegd_gezag", "onderzoeker")
    _reported(wereld)
    _to_assessment(wereld)
    by(wereld, "dirk2", "Beslissen over onderzoeksopdracht")
    by(wereld, "dirk2", "onderzoeksopdracht_verstrekken")
    _assign(wereld, "dirk2", "onderzoek_starten")
    _refused(wereld, "dirk2", "onderzoek_starten", {}, SEPARATION,
             "eerder de taak 'Beslissen over onderzoeksopdracht' (besluit over de betrokkene)",
             "'Onderzoek starten en betrokkene informeren' (onderzoek)")


def test_a_sanction_adviser_without_an_exclusive_slot_does_not_decide(wereld):
    step_demo(wereld)
    _store_unproven_version(wereld, _advice_slot("adviseur"))  # a slot outside 'exclusive_slots'
    _person(wereld, "hanna2", "hr_adviseur", "bevoegd_gezag")
    _reported(wereld)
    step_investigated(wereld, "onderzoeker1", "onderzoeker2", "aangetoond")
    by(wereld, "hanna2", "sanctieadvies_opstellen")
    _assign(wereld, "hanna2", "afdoening_bepalen")
    _refused(wereld, "hanna2", "afdoening_bepalen", DECISION, SEPARATION,
             "eerder de taak 'Sanctieadvies opstellen' (advies over de straf)")


def test_the_competent_authority_acted_in_no_other_role_on_the_case(wereld):
    """Also in the shipped set: the desk's tasks have no exclusive slot, so the slots let whoever registered the
    report decide on its investigation."""
    step_demo(wereld)
    _person(wereld, "mila2", "meldpunt", "bevoegd_gezag")
    _reported(wereld)
    _to_assessment(wereld, registrar="mila2")
    _assign(wereld, "mila2", "Beslissen over onderzoeksopdracht")
    _refused(wereld, "mila2", "Beslissen over onderzoeksopdracht", {}, DECIDER,
             "u deed in deze zaak eerder de taak 'Melding registreren' in de rol 'Meldpunt'",
             "als 'Bevoegd gezag' niet afronden")
    by(wereld, "directeur", "Beslissen over onderzoeksopdracht")


def test_the_shipped_set_declares_who_investigates_advises_and_decides():
    from engine.processes.legal_rules import ADVISES, DECIDES, INVESTIGATES
    from engine.processes.service import parse
    from tests.process.driver import PROCESSES

    files = {str(p.relative_to(PROCESSES)).replace("\\", "/"): p.read_bytes()
             for p in PROCESSES.rglob("*") if p.is_file() and p.suffix in (".bpmn", ".dmn", ".json")}
    duties = parse(files, prove_legal=False).separation
    by_duty = {duty: {e for e, d in duties.tasks.items() if d == duty} for duty in (INVESTIGATES, ADVISES, DECIDES)}
    assert {"vooronderzoek_uitvoeren", "onderzoek_starten", "hoorgesprek_voeren", "getuigenverslag_reactie",
            "rapport_opstellen"} <= by_duty[INVESTIGATES]
    assert by_duty[ADVISES] == {"sanctieadvies_opstellen"}
    assert {"onderzoeksopdracht_beslissen", "ordemaatregel_besluit", "afdoening_bepalen", "voornemen_verzenden",
            "zienswijze_verwerken", "besluit_disciplinaire_maatregel", "afsluiten_zonder_maatregel",
            "bezwaar_behandelen"} <= by_duty[DECIDES]
    assert not {"melding_registreren", "melding_beoordelen", "zaak_registreren"} & set(duties.tasks)


def test_whoever_is_bound_to_an_investigators_place_does_not_decide(wereld):
    """Bound to the investigators' place of the case (a version without investigator slots binds the doer of every
    investigating task to the role's own place) without a completed task to show for it: the binding counts."""
    from engine.cases.models import Case
    from tests.factories import bind_to_slot

    step_demo(wereld)
    _store_unproven_version(wereld, NO_INVESTIGATOR_SLOTS)
    _person(wereld, "dirk3", "bevoegd_gezag", "onderzoeker")
    _reported(wereld)
    _to_assessment(wereld)
    with wereld.db.session() as s:
        bind_to_slot(s, case_id=s.get(Case, wereld.case_id).id, user_id=wereld.users["dirk3"], role="onderzoeker",
                     slot="onderzoeker")
    _assign(wereld, "dirk3", "Beslissen over onderzoeksopdracht")
    _refused(wereld, "dirk3", "Beslissen over onderzoeksopdracht", {}, SEPARATION,
             "u bent in deze zaak gebonden aan de plaats 'onderzoeker' (onderzoek)")


def _without_legal_rules(contents: dict) -> dict:
    """A version stored without ``legal_rules`` (and without investigator slots): an integrity-case set that check
    and deploy now refuse (tests/engine/test_integrity_case_floor.py), whose cases keep running on it."""
    import json

    contents = NO_INVESTIGATOR_SLOTS(contents)
    manifest = json.loads(contents["manifest.json"])
    manifest.pop("legal_rules")
    contents["manifest.json"] = json.dumps(manifest, ensure_ascii=False).encode()
    return contents


def test_a_version_stored_without_legal_rules_keeps_the_built_in_separation_of_duties(wereld):
    """The engine holds such a version to the separation of duties with the product's own milestone names (the
    built-in rules): it refuses a person, never a step the version lacks, so no running case is stranded."""
    _investigator_assigned_the_decision(wereld, _without_legal_rules)
    _refused(wereld, "rechercheur", "afdoening_bepalen", DECISION, SEPARATION,
             "u deed in deze zaak eerder de taak 'Onderzoek starten en betrokkene informeren' (onderzoek)")
    by(wereld, "directeur", "afdoening_bepalen", DECISION)
