# language: nl
@wet:Wbk-art2a @richtlijn:2019-1937-art16
Functionaliteit: Melden via een vertrouwenspersoon
  Een medewerker kan via de vertrouwenspersoon melden. Het meldpunt gaat pas verder als de
  vertrouwenspersoon heeft bevestigd dat de melder toestemming geeft om de melding door te geven.

  Achtergrond:
    Gegeven de demo-organisatie
    En de rechtspositie van de organisatie is "publiekrechtelijk"
    En het is 2 november 2026
    En "vertrouwenspersoon" namens "medewerker" een melding doorgeeft met categorie "Financiële schendingen" over "Declaraties voor reizen die niet zijn gemaakt"

  Scenario: De vertrouwenspersoon bevestigt de toestemming; daarna volgt de ontvangstbevestiging
    Als "meldpunt" de taak "melding_registreren" afrondt
    Dan ziet "vertrouwenspersoon" de taak "Toestemming melder bevestigen" in de werkvoorraad
    Maar ziet "meldpunt" de taak "Toestemming melder bevestigen" niet in de werkvoorraad
    Als "vertrouwenspersoon" de taak "Toestemming melder bevestigen" afrondt met:
      | veld                          | waarde          |
      | toestemming_doorgeven         | ja              |
      | toestemming_datum             | 2 november 2026 |
      | toestemming_identiteit_delen  | nee             |
    Dan ziet "meldpunt" de taak "ontvangst_bevestigen" in de werkvoorraad

  Scenario: Een onderzoeker kan de toestemmingstaak niet eens vinden
    Als "meldpunt" de taak "melding_registreren" afrondt
    Dan mag "onderzoeker1" de taak "toestemming_vertrouwenspersoon" niet oppakken omdat "Taak niet gevonden"
