# language: nl
@wet:Wbk-art2a @richtlijn:2019-1937-art16
Functionaliteit: Anonieme melding met ontvangstcode en tweerichtingscommunicatie
  Iemand kan anoniem melden. Hij krijgt eenmalig een ontvangstcode waarmee hij later
  de stand van zijn melding ziet en berichten uitwisselt met het meldpunt, zonder zijn naam te geven.

  Achtergrond:
    Gegeven de demo-organisatie
    En het is 2 november 2026

  Scenario: Anoniem melden via het publieke formulier en berichten uitwisselen
    Als iemand anoniem een melding doet via het publieke formulier met categorie "Financiële schendingen" over "Een collega declareert reizen die niet zijn gemaakt"
    Dan krijgt de melder een ontvangstcode
    En ziet "meldpunt" de taak "Melding registreren" in de werkvoorraad
    Als "meldpunt" de taak "Melding registreren" oppakt
    Dan ziet "meldpunt" de identiteit van de melder niet
    Als "meldpunt" de melder het bericht "Wanneer vonden deze reizen plaats?" stuurt
    Dan ziet de melder met de ontvangstcode het bericht "Wanneer vonden deze reizen plaats?"
    Als de melder met de ontvangstcode het bericht "In maart, naar Groningen" stuurt
    Dan ziet "meldpunt" het bericht "In maart, naar Groningen" van de melder
    Maar ziet "onderzoeker1" het bericht "In maart, naar Groningen" van de melder niet
    En ziet de melder met de ontvangstcode het bericht "Is er iets nieuws?" niet

  @richtlijn:2019-1937-art9
  Scenario: De anonieme melder ziet dat de ontvangst is bevestigd
    Als iemand anoniem een melding doet via het publieke formulier met categorie "Financiële schendingen" over "Een collega declareert reizen die niet zijn gemaakt"
    En "meldpunt" de taak "Melding registreren" afrondt
    En "meldpunt" de taak "Ontvangst bevestigen" afrondt met:
      | veld                     | waarde              |
      | ontvangstbevestiging_via | anonieme_brievenbus |
    Dan ziet de melder met de ontvangstcode dat de ontvangst is bevestigd
    En ziet "meldpunt" de identiteit van de melder niet

  Scenario: Een medewerker registreert een anonieme melding; de code wordt één keer getoond
    Als "meldpunt" een anonieme melding registreert met categorie "Financiële schendingen" over "Misbruik van een bedrijfsauto"
    Dan krijgt de melder een ontvangstcode
    Als "meldpunt" de taak "Melding registreren" oppakt
    En de melder met de ontvangstcode het bericht "Ik heb foto's" stuurt
    Dan ziet "meldpunt" het bericht "Ik heb foto's" van de melder

  @richtlijn:2019-1937-art9
  Scenario: De anonieme melder leest de terugkoppeling in 'Mijn melding'
    Als iemand anoniem een melding doet via het publieke formulier met categorie "Financiële schendingen" over "Een collega declareert reizen die niet zijn gemaakt"
    En "meldpunt" de taak "Melding registreren" afrondt
    En "meldpunt" de taak "Ontvangst bevestigen" afrondt met:
      | veld                     | waarde              |
      | ontvangstbevestiging_via | anonieme_brievenbus |
    En "meldpunt" de taak "Terugkoppeling aan melder" afrondt met:
      | veld                 | waarde                                                |
      | terugkoppeling_tekst | Uw melding is beoordeeld en wordt opgevolgd door ons. |
    Dan leest de melder met de ontvangstcode de brief "terugkoppeling"
    En bevat de brief "Uw melding is beoordeeld en wordt opgevolgd door ons."

  Scenario: De brieven aan de anonieme melder noemen haar ontvangstcode niet
    Als iemand anoniem een melding doet via het publieke formulier met categorie "Financiële schendingen" over "Een collega declareert reizen die niet zijn gemaakt"
    En "meldpunt" de taak "Melding registreren" afrondt
    En "meldpunt" de taak "Ontvangst bevestigen" afrondt met:
      | veld                     | waarde              |
      | ontvangstbevestiging_via | anonieme_brievenbus |
    En "meldpunt" de taak "Terugkoppeling aan melder" afrondt met:
      | veld                 | waarde                                                |
      | terugkoppeling_tekst | Uw melding is beoordeeld en wordt opgevolgd door ons. |
    Dan leest de melder met de ontvangstcode de brief "ontvangstbevestiging"
    En bevat de brief de ontvangstcode niet
    Dan leest de melder met de ontvangstcode de brief "terugkoppeling"
    En bevat de brief de ontvangstcode niet
    Dan is er een brief "terugkoppeling_melder" voor de "melder"
    En bevat de brief de ontvangstcode niet
