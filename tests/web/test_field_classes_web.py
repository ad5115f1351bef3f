"""Two confidentiality classes and completed work, on the web pages and the API alike (issue 16).

The demo organisation, a named report worked by both investigators, HR and the director (tests/web/test_one_door):
they read the desk's redacted description and never the reporter's identity; the desk and the coordinator read
the original; a completed task opens read-only with the same classes; precedents withhold a summary that names
someone of its case.
"""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from tests.web import flow
from tests.web.test_one_door import AUTHORISED, EMAIL, NAME, NOT_AUTHORISED, _app, _leaks, _login

pytestmark = pytest.mark.db

ORIGINAL = "Als enige vrouw in team Noord zag ik dat declaraties voor reizen werden vervalst."
REDACTED = "Een collega zag dat declaraties voor reizen werden vervalst."
NOTICE = "Nog niet geredigeerd"


def _case(db, until: str = "besluit_disciplinaire_maatregel") -> int:
    from engine.identity.service import get_user
    from engine.intake import service as intake

    registration = {**flow.ANSWERS["melding_registreren"], "melder_anoniem": False, "melder_naam": NAME,
                    "melder_email": EMAIL, "kanaal": "meldpunt_integriteit", "betrokkene_naam": "M. Medewerker",
                    "omschrijving": ORIGINAL}
    with db.session() as s:
        subject = get_user(session=s, username="medewerker")
        case_id = intake.submit_report(session=s, actor=get_user(session=s, username="meldpunt"),
                                       data=registration, subject_user_id=subject.id).case.id
    flow.complete(db, case_id, "melding_registreren", registration)
    flow.advance_until(db, case_id, until)
    if until == "besluit_disciplinaire_maatregel":
        flow.complete(db, case_id, until, username="directeur")
    return case_id


def _csrf(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def _redact_on_the_web(client, case_id: int, tekst: str):
    page = client.get(f"/zaken/{case_id}")
    return client.post(f"/zaken/{case_id}/geredigeerd/omschrijving",
                       data={"csrf_token": _csrf(page.text), "tekst": tekst})


def test_case_workers_read_the_redacted_description_on_both_surfaces(demo):
    case_id = _case(demo)
    app = _app()
    for username in NOT_AUTHORISED:  # before the desk redacted: no text, a notice
        client = _login(app, username)
        page, api = client.get(f"/zaken/{case_id}"), client.get(f"/api/v1/zaken/{case_id}")
        assert page.status_code == 200 and api.status_code == 200, username
        assert NOTICE in page.text and api.json()["nog_niet_geredigeerd"] == ["omschrijving"], username
        for text in (page.text, api.text):
            assert ORIGINAL not in text and not _leaks(text), username
        assert "/geredigeerd/omschrijving" not in page.text  # no redaction form for them
        refused = client.post(f"/zaken/{case_id}/geredigeerd/omschrijving",
                              data={"csrf_token": _csrf(page.text), "tekst": REDACTED})
        assert refused.status_code in (403, 404), (username, refused.status_code)

    desk = _login(app, "meldpunt")
    page = desk.get(f"/zaken/{case_id}")
    assert ORIGINAL in page.text and f'action="/zaken/{case_id}/geredigeerd/omschrijving"' in page.text
    named = _redact_on_the_web(desk, case_id, f"{NAME} zag dat declaraties werden vervalst.")
    assert named.status_code == 422 and "noemt de melder" in named.text
    done = _redact_on_the_web(desk, case_id, REDACTED)
    assert done.status_code in (200, 303), done.status_code

    for username in NOT_AUTHORISED:
        client = _login(app, username)
        page, api = client.get(f"/zaken/{case_id}"), client.get(f"/api/v1/zaken/{case_id}")
        assert REDACTED in page.text and api.json()["gegevens"]["omschrijving"] == REDACTED, username
        assert NOTICE not in page.text
        for text in (page.text, api.text):
            assert ORIGINAL not in text and not _leaks(text), username
    for username in AUTHORISED:
        client = _login(app, username)
        page, api = client.get(f"/zaken/{case_id}"), client.get(f"/api/v1/zaken/{case_id}")
        assert ORIGINAL in page.text and REDACTED in page.text, username
        assert api.json()["gegevens"]["omschrijving"] == ORIGINAL and _leaks(page.text)


def _registration_item(db, case_id: int) -> int:
    from engine.worklist.models import WorkItem

    with db.session() as s:
        return s.scalar(select(WorkItem.id).where(WorkItem.case_id == case_id,
                                                  WorkItem.element_id == "melding_registreren"))


def test_completed_task_opens_read_only_with_the_classes_applied(demo):
    case_id = _case(demo)
    item_id = _registration_item(demo, case_id)
    app = _app()
    for username in NOT_AUTHORISED:
        client = _login(app, username)
        case_page = client.get(f"/zaken/{case_id}")
        assert f'href="/taken/{item_id}"' in case_page.text, username  # completed work is listed
        page = client.get(f"/taken/{item_id}")
        assert page.status_code == 200, (username, page.status_code)
        assert "Melding registreren" in page.text and "Financiële schendingen" in page.text
        assert "Taak afronden" not in page.text and "<textarea" not in page.text  # read-only
        assert "Afgeschermd" in page.text and NOTICE in page.text
        assert not _leaks(page.text) and ORIGINAL not in page.text, username
        api = client.get(f"/api/v1/zaken/{case_id}/taken/afgerond/{item_id}")
        assert api.status_code == 200 and not _leaks(api.text) and ORIGINAL not in api.text
    for username in AUTHORISED:
        page = _login(app, username).get(f"/taken/{item_id}")
        assert page.status_code == 200 and NAME in page.text and ORIGINAL in page.text, username
    for username in ("medewerker", "teamleider", "auditor"):  # the subject, their manager, no case role
        client = _login(app, username)
        assert client.get(f"/taken/{item_id}").status_code == 404, username
        assert client.get(f"/api/v1/zaken/{case_id}/taken/afgerond/{item_id}").status_code == 404, username


def test_precedents_withhold_a_summary_naming_someone_of_its_case_on_both_surfaces(demo):
    from engine.cases import confidential
    from engine.cases.models import Case
    from engine.clock import now
    from engine.identity.service import get_user
    from engine.worklist import service as worklist
    from engine.worklist.models import WorkItem

    with demo.session() as s:
        named = Case(reference="MP-2025-70", status="closed", unit="Douane", category="Financiële schendingen",
                     closed_at=now(), summary={"afdoeningen": ["Schriftelijke berisping"],
                                               "inhoud_geanonimiseerd": "Klaasje Klokkenluider zag valse declaraties."})
        s.add(named)
        s.flush()
        confidential.store(s, case_id=named.id, values={"melder_naam": "Klaasje Klokkenluider"})
    case_id = _case(demo, until="sanctieadvies_opstellen")
    with demo.session() as s:
        item_id = s.scalar(select(WorkItem.id).where(WorkItem.case_id == case_id, WorkItem.state == "open",
                                                     WorkItem.element_id == "sanctieadvies_opstellen"))
        worklist.claim(session=s, work_item_id=item_id, user=get_user(session=s, username="hr"))
    hr = _login(_app(), "hr")
    page, api = hr.get(f"/taken/{item_id}"), hr.get(f"/api/v1/taken/{item_id}")
    assert page.status_code == 200 and api.status_code == 200
    assert "MP-2025-70" in page.text and "achtergehouden" in page.text
    [precedent] = [p for p in api.json()["precedenten"] if p["zaaknummer"] == "MP-2025-70"]
    assert precedent["inhoud_geanonimiseerd"] is None and precedent["inhoud_achtergehouden"] is True
    for text in (page.text, api.text):
        assert "Klokkenluider" not in text
