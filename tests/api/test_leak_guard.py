"""Feedback "in algemene termen" (DOMAIN §4) through the API: the leak guard understands Dutch.

Each sentence below was accepted and sent on main (issue 15, finding 7). Completing the reporter's feedback
task with it is refused with a 422 problem naming the field and the word, and nothing changes: the task
stays open, no letter, no new case version, no audit event of a completion.
"""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from documents.models import Letter
from engine.letter_outbox.models import LetterJob
from engine.audit.models import AuditEvent
from engine.cases.models import Case
from engine.intake.models import CaseMessage
from tests.process.scenarios import DEFAULTS

pytestmark = pytest.mark.db
BASE = "https://meldpunt.example/problems/"
SUBJECT = "Anna Jansen"

LEAKS = [
    ("De medewerker heeft een berisping gekregen.", "berisping", "maatregel 'Schriftelijke berisping'"),
    ("De medewerker is schriftelijk berispt.", "berispt", "maatregel 'Schriftelijke berisping'"),
    ("De medewerker is op staande voet ontslagen.", "ontslagen", "maatregel 'Beëindiging dienstverband'"),
    ("Het dienstverband met de medewerker is beëindigd.", "dienstverband beëindigd",
     "maatregel 'Beëindiging dienstverband'"),
    ("De inspecteur over wie u meldde is aangesproken.", "inspecteur", "functie van de betrokkene"),
    ("Mevrouw Jansen is aangesproken op haar gedrag.", "J…", "naam van de betrokkene"),
    ("De medewerker is geschorst.", "geschorst", "maatregel 'Schorsing (met behoud van bezoldiging)'"),
]


def _do(c, world, item, data):
    who = {"meldpunt": "meldpunt", "integriteitscoordinator": "integriteitscoordinator"}[item["rol"]]
    return c.post(f"/api/v1/taken/{item['id']}/afronden", headers=world.h(who), json={"gegevens": data})


def _open(c, world, element):
    items = c.get(f"/api/v1/zaken/{world.case_a}", headers=world.h("integriteitscoordinator")).json()["open_taken"]
    return next(i for i in items if i["element_id"] == element)


@pytest.fixture
def feedback_task(world):
    """Case A registered (subject "Anna Jansen", Inspecteur) and acknowledged: the feedback task is open."""
    c = world.client
    reg = _open(c, world, "melding_registreren")
    r = _do(c, world, reg, {**DEFAULTS["melding_registreren"], "betrokkene_naam": SUBJECT})
    assert r.status_code == 200, r.text
    r = _do(c, world, _open(c, world, "ontvangst_bevestigen"), DEFAULTS["ontvangst_bevestigen"])
    assert r.status_code == 200, r.text
    return _open(c, world, "terugkoppeling_melder")


def _snapshot(db, case_id):
    with db.session() as s:
        case = s.get(Case, case_id)
        return (case.version, case.state,
                s.scalar(select(func.count()).select_from(Letter).where(Letter.case_id == case_id)),
                # the letter is checked in the step's transaction: a refused step leaves no outbox row either
                s.scalar(select(func.count()).select_from(LetterJob).where(LetterJob.case_id == case_id)),
                s.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.case_id == case_id)),
                s.scalar(select(func.count()).select_from(CaseMessage).where(CaseMessage.case_id == case_id)))


@pytest.mark.parametrize("text,word,reason", LEAKS, ids=[w for _, w, _ in LEAKS])
def test_feedback_that_leaks_is_refused_and_nothing_changes(world, db, feedback_task, text, word, reason):
    c = world.client
    before = _snapshot(db, world.case_a)
    r = _do(c, world, feedback_task, {"terugkoppeling_tekst": text})
    assert r.status_code == 422, r.text
    problem = r.json()
    assert problem["type"] == BASE + "not-in-general-terms"
    assert [e["field"] for e in problem["errors"]] == ["terugkoppeling_tekst"]
    assert f"noemt '{word}' ({reason}" in problem["detail"], problem["detail"]
    assert "schrijf in algemene termen" in problem["detail"]
    assert "Jansen" not in r.text  # the subject's name is never repeated in a refusal
    assert _snapshot(db, world.case_a) == before
    assert _open(c, world, "terugkoppeling_melder")["id"] == feedback_task["id"]
    assert c.get(f"/api/v1/mijn-meldingen/{world.case_a}",
                 headers=world.h("melder")).json().get("terugkoppeling") is None


def test_feedback_in_general_terms_is_sent(world, db, feedback_task):
    c = world.client
    text = ("Uw melding is onderzocht. De organisatie heeft passende maatregelen genomen; over personen en "
            "maatregelen kunnen wij u niets zeggen. Het onderzoek is beëindigd.")
    r = _do(c, world, feedback_task, {"terugkoppeling_tekst": text})
    assert r.status_code == 200, r.text
    letters = c.get(f"/api/v1/mijn-meldingen/{world.case_a}/brieven", headers=world.h("melder")).json()
    assert "terugkoppeling_melder" in {l["sjabloon"] for l in letters}, letters


@pytest.mark.parametrize("text,word", [
    ("Wij hebben mevrouw jansen gesproken; zij is inmiddels overgeplaatst.", "j…"),
    ("Er is een geldboete opgelegd.", "geldboete"),
    ("De IKB-uren zijn verminderd.", "IKB"),
])
def test_a_message_to_the_reporter_passes_the_same_guard(world, db, feedback_task, text, word):
    c = world.client
    before = _snapshot(db, world.case_a)
    r = c.post(f"/api/v1/zaken/{world.case_a}/berichten", headers=world.h("meldpunt"), json={"tekst": text})
    assert r.status_code == 422, r.text
    problem = r.json()
    assert problem["type"] == BASE + "not-in-general-terms"
    assert [e["field"] for e in problem["errors"]] == ["tekst"]
    assert problem["detail"].startswith(f"Het bericht aan de melder noemt '{word}'"), problem["detail"]
    assert _snapshot(db, world.case_a) == before
    ok = c.post(f"/api/v1/zaken/{world.case_a}/berichten", headers=world.h("meldpunt"),
                json={"tekst": "Wij hebben uw melding in behandeling en houden u op de hoogte."})
    assert ok.status_code == 201, ok.text
