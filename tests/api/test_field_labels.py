"""Bad input names the field as the form shows it (its label), in the problem's detail and per error, once per
field, through the engine (so the API and the web pages say the same); nothing changes. Before, the detail read
"veld: melding" with the form's internal field names ("categorie: is verplicht"), each missing field repeated once
per missing field. (A letter's missing data: tests/web/test_field_labels_web.py.)"""
from __future__ import annotations

import pytest

from tests.process.scenarios import DEFAULTS

pytestmark = pytest.mark.db


def _open_task(world, case_id: int, element: str) -> int:
    c, h = world.client, world.h("meldpunt")
    item = next(t for t in c.get(f"/api/v1/zaken/{case_id}", headers=h).json()["open_taken"]
                if t["element_id"] == element)
    assert c.post(f"/api/v1/taken/{item['id']}/claimen", headers=h).status_code == 200
    return item["id"]


def _version(world, case_id: int) -> int:
    return world.client.get(f"/api/v1/zaken/{case_id}", headers=world.h("meldpunt")).json()["versie"]


def test_a_refused_form_names_each_field_once_by_its_label(world):
    c, h = world.client, world.h("meldpunt")
    task = _open_task(world, world.case_a, "melding_registreren")
    version = _version(world, world.case_a)
    data = {k: v for k, v in DEFAULTS["melding_registreren"].items() if k not in ("categorie", "kanaal")}
    r = c.post(f"/api/v1/taken/{task}/afronden", headers=h, json={"gegevens": {**data, "omschrijving": "kort"}})
    assert r.status_code == 422, r.text
    body = r.json()
    assert body["detail"] == ("‘Kanaal’ is verplicht; ‘Categorie’ is verplicht; "
                              "‘Omschrijving’ moet minstens 10 tekens bevatten")
    assert body["errors"] == [
        {"field": "kanaal", "message": "is verplicht", "label": "Kanaal"},
        {"field": "categorie", "message": "is verplicht", "label": "Categorie"},
        {"field": "omschrijving", "message": "moet minstens 10 tekens bevatten", "label": "Omschrijving"}]
    assert _version(world, world.case_a) == version  # nothing changed


def test_the_process_owners_own_wording_is_kept_and_a_field_outside_the_form_keeps_its_name(world):
    c, h = world.client, world.h("meldpunt")
    task = _open_task(world, world.case_a, "melding_registreren")
    data = {k: v for k, v in DEFAULTS["melding_registreren"].items() if k != "betrokkene_persoon"}
    r = c.post(f"/api/v1/taken/{task}/afronden", headers=h, json={"gegevens": {**data, "onbekend": 1}})
    assert r.status_code == 422, r.text
    detail = r.json()["detail"]
    assert detail.startswith("onbekend: is geen veld van dit formulier; 'Betrokkene als medewerker' is verplicht: kies")
    assert "‘Betrokkene als medewerker’" not in detail  # not named twice
