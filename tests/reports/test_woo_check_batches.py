"""The Woo overview and the annual annex check their cases' descriptions a batch at a time (issue 25).

Before, each case was checked on its own (destroyed?, confidential values, parties' names: three statements per
case), so a report over thousands of cases sent thousands of statements. Now the statements are the same for 3
cases as for 60, a constant number per batch of ``woo.CHECK_BATCH`` cases; and the first refused case in the
report's order still refuses it with its own message, as the one-by-one check (``woo.check_case_text``) did.
"""
from __future__ import annotations

import math
from datetime import date

import pytest
from sqlalchemy import text

from engine.reports import annex, woo
from engine.reports.service import ReportRefused, closed_cases

from .helpers import close_through_workflow

pytestmark = pytest.mark.db

FIN_S = "Financiële schendingen"
BD = "Beëindiging dienstverband"
CLEAN = "Medewerker zou reiskosten onterecht hebben gedeclareerd."
YEAR = 2026


@pytest.fixture
def original(db, clock) -> int:
    """One case closed through the real process; its subject is Jan de Vries."""
    return close_through_workflow(db, clock, unit="Douane", category=FIN_S, resolutions=[BD],
                                  kind="feitenonderzoek_intern", outcome="aangetoond", subject="Jan de Vries",
                                  description=CLEAN)


def _clones(db, original: int, descriptions: list[str]) -> list[str]:
    """Closed cases like ``original`` (its workflow state, closing date, parties), each with its own reporter (a
    confidential value) and the given description; returns their references, in the reports' order."""
    from engine.cases import confidential
    from engine.cases.models import Case, CaseParty

    refs = []
    with db.session() as s:
        base = s.get(Case, original)
        parties = list(s.query(CaseParty).filter_by(case_id=original))
        count = s.execute(text("SELECT count(*) FROM cases")).scalar()
        for k, description in enumerate(descriptions):
            ref = f"MP-{YEAR}-9{count + k:04d}"
            case = Case(reference=ref, process_version_id=base.process_version_id, status="closed", unit=base.unit,
                        category=base.category, state=base.state, closed_at=base.closed_at,
                        summary={**base.summary, "inhoud_geanonimiseerd": description})
            s.add(case)
            s.flush()
            confidential.store(s, case_id=case.id, values={"melder_naam": f"Klaasje Melder{count + k}"})
            for p in parties:
                s.add(CaseParty(case_id=case.id, party=p.party, user_id=p.user_id))
            refs.append(ref)
    return refs


def _sent(db, build) -> list[str]:
    from tests.engine.test_statement_budget import Statements

    with db.session() as s:
        build(s)  # warm-up: the process version, the names of the workflow states
    with db.session() as s, Statements(db.engine) as st:
        build(s)
    return st.seen


REPORTS = {
    "woo": lambda s: woo.build(session=s, start=date(YEAR, 1, 1), end=date(YEAR, 12, 31)),
    "annex": lambda s: annex.build(session=s, year=YEAR),
}


def test_a_report_sends_as_many_statements_for_60_cases_as_for_3(db, original, monkeypatch):
    _clones(db, original, [CLEAN] * 2)
    few = {name: _sent(db, build) for name, build in REPORTS.items()}
    _clones(db, original, [CLEAN] * 57)
    many = {name: _sent(db, build) for name, build in REPORTS.items()}
    with db.session() as s:
        assert len(REPORTS["woo"](s)["case_ids"]) == 60 and len(REPORTS["annex"](s)["rows"]) == 60
    # the closed cases, then the batch's cases, destroyed?, confidential values, parties' names (before: three
    # statements per case, 182 at 60 cases)
    assert many == few, (few, many)
    assert all(len(sent) <= 6 for sent in few.values()), few
    # a batch at a time: a smaller batch adds its statements per batch, never per case
    monkeypatch.setattr(woo, "CHECK_BATCH", 7)
    batches = math.ceil(60 / 7)
    for name, build in REPORTS.items():
        sent = _sent(db, build)
        assert len(sent) <= 2 + 4 * batches < 60, (name, sent)


def _first_refusal_one_by_one(db, product: str) -> str:
    """What the one-by-one check (before issue 25's batches) refuses first, in the report's order."""
    with db.session() as s:
        for c in closed_cases(session=s, start=date(YEAR, 1, 1), end=date(YEAR, 12, 31)):
            try:
                woo.check_case_text(s, case_id=c.id, reference=c.reference, imported=c.imported,
                                    text=c.description, product=product)
            except ReportRefused as exc:
                return exc.detail
    raise AssertionError("nothing refused")


def _refusal(db, build) -> str:
    with db.session() as s, pytest.raises(ReportRefused) as exc:
        build(s)
    return exc.value.detail


@pytest.mark.parametrize("batch", [1, 2, 500])
def test_the_first_refused_case_in_the_reports_order_refuses_it_with_its_own_message(db, original, monkeypatch,
                                                                                       batch):
    from engine.cases.models import Case

    monkeypatch.setattr(woo, "CHECK_BATCH", batch)
    refs = _clones(db, original, [
        CLEAN,
        "Medewerker De Vries zou reiskosten hebben gedeclareerd.",  # the subject's name: the first refusal
        "Op 12 maart 2026 declareerde medewerker.",  # an exact date: refused too, but later
        "Melder Klaasje zag het.",
        CLEAN,
    ])
    expected = {
        "woo": f"Zaak {refs[1]}: de omschrijving bevat een naam van een betrokken persoon; pas de geanonimiseerde "
               f"omschrijving aan. Het Woo-overzicht is niet gemaakt.",
        "annex": f"Zaak {refs[1]}: de omschrijving bevat een naam van een betrokken persoon; pas de geanonimiseerde "
                 f"omschrijving aan. De jaarbijlage is niet gemaakt.",
    }
    products = {"woo": "Het Woo-overzicht", "annex": "De jaarbijlage"}
    for name, build in REPORTS.items():
        assert _refusal(db, build) == expected[name]
        assert _refusal(db, build) == _first_refusal_one_by_one(db, products[name])
    # a case whose data cannot be read (its confidential value cannot be decrypted) before it: that one refuses
    with db.session() as s:
        unreadable = s.query(Case).filter_by(reference=refs[0]).one().id
        s.execute(text("UPDATE case_confidential SET data = 'kapot' WHERE case_id = :id"), {"id": unreadable})
    for name, build in REPORTS.items():
        assert _refusal(db, build) == f"Zaak {refs[0]}: de zaakgegevens konden niet worden gecontroleerd."
        assert _refusal(db, build) == _first_refusal_one_by_one(db, products[name])
    # the name fixed and the unreadable one gone: the date is the first refusal
    with db.session() as s:
        s.execute(text("DELETE FROM case_confidential WHERE case_id = :id"), {"id": unreadable})
        named = s.query(Case).filter_by(reference=refs[1]).one()
        named.summary = {**named.summary, "inhoud_geanonimiseerd": CLEAN}
    assert _refusal(db, REPORTS["woo"]) == (f"Zaak {refs[2]}: de omschrijving bevat een exacte datum; pas de "
                                            f"geanonimiseerde omschrijving aan. Het Woo-overzicht is niet gemaakt.")
    # then the one naming its reporter (a confidential value of that case, never in the workflow)
    with db.session() as s:
        dated = s.query(Case).filter_by(reference=refs[2]).one()
        dated.summary = {**dated.summary, "inhoud_geanonimiseerd": CLEAN}
    assert _refusal(db, REPORTS["annex"]) == _first_refusal_one_by_one(db, "De jaarbijlage")
    assert refs[3] in _refusal(db, REPORTS["annex"])
