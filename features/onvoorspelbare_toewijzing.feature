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
    Dan is de taak "onderzoek_starten" niet toegewezen aan "olaf"
    En is de taak "onderzoek_starten" toegewezen aan een van "onderzoeker1", "onderzoeker2"

    Voorbeelden:
      | poging |
      | 1      |
      | 2      |
      | 3      |
      | 4      |
      | 5      |
