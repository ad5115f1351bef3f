"""Issue 15, findings 6, 10 and 15: letters say what the data says, and every field a legal step asks for reaches
the person it is meant for.

Driven through the real process over HTTP with the scenario step library (features/steps) on the FrozenClock;
letter contents are the text of the real .docx as the API hands it out.
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone

from engine.functions import end_of_day, legal_date
from features.steps.afdoening import _do, to_assignment
from features.steps.common import (World, _complete, as_dutch, docx_text, step_assign, step_demo,
                                   step_report_about, step_report_named, step_user, time_moved, wereld)  # noqa: F401  (wereld: fixture)


def _at(w: World, day: date) -> None:
    w.clock.set(datetime.combine(day, time(9, 0), tzinfo=timezone.utc))
    time_moved(w)


def _open(w: World) -> list[str]:
    return [t["element_id"] for t in w.open_tasks()]


def _due(w: World, element: str) -> datetime:
    found = [t for t in w.open_tasks() if t["element_id"] == element]
    assert found, f"{element} not open: {_open(w)}"
    due = found[0]["termijn"]
    return due.replace(tzinfo=timezone.utc) if due.tzinfo is None else due


def _letters(w: World, template: str, who: str = "coordinator") -> list[tuple[dict, bytes]]:
    r = w.client.get(f"/api/v1/zaken/{w.case_id}/documenten", headers=w.h(who))
    assert r.status_code == 200, r.text
    out = []
    for letter in r.json():
        if letter["sjabloon"] == template:
            doc = w.client.get(f"/api/v1/zaken/{w.case_id}/documenten/{letter['id']}", headers=w.h(who))
            assert doc.status_code == 200, doc.text
            out.append((letter, doc.content))
    return out


def _text(w: World, template: str, who: str = "coordinator") -> str:
    found = _letters(w, template, who)
    assert found, f"no letter {template}"
    return docx_text(found[-1][1])


def _registered(w: World, received: date) -> None:
    step_demo(w)
    _at(w, received)
    step_report_named(w, "meldpunt", "medewerker", "Financiële schendingen", "Facturen van een bevriende leverancier")
    _do(w, "meldpunt", "melding_registreren")
    _do(w, "meldpunt", "ontvangst_bevestigen")
    _do(w, "meldpunt", "terugkoppeling_melder", {"terugkoppeling_tekst": "Uw melding is in behandeling genomen."})


# --------------------------------------------------------------------------- finding 6

def test_finding6_the_12_week_notice_is_its_own_letter_with_the_verdict(wereld):
    _registered(wereld, date(2027, 3, 10))
    _do(wereld, "meldpunt", "melder_informeren_gegrondheid", {
        "melding_gegrond": "ongegrond", "gegrondheid_tekst": "Wij danken u voor de zorgvuldige melding."})
    notice = _text(wereld, "gegrondheid_melder", who="meldpunt")
    assert "Wij achten uw melding niet gegrond" in notice
    assert "Wij danken u voor de zorgvuldige melding." in notice
    feedback = _letters(wereld, "terugkoppeling_melder", who="meldpunt")
    assert len(feedback) == 1  # the notice is not the feedback letter again
    assert docx_text(feedback[0][1]) != notice
    assert "melder_informeren_gegrondheid" not in _open(wereld)


def test_finding6_not_yet_known_keeps_the_duty_open_until_the_verdict(wereld):
    received = date(2027, 3, 10)
    twelve_weeks = legal_date("P12W", start=received.isoformat())
    _registered(wereld, received)
    # an interim notice within the 12 weeks, promising a date after them: the 12 weeks stay the deadline
    promised = (date.fromisoformat(twelve_weeks) + timedelta(days=21)).isoformat()
    _do(wereld, "meldpunt", "melder_informeren_gegrondheid", {
        "melding_gegrond": "nog_niet_bekend", "gegrondheid_tekst": "Het onderzoek vraagt meer tijd dan voorzien.",
        "gegrondheid_vervolgdatum": promised})
    interim = _text(wereld, "gegrondheid_melder", who="meldpunt")
    assert "nog niet laten weten" in interim and as_dutch(date.fromisoformat(promised)) in interim
    assert "melder_informeren_gegrondheid" in _open(wereld)  # the duty is not done
    assert _due(wereld, "melder_informeren_gegrondheid") == datetime.fromisoformat(end_of_day(twelve_weeks))
    _at(wereld, date.fromisoformat(twelve_weeks) + timedelta(days=1))
    assert "escalatie_gegrondheid" in _open(wereld)
    _do(wereld, "coordinator", "escalatie_gegrondheid")
    # after the 12 weeks a second interim notice: its promised date becomes the deadline, and escalates again
    later = (date.fromisoformat(twelve_weeks) + timedelta(days=10)).isoformat()
    _do(wereld, "meldpunt", "melder_informeren_gegrondheid", {
        "melding_gegrond": "nog_niet_bekend", "gegrondheid_tekst": "Wij hebben nog enkele weken nodig.",
        "gegrondheid_vervolgdatum": later})
    assert _due(wereld, "melder_informeren_gegrondheid") == datetime.fromisoformat(end_of_day(later))
    assert "escalatie_gegrondheid" not in _open(wereld)
    _at(wereld, date.fromisoformat(later) + timedelta(days=1))
    assert "escalatie_gegrondheid" in _open(wereld)
    # the verdict ends the duty
    _do(wereld, "meldpunt", "melder_informeren_gegrondheid", {
        "melding_gegrond": "gegrond", "gegrondheid_tekst": "De organisatie volgt de uitkomst op."})
    assert "melder_informeren_gegrondheid" not in _open(wereld)
    notices = _letters(wereld, "gegrondheid_melder", who="meldpunt")
    assert len(notices) == 3
    assert "Wij achten uw melding gegrond" in docx_text(notices[-1][1])


def test_finding6_the_verdict_text_goes_through_the_leak_guard(wereld):
    _registered(wereld, date(2027, 3, 10))
    r = _complete(wereld, "meldpunt", "melder_informeren_gegrondheid", {
        "melding_gegrond": "gegrond", "gegrondheid_tekst": "De medewerker is inmiddels geschorst."})
    assert r.status_code == 422, r.text
    assert "geschorst" in r.text
    assert not _letters(wereld, "gegrondheid_melder", who="meldpunt")
    assert "melder_informeren_gegrondheid" in _open(wereld)


# --------------------------------------------------------------------------- findings 10 and 15

def _to_investigation(w: World, questions: str) -> None:
    step_demo(w)
    step_user(w, "cora", "geen", "Douane")
    step_report_about(w, "meldpunt", "medewerker", "cora", "Financiële schendingen")
    to_assignment(w, opdracht={"onderzoeksvragen": questions}, feedback=False)


def _start_investigation(w: World) -> None:
    step_assign(w, "coordinator", "onderzoek_starten", "onderzoeker1")
    _do(w, "onderzoeker1", "onderzoek_starten")


def _suspend(w: World, start: date) -> str:
    _do(w, "directeur", "ordemaatregel_overwegen", {
        "ordemaatregel": "schorsing", "ordemaatregel_motivering": "Het onderzoek vraagt afstand tot de werkplek."})
    _do(w, "directeur", "ordemaatregel_besluit", {"ordemaatregel_ingangsdatum": start.isoformat()})
    return _text(w, "besluit_ordemaatregel")


def test_finding10_the_suspension_letter_names_a_later_start_date(wereld):
    _to_investigation(wereld, "Zijn er facturen betaald zonder levering?")
    start = wereld.clock.now().date() + timedelta(days=9)
    text = _suspend(wereld, start)
    assert f"met ingang van {as_dutch(start)}" in text
    assert "onmiddellijke ingang" not in text


def test_finding10_the_suspension_letter_says_immediately_only_when_it_starts_today(wereld):
    _to_investigation(wereld, "Zijn er facturen betaald zonder levering?")
    today = wereld.clock.now().date()
    text = _suspend(wereld, today)
    assert f"met onmiddellijke ingang, {as_dutch(today)}," in text


def test_finding15_the_questions_reach_the_investigators_in_the_assignment(wereld):
    _to_investigation(wereld, "Welke facturen zijn dubbel betaald?\nWie heeft ze geaccordeerd?")
    text = _text(wereld, "onderzoeksopdracht")
    assert "1. Welke facturen zijn dubbel betaald?" in text
    assert "2. Wie heeft ze geaccordeerd?" in text


def test_finding15_the_minutes_go_with_the_letter_that_announces_them(wereld):
    _to_investigation(wereld, "Zijn er facturen betaald zonder levering?")
    minutes = "Betrokkene verklaart dat de leverancier een oude bekende is.\nZij ontkent voordeel te hebben gehad."
    _start_investigation(wereld)
    _do(wereld, "onderzoeker2", "hoorgesprek_voeren", {"verslag_hoorgesprek": minutes})
    _do(wereld, "onderzoeker2", "verslag_ter_correctie")
    text = _text(wereld, "verslag_hoorgesprek")
    assert "Bijlage: verslag van het hoorgesprek" in text
    for line in minutes.splitlines():
        assert line in text.split("Bijlage: verslag van het hoorgesprek", 1)[1]


def _investigated(w: World, summary: str, report_day: str) -> None:
    _to_investigation(w, "Zijn er facturen betaald zonder levering?")
    _start_investigation(w)
    _do(w, "onderzoeker2", "hoorgesprek_voeren")
    _do(w, "onderzoeker2", "verslag_ter_correctie")
    _do(w, "onderzoeker2", "reactie_verslag_verwerken")
    _do(w, "onderzoeker1", "rapport_opstellen", {
        "uitkomst": "aangetoond", "rapport_samenvatting": summary, "rapport_datum": report_day,
        "bevindingen": [{"bewering": "Facturen zonder levering betaald", "uitkomst": "aangetoond"}]})
    _do(w, "directeur", "ordemaatregel_overwegen")


def _shown_in_task(w: World, who: str, element: str, key: str) -> object:
    t = w.task(element)
    detail = w.client.get(f"/api/v1/taken/{t['id']}", headers=w.h(who))
    if detail.json().get("taak", {}).get("toegewezen_aan") is None:
        w.client.post(f"/api/v1/taken/{t['id']}/oppakken", headers=w.h(who))
        detail = w.client.get(f"/api/v1/taken/{t['id']}", headers=w.h(who))
    assert detail.status_code == 200, detail.text
    prop = (detail.json()["formulier"] or {}).get("properties", {}).get(key)
    assert prop is not None and prop.get("readOnly"), f"{key} is not part of the form of {element}"
    return detail.json()["gegevens"].get(key)


def test_finding15_the_report_summary_reaches_the_hr_adviser_and_the_competent_authority(wereld):
    summary = "Drie facturen zijn betaald zonder dat er iets is geleverd."
    _investigated(wereld, summary, "2026-11-02")
    assert _shown_in_task(wereld, "hr", "sanctieadvies_opstellen", "rapport_samenvatting") == summary
    _do(wereld, "hr", "sanctieadvies_opstellen")
    assert summary in _text(wereld, "sanctieadvies")  # the advice to the competent authority carries it
    assert _shown_in_task(wereld, "directeur", "afdoening_bepalen", "rapport_samenvatting") == summary


def test_finding15_the_decision_letter_carries_the_decision_date_entered(wereld):
    _investigated(wereld, "Drie facturen zijn betaald zonder levering.", "2026-11-02")
    _do(wereld, "hr", "sanctieadvies_opstellen")
    _do(wereld, "directeur", "afdoening_bepalen", {"afdoening_keuze": "disciplinaire_maatregel",
                                                   "voorgenomen_maatregel": ["Schriftelijke berisping"],
                                                   "besluit_motivering": "Conform het sanctieadvies."})
    _do(wereld, "directeur", "voornemen_verzenden")
    _do(wereld, "directeur", "zienswijze_verwerken", {
        "zienswijze_ontvangen": True, "zienswijze_vorm": "schriftelijk",
        "zienswijze_samenvatting": "Betrokkene erkent de feiten."})
    decided = wereld.clock.now().date() - timedelta(days=2)
    # the letter is generated later than the decision was taken
    _do(wereld, "directeur", "besluit_disciplinaire_maatregel", {
        "afdoeningen": ["Schriftelijke berisping"], "ontslag_op_staande_voet": False,
        "besluit_motivering": "De zienswijze geeft geen reden tot afwijken.", "besluit_datum": decided.isoformat()})
    text = _text(wereld, "besluit_disciplinaire_maatregel")
    assert f"Datum\t{as_dutch(decided)}" in text or f"Datum{as_dutch(decided)}" in text
    assert as_dutch(wereld.clock.now().date()) not in text
