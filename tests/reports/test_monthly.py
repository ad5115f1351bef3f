"""Monthly overview per director: stored .docx, first working day."""
from __future__ import annotations

from datetime import date

from sqlalchemy import select

from engine.cases.models import Case
from engine.identity.models import User, UserRole
from engine.reports import monthly, word
from engine.reports.models import MonthlyOverview
from engine.reports.service import local_noon, set_unit


def test_first_working_day():
    assert monthly.first_working_day(2026, 11) == date(2026, 11, 2)  # 1 Nov 2026 is a Sunday
    assert monthly.first_working_day(2027, 1) == date(2027, 1, 4)  # New Year's Day Friday, then weekend
    assert monthly.first_working_day(2026, 12) == date(2026, 12, 1)
    assert monthly.due_today(date(2026, 11, 2)) and not monthly.due_today(date(2026, 11, 3))
    assert monthly.previous_month(date(2026, 1, 5)) == "2025-12"


def test_overview_per_director(db, clock):
    with db.session() as s:
        director = User(username="dir-douane", display_name="Directeur Douane")
        director.roles = [UserRole(role="bevoegd_gezag")]
        s.add(director)
        s.flush()
        set_unit(session=s, name="Douane", director_id=director.id)
        set_unit(session=s, name="Douane Noord", director_id=director.id)
        set_unit(session=s, name="Toeslagen")

        def case(ref, unit, reported, closed=None, **summary):
            s.add(Case(reference=ref, unit=unit, status="closed" if closed else "open",
                       summary={"dienstonderdeel": unit, "datum_melding": reported, "categorie": "Financiële schendingen",
                                **summary},
                       created_at=local_noon(date.fromisoformat(reported)),
                       closed_at=local_noon(date.fromisoformat(closed)) if closed else None))

        case("Z1", "Douane", "2026-10-03")
        case("Z2", "Douane Noord", "2026-09-01", route="feitenonderzoek")
        case("Z3", "Douane", "2026-08-01", "2026-10-20", route="vooronderzoek", uitkomst="aangetoond",
             afdoeningen=["Schriftelijke berisping"])
        case("Z4", "Toeslagen", "2026-10-05")  # another director's unit (none): not included
        case("Z5", "Douane", "2026-06-01", "2026-09-01", route="feitenonderzoek")  # closed before October
    with db.session() as s:
        [made] = monthly.generate(session=s, month="2026-10")
    assert made.figures == {"meldingen": 1, "onderzoeken": 2, "afdoeningen": 1}
    with db.session() as s:
        [row] = s.execute(select(MonthlyOverview)).scalars().all()
        tables = word.read_tables(row.content)
        assert row.month == "2026-10" and row.units == ["Douane", "Douane Noord"]
    assert [r[0] for r in tables[0][1:]] == ["Z1"]
    assert [r[0] for r in tables[1][1:]] == ["Z2", "Z3"]
    assert tables[2][1:] == [["Z3", "Douane", "Financiële schendingen", "Aangetoond", "Schriftelijke berisping"]]
    with db.session() as s:  # generating again replaces
        monthly.generate(session=s, month="2026-10")
        assert len(s.execute(select(MonthlyOverview)).scalars().all()) == 1
