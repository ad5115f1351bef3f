# language: nl
@wet:Wbk-art2a @richtlijn:2019-1937-art16
Functionaliteit: Vertrouwelijkheid van de melder en uitsluiting van betrokkenen
  Alleen het meldpunt en de integriteitscoördinator zien wie de melder is; andere behandelaars zien een pseudoniem.
  De inhoud van de melding lezen alle behandelaars, in de versie die het meldpunt heeft geredigeerd (zonder wat
  de melder herkenbaar maakt); tot die er is, lezen zij de omschrijving nog niet.
  De melder, de betrokkene en diens leidinggevende kunnen de zaak niet inzien, ook niet als zij zelf
  een toezichtsrol hebben.

  Achtergrond:
    Gegeven de demo-organisatie
    En het is 2 november 2026
    En medewerker "ruud" met de rol "integriteitscoordinator" bij "Douane"
    En medewerker "cora" met de rol "integriteitscoordinator" bij "Douane"
    En medewerker "lars" met de rol "integriteitscoordinator" bij "Douane"
    En "lars" is leidinggevende van "cora"
    En "meldpunt" een melding registreert van "ruud" over "cora" met categorie "Financiële schendingen"

  Scenario: Het meldpunt en de coördinator zien de identiteit van de melder
    Als "meldpunt" de taak "Melding registreren" oppakt
    Dan ziet "meldpunt" de identiteit van de melder
    En ziet "coordinator" de identiteit van de melder
    En bevat de audittrail de gebeurtenis "identity.read"

  Scenario: Melder, betrokkene en leidinggevende van de betrokkene zijn uitgesloten
    Dan kan "coordinator" de zaak inzien
    Maar kan "ruud" de zaak niet inzien
    En kan "cora" de zaak niet inzien
    En kan "lars" de zaak niet inzien

  Scenario: Een onderzoeker ziet alleen een pseudoniem
    Als "meldpunt" de taak "Melding registreren" afrondt
    En "meldpunt" de taak "Ontvangst bevestigen" afrondt
    En "coordinator" de taak "Ernst en strafbaarheid (art. 162 Sv) inschatten" afrondt
    En "coordinator" de taak "Melding beoordelen en route kiezen" afrondt met:
      | veld                   | waarde                       |
      | route                  | feitenonderzoek              |
      | onderzoek_soort        | intern                       |
      | beoordeling_motivering | Ernstige verdenking.         |
    En "directeur" de taak "Beslissen over onderzoeksopdracht" afrondt
    En "directeur" de taak "Onderzoeksopdracht verstrekken" afrondt
    Dan staat de taak "Onderzoek starten en betrokkene informeren" open voor de rol "onderzoeker"
    Als "coordinator" de taak "Onderzoek starten en betrokkene informeren" toewijst aan "onderzoeker1"
    Dan ziet "onderzoeker1" de taak "Onderzoek starten en betrokkene informeren" in de werkvoorraad
    Dan kan "onderzoeker1" de zaak inzien
    Maar ziet "onderzoeker1" de identiteit van de melder niet

  Scenario: Behandelaars lezen de melding zoals het meldpunt die heeft geredigeerd
    Als "meldpunt" de taak "Melding registreren" afrondt
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
    Dan leest "onderzoeker1" de omschrijving nog niet
    En leest "directeur" de omschrijving nog niet
    En mag "coordinator" de melding niet redigeren
    En mag "onderzoeker1" de melding niet redigeren
    Als "meldpunt" de melding redigeert tot "Een collega declareert reizen die niet zijn gemaakt."
    Dan leest "onderzoeker1" de omschrijving "Een collega declareert reizen die niet zijn gemaakt."
    En leest "directeur" de omschrijving "Een collega declareert reizen die niet zijn gemaakt."
    En leest "coordinator" de omschrijving "Declaraties voor reizen die niet zijn gemaakt"
    Maar ziet "onderzoeker1" de identiteit van de melder niet

  Scenario: De identiteit bekendmaken vraagt goedkeuring en eerst een brief aan de melder
    Gegeven medewerker "cor2" met de rol "Integriteitscoördinator" bij "Douane"
    Als "meldpunt" de taak "Melding registreren" afrondt
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
    En "coordinator" verzoekt de identiteit van de melder bekend te maken aan "onderzoeker1" omdat "De melder wordt als getuige gehoord"
    Dan ziet "onderzoeker1" de identiteit van de melder niet
    En mag "coordinator" het verzoek om de identiteit bekend te maken niet goedkeuren omdat "verzoek dat u zelf deed"
    Als "cor2" het verzoek om de identiteit bekend te maken goedkeurt
    Dan is de melder vooraf schriftelijk geïnformeerd over het bekendmaken van zijn identiteit
    En is er een brief "kennisgeving_bekendmaking_identiteit" voor de "melder"
    En bevat de brief "De melder wordt als getuige gehoord"
    En bevat de brief "in de rol van onderzoeker"
    Maar bevat de brief niet "Cora"
    En ziet "onderzoeker1" de identiteit van de melder

  Scenario: Noemt de reden de betrokkene, dan gaat de bekendmaking niet door
    Gegeven medewerker "cor2" met de rol "integriteitscoordinator" bij "Douane"
    Als "meldpunt" de taak "Melding registreren" afrondt
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
    En "coordinator" verzoekt de identiteit van de melder bekend te maken aan "onderzoeker1" omdat "Cora wil weten wie haar heeft gemeld"
    Dan mag "cor2" het verzoek om de identiteit bekend te maken niet goedkeuren omdat "vertrouwelijke gegeven"
    En ziet "onderzoeker1" de identiteit van de melder niet
