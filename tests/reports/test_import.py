"""Import of historical cases: valid file, one bad row (nothing loaded), re-import refused."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from engine.cases.models import Case
from engine.errors import InvalidData
from engine.reports import importer
from engine.reports.models import CaseImport, OrgUnit
from engine.reports.service import set_unit

from .helpers import csv_bytes

ROWS = [
    ("Douane", "Financiële schendingen", "fraude", "Medewerker declareerde reizen die niet zijn gemaakt.",
     "Schriftelijke berisping; Vermindering IKB-uren", "Feitenonderzoek intern", "aangetoond", "2024-01-10",
     "2024-03-01", "2"),
    # labels with other spacing, case and punctuation still match exactly
    ("  Belastingdienst ", "ongewenste  omgangsvormen", "", "Leidinggevende zou medewerkers hebben gekleineerd.",
     "afdoening d.m.v. corrigerend gesprek waarschuwingsbrief training coaching e.d", "", "", "", "2024-05-05", ""),
    ("Douane", "Misbruik bevoegdheden", "", "Medewerker raadpleegde zonder noodzaak een register.",
     "Financiële afdoening (boete/uitsluiting periodiek)", "vooronderzoek", "Deels aangetoond", "2024-02-02",
     "2024-06-30", "1"),
]


def test_valid_file_loads(db, clock):
    with db.session() as s:
        set_unit(session=s, name="Douane", employees=1200)
    progress = []
    with db.session() as s:
        summary = importer.import_cases(session=s, content=csv_bytes(ROWS), filename="historie.csv", actor="tester",
                                        progress=lambda *a: progress.append(a))
    assert summary.rows == 3 and len(summary.case_ids) == 3
    assert summary.units_created == ["Belastingdienst"]  # Douane was known
    with db.session() as s:
        cases = s.execute(select(Case).order_by(Case.id)).scalars().all()
        assert [c.imported for c in cases] == [True] * 3
        assert {c.status for c in cases} == {"closed"}
        assert all(c.process_version_id is None and c.state is None for c in cases)
        first, second, third = cases
        assert first.summary == {
            "categorie": "Financiële schendingen", "subcategorie": "fraude", "dienstonderdeel": "Douane",
            "route": "feitenonderzoek", "soort_onderzoek": "feitenonderzoek_intern", "uitkomst": "aangetoond",
            "afdoeningen": ["Schriftelijke berisping", "Vermindering IKB-uren"],
            "inhoud_geanonimiseerd": "Medewerker declareerde reizen die niet zijn gemaakt.",
            "datum_melding": "2024-01-10", "aantal_betrokkenen": 2}
        assert first.reference == f"IMP-2024-{first.id:06d}"
        assert second.unit == "Belastingdienst" and second.category == "Ongewenste omgangsvormen"
        assert second.summary["afdoeningen"] == [
            "Afdoening d.m.v. corrigerend gesprek, waarschuwingsbrief, training, coaching, e.d."]
        assert second.summary["aantal_betrokkenen"] == 1 and second.summary["datum_melding"] is None
        assert second.summary["soort_onderzoek"] is None and second.summary["route"] is None
        assert third.summary["route"] == "vooronderzoek"
        assert third.summary["afdoeningen"] == ["Financiële afdoening (boete/ uitsluiting periodiek)"]
        assert third.summary["uitkomst"] == "deels_aangetoond"
        assert third.closed_at.date().isoformat() == "2024-06-30"
        assert sorted(u.name for u in s.execute(select(OrgUnit)).scalars()) == ["Belastingdienst", "Douane"]


def test_one_bad_row_loads_nothing_and_names_row_and_column(db, clock):
    bad = list(ROWS)
    bad.insert(1, ("Toeslagen", "Financiële schendingen", "", "Iets.", "Schriftelijke berisping; Berisping light",
                   "", "", "", "2024-04-01", ""))
    with db.session() as s, pytest.raises(InvalidData) as exc:
        importer.import_cases(session=s, content=csv_bytes(bad), filename="fout.csv", actor="tester")
    fields = [e.field for e in exc.value.errors]
    assert fields == ["rij 3, kolom afdoening"]  # header is row 1, the bad row is the second data row
    assert "Onbekende afdoening 'Berisping light'" in exc.value.errors[0].message
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(Case)) == 0
        assert s.scalar(select(func.count()).select_from(OrgUnit)) == 0
        assert s.scalar(select(func.count()).select_from(CaseImport)) == 0


@pytest.mark.parametrize("row, field, fragment", [
    (("Douane", "Fraude", "", "Iets gebeurd.", "Verplaatsing", "", "", "", "2024-04-01", ""), "kolom schending", "Onbekende schending"),
    (("Douane", "Financiële schendingen", "", "Iets gebeurd.", "Verplaatsing", "", "", "", "01-04-2024", ""), "kolom datum_afdoening", "JJJJ-MM-DD"),
    (("Douane", "Financiële schendingen", "", "Iets gebeurd.", "Verplaatsing", "", "", "", "2024-04-01", "nul"), "kolom aantal_betrokkenen", "geheel getal"),
    (("Douane", "Financiële schendingen", "", "Iets gebeurd.", "Verplaatsing", "", "", "", "2024-04-01", "100000000000000000000"), "kolom aantal_betrokkenen", "tot en met 999"),
    (("Douane", "Financiële schendingen", "", "Iets gebeurd.", "Verplaatsing", "", "", "", "2024-04-01", "1_000"), "kolom aantal_betrokkenen", "geheel getal"),
    (("Douane", "Financiële schendingen", "", "Iets gebeurd.", "Verplaatsing", "onderzoekje", "", "", "2024-04-01", ""), "kolom soort_onderzoek", "Onbekend soort"),
    (("Douane", "Financiële schendingen", "", "", "Verplaatsing", "", "", "", "2024-04-01", ""), "kolom inhoud", "Verplicht"),
])
def test_each_kind_of_error_names_row_and_column(db, clock, row, field, fragment):
    with db.session() as s, pytest.raises(InvalidData) as exc:
        importer.import_cases(session=s, content=csv_bytes([ROWS[0], row]), filename="f.csv", actor="t")
    assert [e.field for e in exc.value.errors] == [f"rij 3, {field}"]
    assert fragment in exc.value.errors[0].message


def test_wrong_header_is_refused(db, clock):
    content = csv_bytes(ROWS).replace(b"schending", b"categorie", 1)
    with db.session() as s, pytest.raises(InvalidData) as exc:
        importer.import_cases(session=s, content=content, filename="f.csv", actor="t")
    assert exc.value.errors[0].field == "rij 1"


def test_reimport_of_the_same_file_is_refused(db, clock):
    content = csv_bytes(ROWS)
    with db.session() as s:
        importer.import_cases(session=s, content=content, filename="a.csv", actor="t")
    with db.session() as s, pytest.raises(importer.AlreadyImported) as exc:
        importer.import_cases(session=s, content=content, filename="kopie.csv", actor="t")
    assert "al geïmporteerd" in exc.value.detail
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(Case)) == 3


def test_large_file_reports_progress(db, clock):
    rows = [ROWS[0]] * 1200
    seen = []
    with db.session() as s:
        importer.import_cases(session=s, content=csv_bytes(rows), filename="groot.csv", actor="t",
                              progress=lambda phase, n, total: seen.append((phase, n)))
    assert ("controleren", 500) in seen and ("laden", 1000) in seen
