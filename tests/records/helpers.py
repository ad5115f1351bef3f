"""Cases with distinctive personal data, closed through the real process, for the retention tests."""
from __future__ import annotations

import base64
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from sqlalchemy import inspect, text

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
REPRIMAND = "Schriftelijke berisping"
NO_ACTION = "Geen afdoening/actie"


def closed_case(db, clock, tag: str, *, resolutions: list[str], outcome: str, driver=None,
                today: date | None = None) -> tuple[int, dict]:
    """Drive one case to closure (route geen_onderzoek) with names, e-mail and texts containing ``tag``;
    add a reporter attachment, messages both ways and a receipt code. ``today``: the day the clock stands on, when
    not the suite's first day (the forms' dates follow it). Returns (case id, the secrets)."""
    from engine.cases import attachments
    from engine.identity.models import User
    from engine.identity.receipts import issue_receipt
    from engine.intake import service as intake
    from tests.process.driver import run_scenario
    from tests.process.engine_driver import EngineDriver
    from tests.process.scenarios import DEFAULTS, defaults_on, route_answers, with_

    secrets = {
        "melder": f"Anna {tag}sma", "email": f"{tag.lower()}@melder.example", "betrokkene": f"Bram {tag}veld",
        "omschrijving": f"Vrije tekst {tag}: declaraties voor reizen naar Zwolle die nooit zijn gemaakt.",
        "toelichting": f"Toelichting {tag} aan de melder over het besluit.",
        "bericht_naar": f"Bericht {tag} van het meldpunt aan de melder.",
        "bericht_van": f"Antwoord {tag} van de melder met extra details.",
        "bijlage": f"BIJLAGE-{tag}-inhoud-die-nergens-mag-blijven".encode(),
    }
    driver = driver or EngineDriver(db, clock)
    driver.trail = []
    answers = with_(
        {"ernst_en_strafbaarheid": {"ernst": "gering"}},
        route_answers("geen_onderzoek"),
        {"melding_registreren": {"melder_naam": secrets["melder"],
                                 "melder_email": secrets["email"], "betrokkene_naam": secrets["betrokkene"],
                                 "omschrijving": secrets["omschrijving"]},
         "besluit_geen_onderzoek": {"toelichting_melder": secrets["toelichting"]},
         "zaak_registreren": {"afdoeningen": resolutions, "uitkomst": outcome,
                              "soort_onderzoek": "feitenonderzoek_intern" if outcome != "niet_van_toepassing"
                              else "geen_onderzoek",
                              "inhoud_geanonimiseerd": "Medewerker zou onterecht reiskosten hebben gedeclareerd."}},
    )
    run_scenario(driver, answers, defaults_on(today.isoformat()) if today else DEFAULTS, {})
    assert driver.finished()
    with db.session() as s:
        desk = s.query(User).filter(User.username == "meldpunt1").one()
        attachments.add(session=s, case_id=driver.case_id, filename=f"{tag}.txt", content=secrets["bijlage"])
        intake.message_to_reporter(session=s, case_id=driver.case_id, author=desk, text=secrets["bericht_naar"])
        intake.message_from_reporter(session=s, case_id=driver.case_id, text=secrets["bericht_van"])
        issue_receipt(session=s, case_id=driver.case_id)
    return driver.case_id, secrets


def closed_on(db, case_id: int) -> date:
    from engine.cases.models import Case

    with db.session() as s:
        return s.get(Case, case_id).closed_at.astimezone(AMSTERDAM).date()


def at_noon(clock, day: date) -> None:
    clock.set(datetime.combine(day, time(12), AMSTERDAM))


def every_cell(db) -> list[tuple[str, str, object]]:
    """(table, column, raw value) of every non-null cell of every table, by raw SQL."""
    out = []
    with db.engine.connect() as conn:
        for table in inspect(conn).get_table_names():
            if table == "alembic_version":
                continue
            result = conn.execute(text(f'SELECT * FROM "{table}"'))
            cols = list(result.keys())
            for row in result:
                out.extend((table, c, v) for c, v in zip(cols, row) if v is not None)
    return out


def readable(value) -> str:
    """A raw cell as text a person could read: compressed workflow state unpacked, bytes decoded."""
    from engine.db import CompressedText

    if isinstance(value, memoryview):
        value = bytes(value)
    if isinstance(value, bytes):
        return value.decode("latin-1")
    value = str(value)
    if value.startswith(CompressedText.PREFIX):
        return value + CompressedText.unpack(value)
    return value


def needles(secrets: dict) -> list[str]:
    out = [v for k, v in secrets.items() if isinstance(v, str)]
    out += [secrets["bijlage"].decode(), base64.b64encode(secrets["bijlage"]).decode()]
    return out
