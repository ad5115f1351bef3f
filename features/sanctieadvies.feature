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
    En "meldpunt" de taak "Melding registreren" afrondt
    En "meldpunt" de taak "Ontvangst bevestigen" afrondt
    En "coordinator" de taak "Ernst en strafbaarheid (art. 162 Sv) inschatten" afrondt
    En "coordinator" de taak "Melding beoordelen en route kiezen" afrondt met:
      | veld                   | waarde               |
      | route                  | feitenonderzoek      |
      | onderzoek_soort        | intern               |
      | beoordeling_motivering | Ernstige verdenking. |
    En "directeur" de taak "Beslissen over onderzoeksopdracht" afrondt
    En "directeur" de taak "Onderzoeksopdracht verstrekken" afrondt
    En "coordinator" de taak "Onderzoek starten en betrokkene informeren" toewijst aan "onderzoeker1"
    En "onderzoeker1" de taak "Onderzoek starten en betrokkene informeren" afrondt
    En "onderzoeker2" de taak "Hoorgesprek betrokkene voeren" afrondt
    En "onderzoeker2" de taak "Verslag hoorgesprek ter correctie aanbieden" afrondt
    En "onderzoeker2" de taak "Reactie op verslag verwerken" afrondt
    En "onderzoeker1" de taak "Conclusies per bewering en onderzoeksrapport" afrondt
    En "directeur" de taak "Ordemaatregel overwegen" afrondt

  Scenario: De onderzoeker adviseert en beslist niet over de afdoening
    Dan staat de taak "Sanctieadvies opstellen" open voor de rol "hr_adviseur"
    En ziet "hr" de taak "Sanctieadvies opstellen" in de werkvoorraad
    Maar ziet "onderzoeker1" de taak "Sanctieadvies opstellen" niet in de werkvoorraad
    En mag "onderzoeker1" de taak "Sanctieadvies opstellen" niet oppakken omdat "hoort bij de rol 'HR-adviseur'"
    Als "hr" de taak "Sanctieadvies opstellen" afrondt
    Dan staat de taak "Afdoening bepalen" open voor de rol "bevoegd_gezag"
    En mag "onderzoeker1" de taak "Afdoening bepalen" niet oppakken omdat "hoort bij de rol 'Bevoegd gezag'"

  Scenario: De HR-adviseur ziet hoe eerdere zaken in dezelfde categorie zijn afgedaan
    Gegeven een afgesloten zaak uit 2024 met categorie "Financiële schendingen" en afdoening "Schriftelijke berisping"
    En een afgesloten zaak uit 2025 met categorie "Financiële schendingen" en afdoening "Schriftelijke berisping; Vermindering IKB-uren"
    En een afgesloten zaak uit 2025 met categorie "Ongewenste omgangsvormen" en afdoening "Verplaatsing"
    Als "hr" de taak "Sanctieadvies opstellen" oppakt
    Dan ziet "hr" bij de taak "Sanctieadvies opstellen" de precedenten:
      | jaar | categorie              | afdoening                                       | uitkomst   |
      | 2025 | Financiële schendingen | Schriftelijke berisping; Vermindering IKB-uren | aangetoond |
      | 2024 | Financiële schendingen | Schriftelijke berisping                         | aangetoond |
    Maar ziet "hr" bij de taak "Sanctieadvies opstellen" geen precedent met categorie "Ongewenste omgangsvormen"
    Als "hr" de taak "Sanctieadvies opstellen" afrondt met:
      | veld               | waarde                                                                   |
      | advies_afdoeningen | [Schriftelijke berisping]                                                |
      | advies_motivering  | In lijn met de eerdere zaken over declaraties uit 2024 en 2025.          |
    Dan is er een brief "sanctieadvies" voor de "bevoegd_gezag"
    En bevat de brief "Ik adviseer u de volgende afdoening: schriftelijke berisping."
    En bevat de brief "In lijn met de eerdere zaken over declaraties uit 2024 en 2025."
    En bevat de brief "getoetst aan de afdoening van vergelijkbare zaken (precedenten)"
