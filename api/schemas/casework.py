"""Request/response schemas for intake, the reporter channel, cases, tasks, processes, documents and audit."""
from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import ConfigDict, Field, field_validator

from api.schemas import Strict

Text200 = Field(default=None, max_length=200)


def _sane_date(value: date | None) -> date | None:
    if value is not None and not (date(1990, 1, 1) <= value <= date(2100, 12, 31)):
        raise ValueError("datum valt buiten het toegestane bereik (1990-2100)")
    return value


UITGESLOTEN = ("Wie mag deze melding niet zien: ids uit GET /api/v1/publiek/behandelaars (hoogstens 10) van wie "
               "meldingen behandelt en over wie de melding gaat. Zij zien de zaak nooit en horen er niets van. Er "
               "moet ten minste één medewerker van het meldpunt en één integriteitscoördinator overblijven; anders "
               "wordt de melding niet opgeslagen (422) en staat in de foutmelding waar u wel kunt melden.")


class ReportHandlerOut(Strict):
    """Someone who would see a new report, as the reporter may see them: the display name only."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"id": 4, "naam": "Cor Coördinator"}]})

    id: int
    naam: str


def _public_required(schema: dict) -> None:
    """The public form's required fields are the engine's one rule (``engine.intake.public.REQUIRED``, the web form
    marks the same): the engine refuses without them, with the field's label; the schema documents it."""
    from engine.intake.public import REQUIRED

    schema["required"] = list(REQUIRED)
    schema["examples"] = [{
        "omschrijving": "Collega declareert reizen die niet zijn gemaakt.", "dienstonderdeel": "Directie Toezicht",
        "categorie": "Financiële schendingen", "datum_voorval": "2026-10-12"}]


class PublicReportIn(Strict):
    """The public form (the same rules as the web form ``/melden``, ``engine.intake.public``): no identity fields.
    Required: ``omschrijving`` and ``dienstonderdeel``; ``categorie`` may stay open (the desk sorts it, as
    'Overig')."""

    model_config = ConfigDict(extra="forbid", json_schema_extra=_public_required)

    categorie: str | None = Field(title="Categorie", default=None, max_length=200, description=(
        "Een categorie uit de lijst van het formulier; leeg laten mag (het meldpunt deelt de melding in)"))
    subcategorie: str | None = Field(title="Subcategorie", default=None, max_length=200)
    omschrijving: str | None = Field(title="Omschrijving", default=None, max_length=10_000, description=(
        "Wat er is gebeurd (verplicht, minstens 10 tekens)"))
    dienstonderdeel: str | None = Field(title="Dienstonderdeel", default=None, max_length=200, description=(
        "Bij welk dienstonderdeel het speelt (verplicht)"))
    datum_voorval: Annotated[date | None, Field(title="Datum voorval")] = None
    # A meeting in person or by phone (EU 2019/1937 art. 9(2)); ``gesprek_wens``: when and how (no identity needed).
    gesprek: Annotated[Literal["gesprek", "telefoon"] | None, Field(title="Soort gesprek")] = None
    gesprek_wens: str | None = Field(title="Wens voor het gesprek", default=None, max_length=1_000)
    uitgesloten: list[Annotated[int, Field(ge=1, le=2**31 - 1)]] | None = Field(title="Uitgesloten behandelaars", 
        default=None, max_length=10, description=UITGESLOTEN)

    _d = field_validator("datum_voorval")(_sane_date)


class StaffReportIn(Strict):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "kanaal": "meldpunt_integriteit", "categorie": "Financiële schendingen", "omschrijving": "Declaraties voor reizen die niet zijn gemaakt.",
        "dienstonderdeel": "Directie Toezicht", "melder_anoniem": False, "melder_naam": "A. de Melder",
        "melder_email": "melder@example.org", "betrokkene_functie": "Inspecteur", "risicofunctie": "geen"}]})

    kanaal: Annotated[Literal["meldpunt_integriteit", "leidinggevende", "hogere_leidinggevende", "vertrouwenspersoon",
                    "onderzoeksbureau", "externe_commissie"], Field(title="Kanaal")] = "meldpunt_integriteit"
    categorie: str = Field(title="Categorie", min_length=1, max_length=200)
    subcategorie: str | None = Field(title="Subcategorie", default=None, max_length=200)
    omschrijving: str = Field(title="Omschrijving", min_length=10, max_length=10_000)
    dienstonderdeel: str | None = Field(title="Dienstonderdeel", default=None, max_length=200)
    datum_melding: Annotated[date | None, Field(title="Datum ontvangst")] = None
    melder_anoniem: Annotated[bool, Field(title="Anonieme melder")] = False
    melder_naam: str | None = Field(title="Naam melder", default=None, max_length=200)
    melder_adres: str | None = Field(title="Adres melder", default=None, max_length=500)
    melder_email: str | None = Field(title="E-mailadres melder", default=None, max_length=200)
    melder_telefoon: str | None = Field(title="Telefoonnummer melder", default=None, max_length=40)
    via_vertrouwenspersoon: Annotated[bool, Field(title="Via vertrouwenspersoon")] = False
    toestemming_doorgeven: Annotated[bool | None, Field(title="Toestemming van de melder")] = None
    betrokkene_naam: str | None = Field(title="Naam betrokkene", default=None, max_length=200)
    betrokkene_functie: str | None = Field(title="Functie betrokkene", default=None, max_length=200)
    risicofunctie: Annotated[Literal["geen", "risicovol", "meest_risicovol"] | None,
                             Field(title="Risicofunctie")] = None
    ontvangstwijze: str | None = Field(title="Wijze van ontvangst", default=None, max_length=40, description=(
        "Hoe de melding binnenkwam (telefoon, brief, e-mail, gesprek, ...): de keuzes van het registratieformulier"))
    melder_id: int | None = Field(title="Melder (gebruiker)", default=None, ge=1, le=2**31 - 1,
                                  description="Gebruikers-id van de melder, als die medewerker is")
    betrokkene_id: int | None = Field(title="Betrokkene (gebruiker)", default=None, ge=1, le=2**31 - 1,
                                      description="Gebruikers-id van de betrokkene")
    betrokkene_persoon: str | None = Field(title="Betrokkene als medewerker", default=None, max_length=100,
                                           description=(
        "Gebruikersnaam van de betrokkene als die medewerker is, of 'extern/onbekend' (het veld met x-persoon: "
        "betrokkene in het registratieformulier); de betrokkene en diens leidinggevende worden uitgesloten"))
    uitgesloten: list[Annotated[int, Field(ge=1, le=2**31 - 1)]] | None = Field(title="Uitgesloten behandelaars", 
        default=None, max_length=10, description=UITGESLOTEN)

    _d = field_validator("datum_melding")(_sane_date)


class ReportCreated(Strict):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "zaak_id": 12, "zaaknummer": "MP-2026-000012", "ontvangstcode": "1234 5678 9012 3456",
        "melding": "Bewaar deze ontvangstcode goed; hij wordt maar één keer getoond."}]})

    zaak_id: int | None = Field(default=None, description="Alleen voor medewerkers")
    zaaknummer: str
    ontvangstcode: str | None = Field(default=None, description="Alleen bij een anonieme melding, en alleen nu")
    melding: str


class PublicReportCreated(Strict):
    """What an anonymous (or named) public reporter gets back: what the web form's confirmation shows her, the
    receipt code once and where to use it; never the internal case number or id."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "ontvangstcode": "1234 5678 9012 3456", "mijn_melding": "/mijn-melding",
        "melding": "Bewaar deze ontvangstcode goed; hij wordt maar één keer getoond en is nodig om berichten te "
                   "lezen."}]})

    ontvangstcode: str | None = Field(default=None, description=(
        "Alleen in dit antwoord (bij dezelfde melding opnieuw verstuurd: binnen 5 minuten nogmaals, daarna niet)"))
    mijn_melding: str = Field(description="Waar de melder met de ontvangstcode berichten, brieven en de stand leest")
    melding: str


class MessageIn(Strict):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"tekst": "Wanneer vond dit plaats?"}]})

    tekst: str = Field(title="Tekst", min_length=1, max_length=10_000)


class MessageOut(Strict):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "id": 3, "richting": "naar_melder", "tekst": "Wanneer vond dit plaats?", "verzonden_op": "2026-11-02T09:00:00Z"}]})

    id: int
    richting: Literal["naar_melder", "van_melder"]
    tekst: str
    verzonden_op: datetime


class AttachmentOut(Strict):
    id: int
    bestandsnaam: str
    type: str
    grootte: int
    sha256: str
    toegevoegd_op: datetime


class CaseFileOut(AttachmentOut):
    """A file of the case file: the reporter's (``bron`` melder) or a handler's (``bron`` behandelaar, with its
    ``soort``); ``metadata_verwijderd`` says what was removed before it was stored."""

    bron: Literal["melder", "behandelaar"]
    soort: str | None = None
    metadata_verwijderd: list[str]


class NoteIn(Strict):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "tekst": "Getuige pas na de vakantie bereikbaar; horen gepland in week 3."}]})

    tekst: str = Field(title="Tekst", min_length=1, max_length=10_000)


class NoteOut(Strict):
    """An internal note: for the case's handlers only, never for the reporter or the subject."""

    id: int
    tekst: str
    auteur: str
    geschreven_op: datetime
    gewijzigd_op: datetime | None = None
    te_wijzigen_tot: datetime | None = Field(default=None, description=(
        "Tot wanneer u deze notitie nog kunt wijzigen (alleen bij uw eigen notitie, kort na het schrijven)"))


class ReporterDeadlineOut(Strict):
    uiterlijk_op: date = Field(description="De laatste dag van de termijn")
    wat: str
    tekst: str = Field(description="Bijvoorbeeld 'U krijgt uiterlijk 3-2-2027 terugkoppeling over ...'")


class LetterWaitingOut(Strict):
    """A letter a completed step asked for that the letter worker has not yet made (issue 25)."""
    sjabloon: str
    ontvanger: str
    stap: str
    status: str = Field(description="'wordt aangemaakt', of 'kon nog niet worden aangemaakt (incident gemeld)'")
    gevraagd_op: datetime


class ReporterStatus(Strict):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "zaaknummer": "MP-2026-000012", "status": "in_behandeling", "ontvangst_bevestigd": True,
        "ontvangst_bevestigd_op": "2026-11-03T10:00:00Z", "terugkoppeling": None, "ongelezen_berichten": 1}]})

    zaaknummer: str
    status: Literal["in_behandeling", "afgesloten"]
    ontvangst_bevestigd: bool
    ontvangst_bevestigd_op: str | None = None
    terugkoppeling: str | None = Field(default=None, description="In algemene termen; nooit de naam van de betrokkene of de maatregel")
    ongelezen_berichten: int
    fase: Literal["ontvangen", "in_behandeling", "teruggekoppeld", "afgesloten"] = "ontvangen"
    status_tekst: str = Field(default="", description="De stand in gewone taal, zoals de melder haar ook in het portaal ziet")
    termijnen: list[ReporterDeadlineOut] = Field(default_factory=list, description="Wat de melder uiterlijk wanneer krijgt")
    brieven: list[LetterOut] = Field(default_factory=list, description="De brieven aan de melder (download via .../brieven/{id})")
    brieven_in_aanmaak: list[LetterWaitingOut] = Field(default_factory=list,
                                                       description="Brieven aan de melder die nog worden aangemaakt")


class CaseSummaryOut(Strict):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "id": 12, "zaaknummer": "MP-2026-000012", "status": "open", "dienstonderdeel": "Directie Toezicht",
        "categorie": "Financiële schendingen", "prioriteit": 0, "aangemaakt_op": "2026-11-02T09:00:00Z",
        "gesloten_op": None, "versie": 3}]})

    id: int
    zaaknummer: str
    status: str
    dienstonderdeel: str | None = None
    categorie: str | None = None
    prioriteit: int
    aangemaakt_op: datetime
    gesloten_op: datetime | None = None
    versie: int


class CasePage(Strict):
    items: list[CaseSummaryOut]
    totaal: int
    limit: int
    offset: int
    volgende: str | None = Field(None, description="Vervolgpositie voor de volgende pagina (parameter 'na'); "
                                                   "leeg op de laatste pagina")


class CaseQuery(Strict):
    """A search of the case list (the parameters of GET /zaken), as saved in a view."""

    q: str | None = Field(title="Zoektekst", default=None, max_length=200)
    status: Annotated[Literal["open", "closed"] | None, Field(title="Status")] = None
    categorie: str | None = Field(title="Categorie", default=None, max_length=200)
    dienstonderdeel: str | None = Field(title="Dienstonderdeel", default=None, max_length=200)
    periode_van: Annotated[date | None, Field(title="Periode vanaf")] = None
    periode_tot: Annotated[date | None, Field(title="Periode tot en met")] = None
    sorteer: Annotated[Literal["aangemaakt_op", "-aangemaakt_op", "prioriteit", "-prioriteit", "zaaknummer",
                     "-zaaknummer"], Field(title="Sortering")] = "-aangemaakt_op"

    _d = field_validator("periode_van", "periode_tot")(_sane_date)


class SavedViewIn(Strict):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "naam": "Open fraudezaken Douane", "zoekopdracht": {"status": "open", "categorie": "Fraude",
                                                            "dienstonderdeel": "Douane", "sorteer": "-prioriteit"}}]})

    naam: str = Field(title="Naam", min_length=1, max_length=100)
    zoekopdracht: CaseQuery = Field(title="Zoekopdracht", default_factory=CaseQuery)


class SavedViewOut(Strict):
    id: int
    naam: str
    zoekopdracht: CaseQuery


class ViewRemovalsOut(Strict):
    aantal: int = Field(description="Hoe vaak sinds de laatste keer lezen weergaven van u zijn verwijderd omdat hun "
                                    "zaak is vernietigd (0: niets te melden)")
    melding: str | None = Field(description="De melding in het Nederlands; noemt geen weergave en geen zaak")


class ReporterOut(Strict):
    pseudoniem: str = Field(description="Bijvoorbeeld 'Melder A-1234'")
    anoniem: bool
    identiteit: dict[str, Any] | None = Field(default=None, description="Alleen voor meldpunt en integriteitscoördinator (of na een goedgekeurde onthulling)")


class WorkItemOut(Strict):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "id": 5, "zaak_id": 12, "element_id": "melding_registreren", "naam": "Melding registreren", "rol": "meldpunt",
        "status": "open", "toegewezen_aan": None, "termijn": "2026-11-09T23:59:59Z", "prioriteit": 0, "formulier": "forms/melding_registreren.json"}]})

    id: int
    zaak_id: int
    element_id: str
    naam: str
    rol: str
    status: str
    toegewezen_aan: int | None = None
    termijn: datetime | None = None
    prioriteit: int
    formulier: str | None = None

    @classmethod
    def of(cls, item) -> "WorkItemOut":
        return cls(id=item.id, zaak_id=item.case_id, element_id=item.element_id, naam=item.name, rol=item.role,
                   status=item.state, toegewezen_aan=item.assignee_id, termijn=item.due_at, prioriteit=item.priority,
                   formulier=item.form)


class CaseDetailOut(CaseSummaryOut):
    model_config = ConfigDict(extra="forbid")

    melder: ReporterOut
    samenvatting: dict[str, Any]
    gegevens: dict[str, Any] = Field(description=(
        "Het zaakdossier: de procesgegevens en de inhoud van de melding (vertrouwelijkheidsklasse 'melding'): "
        "voor wie de identiteit van de melder mag zien het origineel, voor de andere behandelaars de door het "
        "meldpunt geredigeerde versie. Identiteitsvelden (klasse 'melder') staan alleen onder melder.identiteit."))
    nog_niet_geredigeerd: list[str] = Field(default_factory=list, description=(
        "Velden met de inhoud van de melding die het meldpunt nog niet heeft geredigeerd: wie de identiteit niet "
        "mag zien, leest ze pas na redactie"))
    geredigeerd: dict[str, str] | None = Field(default=None, description=(
        "Alleen voor wie de identiteit mag zien: de geredigeerde versies die de andere behandelaars lezen"))
    mag_redigeren: bool = False
    open_taken: list[WorkItemOut]


class RedactionIn(Strict):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "tekst": "Een collega declareert reizen die niet zijn gemaakt."}]})

    tekst: str = Field(title="Tekst", min_length=1, max_length=10_000)


class RedactionOut(Strict):
    veld: str
    geredigeerd: str
    nog_niet_geredigeerd: list[str]


class CompletedTaskOut(Strict):
    taak: WorkItemOut
    formulier: dict[str, Any] | None = None
    bewaard: bool = Field(description="Onwaar voor een taak die is afgerond voordat ingevulde gegevens werden bewaard")
    gegevens: dict[str, Any] = Field(description="Wat bij het afronden is ingevuld, voor zover u het mag lezen")
    afgeschermd: list[str] = Field(description="Identiteitsvelden die u niet mag lezen")
    nog_niet_geredigeerd: list[str] = Field(description="Velden met de inhoud van de melding, nog niet geredigeerd")
    afgerond_door: str | None = None
    afgerond_op: datetime | None = None

    @classmethod
    def of(cls, done) -> "CompletedTaskOut":
        import json

        return cls(taak=WorkItemOut.of(done.item), formulier=done.schema, bewaard=done.stored,
                   gegevens=json.loads(json.dumps(done.values, default=str)), afgeschermd=done.hidden,
                   nog_niet_geredigeerd=done.not_redacted, afgerond_door=done.completed_by,
                   afgerond_op=done.completed_at)


class TimelineEvent(Strict):
    id: int
    op: datetime
    door: str
    actie: str
    taak_id: str | None = None
    details: dict[str, Any]


class LetterOut(Strict):
    id: int
    sjabloon: str
    ontvanger: str
    versie: int
    stap: str
    opgesteld_op: datetime
    sha256: str
    grootte: int
    bestandsnaam: str


class PositionOut(Strict):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "completed": ["StartEvent_1", "melding_registreren"], "active": ["ontvangst_bevestigen"]}]})

    completed: list[str]
    active: list[str]


class RevealRequestIn(Strict):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "ontvanger_id": 9, "reden": "Voor het horen van de melder als getuige is de identiteit nodig."}]})

    ontvanger_id: int = Field(title="Ontvanger", ge=1, le=2**31 - 1)
    reden: str = Field(title="Reden", min_length=1, max_length=2000)


class RevealDecisionIn(Strict):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"goedkeuren": True, "toelichting": "Noodzakelijk."}]})

    goedkeuren: bool = Field(title="Goedkeuren")
    toelichting: str | None = Field(title="Toelichting", default=None, max_length=2000)


class RevealOut(Strict):
    id: int
    zaak_id: int
    ontvanger_id: int
    aangevraagd_door: int
    reden: str
    status: str
    aangevraagd_op: datetime
    besloten_door: int | None = None
    besloten_op: datetime | None = None
    melder_geinformeerd_op: datetime | None = None
    brief_id: int | None = Field(default=None, description="De brief aan de melder (kennisgeving vooraf) in het zaakdossier")

    @classmethod
    def of(cls, r) -> "RevealOut":
        return cls(id=r.id, zaak_id=r.case_id, ontvanger_id=r.grantee_id, aangevraagd_door=r.requested_by_id,
                   reden=r.reason, status=r.state, aangevraagd_op=r.requested_at, besloten_door=r.decided_by_id,
                   besloten_op=r.decided_at, melder_geinformeerd_op=r.reporter_informed_at, brief_id=r.letter_id)


class CaseOutlineOut(Strict):
    """The case of a task not yet claimed, as this user may see it to decide whether to take it
    (``engine.cases.triage.task_outline``: the same as the web page 'Taak oppakken')."""

    zaak_id: int
    kenmerk: str
    status: str
    ontvangen: str | None = Field(description="Datum of moment van ontvangst van de melding")
    categorie: str | None
    dienstonderdeel: str | None
    melder: str = Field(description="'Anonieme melder' of het pseudoniem van de melder in deze zaak; nooit een naam")
    inhoud: dict[str, str] = Field(description="De kern van de melding zoals u die mag lezen (label: tekst); "
                                               "voor behandelaars de geredigeerde versie")
    nog_niet_geredigeerd: list[str] = Field(description="Labels van inhoud die het meldpunt nog niet heeft geredigeerd")
    zaak_zichtbaar: bool = Field(description="Of u de hele zaak al mag inzien")

    @classmethod
    def of(cls, outline) -> "CaseOutlineOut":
        received = outline.received
        return cls(zaak_id=outline.case_id, kenmerk=outline.reference, status=outline.status,
                   ontvangen=received.isoformat() if hasattr(received, "isoformat") else received,
                   categorie=outline.category, dienstonderdeel=outline.unit, melder=outline.reporter,
                   inhoud=dict(outline.substance), nog_niet_geredigeerd=list(outline.not_redacted),
                   zaak_zichtbaar=outline.case_visible)


class TaskDetailOut(Strict):
    taak: WorkItemOut
    toegang: Literal["bewerken", "inzien"] = Field(description=(
        "Wat u met de taak mag: 'bewerken' (uw taak, of open in de pool van uw rol: oppakken en afronden) of "
        "'inzien' (alleen lezen: de taak van een collega of een afgeronde taak in een zaak die u mag zien). "
        "Dezelfde beslissing als de pagina /taken/{id}"))
    zaakversie: int = Field(description="Stuur mee bij afronden om gelijktijdige wijzigingen te herkennen")
    formulier: dict[str, Any] | None = None
    gegevens: dict[str, Any]
    precedenten: list[dict[str, Any]] | None = Field(default=None, description="Alleen bij het sanctieadvies")
    zaakoverzicht: CaseOutlineOut | None = Field(
        default=None, description="Alleen bij een taak die nog niemand heeft opgepakt: de zaak zoals u die mag "
                                  "zien om te beslissen of u de taak oppakt (zoals de pagina 'Taak oppakken')")


class CompleteIn(Strict):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "gegevens": {"ontvangstbevestiging_via": "email"}, "zaakversie": 3}]})

    gegevens: dict[str, Any] = Field(title="Gegevens", default_factory=dict)
    zaakversie: int | None = Field(title="Zaakversie", default=None, ge=1, le=2**31 - 1)


class AssignIn(Strict):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"medewerker_id": 4, "reden": "Werkverdeling"}]})

    medewerker_id: int = Field(title="Medewerker", ge=1, le=2**31 - 1)
    reden: str = Field(title="Reden", min_length=1, max_length=1000)


class CompletedOut(Strict):
    zaak_id: int
    zaakstatus: str
    zaakversie: int
    open_taken: list[WorkItemOut] = Field(description="Alle open taken van de zaak na het afronden")
    afgeronde_taak: WorkItemOut = Field(description=(
        "De afgeronde taak zoals hij nu is (status completed): haal hem zonder herladen uit de eigen werklijst"))
    mijn_vervolgtaken: list[WorkItemOut] = Field(default_factory=list, description=(
        "De open taken van deze zaak die nu op de eigen werklijsten staan (aan mij toegewezen, of onverdeeld in "
        "een rol die ik heb), in werklijstvolgorde"))
    volgende_taak: WorkItemOut | None = Field(default=None, description=(
        "De eerste van mijn_vervolgtaken: de taak van deze zaak waarmee de behandelaar verder kan; null als er "
        "voor hem in deze zaak niets klaarstaat"))


class ProcessVersionOut(Strict):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "id": 1, "hoofdproces": "integriteitsmelding", "hash": "ab12...", "uitgerold_op": "2026-11-02T09:00:00Z",
        "uitgerold_door": "pb1", "bestanden": ["integriteitsmelding.bpmn", "manifest.json"], "actief": True,
        "lopende_zaken": 3, "uitkomst": "nieuw", "melding": "Procesversie 1 (ab12...) is uitgerold en actief."}]})

    id: int
    hoofdproces: str
    hash: str
    uitgerold_op: datetime
    uitgerold_door: str
    bestanden: list[str]
    actief: bool = Field(description="De versie waarop nieuwe meldingen starten")
    lopende_zaken: int = Field(description="Zaken die nog lopen op deze versie")
    uitkomst: Literal["nieuw", "geactiveerd", "ongewijzigd"] | None = Field(
        None, description="Alleen bij uitrollen: een nieuwe versie, een eerdere versie weer actief, of niets gewijzigd")
    melding: str | None = None

    @classmethod
    def of(cls, v, *, active_id: int | None = None, running: dict[int, int] | None = None,
           outcome=None) -> "ProcessVersionOut":
        return cls(id=v.id, hoofdproces=v.main_process_id, hash=v.content_hash, uitgerold_op=v.deployed_at,
                   uitgerold_door=v.deployed_by, bestanden=[f.path for f in v.files], actief=v.id == active_id,
                   lopende_zaken=(running or {}).get(v.id, 0), uitkomst=outcome.outcome if outcome else None,
                   melding=outcome.message if outcome else None)


class ProcessChangeOut(Strict):
    soort: Literal["taak", "stroom", "timer", "poort", "gebeurtenis", "formulier", "brief", "bestand"]
    soort_naam: str
    wijziging: Literal["toegevoegd", "verwijderd", "gewijzigd"]
    naam: str = Field(description="De naam uit het procesbestand (taak, pijl, termijn), formulier- of brieftitel")
    bestand: str
    element_id: str | None = Field(None, description="Het id in het BPMN-bestand (aanvullende informatie)")
    details: list[str]

    @classmethod
    def of(cls, c) -> "ProcessChangeOut":
        return cls(soort=c.kind, soort_naam=c.kind_label, wijziging=c.change, naam=c.name, bestand=c.file,
                   element_id=c.element_id, details=list(c.details))


class ProcessDiffOut(Strict):
    van: int = Field(description="De oudere versie (``met``)")
    naar: int = Field(description="De versie die wordt vergeleken")
    verschillen: list[ProcessChangeOut]


class IssueOut(Strict):
    file: str
    message: str
    element_id: str | None = None
    line: int | None = None


class ValidationOut(Strict):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "geldig": False, "issues": [{"file": "melding.bpmn", "message": "Baan zonder bekende rol", "element_id": "Lane_1", "line": 12}]}]})

    geldig: bool
    issues: list[IssueOut]


class ScenarioResultOut(Strict):
    bestand: str
    scenario: str
    voorbeeld: str = ""
    resultaat: str  # geslaagd | MISLUKT | overgeslagen | niet gedraaid
    stap: str = ""  # the failing step, "regel N: Dan ..."
    melding: str = ""


class RehearsalOut(Strict):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "geslaagd": False, "kenmerk": "3f2a9c1b7e4d", "samenvatting": "Repetitie: 0 van 1 scenario's geslaagd, 1 mislukt.",
        "fout": None, "scenarios": [{"bestand": "features/ontvangstbevestiging.feature",
                                     "scenario": "Het meldpunt bevestigt de ontvangst op tijd", "voorbeeld": "",
                                     "resultaat": "MISLUKT",
                                     "stap": "regel 17: En is de termijn van de taak \"Ontvangst bevestigen\" 9 november 2026",
                                     "melding": ""}]}]})

    geslaagd: bool
    kenmerk: str
    samenvatting: str
    fout: str | None = None
    scenarios: list[ScenarioResultOut]

    @classmethod
    def of(cls, rehearsal) -> "RehearsalOut":
        return cls(geslaagd=rehearsal.passed, kenmerk=rehearsal.content_hash[:12], samenvatting=rehearsal.summary,
                   fout=rehearsal.error,
                   scenarios=[ScenarioResultOut(bestand=r.file, scenario=r.scenario, voorbeeld=r.example,
                                                resultaat=r.result, stap=r.step, melding=r.message)
                              for r in rehearsal.scenarios])


class AuditEventOut(Strict):
    id: int
    keten: str
    volgnummer: int | None = Field(None, description="Plaats in de keten; leeg bij een leesgebeurtenis "
                                                     "(verankerd aan de keten, zonder volgnummer)")
    op: datetime
    door: str
    actie: str
    zaak_id: int | None = None
    taak_id: str | None = None
    details: dict[str, Any]
    hash: str | None = Field(default=None, description="Leeg als de melder in deze gebeurtenis gepseudonimiseerd is "
                                                      "(de hash zou de naam verraden); /audit/verificatie controleert hem wel")


class AuditPage(Strict):
    items: list[AuditEventOut]
    limit: int
    offset: int
    volgende: int | None = Field(None, description="Vervolgpositie voor de volgende pagina (parameter 'na'); "
                                                   "leeg op de laatste pagina")


class VerifyOut(Strict):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"ok": True, "gebeurtenissen": 120, "eerste_fout_id": None, "reden": None}]})

    ok: bool
    gebeurtenissen: int
    eerste_fout_id: int | None = None
    reden: str | None = None


class MigrationIn(Strict):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"naar": 2, "proefdraai": True}]})

    naar: int = Field(title="Naar", ge=1, le=2**31 - 1, description="De procesversie waarnaar de lopende zaken moeten")
    proefdraai: bool = Field(True, title="Proefdraai",
                             description="Alleen nagaan welke zaken migreerbaar zijn (standaard); false migreert")


class CaseMigrationOut(Strict):
    zaak_id: int
    zaaknummer: str
    migreerbaar: bool
    gemigreerd: bool
    redenen: list[str]
    wijzigingen: list[str]


class MigrationOut(Strict):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "van": 1, "naar": 2, "proefdraai": True, "migreerbaar": 1, "gemigreerd": 0, "zaken": [
            {"zaak_id": 7, "zaaknummer": "MP-2026-000007", "migreerbaar": False, "gemigreerd": False,
             "redenen": ["de zaak wacht in ‘Signaal behandelen’, dat in de nieuwe versie niet meer bestaat"],
             "wijzigingen": []}]}]})

    van: int
    naar: int
    proefdraai: bool
    migreerbaar: int
    gemigreerd: int
    zaken: list[CaseMigrationOut]

    @classmethod
    def of(cls, report) -> "MigrationOut":
        return cls(van=report.from_version, naar=report.to_version, proefdraai=report.dry_run,
                   migreerbaar=report.migratable, gemigreerd=report.migrated,
                   zaken=[CaseMigrationOut(zaak_id=c.case_id, zaaknummer=c.reference, migreerbaar=c.migratable,
                                           gemigreerd=c.migrated, redenen=c.reasons, wijzigingen=c.changes)
                          for c in report.cases])
