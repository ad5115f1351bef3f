"""Steps for retention: the retention run, legal hold, the destruction list with four eyes, the certificate
(issue 20). Cases are named by their resolution ('de zaak met afdoening "..."'), as the report tables do."""
from __future__ import annotations

from pytest_bdd import given, parsers, then, when

from features.steps.common import World, answer, docx_text, fail, refused


def _case(wereld: World, afdoening: str):
    from sqlalchemy import select

    from engine.cases.models import Case
    with wereld.db.session() as s:
        found = [c for c in s.scalars(select(Case).where(Case.status == "closed").order_by(Case.id))
                 if "; ".join((c.summary or {}).get("afdoeningen") or []) == afdoening]
        if len(found) != 1:
            fail(f"één afgesloten zaak met afdoening '{afdoening}'", f"{len(found)} gevonden")
        return found[0].id, found[0].reference


def _newest_list(wereld: World):
    from sqlalchemy import select

    from engine.records.models import DestructionList
    with wereld.db.session() as s:
        return s.scalar(select(DestructionList.id).order_by(DestructionList.id.desc()).limit(1))


def _list_cases(wereld: World) -> list[str]:
    list_id = _newest_list(wereld)
    if list_id is None:
        return []
    r = wereld.client.get(f"/api/v1/bewaartermijnen/vernietigingslijsten/{list_id}", headers=wereld.h("coordinator"))
    if r.status_code != 200:
        fail("de vernietigingslijst", answer(r, 300))
    return [z["zaaknummer"] for z in r.json()["zaken"]]


@when("de bewaartermijnronde draait")
@given("de bewaartermijnronde draait")
def step_retention_run(wereld: World):
    """Voorbeeld: Als de bewaartermijnronde draait
    (wat 'meldpunt retention run' dagelijks doet: goedgekeurde lijsten uitvoeren, verlopen ontvangstcodes
    verwijderen en een nieuwe conceptlijst opstellen van de zaken waarvan de bewaartermijn is verstreken)"""
    from engine.records import service
    service.run(database=wereld.db)


@then(parsers.parse('staat de zaak met afdoening "{afdoening}" op de vernietigingslijst'))
def step_listed(wereld: World, afdoening: str):
    """Voorbeeld: Dan staat de zaak met afdoening "Schriftelijke berisping" op de vernietigingslijst
    (de nieuwste vernietigingslijst)"""
    _, reference = _case(wereld, afdoening)
    listed = _list_cases(wereld)
    if reference not in listed:
        fail(f"zaak {reference} op de vernietigingslijst", ", ".join(listed) or "geen lijst of een lege lijst")


@then(parsers.parse('staat de zaak met afdoening "{afdoening}" niet op de vernietigingslijst'))
def step_not_listed(wereld: World, afdoening: str):
    """Voorbeeld: Dan staat de zaak met afdoening "Schriftelijke berisping" niet op de vernietigingslijst"""
    _, reference = _case(wereld, afdoening)
    listed = _list_cases(wereld)
    if reference in listed:
        fail(f"zaak {reference} niet op de vernietigingslijst", ", ".join(listed))


@when(parsers.parse('"{wie}" een bewaarplicht instelt op de zaak met afdoening "{afdoening}" met reden "{reden}"'))
@given(parsers.parse('"{wie}" een bewaarplicht instelt op de zaak met afdoening "{afdoening}" met reden "{reden}"'))
def step_hold(wereld: World, wie: str, afdoening: str, reden: str):
    """Voorbeeld: Als "coordinator" een bewaarplicht instelt op de zaak met afdoening "Verplaatsing" met reden "Woo-verzoek"
    (alleen de integriteitscoördinator; zo'n zaak wordt niet vernietigd zolang de bewaarplicht geldt)"""
    case_id, _ = _case(wereld, afdoening)
    r = wereld.client.post(f"/api/v1/zaken/{case_id}/bewaarplicht", headers=wereld.h(wie), json={"reden": reden})
    if r.status_code != 201:
        fail(f"'{wie}' stelt een bewaarplicht in (201)", answer(r, 300))


@then(parsers.parse('mag "{wie}" geen bewaarplicht instellen op de zaak met afdoening "{afdoening}" omdat "{reden}"'))
def step_hold_refused(wereld: World, wie: str, afdoening: str, reden: str):
    """Voorbeeld: Dan mag "onderzoeker1" geen bewaarplicht instellen op de zaak met afdoening "Verplaatsing" omdat "Alleen de integriteitscoördinator"
    (de reden is (een deel van) de melding die de gebruiker krijgt)"""
    case_id, _ = _case(wereld, afdoening)
    r = wereld.client.post(f"/api/v1/zaken/{case_id}/bewaarplicht", headers=wereld.h(wie), json={"reden": "Klacht"})
    refused(r, reden, f"'{wie}' stelt een bewaarplicht in")


@then(parsers.parse('toont de zaak met afdoening "{afdoening}" de bewaarplicht "{reden}"'))
def step_hold_shown(wereld: World, afdoening: str, reden: str):
    """Voorbeeld: Dan toont de zaak met afdoening "Verplaatsing" de bewaarplicht "Woo-verzoek"   (zoals de coördinator hem ziet)"""
    case_id, _ = _case(wereld, afdoening)
    r = wereld.client.get(f"/api/v1/zaken/{case_id}/bewaartermijn", headers=wereld.h("coordinator"))
    hold = (r.json().get("bewaarplicht") or {}) if r.status_code == 200 else {}
    if hold.get("reden") != reden:
        fail(f"bewaarplicht '{reden}' bij de zaak", answer(r, 300))


def _list_action(wereld: World, wie: str, action: str):
    list_id = _newest_list(wereld)
    if list_id is None:
        fail("een vernietigingslijst (laat eerst de bewaartermijnronde draaien)", "geen lijst")
    return wereld.client.post(f"/api/v1/bewaartermijnen/vernietigingslijsten/{list_id}/{action}", headers=wereld.h(wie))


@when(parsers.parse('"{wie}" de vernietigingslijst voorstelt'))
def step_propose(wereld: World, wie: str):
    """Voorbeeld: Als "coordinator" de vernietigingslijst voorstelt   (de nieuwste conceptlijst)"""
    r = _list_action(wereld, wie, "voorstellen")
    if r.status_code != 200:
        fail(f"'{wie}' stelt de lijst voor", answer(r, 300))


@when(parsers.parse('"{wie}" de vernietigingslijst goedkeurt'))
def step_approve(wereld: World, wie: str):
    """Voorbeeld: Als "bvi" de vernietigingslijst goedkeurt
    (een tweede persoon; de volgende bewaartermijnronde vernietigt de zaken)"""
    r = _list_action(wereld, wie, "goedkeuren")
    if r.status_code != 200:
        fail(f"'{wie}' keurt de lijst goed", answer(r, 300))


@then(parsers.parse('mag "{wie}" de vernietigingslijst niet goedkeuren omdat "{reden}"'))
def step_approve_refused(wereld: World, wie: str, reden: str):
    """Voorbeeld: Dan mag "coordinator" de vernietigingslijst niet goedkeuren omdat "Vier ogen"
    (de reden is (een deel van) de melding die de gebruiker krijgt)"""
    r = _list_action(wereld, wie, "goedkeuren")
    refused(r, reden, f"'{wie}' keurt de vernietigingslijst goed")


@then(parsers.parse('is de zaak met afdoening "{afdoening}" vernietigd'))
def step_destroyed(wereld: World, afdoening: str):
    """Voorbeeld: Dan is de zaak met afdoening "Schriftelijke berisping" vernietigd
    (alleen de anonieme telregel voor de rapportages is over)"""
    case_id, _ = _case(wereld, afdoening)
    r = wereld.client.get(f"/api/v1/zaken/{case_id}/bewaartermijn", headers=wereld.h("coordinator"))
    if r.status_code != 200 or r.json()["status"] != "vernietigd":
        fail("de zaak is vernietigd", answer(r, 300))


@then(parsers.parse('noemt de verklaring van vernietiging de zaak met afdoening "{afdoening}"'))
def step_certificate(wereld: World, afdoening: str):
    """Voorbeeld: En noemt de verklaring van vernietiging de zaak met afdoening "Schriftelijke berisping"
    (de Word-verklaring bij de nieuwste uitgevoerde lijst, met zaaknummer, wie voorstelde en wie goedkeurde)"""
    from sqlalchemy import select

    from engine.records.models import DestructionList
    _, reference = _case(wereld, afdoening)
    with wereld.db.session() as s:
        list_id = s.scalar(select(DestructionList.id).where(DestructionList.status == "uitgevoerd")
                           .order_by(DestructionList.id.desc()).limit(1))
    if list_id is None:
        fail("een uitgevoerde vernietigingslijst", "geen")
    r = wereld.client.get(f"/api/v1/bewaartermijnen/vernietigingslijsten/{list_id}/verklaring",
                          headers=wereld.h("coordinator"))
    text = docx_text(r.content) if r.status_code == 200 else ""
    if reference not in text:
        fail(f"de verklaring noemt zaak {reference}", f"{r.status_code}: {text[:600] or r.text[:300]}")


@then("is de audittrail onbeschadigd")
def step_audit_ok(wereld: World):
    """Voorbeeld: En is de audittrail onbeschadigd   (wat 'meldpunt audit verify' controleert)"""
    from engine.audit import service as audit
    with wereld.db.session() as s:
        result = audit.verify(session=s)
    if not result.ok:
        fail("een gave audittrail", "; ".join(str(p) for p in result.problems))


@when("de timerworker draait")
def step_worker_sweep(wereld: World):
    """Voorbeeld: Als de timerworker draait
    (één ronde van 'meldpunt timers run': timers afgaan en, eenmaal per dag, de bewaartermijnronde)"""
    from engine.timers import worker
    worker.run(database=wereld.db, once=True)


@then(parsers.parse("is er {aantal:d} vernietigingslijst"))
@then(parsers.parse("zijn er {aantal:d} vernietigingslijsten"))
def step_list_count(wereld: World, aantal: int):
    """Voorbeeld: Dan is er 1 vernietigingslijst
    Dan zijn er 2 vernietigingslijsten"""
    r = wereld.client.get("/api/v1/bewaartermijnen/vernietigingslijsten", headers=wereld.h("coordinator"))
    if r.status_code != 200 or len(r.json()) != aantal:
        fail(f"{aantal} vernietigingslijst(en)", f"{r.status_code}: {len(r.json()) if r.status_code == 200 else r.text}")
