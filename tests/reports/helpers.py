"""Helpers for the report tests: CSV building and workflow-closed cases via the real process."""
from __future__ import annotations

import csv
import io

HEADER = "dienstonderdeel,schending,subcategorie,inhoud,afdoening,soort_onderzoek,uitkomst,datum_melding,datum_afdoening,aantal_betrokkenen"


def csv_bytes(rows: list[tuple]) -> bytes:
    buf = io.StringIO()
    buf.write(HEADER + "\r\n")
    writer = csv.writer(buf, lineterminator="\r\n")
    for r in rows:
        writer.writerow(["" if v is None else v for v in r])
    return buf.getvalue().encode("utf-8")


def close_through_workflow(db, clock, *, unit: str, category: str, resolutions: list[str], kind: str, outcome: str,
                           description: str, subject: str = "B. Betrokkene", driver=None) -> int:
    """Drive one case through the real process (route geen_onderzoek) to closure; returns its id."""
    from tests.process.driver import run_scenario
    from tests.process.engine_driver import EngineDriver
    from tests.process.scenarios import DEFAULTS, route_answers, with_

    driver = driver or EngineDriver(db, clock)
    driver.trail = []
    answers = with_(
        {"ernst_en_strafbaarheid": {"ernst": "gering"}},
        route_answers("geen_onderzoek"),
        {"melding_registreren": {"dienstonderdeel": unit, "categorie": category, "betrokkene_naam": subject},
         "zaak_registreren": {"dienstonderdeel": unit, "categorie": category, "afdoeningen": resolutions,
                              "soort_onderzoek": kind, "uitkomst": outcome, "inhoud_geanonimiseerd": description}},
    )
    run_scenario(driver, answers, DEFAULTS, {})
    assert driver.finished()
    return driver.case_id
