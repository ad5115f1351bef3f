"""Steps for the legal rules of the manifest (issue 15): a step the law forbids is refused, and nothing changes.

Shared machinery (World, fail, task completion) lives in features.steps.common.
"""
from __future__ import annotations

from pytest_bdd import parsers, then

from features.steps.common import World, _complete, _table, describe, fail, refused


@then(parsers.parse('mag "{wie}" de taak "{taak}" niet afronden omdat "{reden}" met:'))
def step_complete_refused(wereld: World, wie: str, taak: str, reden: str, datatable):
    """Voorbeeld: Dan mag "directeur" de taak "Besluit disciplinaire maatregel" niet afronden omdat "zwaardere-straf-dan-voornemen" met:
        | veld        | waarde                 |
        | afdoeningen | [Verplaatsing]         |
    (de reden: een redencode of soort weigering uit de tabellen onderaan deze catalogus, de tekst daarvan, of een
    deel van de foutmelding; de taak blijft open en de zaak verandert niet)"""
    before = sorted((t["element_id"], t["status"]) for t in wereld.open_tasks())
    r = _complete(wereld, wie, taak, _table(datatable))
    refused(r, reden, f"'{wie}' rondt '{taak}' af")
    after = sorted((t["element_id"], t["status"]) for t in wereld.open_tasks())
    if after != before:
        fail("de zaak is niet veranderd", f"open taken ervoor: {before}; erna: {describe(wereld.open_tasks())}")
