"""Steps for the rights of the people in a case (AVG): access requests with their one-month term, the export with
everyone else redacted, restriction of processing (issue 20). Through the API, as the coordinator works."""
from __future__ import annotations

import io
import json
import zipfile

from pytest_bdd import parsers, then, when

from features.steps.common import World, answer, docx_text, fail, refused

ROLE_WORDS = {"melder": "melder", "betrokkene": "betrokkene", "getuige": "getuige"}


def _person(wereld: World, persoon: str) -> dict:
    """A username of the organisation (its display name and user name), or a name as written."""
    if persoon in wereld.users:
        from engine.identity.models import User
        with wereld.db.session() as s:
            user = s.get(User, wereld.users[persoon])
            return {"naam": user.display_name, "gebruikersnaam": user.username}
    return {"naam": persoon}


def _reference(wereld: World) -> str:
    r = wereld.client.get(f"/api/v1/zaken/{wereld.case_id}", headers=wereld.h("coordinator"))
    if r.status_code != 200:
        fail("de zaak", answer(r, 300))
    return r.json()["zaaknummer"]


@when(parsers.parse('"{wie}" een inzageverzoek registreert van "{persoon}" als {rol} in de zaak'))
def step_register(wereld: World, wie: str, persoon: str, rol: str):
    """Voorbeeld: Als "coordinator" een inzageverzoek registreert van "bram" als betrokkene in de zaak
    (vandaag ontvangen; "bram" is een gebruikersnaam, of een naam zoals "Fenna Visser"; rol: melder, betrokkene of
    getuige; de zaak is de zaak van het scenario)"""
    if rol not in ROLE_WORDS:
        fail("rol melder, betrokkene of getuige", rol)
    r = wereld.client.post("/api/v1/inzageverzoeken", headers=wereld.h(wie), json=_person(wereld, persoon))
    if r.status_code != 201:
        fail(f"'{wie}' registreert het inzageverzoek (201)", answer(r, 300))
    wereld.access_request = r.json()["id"]
    r = wereld.client.post(f"/api/v1/inzageverzoeken/{wereld.access_request}/zaken", headers=wereld.h(wie),
                           json={"zaaknummer": _reference(wereld), "rol": rol})
    if r.status_code != 200:
        fail(f"de zaak wordt gekoppeld met rol {rol}", answer(r, 300))


@then(parsers.parse('mag "{wie}" geen inzageverzoek registreren omdat "{reden}"'))
def step_register_refused(wereld: World, wie: str, reden: str):
    """Voorbeeld: Dan mag "meldpunt" geen inzageverzoek registreren omdat "Alleen de integriteitscoördinator"
    (de reden is (een deel van) de melding die de gebruiker krijgt)"""
    r = wereld.client.post("/api/v1/inzageverzoeken", headers=wereld.h(wie), json={"naam": "Iemand"})
    refused(r, reden, f"'{wie}' registreert een inzageverzoek")


def _export_text(wereld: World) -> str:
    request_id = getattr(wereld, "access_request", None)
    if request_id is None:
        fail("eerst een inzageverzoek ('... een inzageverzoek registreert ...')", "geen")
    r = wereld.client.get(f"/api/v1/inzageverzoeken/{request_id}/export", headers=wereld.h("coordinator"))
    if r.status_code != 200:
        fail("de export (zip)", answer(r, 300))
    with zipfile.ZipFile(io.BytesIO(r.content)) as z:
        data = json.loads(z.read("gegevens.json"))
        word = docx_text(z.read("samenvatting.docx"))
    return json.dumps(data, ensure_ascii=False) + "\n" + word


def _names(wereld: World, tekst: str) -> str:
    return _person(wereld, tekst)["naam"]


@then(parsers.parse('bevat de export "{tekst}"'))
def step_export_contains(wereld: World, tekst: str):
    """Voorbeeld: Dan bevat de export "Verklaring van [getuige 1]"
    (de samenvatting in Word of de JSON; een gebruikersnaam staat voor de naam van die medewerker)"""
    text, wanted = _export_text(wereld), _names(wereld, tekst)
    if wanted not in text:
        fail(f"de export bevat '{wanted}'", text[:1500])


@then(parsers.parse('bevat de export niet "{tekst}"'))
def step_export_not_contains(wereld: World, tekst: str):
    """Voorbeeld: Dan bevat de export niet "medewerker"   (de naam van de melder, in Word en in de JSON)"""
    text, unwanted = _export_text(wereld), _names(wereld, tekst)
    if unwanted.casefold() in text.casefold():
        fail(f"de export zonder '{unwanted}'", text[:1500])


def _overdue(wereld: World, wie: str) -> list[int]:
    r = wereld.client.get("/api/v1/inzageverzoeken?teLaat=true", headers=wereld.h(wie))
    if r.status_code != 200:
        fail("de lijst van inzageverzoeken over hun termijn", answer(r, 300))
    return [row["id"] for row in r.json()]


@then(parsers.parse('is het inzageverzoek te laat voor "{wie}"'))
def step_overdue(wereld: World, wie: str):
    """Voorbeeld: Dan is het inzageverzoek te laat voor "coordinator"   (open na de laatste dag van de termijn)"""
    if wereld.access_request not in _overdue(wereld, wie):
        fail("het inzageverzoek staat bij de verzoeken over hun termijn", str(_overdue(wereld, wie)))


@then(parsers.parse('is het inzageverzoek niet te laat voor "{wie}"'))
def step_not_overdue(wereld: World, wie: str):
    """Voorbeeld: Dan is het inzageverzoek niet te laat voor "coordinator"   (de termijn loopt nog)"""
    if wereld.access_request in _overdue(wereld, wie):
        fail("het inzageverzoek is nog binnen de termijn", "te laat")


@then(parsers.parse('loopt de termijn van het inzageverzoek tot en met {datum}'))
def step_term(wereld: World, datum: str):
    """Voorbeeld: Dan loopt de termijn van het inzageverzoek tot en met 8 juli 2027"""
    from features.steps.common import dutch_date

    r = wereld.client.get(f"/api/v1/inzageverzoeken/{wereld.access_request}", headers=wereld.h("coordinator"))
    if r.status_code != 200 or r.json()["termijn_tot"] != dutch_date(datum).isoformat():
        fail(f"termijn tot en met {datum}", answer(r, 300))


@when(parsers.parse('"{wie}" de verwerking beperkt van {rol} "{persoon}"'))
def step_restrict(wereld: World, wie: str, rol: str, persoon: str):
    """Voorbeeld: Als "coordinator" de verwerking beperkt van getuige "Fenna Visser"
    (AVG art. 18: de gegevens van die persoon in de zaak gaan in geen enkele export mee, behalve die aan de persoon
    zelf)"""
    body = {"rol": rol, "persoon": _names(wereld, persoon), "soort": "beperking",
            "toelichting": "De persoon betwist de juistheid van de gegevens (AVG art. 18 lid 1 onder a)."}
    r = wereld.client.post(f"/api/v1/zaken/{wereld.case_id}/persoonsmarkeringen", headers=wereld.h(wie), json=body)
    if r.status_code != 201:
        fail(f"'{wie}' legt de beperking vast (201)", answer(r, 300))


def _request_action(wereld: World, wie: str, action: str, body: dict | None = None):
    if getattr(wereld, "access_request", None) is None:
        fail("eerst een inzageverzoek ('... een inzageverzoek registreert ...')", "geen")
    return wereld.client.post(f"/api/v1/inzageverzoeken/{wereld.access_request}/{action}", headers=wereld.h(wie),
                              json=body)


@when(parsers.parse('"{wie}" de termijn van het inzageverzoek verlengt omdat "{reden}"'))
def step_extend(wereld: World, wie: str, reden: str):
    """Voorbeeld: Als "coordinator" de termijn van het inzageverzoek verlengt omdat "De persoon vroeg om alle zaken sinds 2020"
    (AVG art. 12 lid 3: eenmaal, met twee maanden, met een reden die de persoon binnen de eerste termijn hoort)"""
    r = _request_action(wereld, wie, "verlengen", {"reden": reden})
    if r.status_code != 200:
        fail(f"'{wie}' verlengt de termijn", answer(r, 300))


@then(parsers.parse('mag "{wie}" de termijn van het inzageverzoek niet nog eens verlengen omdat "{reden}"'))
def step_extend_refused(wereld: World, wie: str, reden: str):
    """Voorbeeld: Dan mag "coordinator" de termijn van het inzageverzoek niet nog eens verlengen omdat "inzagetermijn-al-verlengd"
    (de reden: een redencode uit de tabel onderaan de catalogus, de tekst ervan of een deel van de melding)"""
    refused(_request_action(wereld, wie, "verlengen", {"reden": "Nog meer zaken gevonden."}), reden,
            f"'{wie}' verlengt de termijn nog eens")


@when(parsers.parse('"{wie}" het inzageverzoek afhandelt'))
def step_handle(wereld: World, wie: str):
    """Voorbeeld: Als "coordinator" het inzageverzoek afhandelt   (de persoon heeft de export gekregen)"""
    r = _request_action(wereld, wie, "afhandelen")
    if r.status_code != 200:
        fail(f"'{wie}' handelt het inzageverzoek af", answer(r, 300))


@then(parsers.parse('is het inzageverzoek afgehandeld door "{wie}"'))
def step_handled(wereld: World, wie: str):
    """Voorbeeld: Dan is het inzageverzoek afgehandeld door "coordinator\""""
    r = wereld.client.get(f"/api/v1/inzageverzoeken/{wereld.access_request}", headers=wereld.h("coordinator"))
    body = r.json() if r.status_code == 200 else {}
    if body.get("status") != "afgehandeld" or body.get("afgehandeld_door") != wie:
        fail(f"afgehandeld door '{wie}'", answer(r, 300))
