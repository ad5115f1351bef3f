"""Steps for the afdoening (voornemen, zienswijze, besluit) and the legal route afterwards (bezwaar or kantonrechter).

Shared machinery (World, fail, task completion, letters) lives in features.steps.common.
"""
from __future__ import annotations

import re

from pytest_bdd import given, parsers, then

from engine.errors import InvalidData
from engine.identity.models import User, UserRole
from features.steps.common import (MONTHS, TaskMeaning, is_task, World, _complete, answer, as_dutch, describe, dutch_date,
                                   fail, role_code, run_timers, step_ids, task_fulfilling, task_with_form)

# ---------------------------------------------------------------- organisatie


@given(parsers.parse('"{naam}" heeft ook de rol "{rol}"'))
def step_extra_role(wereld: World, naam: str, rol: str):
    """Voorbeeld: Gegeven "hr" heeft ook de rol "jurist"
    (een medewerker met twee rollen, bijvoorbeeld om te laten zien dat functiescheiding per zaak geldt;
    de rol bij haar Nederlandse naam of haar code)"""
    from engine.identity.service import _validate_roles
    if naam not in wereld.users:
        fail(f"een bestaande medewerker '{naam}'", f"alleen {sorted(wereld.users)}")
    rol = role_code(rol)
    with wereld.db.session() as s:
        try:
            _validate_roles([rol])
        except InvalidData as e:  # the message names the unknown role
            fail(f"een bekende rol '{rol}'", str(e))
        user = s.get(User, wereld.users[naam])
        if rol not in user.role_codes:
            user.roles.append(UserRole(role=rol))


# ---------------------------------------------------------------- van melding tot afdoening

def _do(wereld: World, wie: str, taak: "str | TaskMeaning", values: dict | None = None) -> None:
    r = _complete(wereld, wie, taak, values or {})
    if r.status_code != 200:
        fail(f"'{wie}' rondt '{taak}' af", answer(r))
    run_timers(wereld)


def to_assignment(wereld: World, *, opdracht: dict | None = None, feedback: bool = True) -> None:
    """Registration, acknowledgement (and feedback), assessment (feitenonderzoek) and the investigation
    assignment by the demo organisation's roles; ``opdracht`` answers the form 'onderzoeksopdracht_verstrekken.json'.
    Each task is named by what the process files declare it means (the milestone it fulfils, else its form)."""
    _do(wereld, "meldpunt", task_with_form("melding_registreren.json"))
    _do(wereld, "meldpunt", task_fulfilling("ontvangstbevestiging"))
    if feedback:
        _do(wereld, "meldpunt", task_fulfilling("terugkoppeling"))
    _do(wereld, "coordinator", task_with_form("ernst_en_strafbaarheid.json"))
    by(wereld, "coordinator", "Melding beoordelen en route kiezen", {
        "route": "feitenonderzoek", "onderzoek_soort": "intern", "beoordeling_motivering": "Ernstige verdenking."})
    by(wereld, "directeur", "Beslissen over onderzoeksopdracht")
    _do(wereld, "directeur", task_with_form("onderzoeksopdracht_verstrekken.json"), opdracht)


def by(wereld: World, wie: str, taak: "str | TaskMeaning", values: dict | None = None) -> None:
    """``wie`` completes ``taak``; a task the process drew at random for someone else is first assigned to ``wie`` by
    the coordinator (as the coordinator may), so a shortcut never depends on the draw."""
    open_task = [t for t in wereld.open_tasks(True) if is_task(t, taak)]
    if open_task and open_task[0]["bij"] not in (None, wie):
        r = wereld.client.post(f"/api/v1/taken/{open_task[0]['id']}/toewijzen", headers=wereld.h("coordinator"),
                               json={"medewerker_id": wereld.users[wie], "reden": "Werkverdeling (scenario)"})
        if r.status_code != 200:
            fail(f"'coordinator' wijst '{taak}' toe aan '{wie}'", answer(r))
    _do(wereld, wie, taak, values)


def start_investigation(wereld: World, eerste: str, tweede: str, *, feedback: bool, start: dict | None = None) -> None:
    """Up to the assignment (:func:`to_assignment`); the coordinator assigns 'Onderzoek starten en betrokkene informeren' to
    ``eerste``,
    who starts the investigation with ``start``."""
    to_assignment(wereld, feedback=feedback)
    by(wereld, eerste, "Onderzoek starten en betrokkene informeren", start or {})


@given(parsers.parse('het onderzoek door "{eerste}" en "{tweede}" is afgerond met de uitkomst "{uitkomst}"'))
def step_investigated(wereld: World, eerste: str, tweede: str, uitkomst: str):
    """Voorbeeld: Gegeven het onderzoek door "onderzoeker1" en "onderzoeker2" is afgerond met de uitkomst "aangetoond"
    (na 'een melding registreert'; uitkomst "aangetoond", "deels aangetoond" of "niet aangetoond".
    Doorloopt met de demo-organisatie: registratie, ontvangstbevestiging en terugkoppeling door "meldpunt";
    beoordeling (feitenonderzoek) door "coordinator"; onderzoeksopdracht door "directeur"; de eerste onderzoeker
    start het onderzoek en schrijft het rapport, de tweede hoort de betrokkene; "directeur" ziet af van een
    ordemaatregel; "meldpunt" laat de melder weten of de melding gegrond is.
    Daarna staat 'Sanctieadvies opstellen' open voor de HR-adviseur; bij "niet aangetoond" 'Afsluiten zonder
    disciplinaire maatregel' voor het bevoegd gezag.)"""
    code = uitkomst.strip().replace(" ", "_")
    if code not in ("aangetoond", "deels_aangetoond", "niet_aangetoond"):
        fail("uitkomst 'aangetoond', 'deels aangetoond' of 'niet aangetoond'", f"'{uitkomst}'")
    if wereld.case_id is None:
        fail("eerst een melding ('... een melding registreert ...')", "nog geen zaak")
    for wie in (eerste, tweede):
        if wie not in wereld.users:
            fail(f"een bestaande onderzoeker '{wie}'", f"alleen {sorted(wereld.users)}")
    gegrond = {"aangetoond": "gegrond", "deels_aangetoond": "deels_gegrond", "niet_aangetoond": "ongegrond"}[code]
    start_investigation(wereld, eerste, tweede, feedback=True)
    by(wereld, tweede, "Hoorgesprek betrokkene voeren")
    by(wereld, tweede, "Verslag hoorgesprek ter correctie aanbieden")
    by(wereld, tweede, "Reactie op verslag verwerken")
    by(wereld, eerste, "Conclusies per bewering en onderzoeksrapport", {
        "uitkomst": code, "rapport_samenvatting": f"De bewering is {uitkomst}.",
        "bevindingen": [{"bewering": "Onterecht reiskosten gedeclareerd", "uitkomst": code}]})
    _do(wereld, "directeur", task_with_form("ordemaatregel_overwegen.json"))
    _do(wereld, "meldpunt", task_fulfilling("gegrondheid"), {
        "melding_gegrond": gegrond,
        "gegrondheid_tekst": "Het onderzoek is afgerond; wij informeren u in algemene termen."})


# ---------------------------------------------------------------- brieven

_DATE = re.compile(r"(?<!\d)(\d{1,2})\s+(" + "|".join(MONTHS) + r")\s+(\d{4})\b", re.IGNORECASE)


def _excerpt(text: str, words: tuple[str, ...]) -> str:
    """The paragraph(s) of the letter that contain one of ``words``, else its beginning."""
    lines = [line for line in text.splitlines() if any(w in line.lower() for w in words)]
    return "\n".join(lines)[:1200] if lines else text[:1200]


@then(parsers.parse("noemt de brief de termijn {datum}"))
def step_letter_deadline(wereld: World, datum: str):
    """Voorbeeld: En noemt de brief de termijn 16 december 2026
    (na 'is er een brief ...'; de datum staat voluit in de brief, zoals '16 december 2026')"""
    expected = dutch_date(datum)
    if not wereld.letter_text:
        fail(f"een brief met de termijn {as_dutch(expected)} (kies eerst een brief met 'Dan is er een brief ...')",
             "nog geen brief gekozen")
    text = wereld.letter_text.replace("\u00a0", " ")
    found = []
    for m in _DATE.finditer(text):
        try:
            found.append(dutch_date(f"{int(m.group(1))} {m.group(2).lower()} {m.group(3)}"))
        except (AssertionError, ValueError):
            continue
    if expected not in found:
        dates = ", ".join(dict.fromkeys(as_dutch(d) for d in found)) or "geen"
        fail(f"de {wereld.letter_desc} noemt de termijn {as_dutch(expected)}",
             f"datums in de brief: {dates}\nfragment van de brief:\n"
             f"{_excerpt(wereld.letter_text, ('uiterlijk', 'termijn', 'binnen', 'vóór'))}")


# ---------------------------------------------------------------- zaak

@then(parsers.parse('heeft de zaak de stap "{stap}" niet doorlopen'))
def step_not_passed(wereld: World, stap: str):
    """Voorbeeld: Dan heeft de zaak de stap "Bezwaar registreren" niet doorlopen   (de naam van de taak zoals de werkvoorraad hem toont, of het id van het element in het proces)"""
    r = wereld.client.get(f"/api/v1/zaken/{wereld.case_id}/positie", headers=wereld.h("coordinator"))
    if r.status_code != 200:
        fail("de stand van de zaak", answer(r, 300))
    pos = r.json()
    if step_ids(stap) & (set(pos["completed"]) | set(pos["active"])):
        fail(f"de zaak heeft stap '{stap}' niet doorlopen",
             f"doorlopen: {', '.join(pos['completed'])}; actief: {', '.join(pos['active'])}")


@then(parsers.parse('is de zaak afgesloten met de afdoening "{afdoening}"'))
def step_closed_with(wereld: World, afdoening: str):
    """Voorbeeld: Dan is de zaak afgesloten met de afdoening "Schriftelijke berisping"
    (de afdoening zoals die in de jaarrapportage wordt geteld)"""
    r = wereld.client.get(f"/api/v1/zaken/{wereld.case_id}", headers=wereld.h("coordinator"))
    if r.status_code != 200:
        fail("'coordinator' ziet de zaak", answer(r, 300))
    case = r.json()
    if case["status"] != "closed":
        fail("de zaak is afgesloten", f"de zaak is nog open; open taken: {describe(wereld.open_tasks(True))}")
    recorded = case["gegevens"].get("afdoeningen") or []
    if afdoening not in recorded:
        fail(f"afdoening '{afdoening}'", "; ".join(recorded) or "geen afdoening vastgelegd")
