"""The remaining form dead ends of issue 17: repeated rows added in the page, without a submit ('Conclusie per
bewering'); prefill from earlier steps and fields that apply to some choices only, as the form files declare
them: ``x-vooringevuld-uit`` and ``x-alleen-bij``; no element id or field name of the process in Python.

The intention of 'Afdoening bepalen' arrives with the HR adviser's advice, the decision's measures with the
intention; only the measures list of the choice made is shown (browser), and a list that does not apply to the
choice is not stored. The deployment check refuses a prefill or condition that names nothing.
"""
from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.process.scenarios import DEFAULTS
from tests.web import flow
from tests.web.conftest import axe_violations, screenshot
from tests.web.test_field_classes_web import _case

ROOT = Path(__file__).resolve().parents[2]
FORMS = ROOT / "processes" / "forms"
ADVICE = ["Schriftelijke berisping", "Verplaatsing"]
INTENTION = ["Schriftelijke berisping", "Vermindering IKB-uren"]


def _task_data(db, case_id: int, element: str) -> dict:
    from engine.cases import service as cases
    from engine.worklist.models import WorkItem

    item_id = next(i[0] for i in flow.ready(db, case_id) if i[1] == element)
    with db.session() as s:
        item = s.get(WorkItem, item_id)
        return cases.task_data(session=s, item=item, fields=set(json.loads(
            (FORMS / f"{element}.json").read_text(encoding="utf-8"))["properties"]))


def _to_decision(db) -> int:
    case_id = _case(db, until="sanctieadvies_opstellen")
    flow.complete(db, case_id, "sanctieadvies_opstellen",
                  {**DEFAULTS["sanctieadvies_opstellen"], "advies_afdoeningen": ADVICE})
    flow.advance_until(db, case_id, "afdoening_bepalen")
    return case_id


@pytest.mark.db
def test_the_intention_starts_from_the_advice_and_the_decision_from_the_intention(demo):
    case_id = _to_decision(demo)
    data = _task_data(demo, case_id, "afdoening_bepalen")
    assert data["voorgenomen_maatregel"] == ADVICE
    # the other list offers no punishment: of the advice it keeps only what it offers (here: nothing)
    assert not data.get("afdoeningen")

    flow.complete(demo, case_id, "afdoening_bepalen",
                  {**DEFAULTS["afdoening_bepalen"], "voorgenomen_maatregel": INTENTION}, username="directeur")
    flow.advance_until(demo, case_id, "besluit_disciplinaire_maatregel")
    assert _task_data(demo, case_id, "besluit_disciplinaire_maatregel")["afdoeningen"] == INTENTION


@pytest.mark.db
def test_a_list_that_does_not_apply_to_the_choice_is_not_stored(demo):
    from engine.cases import service as cases

    case_id = _to_decision(demo)
    flow.complete(demo, case_id, "afdoening_bepalen",
                  {"afdoening_keuze": "andere_afdoening", "voorgenomen_maatregel": INTENTION,
                   "afdoeningen": ["Afdoening d.m.v. corrigerend gesprek, waarschuwingsbrief, training, coaching, e.d."],
                   "besluit_motivering": "Een gesprek volstaat."}, username="directeur")
    with demo.session() as s:
        data = cases.case_data(session=s, case_id=case_id)
    assert not data.get("voorgenomen_maatregel")
    assert data["afdoeningen"] == ["Afdoening d.m.v. corrigerend gesprek, waarschuwingsbrief, training, coaching, e.d."]


def test_the_deployment_check_refuses_a_prefill_or_condition_that_names_nothing(tmp_path):
    from engine.processes import service as processes

    copy = tmp_path / "processes"
    shutil.copytree(ROOT / "processes", copy)
    path = copy / "forms" / "besluit_disciplinaire_maatregel.json"
    form = json.loads(path.read_text(encoding="utf-8"))
    form["properties"]["afdoeningen"]["x-vooringevuld-uit"] = "bestaat_niet"
    form["properties"]["besluit_motivering"]["x-alleen-bij"] = {"ontslag_op_staande_voet": ["misschien"]}
    path.write_text(json.dumps(form, ensure_ascii=False, indent=2), encoding="utf-8")
    messages = [f"{i.element_id}: {i.message}" for i in processes.check(directory=copy)]
    assert any("afdoeningen" in m and "bestaat_niet" in m for m in messages), messages
    assert any("besluit_motivering" in m and "x-alleen-bij" in m for m in messages), messages
    assert processes.check(directory=ROOT / "processes") == []


def test_only_the_measures_of_the_choice_made_are_shown(site, db):
    case_id = _to_decision(db)
    item_id = next(i[0] for i in flow.ready(db, case_id) if i[1] == "afdoening_bepalen")
    director = site.person("directeur")
    director.goto(f"/taken/{item_id}")
    if director.get_by_role("button", name="Taak oppakken").count():
        director.get_by_role("button", name="Taak oppakken").click()
    intention = director.get_by_role("group", name=re.compile("^Voorgenomen maatregel"))
    other = director.get_by_role("group", name=re.compile(r"^Afdoening\(en\)"))
    # no choice yet: neither list; never two lists of measures side by side
    expect(intention).to_be_hidden()
    expect(other).to_be_hidden()
    director.get_by_label("Voornemen tot disciplinaire maatregel").check()
    expect(intention).to_be_visible()
    expect(other).to_be_hidden()
    for measure in ADVICE:  # prefilled with the advice
        expect(intention.get_by_label(measure, exact=True)).to_be_checked()
    director.get_by_label("Afdoening zonder disciplinaire straf").check()
    expect(other).to_be_visible()
    expect(intention).to_be_hidden()
    visible_lists = director.locator("fieldset:visible:has(input[type=checkbox])")
    expect(visible_lists).to_have_count(1)
    assert axe_violations(director) == []
    screenshot(director, "afdoening-bepalen-een-lijst")


def _claimed_by_an_investigator(db, case_id: int, element: str) -> tuple[int, str]:
    from engine.errors import DomainError
    from engine.identity.service import get_user
    from engine.worklist import service as worklist

    item_id = next(i[0] for i in flow.ready(db, case_id) if i[1] == element)
    for name in flow.ROLE_USERS["onderzoeker"]:
        try:
            with db.session() as s:
                worklist.claim(session=s, work_item_id=item_id, user=get_user(session=s, username=name))
            return item_id, name
        except DomainError:
            continue
    raise AssertionError("no investigator may take the task")


def test_conclusions_per_allegation_get_a_second_row_without_a_submit(site, db):
    from engine.cases import service as cases

    case_id = _case(db, until="rapport_opstellen")
    item_id, name = _claimed_by_an_investigator(db, case_id, "rapport_opstellen")
    page = site.person(name)
    page.goto(f"/taken/{item_id}")
    group = page.get_by_role("group", name=re.compile("^Conclusie per bewering"))
    expect(group.locator(".groep-rij")).to_have_count(1)
    posts = []
    page.on("request", lambda r: posts.append(r.url) if r.method == "POST" else None)
    group.get_by_label("Bewering (rij 1)").fill("Reiskosten gedeclareerd")
    group.get_by_label("Uitkomst (rij 1)").select_option("aangetoond")
    group.get_by_role("button", name=re.compile("^Rij toevoegen")).click()
    expect(group.locator(".groep-rij")).to_have_count(2)
    assert axe_violations(page) == []
    assert posts == []  # the row came without a submit
    expect(group.get_by_label("Bewering (rij 2)")).to_be_focused()
    expect(group.get_by_label("Bewering (rij 2)")).to_have_value("")
    group.get_by_label("Bewering (rij 2)").fill("Dubbele kilometers")
    group.get_by_label("Uitkomst (rij 2)").select_option("deels_aangetoond")
    answers = DEFAULTS["rapport_opstellen"]
    uitkomst = page.locator('[name="uitkomst"]')
    if uitkomst.first.evaluate("e => e.tagName") == "SELECT":
        uitkomst.select_option(answers["uitkomst"])
    else:
        page.locator(f'input[name="uitkomst"][value="{answers["uitkomst"]}"]').check()
    page.get_by_label(re.compile("^Samenvatting rapport")).fill(answers["rapport_samenvatting"])
    page.get_by_label(re.compile("^Datum rapport")).fill(answers["rapport_datum"])
    page.get_by_role("button", name="Taak afronden").click()
    expect(page.get_by_role("heading", level=1)).not_to_have_text("Rapport opstellen")
    with db.session() as s:
        found = cases.case_data(session=s, case_id=case_id)["bevindingen"]
    assert [(f["bewering"], f["uitkomst"]) for f in found] == [
        ("Reiskosten gedeclareerd", "aangetoond"), ("Dubbele kilometers", "deels_aangetoond")]
