"""Steps for the management information: historical cases read in from a CSV table written in the scenario, the
annual annex totals, the Woo overview and the dashboard figures, as the API gives them.

Shared machinery (World, fail) lives in features.steps.common.
"""
from __future__ import annotations

import csv
import io

from pytest_bdd import given, parsers, then, when

from engine.reports import annex as annex_report
from engine.reports import woo as woo_report
from features.steps.common import World, answer, dutch_date, fail

WOO_COLUMNS = ["aantal", "aard", "soort onderzoek", "handhaving", "omschrijving"]


def _read_in(wereld: World, wie: str, content: str, name: str) -> None:
    r = wereld.client.post(f"/api/v1/rapportages/import?bestandsnaam={name}",
                           headers={**wereld.h(wie), "Content-Type": "text/csv"}, content=content.encode("utf-8"))
    if r.status_code != 201:
        fail(f"'{wie}' leest de zaken in (201)", answer(r, 800))


@when(parsers.parse('"{wie}" de historische zaken inleest:'))
@given(parsers.parse('"{wie}" de historische zaken inleest:'))
def step_import_table(wereld: World, wie: str, datatable):
    """Voorbeeld: Gegeven "coordinator" de historische zaken inleest:
        | dienstonderdeel | schending              | inhoud                          | afdoening               | soort_onderzoek        | uitkomst   | datum_melding | datum_afdoening | aantal_betrokkenen |
        | Douane          | Financiële schendingen | Onterecht gedeclareerde reizen. | Schriftelijke berisping | Feitenonderzoek intern | Aangetoond | 15 januari 2025 | 30 juni 2025  | 1                  |
    (de eerste regel noemt kolommen van het importbestand, in elke volgorde; niet genoemde kolommen blijven leeg;
    datums voluit of als 2025-06-30; de zaken worden ingelezen zoals een CSV-bestand met historische zaken)"""
    rows = [list(r) for r in datatable or []]
    if len(rows) < 2:
        fail("een tabel met een kopregel en ten minste één zaak", f"{len(rows)} regel(s)")
    header = [h.strip() for h in rows[0]]
    missing = [c for c in header if c not in annex_import_header()]
    if missing:
        fail(f"kolommen uit {', '.join(annex_import_header())}", ", ".join(missing))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(annex_import_header())
    for row in rows[1:]:
        values = {k: _iso(v) for k, v in zip(header, row)}
        writer.writerow([values.get(c, "") for c in annex_import_header()])
    wereld.imports = getattr(wereld, "imports", 0) + 1
    _read_in(wereld, wie, out.getvalue(), f"scenario-tabel-{wereld.imports}.csv")


@when(parsers.parse('"{wie}" het bestand "{naam}" inleest:'))
@given(parsers.parse('"{wie}" het bestand "{naam}" inleest:'))
def step_import_file(wereld: World, wie: str, naam: str, docstring: str):
    """Voorbeeld: Gegeven "coordinator" het bestand "zaken-2025.csv" inleest:
        \"\"\"
        dienstonderdeel,schending,subcategorie,inhoud,afdoening,soort_onderzoek,uitkomst,datum_melding,datum_afdoening,aantal_betrokkenen
        Douane,Financiële schendingen,,Onterecht gedeclareerde reizen.,Schriftelijke berisping,Feitenonderzoek intern,Aangetoond,2025-01-15,2025-06-30,1
        \"\"\"
    (de inhoud van het CSV-bestand precies zoals hij er staat, tussen drie aanhalingstekens)"""
    _read_in(wereld, wie, docstring.strip() + "\n", naam)


def _iso(value: str) -> str:
    import re
    value = value.strip()
    return dutch_date(value).isoformat() if re.fullmatch(r"\d{1,2} [a-z]+ \d{4}", value) else value


def annex_import_header() -> list[str]:
    from engine.reports.importer import HEADER
    return HEADER


def _get(wereld: World, wie: str, path: str) -> dict:
    r = wereld.client.get(path, headers=wereld.h(wie))
    if r.status_code != 200:
        fail(f"'{wie}' krijgt {path.split('?')[0].rsplit('/', 1)[-1]} (200)", answer(r, 600))
    return r.json()


def _show(rows: list[list[str]]) -> str:
    return "\n" + "\n".join("    | " + " | ".join(r) + " |" for r in rows)


@then(parsers.parse('bevat de jaarbijlage over {jaar:d} voor "{wie}" de totalen:'))
def step_annex_totals(wereld: World, jaar: int, wie: str, datatable):
    """Voorbeeld: Dan bevat de jaarbijlage over 2025 voor "coordinator" de totalen:
        | regel                             | aantal | percentage |
        | Totaal afgedaan met maatregel     | 2      |            |
        | Disciplinaire of andere maatregel | 1      | 50,0%      |
    (de regels van de totalentabel van de jaarbijlage, zoals in het Word-bestand; alleen de genoemde regels
    worden vergeleken; de kolom percentage mag weg)"""
    table = {r[0]: r for r in annex_report.totals_table(_get(wereld, wie, f"/api/v1/rapportages/annex?jaar={jaar}"))}
    rows = [list(r) for r in datatable or []]
    header = [h.strip().lower() for h in rows[0]]
    wrong = []
    for row in rows[1:]:
        values = dict(zip(header, row))
        label = values.get("regel", row[0])
        found = table.get(label)
        if found is None:
            wrong.append(f"regel '{label}' ontbreekt")
            continue
        if values.get("aantal", found[1]) != found[1] or values.get("percentage", found[2]) != found[2]:
            wrong.append(f"'{label}': {found[1]}" + (f" ({found[2]})" if found[2] else ""))
    if wrong:
        fail("de genoemde totalen", "; ".join(wrong) + "\ntotalentabel:" + _show(list(table.values())))


def _woo(wereld: World, wie: str, van: str, tot: str) -> dict:
    return _get(wereld, wie, f"/api/v1/rapportages/woo?van={dutch_date(van).isoformat()}&tot={dutch_date(tot).isoformat()}")


@then(parsers.parse('bevat het Woo-overzicht van {van} tot en met {tot} voor "{wie}" precies de regels:'))
def step_woo_rows(wereld: World, van: str, tot: str, wie: str, datatable):
    """Voorbeeld: Dan bevat het Woo-overzicht van 1 januari 2025 tot en met 31 december 2025 voor "coordinator" precies de regels:
        | aantal | aard                   | soort onderzoek        | handhaving              | omschrijving |
        | 1      | Financiële schendingen | Feitenonderzoek intern | Schriftelijke berisping |              |
    (de geanonimiseerde regels in hun volgorde, zonder de regel Totaal; de omschrijving staat er alleen bij
    schorsing of ontslag)"""
    overview = _woo(wereld, wie, van, tot)
    found = [r for r in woo_report.row_cells(overview) if r[1] != "Totaal"]
    rows = [list(r) for r in datatable or []]
    header = [h.strip().lower() for h in rows[0]]
    if header != WOO_COLUMNS:
        fail(f"de kolommen {' | '.join(WOO_COLUMNS)}", " | ".join(header))
    expected = [[c.strip() for c in r] for r in rows[1:]]
    if expected != found:
        fail("de regels" + _show(expected), _show(found) if found else "geen regels")


@then(parsers.parse('is het totaal van het Woo-overzicht van {van} tot en met {tot} voor "{wie}" {aantal:d}'))
def step_woo_total(wereld: World, van: str, tot: str, wie: str, aantal: int):
    """Voorbeeld: Dan is het totaal van het Woo-overzicht van 1 januari 2025 tot en met 31 december 2025 voor "coordinator" 2
    (het aantal betrokkenen in de regel Totaal)"""
    overview = _woo(wereld, wie, van, tot)
    if overview["totaal"] != aantal:
        fail(f"totaal {aantal}", f"{overview['totaal']}; regels:" + _show(woo_report.row_cells(overview)))


@then(parsers.parse('toont het dashboard van {van} tot en met {tot} voor "{wie}" bij "{label}" {teller:d} van {noemer:d}'))
def step_dashboard_share(wereld: World, van: str, tot: str, wie: str, label: str, teller: int, noemer: int):
    """Voorbeeld: Dan toont het dashboard van 1 november 2026 tot en met 30 november 2026 voor "coordinator" bij "Ontvangst bevestigd binnen 7 dagen" 1 van 1
    (een cijfer van het dashboard bij zijn naam op het scherm: zoveel zaken van zoveel)"""
    figures = _get(wereld, wie, f"/api/v1/rapportages/dashboard?van={dutch_date(van).isoformat()}"
                                f"&tot={dutch_date(tot).isoformat()}")
    shares = {v["label"]: v for v in (figures.get("cijfers") or figures).values()
              if isinstance(v, dict) and "teller" in v}
    if label not in shares:
        fail(f"een cijfer '{label}' op het dashboard", ", ".join(f"'{k}'" for k in shares))
    found = shares[label]
    if (found["teller"], found["noemer"]) != (teller, noemer):
        fail(f"'{label}': {teller} van {noemer}", f"{found['teller']} van {found['noemer']}")
