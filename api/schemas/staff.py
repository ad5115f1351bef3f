"""Bodies of the staff-change resources (issue 22): absences with a delegate and handing over a person's work."""
from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import ConfigDict, Field

from api.schemas import Strict


class AbsenceIn(Strict):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"van": "2026-11-09", "tot": "2026-11-20", "vervanger_id": 5, "taken_overdragen": True}]})

    van: date = Field(title="Vanaf", description="Eerste dag van de afwezigheid (JJJJ-MM-DD)")
    tot: date = Field(title="Tot en met", description="Laatste dag van de afwezigheid (tot en met)")
    vervanger_id: int | None = Field(title="Vervanger", default=None, ge=1, le=2**31 - 1,
                                     description="Wie nieuwe taken krijgt (binnen functiescheiding en uitsluitingen)")
    taken_overdragen: bool = Field(title="Taken overdragen", default=False, description=(
        "Opgepakte taken nu naar de vervanger (alleen als de afwezigheid vandaag loopt; een taak die de vervanger "
        "niet mag krijgen gaat naar de pool)"))


class AbsenceOut(Strict):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"id": 3, "gebruiker_id": 4, "van": "2026-11-09", "tot": "2026-11-20", "vervanger_id": 5, "loopt": False}]})

    id: int
    gebruiker_id: int
    van: date
    tot: date
    vervanger_id: int | None = None
    loopt: bool = Field(description="De afwezigheid loopt vandaag")

    @classmethod
    def of(cls, absence, today: date) -> "AbsenceOut":
        return cls(id=absence.id, gebruiker_id=absence.user_id, van=absence.starts_on, tot=absence.ends_on,
                   vervanger_id=absence.delegate_id, loopt=absence.starts_on <= today <= absence.ends_on)


class MovedTaskOut(Strict):
    zaak_id: int
    zaaknummer: str | None = None
    taak_id: int
    taak: str
    soort: Literal["taak", "contacttaak"] = Field(
        default="taak", description="'contacttaak': een taak buiten het proces (melderscontact); taak_id is dan het "
                                    "nummer van de contacttaak")
    naar: str = Field(description="'pool' of de naam van de collega")
    reden: str | None = Field(default=None, description="Waarom de taak niet ging waar gevraagd")


class HandOverIn(Strict):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"naar_id": 5, "reden": "Vertrekt per 1 december"}, {"naar_id": None, "reden": "Langdurig ziek"}]})

    naar_id: int | None = Field(title="Naar (gebruiker)", default=None, ge=1, le=2**31 - 1,
                                description="De collega die het werk krijgt; leeg: terug naar de pool")
    reden: str = Field(title="Reden", min_length=1, max_length=500)


class HandOverOut(Strict):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"overgedragen": [{"zaak_id": 1, "zaaknummer": "M-2026-0001", "taak_id": 10, "taak": "Onderzoek uitvoeren",
                           "naar": "Jan Jansen"}],
         "naar_pool": [{"zaak_id": 2, "zaaknummer": "M-2026-0002", "taak_id": 11, "taak": "Onderzoek uitvoeren",
                        "naar": "pool", "reden": "Jan Jansen mag in deze zaak niet optreden (partij in de zaak of "
                                                 "door de melder uitgesloten)."}],
         "gebleven": [], "gebleven_buiten_toezicht": 0}]})

    overgedragen: list[MovedTaskOut]
    naar_pool: list[MovedTaskOut] = Field(description="Mocht niet naar de gekozen collega: in de pool, met reden")
    gebleven: list[MovedTaskOut] = Field(description="Zaken waarin u niet mag optreden: ongewijzigd")
    gebleven_buiten_toezicht: int = Field(description="Taken in zaken buiten uw toezicht: ongewijzigd")

    @classmethod
    def of(cls, result) -> "HandOverOut":
        clean = lambda rows: [MovedTaskOut(**r) for r in rows]  # noqa: E731
        return cls(overgedragen=clean(result.moved), naar_pool=clean(result.to_pool), gebleven=clean(result.stayed),
                   gebleven_buiten_toezicht=result.stayed_hidden)


class AbsenceCreatedOut(Strict):
    afwezigheid: AbsenceOut
    overdracht: HandOverOut | None = None


class OpenTaskOut(Strict):
    zaak_id: int
    zaaknummer: str | None = None
    taak_id: int
    taak: str
    soort: Literal["taak", "contacttaak"] = Field(
        default="taak", description="'contacttaak': een taak buiten het proces (melderscontact); taak_id is dan het "
                                    "nummer van de contacttaak")
    rol: str
    termijn: datetime | None = None


class OpenWorkOut(Strict):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"taken": [{"zaak_id": 1, "zaaknummer": "M-2026-0001", "taak_id": 10, "taak": "Onderzoek uitvoeren",
                    "rol": "Onderzoeker", "termijn": None}], "buiten_toezicht": 0}]})

    taken: list[OpenTaskOut]
    buiten_toezicht: int = Field(description="Opgepakte taken in zaken buiten uw toezicht (alleen geteld)")


class StaffNoticeOut(Strict):
    """A notice for the integrity coordinators after a staff change, as it reads for the one who asks
    (``engine.staff.service.notices_for``: the same as on the worklist page)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"id": 4, "soort": "geblokkeerd", "tekst": "Taken teruggezet in de pool na het blokkeren van Mila Meldpunt: "
                                                   "2 taken.",
         "taken": [{"zaak_id": 1, "zaaknummer": "M-2026-0001", "taak_id": 10, "taak": "Melding registreren",
                    "naar": "pool"}],
         "buiten_toezicht": 1, "gebruiker_id": 3, "aangemaakt_op": "2026-11-02T09:00:00Z"}]})

    id: int
    soort: str = Field(description="Wat er gebeurde: 'geblokkeerd', 'overdracht', 'vervanging_geweigerd', "
                                   "'partij_geworden', 'autorisaties_herzien'")
    tekst: str
    taken: list[MovedTaskOut] = Field(description="De taken in zaken die u mag zien")
    buiten_toezicht: int = Field(description="Taken in zaken buiten uw toezicht (alleen geteld)")
    gebruiker_id: int | None = Field(default=None, description="De medewerker om wie het gaat")
    aangemaakt_op: datetime

    @classmethod
    def of(cls, notice: dict) -> "StaffNoticeOut":
        return cls(id=notice["id"], soort=notice["kind"], tekst=notice["text"],
                   taken=[MovedTaskOut(**item) for item in notice["items"]], buiten_toezicht=notice["hidden"],
                   gebruiker_id=notice["subject_user_id"], aangemaakt_op=notice["created_at"])
