"""VP registrations: counts and percentages for a hand-written set, three-year columns."""
from __future__ import annotations

from datetime import date

import pytest

from engine.errors import InvalidData
from engine.reports import vp, word

F = "1 Financiële schendingen"
O = "5 Ongewenste omgangsvormen"
P = "8 Problematiek personeel en organisatie"

REGS = [  # date, unit, category, subcategory, concerns, handling, situation
    (date(2024, 3, 1), "Douane", O, "pesten, treiteren, roddelen, buitensluiten", "leidinggevende", "klankbordgesprek", "genormaliseerd"),
    (date(2024, 6, 1), "Douane", P, "arbeidsconflict", "leidinggevende", "driegesprek", "hetzelfde"),
    (date(2025, 2, 1), "Douane", O, "intimidatie", "collega_eigen_onderdeel", "klankbordgesprek", "genormaliseerd"),
    (date(2025, 5, 1), "Toeslagen", F, "fraude", "medewerker_ander_onderdeel", "doorverwijzing", "loopt_nog"),
    (date(2025, 9, 9), "Toeslagen", P, "PSA (werkdruk, stress etc)", "melder_zelf", "klankbordgesprek", "ziek_gemeld"),
    (date(2026, 1, 10), "Douane", O, "pesten, treiteren, roddelen, buitensluiten", "leidinggevende", "escalatie_directeur_anoniem", "verslechterd"),
    (date(2026, 2, 10), "Douane", O, "intimidatie", "collega_eigen_onderdeel", "klankbordgesprek", "genormaliseerd"),
    (date(2026, 3, 10), "Belastingdienst", O, "pesten, treiteren, roddelen, buitensluiten", "leidinggevende", "driegesprek", "andere_werkplek"),
    (date(2026, 4, 10), "Toeslagen", F, "fraude", "onbekend", "doorverwijzing_klachtencommissie", "loopt_nog"),
    (date(2026, 5, 10), "Toeslagen", P, "arbeidsconflict", "leidinggevende", "klankbordgesprek", "ontslag_genomen"),
    (date(2026, 6, 10), "Douane", P, "PSA (werkdruk, stress etc)", "melder_zelf", "klankbordgesprek", "ziek_gemeld"),
    (date(2026, 7, 10), "Douane", P, None, "onbekend", "onbekend", "onbekend"),
    (date(2026, 8, 10), "Douane", O, "discriminatie", "medewerker_ander_onderdeel", "aangifte_politie", "hetzelfde"),
    (date(2023, 12, 31), "Douane", O, "intimidatie", "leidinggevende", "klankbordgesprek", "genormaliseerd"),  # outside
]


@pytest.fixture
def registered(db, clock):
    with db.session() as s:
        for d, unit, cat, sub, concerns, handling, sit in REGS:
            vp.register(session=s, contact_date=d, unit=unit, category=cat, subcategory=sub, concerns=concerns,
                        handling=handling, situation_after=sit, registered_by_id=None)


def _row(report, table, label):
    [row] = [r for r in report[table] if r["label"] == label]
    return row["aantallen"], row["percentages"]


def test_category_table_three_years(db, registered):
    with db.session() as s:
        report = vp.build(session=s, year=2026)
    assert report["jaren"] == ["2024", "2025", "2026"]
    assert _row(report, "categorieen", "Totaal") == ({"2024": 2, "2025": 3, "2026": 8},
                                                      {"2024": 100.0, "2025": 100.0, "2026": 100.0})
    assert _row(report, "categorieen", O) == ({"2024": 1, "2025": 1, "2026": 4}, {"2024": 50.0, "2025": 33.3, "2026": 50.0})
    assert _row(report, "categorieen", P) == ({"2024": 1, "2025": 1, "2026": 3}, {"2024": 50.0, "2025": 33.3, "2026": 37.5})
    assert _row(report, "categorieen", F) == ({"2024": 0, "2025": 1, "2026": 1}, {"2024": 0.0, "2025": 33.3, "2026": 12.5})
    assert _row(report, "categorieen", "pesten, treiteren, roddelen, buitensluiten") == (
        {"2024": 1, "2025": 0, "2026": 2}, {"2024": 50.0, "2025": 0.0, "2026": 25.0})
    assert _row(report, "categorieen", "(geen subcategorie)") == ({"2024": 0, "2025": 0, "2026": 1},
                                                                  {"2024": 0.0, "2025": 0.0, "2026": 12.5})
    labels = [r["label"] for r in report["categorieen"]]
    assert labels.index(P) < labels.index("functioneringsproblemen") < labels.index("Totaal")


def test_other_tables(db, registered):
    with db.session() as s:
        report = vp.build(session=s, year=2026)
    assert _row(report, "dienstonderdelen", "Douane") == ({"2024": 2, "2025": 1, "2026": 5},
                                                          {"2024": 100.0, "2025": 33.3, "2026": 62.5})
    assert _row(report, "dienstonderdelen", "Belastingdienst")[0] == {"2024": 0, "2025": 0, "2026": 1}
    assert _row(report, "betreft", "Leidinggevende") == ({"2024": 2, "2025": 0, "2026": 3},
                                                         {"2024": 100.0, "2025": 0.0, "2026": 37.5})
    assert _row(report, "afhandeling", "Klankbordgesprek") == ({"2024": 1, "2025": 2, "2026": 3},
                                                               {"2024": 50.0, "2025": 66.7, "2026": 37.5})
    assert _row(report, "afhandeling", "Escalatie naar directeur, anoniem")[0] == {"2024": 0, "2025": 0, "2026": 1}
    assert _row(report, "situatie_na", "Genormaliseerd") == ({"2024": 1, "2025": 1, "2026": 1},
                                                             {"2024": 50.0, "2025": 33.3, "2026": 12.5})
    assert _row(report, "situatie_na", "Totaal")[0] == {"2024": 2, "2025": 3, "2026": 8}
    content = vp.to_docx(report)
    tables = word.read_tables(content)
    assert len(tables) == 5
    assert tables[1][0] == ["Omschrijving", "2024", "% 2024", "2025", "% 2025", "2026", "% 2026"]
    assert ["Douane", "2", "100,0%", "1", "33,3%", "5", "62,5%"] in tables[1]


def test_registration_is_validated(db, clock):
    with db.session() as s, pytest.raises(InvalidData) as exc:
        vp.register(session=s, contact_date=date(2026, 1, 1), unit="Douane", category=O, subcategory="fraude",
                    concerns="buurman", handling="klankbordgesprek", situation_after="genormaliseerd",
                    registered_by_id=None)
    assert [e.field for e in exc.value.errors] == ["subcategorie", "betreft"]
