"""Steps about other cases and what the case's letters and tasks show: earlier closed cases (precedents),
the precedents the HR adviser sees, a refused task completion, the date of a letter.

Earlier cases come in through the product's own import of historical closed cases (CSV, ``POST
/api/v1/rapportages/import``), the way an organisation loads its earlier years; no rows are written by hand.
"""
from __future__ import annotations

import csv
import io
from datetime import date

from pytest_bdd import given, parsers, then, when

from features.steps.common import World, _complete, _table, answer, as_dutch, fail, refused, run_timers

IMPORT_HEADER = ["dienstonderdeel", "schending", "subcategorie", "inhoud", "afdoening", "soort_onderzoek", "uitkomst",
                 "datum_melding", "datum_afdoening", "aantal_betrokkenen"]
# Columns a tester may use in the precedent table, and how each is read from the API's precedent.
PRECEDENT_COLUMNS = {
    "zaaknummer": lambda p: p.get("zaaknummer") or "",
    "jaar": lambda p: (p.get("afgesloten_op") or "")[:4],
    "afgesloten op": lambda p: as_dutch(date.fromisoformat(p["afgesloten_op"])) if p.get("afgesloten_op") else "",
    "categorie": lambda p: p.get("categorie") or "",
    "afdoening": lambda p: "; ".join(p.get("afdoeningen") or []),
    "uitkomst": lambda p: p.get("uitkomst") or "",
    "inhoud": lambda p: p.get("inhoud_geanonimiseerd") or "",
}


def _importer(wereld: World) -> str:
    for who in ("procesbeheerder", "coordinator"):
        if who in wereld.tokens:
            return who
    fail("een gebruiker die historische zaken mag importeren ('procesbeheerder' of 'coordinator')",
         f"alleen {sorted(wereld.tokens)}")


def _imported_count(wereld: World) -> int:
    from sqlalchemy import func, select

    from engine.cases.models import Case
    with wereld.db.session() as s:
        return s.scalar(select(func.count()).select_from(Case).where(Case.imported.is_(True))) or 0


@given(parsers.parse('een afgesloten zaak uit {jaar:d} met categorie "{categorie}" en afdoening "{afdoening}"'))
def step_closed_case(wereld: World, jaar: int, categorie: str, afdoening: str):
    """Voorbeeld: Gegeven een afgesloten zaak uit 2025 met categorie "Financiële schendingen" en afdoening "Schriftelijke berisping"
    (een eerdere zaak, ingelezen zoals historische zaken worden geïmporteerd; afgesloten op 30 juni van dat jaar;
    meer afdoeningen met ';' ertussen: "Schriftelijke berisping; Vermindering IKB-uren")"""
    today = wereld.clock.now().date()
    closed = min(date(jaar, 6, 30), today)
    if jaar > today.year:
        fail(f"een jaar tot en met {today.year} (de zaak is al afgesloten)", str(jaar))
    number = _imported_count(wereld) + 1
    row = {"dienstonderdeel": "Douane", "schending": categorie, "subcategorie": "",
           "inhoud": f"Eerdere zaak {number} uit {jaar}: {categorie.lower()}.", "afdoening": afdoening,
           "soort_onderzoek": "Feitenonderzoek intern", "uitkomst": "Aangetoond",
           "datum_melding": date(jaar, 1, 15).isoformat() if date(jaar, 1, 15) <= closed else "",
           "datum_afdoening": closed.isoformat(), "aantal_betrokkenen": "1"}
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(IMPORT_HEADER)
    writer.writerow([row[k] for k in IMPORT_HEADER])
    who = _importer(wereld)
    r = wereld.client.post(f"/api/v1/rapportages/import?bestandsnaam=eerdere-zaak-{number}.csv",
                           headers={**wereld.h(who), "Content-Type": "text/csv"}, content=out.getvalue().encode("utf-8"))
    if r.status_code != 201:
        fail(f"de afgesloten zaak uit {jaar} ({categorie}, {afdoening}) wordt ingelezen (201)",
             answer(r, 600))


def _precedents(wereld: World, wie: str, taak: str) -> list[dict]:
    t = wereld.task(taak)
    r = wereld.client.get(f"/api/v1/taken/{t['id']}", headers=wereld.h(wie))
    if r.status_code != 200:
        fail(f"'{wie}' opent de taak '{taak}'", answer(r, 400))
    found = r.json().get("precedenten")
    if found is None:
        fail(f"'{wie}' ziet de precedenten bij de taak '{taak}'",
             "geen precedenten getoond: precedenten staan alleen bij 'Sanctieadvies opstellen', en pas als de taak "
             f"aan '{wie}' is toegewezen (bijvoorbeeld: Als \"{wie}\" de taak \"{taak}\" oppakt)")
    return found


def _show(rows: list[list[str]]) -> str:
    return "\n".join("  | " + " | ".join(row) + " |" for row in rows) if rows else "  (geen)"


@then(parsers.parse('ziet "{wie}" bij de taak "{taak}" de precedenten:'))
def step_precedents(wereld: World, wie: str, taak: str, datatable):
    """Voorbeeld: Dan ziet "hr" bij de taak "Sanctieadvies opstellen" de precedenten:
        | jaar | categorie              | afdoening               |
        | 2025 | Financiële schendingen | Schriftelijke berisping |
    (precies deze zaken, de meest recent afgesloten eerst; kolommen naar keuze uit: zaaknummer, jaar,
    afgesloten op, categorie, afdoening, uitkomst, inhoud)"""
    header = [c.strip().lower() for c in datatable[0]]
    unknown = [c for c in header if c not in PRECEDENT_COLUMNS]
    if unknown:
        fail(f"kolommen uit {', '.join(PRECEDENT_COLUMNS)}", ", ".join(unknown))
    expected = [[c.strip() for c in row] for row in datatable[1:]]
    found = [[PRECEDENT_COLUMNS[c](p) for c in header] for p in _precedents(wereld, wie, taak)]
    if found != expected:
        fail(f"'{wie}' ziet bij '{taak}' de precedenten\n  | {' | '.join(header)} |\n{_show(expected)}",
             f"\n  | {' | '.join(header)} |\n{_show(found)}")


@then(parsers.parse('ziet "{wie}" bij de taak "{taak}" geen precedent met categorie "{categorie}"'))
def step_no_precedent_of_category(wereld: World, wie: str, taak: str, categorie: str):
    """Voorbeeld: Maar ziet "hr" bij de taak "Sanctieadvies opstellen" geen precedent met categorie "Ongewenste omgangsvormen\""""
    shown = [p for p in _precedents(wereld, wie, taak) if p.get("categorie") == categorie]
    if shown:
        fail(f"geen precedent met categorie '{categorie}'",
             "; ".join(f"{p['zaaknummer']} ({p['categorie']}, {', '.join(p['afdoeningen'])})" for p in shown))


@when(parsers.parse('"{wie}" de taak "{taak}" probeert af te ronden met:'))
def step_try_complete(wereld: World, wie: str, taak: str, datatable):
    """Voorbeeld: Als "meldpunt" de taak "Terugkoppeling aan melder" probeert af te ronden met:
        | veld                 | waarde                                              |
        | terugkoppeling_tekst | Betrokkene heeft een schriftelijke berisping gekregen. |
    (de uitkomst, afgerond of geweigerd, wordt onthouden voor de volgende stap)"""
    r = _complete(wereld, wie, taak, _table(datatable))
    wereld.last_error = "" if r.status_code == 200 else answer(r)
    wereld.last_response = r
    if r.status_code == 200:
        run_timers(wereld)


@then(parsers.parse('is het afronden geweigerd omdat "{reden}"'))
def step_completion_refused(wereld: World, reden: str):
    """Voorbeeld: Dan is het afronden geweigerd omdat "vertrouwelijke gegeven"   (na 'probeert af te ronden met:';
    de reden moet voorkomen in de foutmelding)"""
    if not wereld.last_error:
        fail(f"het afronden wordt geweigerd ({reden})", "de taak is afgerond")
    refused(wereld.last_response, reden, "het afronden")

