"""Steps for oral reports with a transcript the reporter signs (EU 2019/1937 art. 9(2), art. 18) and the follow-up
after closure (issue 23). The reporter and the desk act over the API (``/api/v1/melder/…``,
``/api/v1/zaken/{id}/…``); what the engine keeps is read from ``engine.contact``.

Shared machinery (World, fail, the reporter's login) lives in features.steps.common.
"""
from __future__ import annotations

from pytest_bdd import given, parsers, then, when

from features.steps.common import (World, _reporter_login, answer, defaults_for, dutch_date as parse_dutch_date, fail,
                                   task_ids, task_with_form)

KINDS = {"een telefoongesprek": "telefoon", "een persoonlijk gesprek": "gesprek"}
CHANNELS = {"per telefoon": "telefoon", "in een gesprek": "gesprek"}


def _reports(wereld: World, wie: str | None = None) -> list[dict]:
    if wie is None:
        _reporter_login(wereld)
        r = wereld.client.get("/api/v1/melder/verslagen")
    else:
        r = wereld.client.get(f"/api/v1/zaken/{wereld.case_id}/mondelinge-meldingen", headers=wereld.h(wie))
    if r.status_code != 200:
        fail("de verslagen worden getoond (200)", answer(r))
    if not r.json():
        fail("een verslag van een mondelinge melding", "geen verslag")
    return r.json()


@when(parsers.parse("de melder met de ontvangstcode om {soort} vraagt"))
@given(parsers.parse("de melder met de ontvangstcode om {soort} vraagt"))
def step_ask_meeting(wereld: World, soort: str):
    """Voorbeeld: Als de melder met de ontvangstcode om een telefoongesprek vraagt   (of: een persoonlijk gesprek)"""
    if soort not in KINDS:
        fail(f"een van: {', '.join(KINDS)}", soort)
    h = _reporter_login(wereld)
    r = wereld.client.post("/api/v1/melder/gesprek", headers=h, json={"soort": KINDS[soort]})
    if r.status_code != 201:
        fail("het verzoek om een gesprek wordt verstuurd (201)", answer(r))


@then(parsers.parse('ziet "{wie}" een verzoek om {soort}'))
def step_sees_meeting(wereld: World, wie: str, soort: str):
    """Voorbeeld: Dan ziet "meldpunt" een verzoek om een telefoongesprek"""
    r = wereld.client.get(f"/api/v1/zaken/{wereld.case_id}/gespreksverzoeken", headers=wereld.h(wie))
    found = [m["soort"] for m in r.json()] if r.status_code == 200 else r.text
    if r.status_code != 200 or KINDS.get(soort) not in found:
        fail(f"een verzoek om {soort}", f"{r.status_code}: {found}")


@when(parsers.parse('"{wie}" een mondelinge melding {kanaal} van {datum} vastlegt met het verslag "{verslag}"'))
@given(parsers.parse('"{wie}" een mondelinge melding {kanaal} van {datum} vastlegt met het verslag "{verslag}"'))
def step_register_oral(wereld: World, wie: str, kanaal: str, datum: str, verslag: str):
    """Voorbeeld: Als "meldpunt" een mondelinge melding per telefoon van 2 november 2026 vastlegt met het verslag "De melder vertelt …"
    (kanaal: per telefoon of in een gesprek; een openstaand verzoek om een gesprek wordt eraan gekoppeld)"""
    if kanaal not in CHANNELS:
        fail(f"een van: {', '.join(CHANNELS)}", kanaal)
    open_requests = wereld.client.get(f"/api/v1/zaken/{wereld.case_id}/gespreksverzoeken", headers=wereld.h(wie))
    request_id = next((m["id"] for m in open_requests.json() if not m["gevoerd"]), None) \
        if open_requests.status_code == 200 else None
    r = wereld.client.post(f"/api/v1/zaken/{wereld.case_id}/mondelinge-meldingen", headers=wereld.h(wie), json={
        "kanaal": CHANNELS[kanaal], "datum": parse_dutch_date(datum).isoformat(), "verslag": verslag,
        **({"verzoek_id": request_id} if request_id else {})})
    if r.status_code != 201:
        fail(f"'{wie}' legt de mondelinge melding vast (201)", answer(r))


@then(parsers.parse("ziet de melder met de ontvangstcode versie {versie:d} van het verslag ter ondertekening tot en "
                    "met {datum}"))
def step_reporter_sees_transcript(wereld: World, versie: int, datum: str):
    """Voorbeeld: Dan ziet de melder met de ontvangstcode versie 1 van het verslag ter ondertekening tot en met 16 november 2026"""
    report = _reports(wereld)[-1]
    latest = [v for v in report["versies"] if v["soort"] == "verslag"][-1]
    found = (report["status"], latest["nummer"], report["termijn_tot_en_met"])
    if found != ("ter_controle", versie, parse_dutch_date(datum).isoformat()):
        fail(f"versie {versie} ter controle tot en met {datum}", str(found))


@when(parsers.parse('de melder met de ontvangstcode de correctie "{tekst}" stuurt'))
def step_reporter_corrects(wereld: World, tekst: str):
    """Voorbeeld: Als de melder met de ontvangstcode de correctie "Het was in februari" stuurt"""
    report = _reports(wereld)[-1]
    h = _reporter_login(wereld)
    r = wereld.client.post(f"/api/v1/melder/verslagen/{report['id']}/correcties", headers=h, json={"tekst": tekst})
    if r.status_code != 201:
        fail("de correctie wordt verstuurd (201)", answer(r))


@then(parsers.parse('ziet "{wie}" de correctie "{tekst}" als versie {versie:d}'))
def step_desk_sees_correction(wereld: World, wie: str, tekst: str, versie: int):
    """Voorbeeld: Dan ziet "meldpunt" de correctie "Het was in februari" als versie 2"""
    versions = {(v["nummer"], v["soort"], v["tekst"]) for v in _reports(wereld, wie)[-1]["versies"]}
    if (versie, "correctie", tekst) not in versions:
        fail(f"versie {versie}: correctie '{tekst}'", str(sorted(versions)))


@when(parsers.parse('"{wie}" versie {versie:d} van het verslag voorlegt: "{verslag}"'))
def step_desk_revises(wereld: World, wie: str, versie: int, verslag: str):
    """Voorbeeld: Als "meldpunt" versie 3 van het verslag voorlegt: "De melder vertelt …\""""
    report = _reports(wereld, wie)[-1]
    r = wereld.client.post(f"/api/v1/zaken/{wereld.case_id}/mondelinge-meldingen/{report['id']}/versies",
                           headers=wereld.h(wie), json={"verslag": verslag})
    if r.status_code != 201 or r.json()["versies"][-1]["nummer"] != versie:
        fail(f"versie {versie} wordt voorgelegd (201)", answer(r))


def _sign(wereld: World, versie: int):
    report = _reports(wereld)[-1]
    h = _reporter_login(wereld)
    return wereld.client.post(f"/api/v1/melder/verslagen/{report['id']}/ondertekening", headers=h,
                              json={"versie": versie, "akkoord": True})


@when(parsers.parse("de melder met de ontvangstcode versie {versie:d} van het verslag ondertekent"))
def step_reporter_signs(wereld: World, versie: int):
    """Voorbeeld: Als de melder met de ontvangstcode versie 3 van het verslag ondertekent"""
    r = _sign(wereld, versie)
    if r.status_code != 200:
        fail(f"versie {versie} wordt ondertekend (200)", answer(r))


@then("kan de melder met de ontvangstcode het verslag niet ondertekenen")
def step_reporter_cannot_sign(wereld: World):
    """Voorbeeld: Dan kan de melder met de ontvangstcode het verslag niet ondertekenen   (er wacht een correctie)"""
    report = _reports(wereld)[-1]
    r = _sign(wereld, report["versies"][-1]["nummer"])
    if r.status_code < 400:
        fail("ondertekenen geweigerd", answer(r))


@then("is het verslag niet ondertekend")
def step_not_signed(wereld: World):
    """Voorbeeld: Dan is het verslag niet ondertekend   (de engine geeft geen ondertekende versie)"""
    from engine.contact import service as contact

    from engine.identity.service import get_user

    with wereld.db.session() as s:
        desk = get_user(session=s, username="meldpunt")
        report = contact.oral_reports(session=s, user=desk, case_id=wereld.case_id)[-1].report
        try:
            contact.signed_transcript(session=s, oral_report_id=report.id)
        except contact.NotSigned:
            return
    fail("niet ondertekend", "ondertekend")


@then(parsers.parse("is versie {versie:d} van het verslag ondertekend door de melder"))
def step_signed(wereld: World, versie: int):
    """Voorbeeld: Dan is versie 3 van het verslag ondertekend door de melder"""
    report = _reports(wereld, "meldpunt")[-1]
    if (report["status"], report["ondertekende_versie"]) != ("ondertekend", versie):
        fail(f"versie {versie} ondertekend", f"{report['status']}, versie {report['ondertekende_versie']}")


@then(parsers.parse('ziet "{wie}" dat de termijn van het verslag is verstreken'))
def step_transcript_overdue(wereld: World, wie: str):
    """Voorbeeld: Dan ziet "meldpunt" dat de termijn van het verslag is verstreken"""
    from engine.contact import service as contact

    from engine.identity.service import get_user

    report = _reports(wereld, wie)[-1]
    with wereld.db.session() as s:
        view = contact.oral_reports(session=s, user=get_user(session=s, username=wie), case_id=wereld.case_id)[-1]
    if report["status"] == "ondertekend" or not view.overdue:
        fail("termijn verstreken, niet ondertekend", f"{report['status']} tot en met {report['termijn_tot_en_met']}")


# --------------------------------------------------------------------------- follow-up after closure

@given("de zaak is afgesloten zonder onderzoek")
@when("de zaak wordt afgesloten zonder onderzoek")
def step_close_without_investigation(wereld: World):
    """Voorbeeld: Gegeven de zaak is afgesloten zonder onderzoek
    Als de zaak wordt afgesloten zonder onderzoek
    (alle taken volgens het standaardantwoord, de beoordeling met route 'geen_onderzoek', tot de zaak sluit)"""
    from tests.web import flow

    assessment = task_ids(task_with_form("melding_beoordelen.json"))
    for _ in range(30):
        ready = flow.ready(wereld.db, wereld.case_id)
        if not ready:
            return
        item_id, element = ready[0][0], ready[0][1]
        task = next((t for t in wereld.open_tasks() if t["id"] == item_id), {"element_id": element})
        data = dict(defaults_for(task, flow.ANSWERS))
        if element in assessment:
            data.update({"route": "geen_onderzoek", "beoordeling_motivering": "Geen nadere eisen."})
        flow.complete(wereld.db, wereld.case_id, element, data)
    fail("de zaak sluit", "er blijven taken openstaan")


def _follow_ups(wereld: World, wie: str) -> list[dict]:
    r = wereld.client.get(f"/api/v1/zaken/{wereld.case_id}/nazorg", headers=wereld.h(wie))
    if r.status_code != 200:
        fail("de nazorg wordt getoond (200)", answer(r))
    return r.json()


@then(parsers.parse('ziet "{wie}" nazorg gepland op {datums}'))
def step_follow_up_planned(wereld: World, wie: str, datums: str):
    """Voorbeeld: Dan ziet "meldpunt" nazorg gepland op 2 februari 2027 en 2 november 2027"""
    from engine.legal_terms import local_date
    from datetime import datetime

    expected = [parse_dutch_date(d.strip()).isoformat() for d in datums.replace(" en ", ",").split(",")]
    rows = _follow_ups(wereld, wie)
    found = [(local_date(datetime.fromisoformat(r["gepland_op"])).isoformat(), r["status"]) for r in rows]
    if found != [(d, "gepland") for d in expected]:
        fail(f"gepland op {expected}", str(found))


@then(parsers.parse('ziet "{wie}" dat de nazorg niet is verstuurd omdat de melder geen ‘Mijn melding’ heeft'))
def step_follow_up_no_inbox(wereld: World, wie: str):
    """Voorbeeld: Dan ziet "meldpunt" dat de nazorg niet is verstuurd omdat de melder geen ‘Mijn melding’ heeft"""
    rows = _follow_ups(wereld, wie)
    if not rows or any(r["status"] != "geen_inbox" or r["gesteld_op"] for r in rows):
        fail("elke nazorgvraag: geen_inbox, niet gesteld", str([(r["status"], r["gesteld_op"]) for r in rows]))


def _reporter_follow_ups(wereld: World) -> dict:
    _reporter_login(wereld)
    r = wereld.client.get("/api/v1/melder/nazorg")
    if r.status_code != 200:
        fail("de nazorgvragen worden getoond (200)", answer(r))
    return r.json()


@then(parsers.parse('ziet de melder met de ontvangstcode de nazorgvraag "{vraag}"'))
def step_reporter_sees_question(wereld: World, vraag: str):
    """Voorbeeld: Dan ziet de melder met de ontvangstcode de nazorgvraag "Heeft u na uw melding nadelige gevolgen ervaren?\""""
    open_questions = [q["vraag"] for q in _reporter_follow_ups(wereld)["vragen"] if q["status"] == "verstuurd"]
    if vraag not in open_questions:
        fail(f"open vraag '{vraag}'", str(open_questions))


@then("ziet de melder met de ontvangstcode geen nazorgvraag")
def step_reporter_no_question(wereld: World):
    """Voorbeeld: Dan ziet de melder met de ontvangstcode geen nazorgvraag"""
    questions = _reporter_follow_ups(wereld)["vragen"]
    if questions:
        fail("geen nazorgvraag", str(questions))


@when(parsers.parse('de melder met de ontvangstcode de nazorgvraag beantwoordt met "{antwoord}" en toelichting '
                    '"{toelichting}"'))
@when(parsers.parse('de melder met de ontvangstcode de nazorgvraag beantwoordt met "{antwoord}"'))
def step_reporter_answers(wereld: World, antwoord: str, toelichting: str | None = None):
    """Voorbeeld: Als de melder met de ontvangstcode de nazorgvraag beantwoordt met "ja" en toelichting "Ik word buitengesloten"
    Als de melder met de ontvangstcode de nazorgvraag beantwoordt met "nee\""""
    open_ids = [q["id"] for q in _reporter_follow_ups(wereld)["vragen"] if q["status"] == "verstuurd"]
    if not open_ids:
        fail("een open nazorgvraag", "geen")
    h = _reporter_login(wereld)
    r = wereld.client.post(f"/api/v1/melder/nazorg/{open_ids[0]}", headers=h, json={
        "nadelige_gevolgen": antwoord, **({"toelichting": toelichting} if toelichting else {})})
    if r.status_code != 200:
        fail("het antwoord wordt verstuurd (200)", answer(r))


@then("ziet de melder met de ontvangstcode de verwijzing naar het Huis voor Klokkenluiders")
def step_reporter_sees_huis(wereld: World):
    """Voorbeeld: Dan ziet de melder met de ontvangstcode de verwijzing naar het Huis voor Klokkenluiders"""
    pointer = _reporter_follow_ups(wereld)["verwijzing"] or ""
    if "Huis voor Klokkenluiders" not in pointer:
        fail("een verwijzing naar het Huis voor Klokkenluiders", pointer or "geen verwijzing")


@then("ziet de melder met de ontvangstcode geen verwijzing naar het Huis voor Klokkenluiders")
def step_reporter_no_huis(wereld: World):
    """Voorbeeld: Dan ziet de melder met de ontvangstcode geen verwijzing naar het Huis voor Klokkenluiders"""
    pointer = _reporter_follow_ups(wereld)["verwijzing"]
    if pointer:
        fail("geen verwijzing", pointer)


def _contact_tasks(wereld: World, wie: str, soort: str, status: str = "open") -> list[dict]:
    """The case's contact tasks of ``soort`` that ``wie`` sees over the API (``/zaken/{id}/contacttaken``)."""
    r = wereld.client.get(f"/api/v1/zaken/{wereld.case_id}/contacttaken", headers=wereld.h(wie))
    if r.status_code != 200:
        fail("de taken bij het contact met de melder worden getoond (200)", answer(r))
    return [t for t in r.json() if t["soort"] == soort and t["status"] == status]


def _pool(wereld: World, wie: str, soort: str) -> list[int]:
    """The open contact tasks in ``wie``'s worklist (the engine's one decision, as the worklist page asks it)."""
    from engine.contact import service as contact
    from engine.identity.models import User

    with wereld.db.session() as s:
        return [t.id for t, case in contact.open_tasks(session=s, user=s.get(User, wereld.users[wie]))
                if case.id == wereld.case_id and t.kind == soort]


def _finish(wereld: World, wie: str, soort: str, uitkomst: str, motivering: str | None) -> None:
    tasks = _contact_tasks(wereld, wie, soort)
    if not tasks:
        fail(f"een open taak voor '{wie}'", "geen")
    base = f"/api/v1/zaken/{wereld.case_id}/contacttaken/{tasks[0]['id']}"
    r = wereld.client.post(f"{base}/oppakken", headers=wereld.h(wie))
    if r.status_code != 200:
        fail(f"'{wie}' pakt de taak op (200)", answer(r))
    r = wereld.client.post(f"{base}/afronden", headers=wereld.h(wie), json={
        "uitkomst": uitkomst, **({"motivering": motivering} if motivering else {})})
    if r.status_code != 200:
        fail(f"'{wie}' rondt de taak af (200)", answer(r))


def _expect_task(wereld: World, wie: str, kind: str, what: str) -> None:
    if not _pool(wereld, wie, kind):
        fail(f"{what} voor '{wie}'", "geen taak")


def _expect_no_task(wereld: World, wie: str, kind: str) -> None:
    found = _pool(wereld, wie, kind)
    if found:
        fail(f"geen taak voor '{wie}'", f"{len(found)} taak/taken")


@then(parsers.parse('heeft "{wie}" een taak om het signaal van benadeling op te volgen'))
def step_has_signal(wereld: World, wie: str):
    """Voorbeeld: Dan heeft "coordinator" een taak om het signaal van benadeling op te volgen"""
    _expect_task(wereld, wie, "represaille", "een taak")


@then(parsers.parse('heeft "{wie}" geen taak om een signaal van benadeling op te volgen'))
def step_has_no_signal(wereld: World, wie: str):
    """Voorbeeld: Dan heeft "coordinator" geen taak om een signaal van benadeling op te volgen"""
    _expect_no_task(wereld, wie, "represaille")


SIGNAL_OUTCOMES = {"maatregelen getroffen": "maatregelen", "doorverwezen": "doorverwezen",
                   "geen benadeling vastgesteld": "geen_benadeling"}


@when(parsers.parse('"{wie}" het signaal van benadeling afrondt met "{uitkomst}" en motivering "{motivering}"'))
def step_handle_signal(wereld: World, wie: str, uitkomst: str, motivering: str):
    """Voorbeeld: Als "coordinator" het signaal van benadeling afrondt met "doorverwezen" en motivering "Melder gewezen op het Huis voor Klokkenluiders."
    (uitkomst: maatregelen getroffen, doorverwezen of geen benadeling vastgesteld; de taak wordt eerst opgepakt)"""
    if uitkomst not in SIGNAL_OUTCOMES:
        fail(f"een van: {', '.join(SIGNAL_OUTCOMES)}", uitkomst)
    _finish(wereld, wie, "represaille", SIGNAL_OUTCOMES[uitkomst], motivering)


@then(parsers.parse('ziet "{wie}" het signaal van benadeling afgerond met "{uitkomst}" en motivering "{motivering}"'))
def step_signal_done(wereld: World, wie: str, uitkomst: str, motivering: str):
    """Voorbeeld: Dan ziet "coordinator" het signaal van benadeling afgerond met "doorverwezen" en motivering "…\""""
    done = [(t["uitkomst"], t["motivering"], t["afgerond_door"]) for t in
            _contact_tasks(wereld, wie, "represaille", "afgerond")]
    if (SIGNAL_OUTCOMES.get(uitkomst), motivering, wie) not in done:
        fail(f"afgerond door '{wie}': {uitkomst}, '{motivering}'", str(done))


@then(parsers.parse('heeft "{wie}" een taak "Verslag niet ondertekend"'))
def step_has_unsigned_task(wereld: World, wie: str):
    """Voorbeeld: Dan heeft "meldpunt" een taak "Verslag niet ondertekend"   (melder herinneren of vastleggen dat niet is getekend)"""
    _expect_task(wereld, wie, "verslag_niet_ondertekend", "een taak 'Verslag niet ondertekend'")


@then(parsers.parse('heeft "{wie}" geen taak "Verslag niet ondertekend"'))
def step_has_no_unsigned_task(wereld: World, wie: str):
    """Voorbeeld: Dan heeft "meldpunt" geen taak "Verslag niet ondertekend\""""
    _expect_no_task(wereld, wie, "verslag_niet_ondertekend")


@then(parsers.parse('heeft "{wie}" een taak "Correcties van de melder verwerken"'))
def step_has_corrections_task(wereld: World, wie: str):
    """Voorbeeld: Dan heeft "meldpunt" een taak "Correcties van de melder verwerken"   (een nieuwe versie van het verslag voorleggen; die rondt de taak af)"""
    _expect_task(wereld, wie, "correcties_verwerken", "een taak 'Correcties van de melder verwerken'")


@then(parsers.parse('heeft "{wie}" geen taak "Correcties van de melder verwerken"'))
def step_has_no_corrections_task(wereld: World, wie: str):
    """Voorbeeld: Dan heeft "meldpunt" geen taak "Correcties van de melder verwerken\""""
    _expect_no_task(wereld, wie, "correcties_verwerken")


@when(parsers.parse('"{wie}" de melder herinnert aan het verslag'))
def step_remind(wereld: World, wie: str):
    """Voorbeeld: Als "meldpunt" de melder herinnert aan het verslag   (de taak wordt opgepakt en afgerond; de termijn begint opnieuw)"""
    _finish(wereld, wie, "verslag_niet_ondertekend", "herinnerd", None)


@when(parsers.parse('"{wie}" vastlegt dat het verslag niet is ondertekend met de reden "{reden}"'))
def step_record_not_signed(wereld: World, wie: str, reden: str):
    """Voorbeeld: Als "meldpunt" vastlegt dat het verslag niet is ondertekend met de reden "Melder reageert niet.\""""
    _finish(wereld, wie, "verslag_niet_ondertekend", "niet_ondertekend", reden)


@then("ziet de melder met de ontvangstcode een herinnering aan het verslag")
def step_reporter_reminded(wereld: World):
    """Voorbeeld: Dan ziet de melder met de ontvangstcode een herinnering aan het verslag"""
    _reporter_login(wereld)
    r = wereld.client.get("/api/v1/melder/berichten")
    bodies = [m.get("tekst", "") for m in r.json()] if r.status_code == 200 else r.text
    if r.status_code != 200 or not any(b.startswith("Herinnering:") for b in bodies):
        fail("een herinnering in 'Mijn melding'", str(bodies)[:300])


@then("is vastgelegd dat de melder het verslag niet heeft ondertekend")
def step_recorded_not_signed(wereld: World):
    """Voorbeeld: Dan is vastgelegd dat de melder het verslag niet heeft ondertekend   (en kan de melder niet meer tekenen)"""
    report = _reports(wereld, "meldpunt")[-1]
    if report["status"] != "niet_ondertekend":
        fail("niet_ondertekend", report["status"])
    if _sign(wereld, report["versies"][-1]["nummer"]).status_code < 400:
        fail("ondertekenen geweigerd", "ondertekend")
