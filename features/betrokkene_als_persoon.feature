# language: nl
@richtlijn:2019-1937-art9
Functionaliteit: De betrokkene is een persoon, of uitdrukkelijk extern of onbekend
  Bij de registratie kiest het meldpunt de betrokkene uit de medewerkers van de organisatie, of legt het
  uitdrukkelijk "extern/onbekend" vast. Een registratie zonder die keuze wordt geweigerd en er verandert niets.
  Een gekozen medewerker en diens leidinggevende zijn van de zaak uitgesloten.

  Achtergrond:
    Gegeven de demo-organisatie
    En het is 14 september 2027
    En iemand anoniem een melding doet via het publieke formulier met categorie "Misbruik bedrijfsmiddelen en overtreding interne regels" over "Een collega neemt kantoorlaptops mee naar huis"

  Scenario: Zonder keuze voor de betrokkene wordt de registratie geweigerd
    Dan mag "meldpunt" de taak "Melding registreren" niet afronden omdat "'Betrokkene als medewerker' is verplicht" met:
      | veld               | waarde |
      | betrokkene_persoon |        |
    En staat de taak "Melding registreren" open voor de rol "meldpunt"

  Scenario: Een gekozen medewerker en diens leidinggevende zien de zaak niet
    Als "meldpunt" de taak "Melding registreren" afrondt met:
      | veld               | waarde     |
      | betrokkene_persoon | medewerker |
    Dan kan "medewerker" de zaak niet inzien
    En kan "teamleider" de zaak niet inzien
    Maar kan "coordinator" de zaak inzien

  Scenario: Extern of onbekend is een uitdrukkelijke keuze
    Als "meldpunt" de taak "Melding registreren" afrondt met:
      | veld               | waarde          |
      | betrokkene_persoon | extern/onbekend |
    Dan staat de taak "Ontvangst bevestigen" open voor de rol "meldpunt"
