"""Steps a tester writes without a case flow: a legal term computed on its own (Algemene termijnenwet), a recorded
field of the case read by its Dutch label, and the negative steps for letters and messages.

Shared machinery (World, fail, letters) lives in features.steps.common.
"""
from __future__ import annotations

import json
import re
from datetime import date

from pytest_bdd import parsers, then

from engine import legal_terms
from features.steps.common import (MONTHS, World, _fold, _letter_list, _letters_for_identity_role, _reporter_login,
                                   answer, as_dutch, dutch_date, equated_days_covered, fail)
from tests.process.driver import PROCESSES

WEEKDAYS = ["maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag", "zondag"]
UNITS = {"dag": "D", "dagen": "D", "week": "W", "weken": "W", "maand": "M", "maanden": "M", "jaar": "Y", "jaren": "Y"}
_DAY = r"(?:(?P<{0}_weekdag>[a-z]+dag) )?(?P<{0}>\d{{1,2}} (?:" + "|".join(MONTHS) + r") \d{{4}})"


def _day(weekday: str | None, text: str) -> date:
    """A date as '24 december 2026', optionally with its weekday in front, which must be right."""
    day = dutch_date(text)
    if weekday and weekday.lower() != WEEKDAYS[day.weekday()]:
        fail(f"de weekdag van {as_dutch(day)}", f"'{weekday}', maar {as_dutch(day)} is een {WEEKDAYS[day.weekday()]}")
    return day


def _named(day: date) -> str:
    return f"{WEEKDAYS[day.weekday()]} {as_dutch(day)}"


_TERM = r"de termijn van (?P<n>\d+) (?P<eenheid>[a-z]+) vanaf " + _DAY.format("begin")


@then(parsers.re(r"eindigt " + _TERM + r" op " + _DAY.format("einde")))
@then(parsers.re(_TERM + r" eindigt op " + _DAY.format("einde")))
def step_legal_term(wereld: World, n: str, eenheid: str, begin: str, begin_weekdag: str | None, einde: str,
                    einde_weekdag: str | None):
    """Voorbeeld: Dan eindigt de termijn van 3 dagen vanaf donderdag 24 december 2026 op dinsdag 29 december 2026
    En de termijn van 6 weken vanaf 2 november 2026 eindigt op 14 december 2026
    (alleen de rekenregel, zonder zaak: de laatste dag van een wettelijke termijn volgens de Algemene termijnenwet —
    art. 1: niet op een zaterdag, zondag of feestdag; art. 2: een termijn van ten minste 3 dagen omvat ten minste
    2 werkdagen. Eenheid: dagen, weken, maanden of jaren; de weekdag voor een datum mag weg, maar moet kloppen)"""
    if eenheid not in UNITS:
        fail("dagen, weken, maanden of jaren", eenheid)
    start, expected = _day(begin_weekdag, begin), _day(einde_weekdag, einde)
    found = legal_terms.legal_deadline(start, f"P{int(n)}{UNITS[eenheid]}")
    equated_days_covered()
    if found != expected:
        fail(f"de termijn van {n} {eenheid} vanaf {_named(start)} eindigt op {_named(expected)}", _named(found))


# ---------------------------------------------------------------- gegevens van de zaak op hun Nederlandse naam

def _labels() -> dict[str, set[str]]:
    """Dutch label (folded) -> the fields the forms give that label; a field's own name counts too."""
    out: dict[str, set[str]] = {}
    for path in sorted((PROCESSES / "forms").glob("*.json")):
        for field, prop in (json.loads(path.read_text(encoding="utf-8")).get("properties") or {}).items():
            if isinstance(prop, dict) and prop.get("title"):
                out.setdefault(_fold(prop["title"]), set()).add(field)
            out.setdefault(_fold(field), set()).add(field)
    return out


def _shown(field: str, value) -> list[str]:
    """Every way a tester may write ``value``: as stored, with its form label, a date in Dutch, ja/nee."""
    from engine.processes.names import parse_value_labels

    if isinstance(value, list):
        return ["; ".join(_shown(field, v)[-1] for v in value), ", ".join(str(v) for v in value)]
    if isinstance(value, bool):
        return ["ja" if value else "nee", "waar" if value else "onwaar"]
    out = [str(value)]
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}.*", value):
        out.append(as_dutch(date.fromisoformat(value[:10])))
    labels = parse_value_labels({str(p.relative_to(PROCESSES)): p.read_bytes()
                                 for p in (PROCESSES / "forms").glob("*.json")})
    label = labels.get(field, {}).get(str(value))
    if label:
        out.append(label)
    return out


@then(parsers.parse('leest "{wie}" in de zaak bij "{label}" de waarde "{waarde}"'))
def step_case_field(wereld: World, wie: str, label: str, waarde: str):
    """Voorbeeld: Dan leest "coordinator" in de zaak bij "Datum melding" de waarde "2 november 2026"
    (elk vastgelegd gegeven van de zaak, bij zijn naam op het formulier, zoals "Melding" (gegrond/ongegrond) of
    "Datum aangifte"; de veldnaam zelf mag ook. De waarde zoals het formulier hem toont ("Gegrond"), een datum
    voluit, of ja/nee; leeg = niet vastgelegd)"""
    fields = _labels().get(_fold(label))
    if not fields:
        from rapidfuzz import process
        near = [m for m, _, _ in process.extract(_fold(label), list(_labels()), limit=3)]
        fail(f"een gegeven met de naam '{label}' op een formulier", "bedoelt u: " + ", ".join(f"'{n}'" for n in near))
    r = wereld.client.get(f"/api/v1/zaken/{wereld.case_id}", headers=wereld.h(wie))
    if r.status_code != 200:
        fail(f"'{wie}' ziet de zaak", answer(r, 300))
    data = r.json().get("gegevens") or {}
    recorded = {f: data[f] for f in fields if data.get(f) not in (None, "")}
    if len(recorded) > 1 and len({json.dumps(v, sort_keys=True) for v in recorded.values()}) > 1:
        fail(f"één gegeven met de naam '{label}'",
             f"meer velden heten zo: {', '.join(sorted(recorded))}; schrijf de veldnaam in plaats van '{label}'")
    if not recorded:
        if waarde == "":
            return
        fail(f"'{label}' is vastgelegd als '{waarde}'", f"niet vastgelegd (veld {', '.join(sorted(fields))})")
    field, value = next(iter(recorded.items()))
    if _fold(waarde) not in [_fold(s) for s in _shown(field, value)]:
        fail(f"'{label}' is '{waarde}'", " of ".join(f"'{s}'" for s in dict.fromkeys(_shown(field, value)))
             + f" (veld {field})")


# ---------------------------------------------------------------- wat iemand niet mag zien

@then(parsers.parse('kan "{wie}" de brief "{soort}" voor de "{ontvanger}" niet openen'))
def step_letter_closed(wereld: World, wie: str, soort: str, ontvanger: str):
    """Voorbeeld: Dan kan "onderzoeker1" de brief "ontvangstbevestiging" voor de "melder" niet openen
    (de brief bestaat; deze medewerker ziet hem niet in de lijst en krijgt hem ook niet als hij hem rechtstreeks
    opvraagt)"""
    _, letters = _letters_for_identity_role(wereld)
    match = [x for x in letters if soort in x["sjabloon"] and x["ontvanger"] == ontvanger]
    if not match:
        fail(f"een brief '{soort}' voor '{ontvanger}'", _letter_list(letters))
    listed = wereld.client.get(f"/api/v1/zaken/{wereld.case_id}/documenten", headers=wereld.h(wie))
    if listed.status_code == 200 and any(x["id"] in {m["id"] for m in match} for x in listed.json()):
        fail(f"'{wie}' ziet de brief '{soort}' niet bij de documenten", "de brief staat in de lijst van documenten")
    for letter in match:
        r = wereld.client.get(f"/api/v1/zaken/{wereld.case_id}/documenten/{letter['id']}", headers=wereld.h(wie))
        if r.status_code not in (403, 404):
            fail(f"'{wie}' kan de brief '{letter['sjabloon']}' niet openen (403 of 404)", f"{r.status_code}")


@then(parsers.parse('ziet "{wie}" het bericht "{tekst}" van de melder niet'))
def step_desk_not_reads(wereld: World, wie: str, tekst: str):
    """Voorbeeld: Dan ziet "onderzoeker1" het bericht "Het gebeurde in maart" van de melder niet
    (het bericht staat niet in wat deze medewerker van de zaak krijgt, of de berichten zijn geheel afgeschermd)"""
    r = wereld.client.get(f"/api/v1/zaken/{wereld.case_id}/berichten", headers=wereld.h(wie))
    if r.status_code == 200 and tekst in r.text:
        fail(f"'{wie}' ziet het bericht '{tekst}' niet", answer(r, 400))
    if r.status_code not in (200, 403, 404):
        fail(f"'{wie}' krijgt de berichten (200) of wordt geweigerd (403/404)", answer(r, 300))


@then(parsers.parse('ziet de melder met de ontvangstcode het bericht "{tekst}" niet'))
def step_reporter_not_reads(wereld: World, tekst: str):
    """Voorbeeld: Dan ziet de melder met de ontvangstcode het bericht "Interne notitie" niet"""
    _reporter_login(wereld)
    r = wereld.client.get("/api/v1/melder/berichten")
    if r.status_code != 200:
        fail("de melder ziet zijn berichten", answer(r, 300))
    if tekst in r.text:
        fail(f"de melder ziet het bericht '{tekst}' niet", r.text[:600])
