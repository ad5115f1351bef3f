"""Issue 24: the deployment check refuses a register whose questionnaire and manifest disagree, and a register
task whose form lacks what the engine reads (engine/processes/register_checks.py).

Each test makes one realistic mistake of a process owner in a copy of processes/ and asserts the Dutch refusal,
naming the file, the line and the field or element."""
from __future__ import annotations

import json

import pytest

from tests.engine.test_legal_proof import copy, edit, named, refusals  # noqa: F401  (copy: fixture)
from tests.engine.test_runtime_checks import only

FORM = "forms/risicovragenlijst.json"
FIELD = "functies.risicotypen"
MANIFEST_LIST = ("manifest.json (processes.risicoinventarisatie.instellingen.risicotypen)")


def manifest_settings(copy, change) -> None:
    path = copy / "manifest.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    change(data["processes"]["risicoinventarisatie"]["instellingen"])
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")


def form_risk_types(copy, change) -> None:
    path = copy / FORM
    data = json.loads(path.read_text(encoding="utf-8"))
    row = data["properties"]["functies"]["items"]["properties"]
    change(row)
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")


def _line(copy, m) -> str:
    return (copy / m["file"]).read_text(encoding="utf-8").splitlines()[int(m["line"]) - 1]


def test_the_shipped_register_passes(copy):
    assert refusals(copy) == []


def test_a_risk_type_renamed_in_the_form_only(copy):
    edit(copy / FORM, '"Misbruik van bedrijfsmiddelen"', '"Misbruik van middelen"')
    m = only(refusals(copy))
    assert (m["file"], m["element"]) == (FORM, FIELD)
    assert m["message"] == (f"De keuzes van veld '{FIELD}' wijken af van de risicotypen in {MANIFEST_LIST}: "
                            "ontbreekt: 'Misbruik van bedrijfsmiddelen'; niet in het manifest: 'Misbruik van middelen'")
    assert '"risicotypen"' in _line(copy, m)


def test_a_risk_type_added_to_the_manifest_only(copy):
    manifest_settings(copy, lambda s: s["risicotypen"].append("Sabotage"))
    m = only(refusals(copy))
    assert (m["file"], m["element"]) == (FORM, FIELD)
    assert m["message"].endswith(": ontbreekt: 'Sabotage'")


def test_the_same_risk_types_in_another_order(copy):
    form_risk_types(copy, lambda row: row["risicotypen"]["items"]["enum"].reverse())
    m = only(refusals(copy))
    assert (m["file"], m["element"]) == (FORM, FIELD)
    assert m["message"].endswith(": dezelfde risicotypen in een andere volgorde")


def test_a_questionnaire_without_the_list_of_choices(copy):
    form_risk_types(copy, lambda row: row["risicotypen"]["items"].pop("enum"))
    m = only(refusals(copy))
    assert (m["file"], m["element"]) == (FORM, FIELD)
    assert m["message"] == (f"Veld '{FIELD}' biedt geen keuzelijst (enum) van risicotypen; neem de lijst over uit "
                            f"{MANIFEST_LIST}")


def test_a_manifest_without_risk_types(copy):
    manifest_settings(copy, lambda s: s.pop("risicotypen"))
    m = only(refusals(copy))
    assert (m["file"], m["element"]) == ("manifest.json", "risicoinventarisatie")
    assert _line(copy, m).strip().startswith('"risicoinventarisatie"')
    assert m["message"] == "Het proces 'risicoinventarisatie' vult het register, maar noemt onder 'instellingen' geen " \
                           "'risicotypen'"


def test_a_risk_scale_the_form_does_not_offer(copy):
    manifest_settings(copy, lambda s: s["risicoschaal"].update(hoog=4))
    issues = refusals(copy)
    assert len(issues) == 2, issues
    for field in ("bruto_risico", "netto_risico"):
        named(issues, FORM, f"functies.{field}", f"De keuzes van veld 'functies.{field}' (1, 2, 3, 4, 5) wijken af "
                                                  "van de risicoschaal in manifest.json (processes.risicoinventarisatie."
                                                  "instellingen.risicoschaal): 1 tot en met 4")


def test_a_misspelt_register_property(copy):
    edit(copy / "risicoinventarisatie.bpmn", '<spiffworkflow:property name="register" value="vervolgactie" />',
         '<spiffworkflow:property name="register" value="vervolgactie_uitvoeren" />')
    m = only(refusals(copy))
    assert (m["file"], m["element"]) == ("risicoinventarisatie.bpmn", "vervolgactie_uitvoeren")
    assert m["message"] == ("Eigenschap 'register' is 'vervolgactie_uitvoeren'; toegestaan: inventarisatie, "
                            "vervolgacties, vervolgactie")


def test_an_action_task_whose_form_does_not_show_the_action_number(copy):
    path = copy / "forms" / "vervolgactie_uitvoeren.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    del data["properties"]["actie_nummer"]
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")
    m = only(refusals(copy))
    assert (m["file"], m["element"]) == ("forms/vervolgactie_uitvoeren.json", "actie_nummer")
    assert "het formulier toont geen veld 'actie_nummer'" in m["message"]


@pytest.mark.parametrize("drop", ["functie", "uiterlijk"])
def test_a_decision_whose_rows_lack_a_field_the_engine_reads(copy, drop):
    path = copy / "forms" / "mt_besluit_risico.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    items = data["properties"]["vervolgacties"]["items"]
    del items["properties"][drop]
    items["required"].remove(drop)
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")
    issues = refusals(copy)
    issue = named(issues, "forms/mt_besluit_risico.json", "vervolgacties",
                  "het formulier heeft geen lijst 'vervolgacties' met de velden functie, actie en uiterlijk")
    assert '"vervolgacties"' in (copy / "forms/mt_besluit_risico.json").read_text(encoding="utf-8").splitlines()[
        int(issue.split(":")[1].split(" ")[0]) - 1]
