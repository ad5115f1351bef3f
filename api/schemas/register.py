"""Bodies of the register of critical and risky functions (issue 24)."""
from __future__ import annotations

from datetime import date

from pydantic import ConfigDict, Field

from api.schemas import Strict


class InventoryIn(Strict):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"team": "Douane Rotterdam", "aanleiding": "reorganisatie"}]})

    team: str = Field(title="Team", min_length=1, max_length=200,
                      description="Het team (organisatieonderdeel van medewerkers)")
    aanleiding: str = Field(title="Aanleiding", description="reorganisatie, nieuwe_functie, incident of nieuw_systeem")


class InventoryOut(Strict):
    inventarisatie_id: int
    kenmerk: str
    team: str


class AssessmentOut(Strict):
    classificatie: str
    risicotypen: list[str]
    maatregelen: str
    bruto_risico: int
    netto_risico: int
    toelichting_netto: str
    aanvaardbaar: bool
    eigenaar: str
    herziening_op: date
    beoordeeld_door: str
    beoordeeld_op: date


class FunctionOut(Strict):
    functie_id: int
    organisatieonderdeel: str
    team: str
    functie: str
    beoordeling: AssessmentOut


class ActionOut(Strict):
    team: str
    kenmerk: str
    functie: str  # the function of the inventory the action concerns; "" for an action of before the list
    vervolgactie: str
    uiterlijk: date | None
    stand: str


class OverviewOut(Strict):
    kolommen: list[str]
    rijen: list[list[str]]
    zelfanalyse: str | None


class RotationOut(Strict):
    naam: str
    gebruikersnaam: str
    functie: str
    team: str
    sinds: date
    jaren: float
    rouleren_uiterlijk: date
    termijn_verstreken: bool
    screening: str


class HolderIn(Strict):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"medewerker_id": 7, "functie_id": 3, "sinds": "2026-11-02", "screening": "vertrouwensfunctie, VGB B"}]})

    medewerker_id: int = Field(title="Medewerker", ge=1, le=2**31 - 1)
    functie_id: int = Field(title="Functie", ge=1, le=2**31 - 1)
    sinds: date = Field(title="Sinds", description="Eerste dag in de functie (JJJJ-MM-DD)")
    screening: str = Field(title="Screening", default="", max_length=200,
                           description="Screeningsstatus, bijv. 'vertrouwensfunctie, VGB B'")


class HolderOut(Strict):
    id: int
    medewerker_id: int
    functie_id: int
    sinds: date
