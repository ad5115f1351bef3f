"""The published reports (annual annex, Woo overview) never carry the reporter's e-mail address, phone number or
postal address: the anonymisation check of a description that leaves its case knows the reporter's contact
details (kept encrypted, out of the workflow), not only names, dates and places. A phone number counts however
it is written (spaces, dashes)."""
from __future__ import annotations

from datetime import date

import pytest

from engine.reports import annex, woo
from engine.reports.service import ReportRefused

from .helpers import close_through_workflow

pytestmark = pytest.mark.db

BD = "Beëindiging dienstverband"
FIN_S = "Financiële schendingen"
CONTACTS = {"melder_email": "r.zeeuwenhoek@post.example", "melder_telefoon": "06-27182818",
            "melder_adres": "Ligusterlaan 42, Hoogkerk"}


@pytest.mark.parametrize("description", [
    "Declaraties gemeld via r.zeeuwenhoek@post.example; medewerker ontslagen.",
    "Melding per telefoon (06 2718 2818); medewerker ontslagen.",
    "Melding per brief vanaf Ligusterlaan 42, Hoogkerk; medewerker ontslagen.",
])
def test_annex_and_woo_refuse_a_description_with_the_reporters_contact_details(db, clock, description):
    from engine.cases import confidential
    from tests.process.engine_driver import EngineDriver

    driver = EngineDriver(db, clock)
    close_through_workflow(db, clock, unit="Douane", category=FIN_S, resolutions=[BD], kind="feitenonderzoek_intern",
                           outcome="aangetoond", description=description, driver=driver)
    with db.session() as s:
        confidential.store(s, case_id=driver.case_id, values=CONTACTS)
    for build in (lambda s: annex.build(session=s, year=2026),
                  lambda s: woo.build(session=s, start=date(2026, 1, 1), end=date(2026, 12, 31))):
        with db.session() as s, pytest.raises(ReportRefused) as refused:
            build(s)
        assert "contactgegevens" in refused.value.detail
        assert not any(v in refused.value.detail for v in CONTACTS.values())


def test_the_contact_check_leaves_ordinary_numbers_and_mail_domains_alone():
    contacts = list(CONTACTS.values())
    woo.check_description("Medewerker declareerde 27 ritten naar Zwolle; post example niet van belang.", [],
                          reference="X", contacts=contacts)
    for text in ("Via R.Zeeuwenhoek@Post.Example gemeld.", "Bel 0627182818.", "Bel 06 27 18 28 18 terug.",
                 "Woont aan de ligusterlaan 42 hoogkerk."):
        with pytest.raises(ReportRefused):
            woo.check_description(text, [], reference="X", contacts=contacts)
