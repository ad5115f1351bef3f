"""Steps for the witnesses' minutes (issue 15, finding 9): each witness heard gets the minutes of the interview to
check, correct and sign, with a letter and a term; the report waits for every witness.

Shared machinery (World, fail, task completion) lives in features.steps.common.
"""
from __future__ import annotations

import re

from pytest_bdd import given, parsers, then, when

from features.steps.afdoening import _do, by, start_investigation
from features.steps.common import (TaskMeaning, is_task, World, _table, answer, describe, docx_text, fail, run_timers,
                                   task_with_form, task_with_milestone)


def _names(text: str) -> list[str]:
    return re.findall(r'"([^"]+)"', text)


@given(parsers.parse('in het onderzoek door "{eerste}" en "{tweede}" zijn de getuigen {namen} gehoord'))
def step_witnesses_heard(wereld: World, eerste: str, tweede: str, namen: str):
    """Voorbeeld: Gegeven in het onderzoek door "onderzoeker1" en "onderzoeker2" zijn de getuigen "Gerrit Getuige", "Wilma Waarnemer" gehoord
    (na 'een melding registreert'; registratie en ontvangstbevestiging door "meldpunt", beoordeling
    (feitenonderzoek) door "coordinator", onderzoeksopdracht door "directeur"; de eerste onderzoeker start het
    onderzoek en hoort de getuigen, de tweede hoort de betrokkene. Daarna staat per getuige 'Verslag
    getuigenverhoor ter correctie aanbieden' open voor de eerste onderzoeker.)"""
    getuigen = _names(namen)
    if not getuigen:
        fail('getuigen tussen aanhalingstekens, zoals "Gerrit Getuige", "Wilma Waarnemer"', namen)
    if wereld.case_id is None:
        fail("eerst een melding ('... een melding registreert ...')", "nog geen zaak")
    start_investigation(wereld, eerste, tweede, feedback=False, start={"getuigen_horen_nodig": True})
    by(wereld, tweede, "Hoorgesprek betrokkene voeren")
    by(wereld, tweede, "Verslag hoorgesprek ter correctie aanbieden")
    by(wereld, tweede, "Reactie op verslag verwerken")
    today = wereld.clock.now().date().isoformat()
    by(wereld, eerste, "Getuigen horen", {"getuigenverhoren": [
        {"getuige": g, "datum": today, "verslag": f"Verklaring van {g}: zag de betrokkene die dag op kantoor."}
        for g in getuigen]})


def _witness_task(wereld: World, wie: str, taak: TaskMeaning, getuige: str) -> dict:
    """The open task ``taak`` of the instance for ``getuige`` (claimed by ``wie`` to read its data)."""
    candidates = [t for t in wereld.open_tasks() if is_task(t, taak)]
    for task in candidates:
        detail = wereld.client.get(f"/api/v1/taken/{task['id']}", headers=wereld.h(wie))
        if detail.status_code == 200 and detail.json()["taak"]["toegewezen_aan"] is None:
            wereld.client.post(f"/api/v1/taken/{task['id']}/claimen", headers=wereld.h(wie))
            detail = wereld.client.get(f"/api/v1/taken/{task['id']}", headers=wereld.h(wie))
        if detail.status_code == 200 and detail.json()["gegevens"].get("getuige") == getuige:
            return task
    fail(f"een open taak '{taak}' voor getuige '{getuige}'", describe(wereld.open_tasks()))


def _complete_witness_task(wereld: World, wie: str, taak: TaskMeaning, getuige: str, values: dict) -> None:
    task = _witness_task(wereld, wie, taak, getuige)
    r = wereld.client.post(f"/api/v1/taken/{task['id']}/afronden", headers=wereld.h(wie), json={"gegevens": values})
    if r.status_code != 200:
        fail(f"'{wie}' rondt '{taak}' af voor getuige '{getuige}'", answer(r))
    run_timers(wereld)


@when(parsers.parse('"{wie}" het verslag van getuige "{getuige}" ter correctie aanbiedt'))
@given(parsers.parse('"{wie}" het verslag van getuige "{getuige}" ter correctie aanbiedt'))
def step_offer_minutes(wereld: World, wie: str, getuige: str):
    """Voorbeeld: Als "onderzoeker1" het verslag van getuige "Gerrit Getuige" ter correctie aanbiedt
    (vandaag; de brief 'verslag_getuigenverhoor' gaat naar de getuige, de termijn is 14 dagen)"""
    _complete_witness_task(wereld, wie, task_with_form("getuigenverslag_aanbieden.json"), getuige,
                           {"getuige_verslag_aangeboden_op": wereld.clock.now().date().isoformat()})


@when(parsers.parse('"{wie}" de reactie van getuige "{getuige}" verwerkt met:'))
def step_witness_answer(wereld: World, wie: str, getuige: str, datatable):
    """Voorbeeld: Als "onderzoeker1" de reactie van getuige "Gerrit Getuige" verwerkt met:
        | veld                        | waarde                        |
        | getuige_correcties          | Het was dinsdag, niet maandag. |
        | getuige_verslag_ondertekend | ja                            |
    (de reactie is ontvangen; niet genoemde velden: geen correcties, ondertekend)"""
    values = {"getuige_reactie_ontvangen": True, "getuige_correcties": "geen", "getuige_verslag_ondertekend": True,
              **_table(datatable)}
    _complete_witness_task(wereld, wie, task_with_milestone("getuigenverslag"), getuige, values)


@then(parsers.parse('is er een brief "{soort}" voor getuige "{getuige}"'))
def step_witness_letter(wereld: World, soort: str, getuige: str):
    """Voorbeeld: Dan is er een brief "verslag_getuigenverhoor" voor getuige "Gerrit Getuige"
    (de brief aan die getuige; daarna werken 'bevat de brief ...' en 'noemt de brief de termijn ...')"""
    r = wereld.client.get(f"/api/v1/zaken/{wereld.case_id}/documenten", headers=wereld.h("meldpunt"))
    if r.status_code != 200:
        fail("de brieven van de zaak zijn te lezen", answer(r))
    seen = []
    for letter in r.json():
        if soort not in letter["sjabloon"] or letter["ontvanger"] != "getuige":
            continue
        content = wereld.client.get(f"/api/v1/zaken/{wereld.case_id}/documenten/{letter['id']}",
                                    headers=wereld.h("meldpunt"))
        text = docx_text(content.content)
        if getuige in text:
            wereld.letter_text, wereld.letter_desc = text, f"brief '{letter['sjabloon']}' voor getuige {getuige}"
            return
        seen.append(letter["sjabloon"])
    fail(f"een brief '{soort}' voor getuige '{getuige}'", ", ".join(seen) or "geen brieven aan getuigen")
