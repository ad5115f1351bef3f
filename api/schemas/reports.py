"""Schemas of the management-information endpoints (issue 9)."""
from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import ConfigDict, Field

from api.schemas import Strict
from engine.reports import vp


class ImportOut(Strict):
    import_id: int
    aantal: int
    zaak_ids: list[int]
    nieuwe_dienstonderdelen: list[str]


class AnnexRow(Strict):
    dienstonderdeel: str
    schending: str
    inhoud: str
    afdoening: str


class EndOfEmployment(Strict):
    beeindiging_dienstverband: int
    beeindiging_tijdelijk: int
    ontslag_eigen_initiatief: int


class AnnexPercentages(Strict):
    gesprek: float
    disciplinair_of_anders: float
    einde_dienstverband: float


class AnnexTotals(Strict):
    met_maatregel_per_dienstonderdeel: dict[str, int]
    zonder_afdoening: int
    gesprek: int
    disciplinair_of_anders: int
    einde_dienstverband: EndOfEmployment
    met_maatregel: int
    percentages: AnnexPercentages


class AnnexOut(Strict):
    year: int
    rows: list[AnnexRow]
    totals: AnnexTotals


class WooRow(Strict):
    aantal: int
    aard: str
    soort_onderzoek: str
    handhaving: str
    omschrijving: str


class WooOut(Strict):
    van: date
    tot: date
    rows: list[WooRow]
    totaal: int


class VpRegistrationIn(Strict):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "datum": "2026-10-12", "dienstonderdeel": "Douane", "categorie": "5 Ongewenste omgangsvormen",
        "subcategorie": "intimidatie", "betreft": "leidinggevende", "afhandeling": "klankbordgesprek",
        "situatie_na": "loopt_nog"}]})

    datum: date = Field(title="Datum")
    dienstonderdeel: str = Field(title="Dienstonderdeel", min_length=1, max_length=200)
    categorie: Literal[tuple(vp.CATEGORIES)] = Field(title="Categorie")  # type: ignore[valid-type]
    subcategorie: str | None = Field(title="Subcategorie", default=None, max_length=200)
    betreft: Literal[tuple(vp.CONCERNS)] = Field(title="Betreft")  # type: ignore[valid-type]
    afhandeling: Literal[tuple(vp.HANDLING)] = Field(title="Afhandeling")  # type: ignore[valid-type]
    situatie_na: Literal[tuple(vp.SITUATION)] = Field(title="Situatie na")  # type: ignore[valid-type]


class VpRegistrationOut(VpRegistrationIn):
    id: int


class UnitIn(Strict):
    medewerkers: int | None = Field(title="Medewerkers", default=None, ge=0, le=10_000_000)
    directeur_id: int | None = Field(title="Directeur", default=None, ge=1, le=2**31 - 1)


class UnitOut(Strict):
    naam: str
    medewerkers: int | None
    directeur_id: int | None


class MonthlyOut(Strict):
    id: int
    maand: str
    dienstonderdelen: list[str]
    cijfers: dict[str, int]
    bestandsnaam: str
    gemaakt_op: datetime
