"""The web form names a refused field as the forms show it (its label), also a field the letter of the step needs
that another form of the process asks; before, the page listed it by its internal name ("melder_email: ...")."""
from __future__ import annotations

import re

import pytest

from tests.web import flow
from tests.web.test_arrival import _claim, _item
from tests.web.test_one_door import _app, _login

pytestmark = pytest.mark.db


def test_a_letters_missing_field_is_named_by_its_label_in_the_page(demo):
    from engine.cases.models import Case
    from engine.identity.service import get_user
    from engine.intake import service as intake

    named = {**flow.ANSWERS["melding_registreren"], "melder_anoniem": False, "melder_naam": "A. Melder",
             "kanaal": "meldpunt_integriteit"}  # neither an address nor an e-mail address
    with demo.session() as s:
        case_id = intake.submit_report(session=s, actor=get_user(session=s, username="meldpunt"),
                                       data=flow._clean(named)).case.id
    flow.complete(demo, case_id, "melding_registreren", named)
    item_id = _item(demo, case_id, "ontvangst_bevestigen")
    with demo.session() as s:
        version = s.get(Case, case_id).version
    desk = _login(_app(), "meldpunt")
    _claim(desk, item_id)
    token = re.search(r'name="csrf_token" value="([^"]+)"', desk.get(f"/taken/{item_id}").text).group(1)
    r = desk.post(f"/taken/{item_id}", data={"csrf_token": token, "ontvangstbevestiging_via": "email"})
    assert r.status_code == 422
    summary = r.text[r.text.index('id="foutoverzicht"'):r.text.index("</div>", r.text.index('id="foutoverzicht"'))]
    assert "E-mailadres melder: is nodig voor de brief ‘Ontvangstbevestiging melding’ en ontbreekt" in summary
    assert "melder_email" not in summary
    with demo.session() as s:
        assert s.get(Case, case_id).version == version  # nothing changed


def test_a_wrongly_formatted_field_is_named_next_to_it_with_why_and_the_other_input_is_kept(demo):
    """The registration task's form in the web: a telephone number that is none (the form declares ``"format":
    "telefoonnummer"``) is refused next to the field by its label and why, in Dutch; what else was typed stays in
    the form and nothing changes."""
    from engine.cases.models import Case
    from engine.identity.service import get_user
    from engine.intake import service as intake

    with demo.session() as s:
        case_id = intake.submit_report(session=s, actor=get_user(session=s, username="meldpunt"),
                                       data=flow._clean(flow.ANSWERS["melding_registreren"])).case.id
        version = s.get(Case, case_id).version
    item_id = _item(demo, case_id, "melding_registreren")
    desk = _login(_app(), "meldpunt")
    _claim(desk, item_id)
    token = re.search(r'name="csrf_token" value="([^"]+)"', desk.get(f"/taken/{item_id}").text).group(1)
    r = desk.post(f"/taken/{item_id}", data={"csrf_token": token, "melder_naam": "Rita Melder",
                                             "melder_telefoon": "bel mij maar", "melder_email": "rita@example.org"})
    assert r.status_code == 422, r.text[:500]
    at_field = re.search(r'id="fout-melder_telefoon">(.*?)</p>', r.text, re.S).group(1)
    assert "Telefoonnummer melder moet een telefoonnummer zijn, zoals 06-12345678" in at_field, at_field
    assert 'aria-invalid="true"' in r.text.split('id="melder_telefoon"')[1].split(">")[0]
    for kept in ('value="Rita Melder"', 'value="rita@example.org"', 'value="bel mij maar"'):
        assert kept in r.text, kept
    with demo.session() as s:
        assert s.get(Case, case_id).version == version  # nothing changed
