# language: nl
@cao:h15
Functionaliteit: Sanctieadvies door de HR-adviseur, getoetst aan precedenten; de onderzoeker adviseert en beslist niet
  Het onderzoek staat los van de sanctie: de onderzoeker adviseert niet over de afdoening en beslist er ook
  niet over. Dat doen de HR-adviseur (advies) en het bevoegd gezag (besluit).
  Voor de eenheid van beleid ziet de HR-adviseur bij het sanctieadvies hoe eerdere, afgesloten zaken in
  dezelfde hoofdcategorie zijn afgedaan (precedenten). Zaken uit een andere categorie staan er niet bij.

  Achtergrond:
    Gegeven de demo-organisatie
    En het is 2 november 2026
    En "meldpunt" een melding registreert van "medewerker" met categorie "Financiële schendingen" over "Declaraties voor reizen die niet zijn gemaakt"
    En "meldpunt" de taak "melding_registreren" afrondt
    En "meldpunt" de taak "ontvangst_bevestigen" afrondt
    En "coordinator" de taak "ernst_en_strafbaarheid" afrondt
    En "coordinator" de taak "melding_beoordelen" afrondt met:
      | veld                   | waarde               |
      | route                  | feitenonderzoek      |
      | onderzoek_soort        | intern               |
      | beoordeling_motivering | Ernstige verdenking. |
    En "directeur" de taak "onderzoeksopdracht_beslissen" afrondt
    En "directeur" de taak "onderzoeksopdracht_verstrekken" afrondt
    En "coordinator" de taak "onderzoek_starten" toewijst aan "onderzoeker1"
    En "onderzoeker1" de taak "onderzoek_starten" afrondt
    En "onderzoeker2" de taak "hoorgesprek_voeren" afrondt
    En "onderzoeker2" de taak "verslag_ter_correctie" afrondt
    En "onderzoeker2" de taak "reactie_verslag_verwerken" afrondt
    En "onderzoeker1" de taak "rapport_opstellen" afrondt
    En "directeur" de taak "ordemaatregel_overwegen" afrondt

  Scenario: De onderzoeker adviseert en beslist niet over de afdoening
    Dan staat de taak "sanctieadvies_opstellen" open voor de rol "hr_adviseur"
    En ziet "hr" de taak "sanctieadvies_opstellen" in de werkvoorraad
    Maar ziet "onderzoeker1" de taak "sanctieadvies_opstellen" niet in de werkvoorraad
    En mag "onderzoeker1" de taak "sanctieadvies_opstellen" niet oppakken omdat "hoort bij de rol 'HR-adviseur'"
    Als "hr" de taak "sanctieadvies_opstellen" afrondt
    Dan staat de taak "afdoening_bepalen" open voor de rol "bevoegd_gezag"
    En mag "onderzoeker1" de taak "afdoening_bepalen" niet oppakken omdat "hoort bij de rol 'Bevoegd gezag'"

  Scenario: De HR-adviseur ziet hoe eerdere zaken in dezelfde categorie zijn afgedaan
    Gegeven een afgesloten zaak uit 2024 met categorie "Financiële schendingen" en afdoening "Schriftelijke berisping"
    En een afgesloten zaak uit 2025 met categorie "Financiële schendingen" en afdoening "Schriftelijke berisping; Vermindering IKB-uren"
    En een afgesloten zaak uit 2025 met categorie "Ongewenste omgangsvormen" en afdoening "Verplaatsing"
    Als "hr" de taak "sanctieadvies_opstellen" oppakt
    Dan ziet "hr" bij de taak "sanctieadvies_opstellen" de precedenten:
      | jaar | categorie              | afdoening                                       | uitkomst   |
      | 2025 | Financiële schendingen | Schriftelijke berisping; Vermindering IKB-uren | aangetoond |
      | 2024 | Financiële schendingen | Schriftelijke berisping                         | aangetoond |
    Maar ziet "hr" bij de taak "sanctieadvies_opstellen" geen precedent met categorie "Ongewenste omgangsvormen"
    Als "hr" de taak "sanctieadvies_opstellen" afrondt met:
      | veld               | waarde                                                                   |
      | advies_afdoeningen | [Schriftelijke berisping]                                                |
      | advies_motivering  | In lijn met de eerdere zaken over declaraties uit 2024 en 2025.          |
    Dan is er een brief "sanctieadvies" voor de "bevoegd_gezag"
    En bevat de brief "Ik adviseer u de volgende afdoening: schriftelijke berisping."
    En bevat de brief "In lijn met de eerdere zaken over declaraties uit 2024 en 2025."
    En bevat de brief "getoetst aan de afdoening van vergelijkbare zaken (precedenten)"
