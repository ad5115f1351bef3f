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
