# language: nl
@richtlijn:2019-1937-art9
Functionaliteit: Onvoorspelbare toewijzing zonder belangenconflict
  Het systeem wijst een onderzoek toe aan een onderzoeker die niet vooraf te voorspellen is,
  maar nooit aan iemand die in de zaak betrokken is (melder, betrokkene of diens leidinggevende).

  Abstract Scenario: De betrokkene krijgt het onderzoek nooit, ook niet als hij onderzoeker is (poging <poging>)
    Gegeven de demo-organisatie
    En het is 2 november 2026
    En medewerker "olaf" met de rol "onderzoeker" bij "Douane"
    En "meldpunt" een melding registreert van "medewerker" over "olaf" met categorie "Financiële schendingen"
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
    Dan is de taak "Onderzoek starten en betrokkene informeren" niet toegewezen aan "olaf"
    En is de taak "Onderzoek starten en betrokkene informeren" toegewezen aan een van "onderzoeker1", "onderzoeker2"

    Voorbeelden:
      | poging |
      | 1      |
      | 2      |
      | 3      |
      | 4      |
      | 5      |
