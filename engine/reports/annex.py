"""The annual annex (DOMAIN §6): one row per case settled in the year, and the totals.

Grouping of a case for the totals (issue 9 §2), in this order:
1. *einde dienstverband* if any resolution ends employment (kind = the first such label in
   the DOMAIN §1 order);
2. otherwise *disciplinair of anders* if any resolution is a berisping, IKB reduction,
   financial resolution or transfer;
3. otherwise *gesprek* if it carries the corrective-conversation label;
4. otherwise (only Geen afdoening/actie, or nothing) *zonder afdoening*.
Cases in groups 1-3 are "cases with a measure"; percentages are of those.

The annex is published: its free text (the anonymised content summary) is checked like the Woo overview's.
"""
from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from engine.reports import labels as L
from engine.reports import woo, word
from engine.reports.service import ClosedCase, closed_cases, dutch_pct, percentage
from engine.spreadsheet import csv_text

COLUMNS = ["Dienstonderdeel", "Schending", "Inhoud (vermoedelijke) schending", "Afdoening"]


def classify(resolutions: list[str]) -> tuple[str, str | None]:
    """(group, end-of-employment kind) of a case."""
    present = set(resolutions)
    for label in L.RESOLUTIONS:
        if label in L.END_OF_EMPLOYMENT and label in present:
            return "einde_dienstverband", L.END_OF_EMPLOYMENT[label]
    if present & L.DISCIPLINARY:
        return "disciplinair_of_anders", None
    if L.CONVERSATION in present:
        return "gesprek", None
    return "zonder_afdoening", None


def build(*, session: Session, year: int, reader=None) -> dict:
    """The annex of ``year``. Every row's content summary passes the Woo export's anonymisation check
    (``woo.check_case_texts``, a batch of cases at a time); the first one (in the annex's order) that names a person, place or exact date of its case refuses the annex.
    ``reader``: who reads it; a case they are excluded from is not in it (``service.closed_cases``)."""
    cases = closed_cases(session=session, start=date(year, 1, 1), end=date(year, 12, 31), reader=reader)
    woo.check_case_texts(session, cases, product="De jaarbijlage")  # the first refused case refuses the annex
    return from_cases(year, cases)


def from_cases(year: int, cases: list[ClosedCase]) -> dict:
    rows = []
    per_unit: dict[str, int] = {}
    totals = {"zonder_afdoening": 0, "gesprek": 0, "disciplinair_of_anders": 0}
    end = {"beeindiging_dienstverband": 0, "beeindiging_tijdelijk": 0, "ontslag_eigen_initiatief": 0}
    for c in cases:
        rows.append({"dienstonderdeel": c.unit, "schending": c.category, "inhoud": c.description,
                     "afdoening": L.join_resolutions(c.resolutions)})
        group, kind = classify(c.resolutions)
        if group == "einde_dienstverband":
            end[kind] += 1
        else:
            totals[group] += 1
        if group != "zonder_afdoening":
            per_unit[c.unit] = per_unit.get(c.unit, 0) + 1
    with_measure = sum(per_unit.values())
    ended = sum(end.values())
    return {
        "year": year,
        "rows": rows,
        "totals": {
            "met_maatregel_per_dienstonderdeel": dict(sorted(per_unit.items(), key=lambda kv: kv[0].casefold())),
            "zonder_afdoening": totals["zonder_afdoening"],
            "gesprek": totals["gesprek"],
            "disciplinair_of_anders": totals["disciplinair_of_anders"],
            "einde_dienstverband": end,
            "met_maatregel": with_measure,
            "percentages": {
                "gesprek": percentage(totals["gesprek"], with_measure),
                "disciplinair_of_anders": percentage(totals["disciplinair_of_anders"], with_measure),
                "einde_dienstverband": percentage(ended, with_measure),
            },
        },
        "case_ids": [c.id for c in cases],
    }


def public(annex: dict) -> dict:
    """The published JSON (without internal case ids)."""
    return {k: v for k, v in annex.items() if k != "case_ids"}


def totals_table(annex: dict) -> list[list[str]]:
    t = annex["totals"]
    n = t["met_maatregel"]
    e = t["einde_dienstverband"]
    ended = sum(e.values())
    rows = [[f"Afgedaan met maatregel: {unit}", str(count), ""] for unit, count in t["met_maatregel_per_dienstonderdeel"].items()]
    rows += [
        ["Totaal afgedaan met maatregel", str(n), ""],
        ["Zonder afdoening/actie", str(t["zonder_afdoening"]), ""],
        ["Gesprek (corrigerend gesprek, waarschuwingsbrief, training, coaching e.d.)", str(t["gesprek"]),
         dutch_pct(t["percentages"]["gesprek"])],
        ["Disciplinaire of andere maatregel", str(t["disciplinair_of_anders"]),
         dutch_pct(t["percentages"]["disciplinair_of_anders"])],
        ["Einde dienstverband", str(ended), dutch_pct(t["percentages"]["einde_dienstverband"])],
        ["  waarvan beëindiging dienstverband", str(e["beeindiging_dienstverband"]), ""],
        ["  waarvan beëindiging tijdelijke arbeidsovereenkomst, contract, stage", str(e["beeindiging_tijdelijk"]), ""],
        ["  waarvan ontslag op initiatief van de medewerker", str(e["ontslag_eigen_initiatief"]), ""],
    ]
    return rows


def row_cells(annex: dict) -> list[list[str]]:
    return [[r["dienstonderdeel"], r["schending"], r["inhoud"], r["afdoening"]] for r in annex["rows"]]


def to_csv(annex: dict) -> str:
    return csv_text(COLUMNS, row_cells(annex))


def to_docx(annex: dict) -> bytes:
    return word.document(
        f"Bijlage jaarverslag integriteit {annex['year']}",
        [("Afgedane zaken", COLUMNS, row_cells(annex)),
         ("Totalen", ["Omschrijving", "Aantal", "Percentage van zaken met maatregel"], totals_table(annex))],
        intro=[f"Zaken afgedaan in {annex['year']}: {len(annex['rows'])}."])
