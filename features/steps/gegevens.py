"""Steps for 'wat een stap vastlegt, bereikt wie het nodig heeft': the task context of a later step and the date a
letter carries.

Shared machinery (World, fail, task lookup, letters) lives in features.steps.common.
"""
from __future__ import annotations

import re

from pytest_bdd import parsers, then

from features.steps.common import World, _claim, answer, as_dutch, dutch_date, fail


@then(parsers.parse('ziet "{wie}" bij de taak "{taak}" het gegeven "{veld}" met "{tekst}"'))
def step_task_shows(wereld: World, wie: str, taak: str, veld: str, tekst: str):
    """Voorbeeld: Dan ziet "hr" bij de taak "Sanctieadvies opstellen" het gegeven "rapport_samenvatting" met "aangetoond"
    (het formulier van de taak toont het veld als alleen-lezen, met de tekst die een eerdere stap vastlegde;
    pakt de taak zo nodig eerst op)"""
    t = wereld.task(taak)
    detail = wereld.client.get(f"/api/v1/taken/{t['id']}", headers=wereld.h(wie))
    if detail.status_code == 200 and detail.json()["taak"].get("toegewezen_aan") is None:
        _claim(wereld, wie, taak)
        detail = wereld.client.get(f"/api/v1/taken/{t['id']}", headers=wereld.h(wie))
    if detail.status_code != 200:
        fail(f"'{wie}' opent de taak '{taak}'", answer(detail, 300))
    body = detail.json()
    prop = ((body.get("formulier") or {}).get("properties") or {}).get(veld)
    if not prop or not prop.get("readOnly"):
        shown = [k for k, p in ((body.get("formulier") or {}).get("properties") or {}).items() if p.get("readOnly")]
        fail(f"het formulier van '{taak}' toont '{veld}'", f"alleen-lezenvelden: {', '.join(shown) or 'geen'}")
    value = (body.get("gegevens") or {}).get(veld)
    if tekst.lower() not in str(value or "").lower():
        fail(f"'{veld}' bevat '{tekst}'", repr(value))


@then(parsers.parse("is de brief gedateerd {datum}"))
def step_letter_dated(wereld: World, datum: str):
    """Voorbeeld: En is de brief gedateerd 12 maart 2027
    (na 'is er een brief ...'; de datum naast 'Datum' bovenaan de brief)"""
    expected = as_dutch(dutch_date(datum))
    m = re.search(r"^Datum\s*(.+)$", wereld.letter_text, flags=re.M)
    if not m:
        fail(f"de {wereld.letter_desc} heeft een regel 'Datum'", wereld.letter_text[:600])
    if m.group(1).strip() != expected:
        fail(f"de {wereld.letter_desc} is gedateerd {expected}", m.group(1).strip())
