"""The subject never learns who reported (DOMAIN §2, §4), also not from a free text in a letter to the subject that
names the reporter by surname, by first name, or by the name of the account under which she reported.

Through the real process: the motivation of an order measure is written in one step and goes to the subject in the
letter of the next ('Besluit ordemaatregel'); that step is refused, nothing is stored."""
from __future__ import annotations

import pytest

from documents.errors import LetterRenderError
from tests.process.scenarios import DEFAULTS
from tests.web import flow

pytestmark = pytest.mark.db


def _case_with_motivation(db, motivation: str) -> int:
    """A case reported by Lotte Kuipers (linked as the reporter; the desk typed her name as 'L. Kuipers'), with an
    order measure whose motivation is ``motivation``; 'Besluit ordemaatregel' is ready."""
    from engine.identity.service import create_user, get_user
    from engine.intake import service as intake

    registration = {**flow.ANSWERS["melding_registreren"], "melder_anoniem": False,
                    "melder_naam": "L. Kuipers", "melder_email": "melder@example.org",
                    "kanaal": "meldpunt_integriteit",
                    "betrokkene_naam": "M. Medewerker"}
    with db.session() as s:
        reporter = create_user(session=s, username="lkuipers", display_name="Lotte Kuipers", roles=[],
                               unit="Douane")
        subject = get_user(session=s, username="medewerker")
        case_id = intake.submit_report(session=s, actor=get_user(session=s, username="meldpunt"),
                                       data=registration, reporter_user_id=reporter.id,
                                       subject_user_id=subject.id).case.id
    flow.complete(db, case_id, "melding_registreren", registration)
    flow.advance_until(db, case_id, "ordemaatregel_overwegen")
    flow.complete(db, case_id, "ordemaatregel_overwegen",
                  {**DEFAULTS["ordemaatregel_overwegen"], "ordemaatregel": "schorsing",
                   "ordemaatregel_motivering": motivation})
    flow.advance_until(db, case_id, "ordemaatregel_besluit")
    return case_id


def _decide(db, case_id: int) -> None:
    from engine.cases import service as cases
    from engine.identity.service import get_user

    item_id = next(i[0] for i in flow.ready(db, case_id) if i[1] == "ordemaatregel_besluit")
    with db.session() as s:
        cases.complete_task(session=s, work_item_id=item_id, user=get_user(session=s, username="directeur"),
                            data=dict(DEFAULTS["ordemaatregel_besluit"]))


@pytest.mark.parametrize("motivation", [
    "Mevrouw Kuipers heeft gezien dat u dossiers meenam.",  # the surname the desk typed
    "Lotte heeft gezien dat u dossiers meenam.",  # the first name: only the reporter's account knows it
])
def test_a_letter_to_the_subject_that_names_the_reporter_is_refused(demo, motivation):
    from engine.letter_outbox.models import LetterJob
    from sqlalchemy import select

    case_id = _case_with_motivation(demo, motivation)
    with pytest.raises(LetterRenderError) as info:
        _decide(demo, case_id)
    assert info.value.placeholder == "melder_naam"
    assert "Lotte" not in info.value.detail and "Kuipers" not in info.value.detail
    assert "ordemaatregel_besluit" in [i[1] for i in flow.ready(demo, case_id)]  # the step did not complete
    with demo.session() as s:
        assert not s.scalars(select(LetterJob).where(LetterJob.case_id == case_id,
                                                     LetterJob.template == "besluit_ordemaatregel")).all()


def test_a_letter_to_the_subject_in_general_terms_goes(demo):
    case_id = _case_with_motivation(demo, "Een collega heeft gezien dat u dossiers meenam.")
    _decide(demo, case_id)
    assert "ordemaatregel_besluit" not in [i[1] for i in flow.ready(demo, case_id)]
