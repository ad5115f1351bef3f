"""Issue 15, finding 14 ("parties are persons"): the registration cannot leave the subject-person field empty.

The registration form declares the field with ``x-persoon: betrokkene``; it is required: a person of the
organisation or an explicit "extern/onbekend". Left out or blank, the step is refused with a Dutch message naming
the field and nothing changes. A subject linked at intake (the API's ``betrokkene_id``) fills the field, so the
registration keeps that person (and the exclusions that follow from it). Through the API, on SQLite and PostgreSQL.
"""
from __future__ import annotations

from sqlalchemy import select

from engine.cases.models import CaseParty
from engine.identity.models import User
from features.steps.common import (World, _complete, step_demo, step_report_about, step_report_public,
                                   wereld)  # noqa: F401  (wereld: fixture)
from tests.api.test_legal_rules import _state
from tests.process.scenarios import DEFAULTS

FIELD = "betrokkene_persoon"


def _parties(w: World) -> set[tuple[str, str]]:
    with w.db.session() as s:
        return set(s.execute(select(CaseParty.party, User.username).join(User, User.id == CaseParty.user_id)
                             .where(CaseParty.case_id == w.case_id)).all())


def _register(w: World, **values):
    task = w.task("melding_registreren")
    w.client.post(f"/api/v1/taken/{task['id']}/claimen", headers=w.h("meldpunt"))
    data = {**DEFAULTS["melding_registreren"], "melder_anoniem": True, "kanaal": "anoniem", **values}
    for key in ("melder_naam", "melder_email"):
        data.pop(key, None)
    data = {k: v for k, v in data.items() if v is not ...}
    return w.client.post(f"/api/v1/taken/{task['id']}/afronden", headers=w.h("meldpunt"), json={"gegevens": data})


def _refused_naming_the_field(r) -> None:
    assert r.status_code == 422, r.text
    errors = {e["field"]: e["message"] for e in r.json()["errors"]}
    assert FIELD in errors, r.json()
    assert "'Betrokkene als medewerker' is verplicht" in errors[FIELD]
    assert "extern/onbekend" in errors[FIELD]


def test_a_registration_without_the_subject_person_is_refused_and_nothing_changes(wereld):
    step_demo(wereld)
    step_report_public(wereld, "Misbruik bevoegdheden", "Een inspecteur gebruikt zijn dienstpas voor privézaken.")
    before = _state(wereld)
    r = _register(wereld, **{FIELD: ...})  # left out
    _refused_naming_the_field(r)
    assert _state(wereld) == before
    for blank in ("", "   "):
        _refused_naming_the_field(_register(wereld, **{FIELD: blank}))
        assert _state(wereld) == before
    assert _parties(wereld) == set()


def test_extern_onbekend_is_an_explicit_choice(wereld):
    step_demo(wereld)
    step_report_public(wereld, "Misbruik bevoegdheden", "Een bezoeker bedreigt de balie.")
    r = _register(wereld, **{FIELD: "extern/onbekend"})
    assert r.status_code == 200, r.text
    assert _parties(wereld) == set()


def test_a_person_links_subject_and_manager(wereld):
    step_demo(wereld)
    step_report_public(wereld, "Misbruik bevoegdheden", "Een medewerker raadpleegt registers zonder reden.")
    r = _register(wereld, **{FIELD: "medewerker"})
    assert r.status_code == 200, r.text
    assert _parties(wereld) == {("betrokkene", "medewerker"), ("leidinggevende", "teamleider")}


def test_a_subject_linked_at_intake_fills_the_field(wereld):
    step_demo(wereld)
    step_report_about(wereld, "meldpunt", "teamleider", "medewerker", "Financiële schendingen")
    task = wereld.task("melding_registreren")
    wereld.client.post(f"/api/v1/taken/{task['id']}/claimen", headers=wereld.h("meldpunt"))
    detail = wereld.client.get(f"/api/v1/taken/{task['id']}", headers=wereld.h("meldpunt"))
    assert detail.json()["gegevens"][FIELD] == "medewerker"  # the registration form shows the linked person
    r = _complete(wereld, "meldpunt", "melding_registreren", {})
    assert r.status_code == 200, r.text
    assert ("betrokkene", "medewerker") in _parties(wereld)
