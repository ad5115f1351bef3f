"""Annual annex and Woo overview from a mix of imported and workflow-closed cases,
checked cell by cell against tables written by hand (issue 9)."""
from __future__ import annotations

from datetime import date

import pytest

from engine.reports import annex, importer, woo, word
from engine.reports.service import ReportRefused

from .helpers import close_through_workflow, csv_bytes

G = "Geen afdoening/actie"
GS = "Afdoening d.m.v. corrigerend gesprek, waarschuwingsbrief, training, coaching, e.d."
BER = "Schriftelijke berisping"
IKB = "Vermindering IKB-uren"
FIN = "Financiële afdoening (boete/ uitsluiting periodiek)"
VPL = "Verplaatsing"
BD = "Beëindiging dienstverband"
TIJD = "Beëindiging tijdelijke arbeidsovereenkomst, contract, stage"
OEI = "Ontslag op initiatief van de medewerker"

FIN_S = "Financiële schendingen"
POS = "Misbruik positie en belangenverstrengeling"
LEK = "Lekken en misbruik en/of achterhouden van en/of ongeoorloofd omgaan met informatie"
BEV = "Misbruik bevoegdheden"
GEW = "Misbruik geweldsbevoegdheid"
OMG = "Ongewenste omgangsvormen"
BDM = "Misbruik bedrijfsmiddelen en overtreding interne regels"
PRV = "Ongepaste gedragingen in privé-sfeer"
COM = "Ongepaste communicatie"
MIS = "Misstanden (klokkenluidersregeling)"

# unit, schending, sub, inhoud, afdoening, soort, uitkomst, datum_melding, datum_afdoening, aantal
IMPORTED = [
    ("Belastingdienst", FIN_S, "fraude", "Medewerker declareerde reiskosten voor reizen die niet zijn gemaakt.", BER, "feitenonderzoek_intern", "aangetoond", "2026-01-05", "2026-02-10", ""),
    ("Belastingdienst", POS, "", "Medewerker had een niet gemelde nevenfunctie bij een leverancier.", f"{BER}; {IKB}", "Feitenonderzoek intern", "deels_aangetoond", "2026-01-20", "2026-03-01", "1"),
    ("Belastingdienst", OMG, "pesten, treiteren, roddelen, buitensluiten", "Leidinggevende zou medewerkers structureel hebben gekleineerd.", GS, "vooronderzoek", "deels_aangetoond", "", "2026-03-15", "2"),
    ("Belastingdienst", LEK, "lekken van informatie", "Medewerker zou vertrouwelijke gegevens aan een derde hebben verstrekt.", BD, "feitenonderzoek_extern", "aangetoond", "2026-02-01", "2026-04-20", "1"),
    ("Belastingdienst", BDM, "werkverzuim (incl. urenregistratie)", "Medewerker registreerde structureel meer uren dan gewerkt.", FIN, "feitenonderzoek_intern", "aangetoond", "2026-03-01", "2026-05-12", ""),
    ("Belastingdienst", COM, "", "Medewerker plaatste denigrerende berichten op sociale media.", G, "geen_onderzoek", "niet_van_toepassing", "2026-04-01", "2026-05-20", ""),
    ("Belastingdienst", FIN_S, "diefstal/verduistering", "Medewerker zou goederen uit het magazijn hebben meegenomen.", OEI, "feitenonderzoek_intern", "aangetoond", "2026-04-10", "2026-06-30", ""),
    ("Belastingdienst", BEV, "", "Medewerker raadpleegde systemen zonder zakelijke noodzaak.", f"{BER}; {VPL}", "forensisch", "aangetoond", "2026-05-01", "2026-07-15", ""),
    ("Douane", GEW, "", "Bij een controle zou onnodig geweld zijn gebruikt.", G, "feitenonderzoek_intern", "niet_aangetoond", "2026-01-03", "2026-02-28", "2"),
    ("Douane", POS, "corruptie (omkoping, favoritisme, vragen van gunsten, diensten)", "Medewerker zou geschenken van een expediteur hebben aangenomen.", f"{IKB}; {TIJD}", "feitenonderzoek_extern", "aangetoond", "2026-02-14", "2026-05-05", ""),
    ("Douane", OMG, "seksuele intimidatie/geweld", "Medewerker zou een collega herhaaldelijk ongewenst hebben benaderd.", BD, "feitenonderzoek_intern", "aangetoond", "2026-03-03", "2026-06-01", ""),
    ("Douane", PRV, "", "Medewerker werd buiten diensttijd aangehouden voor rijden onder invloed.", GS, "geen_onderzoek", "niet_van_toepassing", "", "2026-06-10", ""),
    ("Douane", MIS, "", "Melding over structureel negeren van veiligheidsvoorschriften.", G, "vooronderzoek", "niet_aangetoond", "2026-05-05", "2026-08-01", ""),
    ("Douane", BDM, "gebruik van alcohol of drugs", "Medewerker verscheen onder invloed op het werk.", f"{GS}; {VPL}", "feitenonderzoek_intern", "aangetoond", "2026-06-01", "2026-08-20", ""),
    ("Douane", LEK, "", "Medewerker verloor een onversleutelde gegevensdrager.", GS, "geen_onderzoek", "niet_van_toepassing", "2026-07-01", "2026-09-01", ""),
    ("Douane", FIN_S, "fraude", "Medewerker zou facturen van een eigen bedrijf hebben goedgekeurd.", TIJD, "feitenonderzoek_extern", "aangetoond", "2026-07-10", "2026-09-30", ""),
    ("Douane", OMG, "intimidatie", "Medewerker zou een collega onder druk hebben gezet.", f"{OEI}; {BER}", "feitenonderzoek_intern", "aangetoond", "2026-08-01", "2026-10-15", ""),
    ("Toeslagen", POS, "ongeoorloofde financiële belangen", "Medewerker had financiële belangen in een gecontracteerd bedrijf.", f"{FIN}; {IKB}", "feitenonderzoek_intern", "deels_aangetoond", "2026-02-02", "2026-04-02", ""),
    ("Toeslagen", COM, "", "Medewerker zou burgers onheus te woord hebben gestaan.", GS, "vooronderzoek", "deels_aangetoond", "2026-03-09", "2026-04-30", "3"),
    ("Toeslagen", BDM, "misbruik van bedrijfsmiddelen/faciliteiten", "Medewerker gebruikte een dienstauto voor privéritten.", G, "vooronderzoek", "niet_aangetoond", "2026-04-04", "2026-06-06", ""),
    ("Toeslagen", BEV, "", "Medewerker zou zonder grondslag een beslissing in eigen voordeel hebben genomen.", VPL, "feitenonderzoek_intern", "aangetoond", "", "2026-07-07", ""),
    # another year: not in the 2026 annex
    ("Belastingdienst", FIN_S, "", "Medewerker declareerde dubbel.", BER, "feitenonderzoek_intern", "aangetoond", "2025-03-01", "2025-06-01", ""),
    ("Douane", OMG, "", "Medewerker zou collega's hebben buitengesloten.", G, "geen_onderzoek", "", "2025-09-01", "2025-12-31", ""),
]

WORKFLOW = [  # closed through the real process on the test clock's day (2 November 2026)
    dict(unit="Douane", category=FIN_S, resolutions=[BER, IKB], kind="vooronderzoek", outcome="deels_aangetoond",
         description="Medewerker zou reiskosten onterecht hebben gedeclareerd."),
    dict(unit="Toeslagen", category=OMG, resolutions=[BD], kind="feitenonderzoek_intern", outcome="aangetoond",
         description="Medewerker zou een collega hebben bedreigd."),
    dict(unit="Belastingdienst", category=BDM, resolutions=[G], kind="geen_onderzoek", outcome="niet_van_toepassing",
         description="Melding over privégebruik van een dienstlaptop bleek ongegrond."),
]

EXPECTED_ANNEX_ROWS = [  # Dienstonderdeel | Schending | Inhoud | Afdoening — by unit, then closing date
    ["Belastingdienst", FIN_S, "Medewerker declareerde reiskosten voor reizen die niet zijn gemaakt.", "Schriftelijke berisping"],
    ["Belastingdienst", POS, "Medewerker had een niet gemelde nevenfunctie bij een leverancier.", "Schriftelijke berisping; Vermindering IKB-uren"],
    ["Belastingdienst", OMG, "Leidinggevende zou medewerkers structureel hebben gekleineerd.", "Afdoening d.m.v. corrigerend gesprek, waarschuwingsbrief, training, coaching, e.d."],
    ["Belastingdienst", LEK, "Medewerker zou vertrouwelijke gegevens aan een derde hebben verstrekt.", "Beëindiging dienstverband"],
    ["Belastingdienst", BDM, "Medewerker registreerde structureel meer uren dan gewerkt.", "Financiële afdoening (boete/ uitsluiting periodiek)"],
    ["Belastingdienst", COM, "Medewerker plaatste denigrerende berichten op sociale media.", "Geen afdoening/actie"],
    ["Belastingdienst", FIN_S, "Medewerker zou goederen uit het magazijn hebben meegenomen.", "Ontslag op initiatief van de medewerker"],
    ["Belastingdienst", BEV, "Medewerker raadpleegde systemen zonder zakelijke noodzaak.", "Schriftelijke berisping; Verplaatsing"],
    ["Belastingdienst", BDM, "Melding over privégebruik van een dienstlaptop bleek ongegrond.", "Geen afdoening/actie"],
    ["Douane", GEW, "Bij een controle zou onnodig geweld zijn gebruikt.", "Geen afdoening/actie"],
    ["Douane", POS, "Medewerker zou geschenken van een expediteur hebben aangenomen.", "Vermindering IKB-uren; Beëindiging tijdelijke arbeidsovereenkomst, contract, stage"],
    ["Douane", OMG, "Medewerker zou een collega herhaaldelijk ongewenst hebben benaderd.", "Beëindiging dienstverband"],
    ["Douane", PRV, "Medewerker werd buiten diensttijd aangehouden voor rijden onder invloed.", "Afdoening d.m.v. corrigerend gesprek, waarschuwingsbrief, training, coaching, e.d."],
    ["Douane", MIS, "Melding over structureel negeren van veiligheidsvoorschriften.", "Geen afdoening/actie"],
    ["Douane", BDM, "Medewerker verscheen onder invloed op het werk.", "Afdoening d.m.v. corrigerend gesprek, waarschuwingsbrief, training, coaching, e.d.; Verplaatsing"],
    ["Douane", LEK, "Medewerker verloor een onversleutelde gegevensdrager.", "Afdoening d.m.v. corrigerend gesprek, waarschuwingsbrief, training, coaching, e.d."],
    ["Douane", FIN_S, "Medewerker zou facturen van een eigen bedrijf hebben goedgekeurd.", "Beëindiging tijdelijke arbeidsovereenkomst, contract, stage"],
    ["Douane", OMG, "Medewerker zou een collega onder druk hebben gezet.", "Ontslag op initiatief van de medewerker; Schriftelijke berisping"],
    ["Douane", FIN_S, "Medewerker zou reiskosten onterecht hebben gedeclareerd.", "Schriftelijke berisping; Vermindering IKB-uren"],
    ["Toeslagen", POS, "Medewerker had financiële belangen in een gecontracteerd bedrijf.", "Financiële afdoening (boete/ uitsluiting periodiek); Vermindering IKB-uren"],
    ["Toeslagen", COM, "Medewerker zou burgers onheus te woord hebben gestaan.", "Afdoening d.m.v. corrigerend gesprek, waarschuwingsbrief, training, coaching, e.d."],
    ["Toeslagen", BDM, "Medewerker gebruikte een dienstauto voor privéritten.", "Geen afdoening/actie"],
    ["Toeslagen", BEV, "Medewerker zou zonder grondslag een beslissing in eigen voordeel hebben genomen.", "Verplaatsing"],
    ["Toeslagen", OMG, "Medewerker zou een collega hebben bedreigd.", "Beëindiging dienstverband"],
]

EXPECTED_TOTALS = {
    "met_maatregel_per_dienstonderdeel": {"Belastingdienst": 7, "Douane": 8, "Toeslagen": 4},
    "zonder_afdoening": 5,
    "gesprek": 4,
    "disciplinair_of_anders": 8,
    "einde_dienstverband": {"beeindiging_dienstverband": 3, "beeindiging_tijdelijk": 2, "ontslag_eigen_initiatief": 2},
    "met_maatregel": 19,
    "percentages": {"gesprek": 21.1, "disciplinair_of_anders": 42.1, "einde_dienstverband": 36.8},
}

# Aantal | Aard | Soort onderzoek | Handhaving | Nadere omschrijving (only suspension/end of employment)
EXPECTED_WOO = [
    ["1", FIN_S, "Feitenonderzoek extern", TIJD, "Medewerker zou facturen van een eigen bedrijf hebben goedgekeurd."],
    ["1", FIN_S, "Feitenonderzoek intern", OEI, "Medewerker zou goederen uit het magazijn hebben meegenomen."],
    ["1", FIN_S, "Feitenonderzoek intern", BER, ""],
    ["1", FIN_S, "Vooronderzoek", f"{BER}; {IKB}", ""],
    ["1", POS, "Feitenonderzoek extern", f"{IKB}; {TIJD}", "Medewerker zou geschenken van een expediteur hebben aangenomen."],
    ["1", POS, "Feitenonderzoek intern", f"{FIN}; {IKB}", ""],
    ["1", POS, "Feitenonderzoek intern", f"{BER}; {IKB}", ""],
    ["1", LEK, "Feitenonderzoek extern", BD, "Medewerker zou vertrouwelijke gegevens aan een derde hebben verstrekt."],
    ["1", LEK, "Geen onderzoek", GS, ""],
    ["1", BEV, "Feitenonderzoek intern", VPL, ""],
    ["1", BEV, "Forensisch e-mail- of data-onderzoek", f"{BER}; {VPL}", ""],
    ["2", GEW, "Feitenonderzoek intern", G, ""],
    ["1", OMG, "Feitenonderzoek intern", BD, "Medewerker zou een collega hebben bedreigd."],
    ["1", OMG, "Feitenonderzoek intern", BD, "Medewerker zou een collega herhaaldelijk ongewenst hebben benaderd."],
    ["1", OMG, "Feitenonderzoek intern", f"{OEI}; {BER}", "Medewerker zou een collega onder druk hebben gezet."],
    ["2", OMG, "Vooronderzoek", GS, ""],
    ["1", BDM, "Feitenonderzoek intern", f"{GS}; {VPL}", ""],
    ["1", BDM, "Feitenonderzoek intern", FIN, ""],
    ["1", BDM, "Geen onderzoek", G, ""],
    ["1", BDM, "Vooronderzoek", G, ""],
    ["1", PRV, "Geen onderzoek", GS, ""],
    ["1", COM, "Geen onderzoek", G, ""],
    ["3", COM, "Vooronderzoek", GS, ""],
    ["1", MIS, "Vooronderzoek", G, ""],
    ["28", "Totaal", "", "", ""],
]


@pytest.fixture
def mixed(db, clock):
    from tests.process.engine_driver import EngineDriver

    driver = EngineDriver(db, clock)
    workflow_ids = [close_through_workflow(db, clock, driver=driver, **w) for w in WORKFLOW]
    with db.session() as s:
        summary = importer.import_cases(session=s, content=csv_bytes(IMPORTED), filename="historie.csv", actor="t")
    return workflow_ids, summary.case_ids


def test_workflow_and_imported_cases_have_the_same_summary_keys(db, mixed):
    from engine.cases.models import Case

    workflow_ids, imported_ids = mixed
    keys = {"categorie", "subcategorie", "dienstonderdeel", "route", "soort_onderzoek", "uitkomst", "afdoeningen",
            "inhoud_geanonimiseerd", "datum_melding"}
    with db.session() as s:
        for case_id in workflow_ids + imported_ids[:3]:
            case = s.get(Case, case_id)
            assert keys <= set(case.summary), (case.imported, sorted(case.summary))
            assert case.status == "closed" and case.closed_at is not None
        assert [s.get(Case, i).imported for i in workflow_ids] == [False, False, False]


def test_annex_rows_and_totals_cell_by_cell(db, mixed):
    with db.session() as s:
        result = annex.build(session=s, year=2026)
    assert annex.row_cells(result) == EXPECTED_ANNEX_ROWS
    assert result["totals"] == EXPECTED_TOTALS
    assert len(result["rows"]) == 24
    public = annex.public(result)
    assert set(public) == {"year", "rows", "totals"} and public["year"] == 2026
    assert set(public["rows"][0]) == {"dienstonderdeel", "schending", "inhoud", "afdoening"}


def test_annex_other_year(db, mixed):
    with db.session() as s:
        result = annex.build(session=s, year=2025)
    assert annex.row_cells(result) == [
        ["Belastingdienst", FIN_S, "Medewerker declareerde dubbel.", BER],
        ["Douane", OMG, "Medewerker zou collega's hebben buitengesloten.", G],
    ]
    assert result["totals"]["met_maatregel_per_dienstonderdeel"] == {"Belastingdienst": 1}
    assert result["totals"]["zonder_afdoening"] == 1 and result["totals"]["disciplinair_of_anders"] == 1


def test_annex_word_and_csv_have_the_same_rows(db, mixed):
    import csv
    import io

    from docx import Document
    from docx.oxml.ns import qn

    with db.session() as s:
        result = annex.build(session=s, year=2026)
    content = annex.to_docx(result)
    doc = Document(io.BytesIO(content))  # opens with python-docx
    tables = word.read_tables(content)
    assert tables[0][0] == annex.COLUMNS
    assert tables[0][1:] == EXPECTED_ANNEX_ROWS
    header_tr = doc.tables[0].rows[0]._tr
    assert header_tr.trPr is not None and header_tr.trPr.find(qn("w:tblHeader")) is not None
    totals = {r[0]: r[1:] for r in tables[1][1:]}
    assert totals["Totaal afgedaan met maatregel"] == ["19", ""]
    assert totals["Gesprek (corrigerend gesprek, waarschuwingsbrief, training, coaching e.d.)"] == ["4", "21,1%"]
    assert totals["Einde dienstverband"] == ["7", "36,8%"]
    rows = list(csv.reader(io.StringIO(annex.to_csv(result))))
    assert rows[0] == annex.COLUMNS and rows[1:] == EXPECTED_ANNEX_ROWS


def test_woo_overview_cell_by_cell(db, mixed):
    with db.session() as s:
        result = woo.build(session=s, start=date(2026, 1, 1), end=date(2026, 12, 31))
    assert woo.row_cells(result) == EXPECTED_WOO
    content = woo.to_docx(result)
    tables = word.read_tables(content)
    assert tables[0][0] == woo.COLUMNS and tables[0][1:] == EXPECTED_WOO


def test_woo_period_filters_on_closing_date(db, mixed):
    with db.session() as s:
        result = woo.build(session=s, start=date(2026, 11, 1), end=date(2026, 11, 30))
    assert woo.row_cells(result) == [
        ["1", FIN_S, "Vooronderzoek", f"{BER}; {IKB}", ""],
        ["1", OMG, "Feitenonderzoek intern", BD, "Medewerker zou een collega hebben bedreigd."],
        ["1", BDM, "Geen onderzoek", G, ""],
        ["3", "Totaal", "", "", ""],
    ]


def test_woo_refuses_a_description_with_the_subjects_name(db, clock):
    close_through_workflow(db, clock, unit="Douane", category=FIN_S, resolutions=[BD], kind="feitenonderzoek_intern",
                           outcome="aangetoond", subject="Jan de Vries",
                           description="Medewerker De Vries zou reiskosten hebben gedeclareerd.")
    with db.session() as s, pytest.raises(ReportRefused) as exc:
        woo.build(session=s, start=date(2026, 1, 1), end=date(2026, 12, 31))
    assert "bevat een naam" in exc.value.detail


def test_woo_check_unit():
    woo.check_description("Medewerker zou reiskosten hebben gedeclareerd.", ["Jan de Vries"], reference="X")
    for text in ("Jan de Vries declareerde.", "Medewerker VRIES declareerde.", "Medewerker jan  de  vries."):
        with pytest.raises(ReportRefused):
            woo.check_description(text, ["Jan de Vries"], reference="X")
    with pytest.raises(ReportRefused):
        woo.check_description("Op 12 maart 2026 declareerde medewerker.", [], reference="X")
    with pytest.raises(ReportRefused):
        woo.check_description("Medewerker declareerde ritten naar Den Haag.", [], reference="X", places=["Den Haag"])
    # role words and particles are not names on their own
    woo.check_description("De betrokkene declareerde van alles.", ["B. Betrokkene", "Van der Berg"], reference="X")


def test_annex_refuses_a_description_with_the_subjects_name(db, clock):
    """Issue 16: the annex passes the same check as the Woo overview (woo.check_case_text)."""
    close_through_workflow(db, clock, unit="Douane", category=FIN_S, resolutions=[BER], kind="feitenonderzoek_intern",
                           outcome="aangetoond", subject="Jan de Vries",
                           description="Medewerker De Vries zou reiskosten hebben gedeclareerd.")
    with db.session() as s, pytest.raises(ReportRefused) as exc:
        annex.build(session=s, year=2026)
    assert "bevat een naam" in exc.value.detail and "jaarbijlage" in exc.value.detail


def test_the_check_knows_the_reporters_name_kept_out_of_the_workflow(db, clock):
    """The reporter's name is a confidential field (never in the workflow state): the check reads it too."""
    from tests.process.engine_driver import EngineDriver

    driver = EngineDriver(db, clock)
    close_through_workflow(db, clock, unit="Douane", category=FIN_S, resolutions=[BER], kind="feitenonderzoek_intern",
                           outcome="aangetoond", description="Melder Klaasje Klokkenluider zag een collega declareren.",
                           driver=driver)
    with db.session() as s:
        from engine.cases import confidential

        confidential.store(s, case_id=driver.case_id, values={"melder_naam": "Klaasje Klokkenluider"})
    for build in (lambda s: annex.build(session=s, year=2026),
                  lambda s: woo.build(session=s, start=date(2026, 1, 1), end=date(2026, 12, 31))):
        with db.session() as s, pytest.raises(ReportRefused):
            build(s)


@pytest.mark.db
def test_the_names_in_a_case_workflow_are_read_again_when_its_state_changes(db, clock, monkeypatch):
    """Issue 25: the names and places in a case's workflow data are remembered by the state's digest (the
    precedents check up to 50 closed cases per task page); a changed state is read again."""
    from engine.cases import service as cases_service
    from engine.cases.models import Case
    from engine.processes import service as processes
    from engine.reports import woo
    from tests.factories import REVIEW, review_team

    with db.session() as s:
        processes.deploy(session=s, directory=REVIEW)
        team = review_team(s)
        case_id = cases_service.start_case(session=s, actor=team["desk"], data={"melder_naam": "Jan Jansen"}).id
    reads = []
    real = cases_service.case_data
    monkeypatch.setattr(cases_service, "case_data", lambda **kw: reads.append(kw["case_id"]) or real(**kw))
    with db.session() as s:
        case = s.get(Case, case_id)
        first = woo._workflow_names(s, case)
        assert woo._workflow_names(s, case) == first and reads == [case_id]  # remembered
    with db.session() as s:
        case = s.get(Case, case_id)
        case.state = case.state + "\n"  # the same workflow, another text of it: another digest
        woo._workflow_names(s, case)
        assert reads == [case_id, case_id]  # read again
        s.rollback()
