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
    Als "meldpunt" de taak "Melding registreren" afrondt
    Dan ziet "vertrouwenspersoon" de taak "Toestemming melder bevestigen" in de werkvoorraad
    Maar ziet "meldpunt" de taak "Toestemming melder bevestigen" niet in de werkvoorraad
    Als "vertrouwenspersoon" de taak "Toestemming melder bevestigen" afrondt met:
      | veld                          | waarde          |
      | toestemming_doorgeven         | ja              |
      | toestemming_datum             | 2 november 2026 |
      | toestemming_identiteit_delen  | nee             |
    Dan ziet "meldpunt" de taak "Ontvangst bevestigen" in de werkvoorraad

  Scenario: Een onderzoeker kan de toestemmingstaak niet eens vinden
    Als "meldpunt" de taak "Melding registreren" afrondt
    Dan mag "onderzoeker1" de taak "Toestemming melder bevestigen" niet oppakken omdat "Taak niet gevonden"

  Scenario: De vertrouwenspersoon die de toestemming bevestigde, onderzoekt de melding niet
    De vertrouwenspersoon luistert en geeft door, maar onderzoekt nooit (ook niet als zij ook onderzoeker is).
    Gegeven "vertrouwenspersoon" heeft ook de rol "onderzoeker"
    Als "meldpunt" de taak "Melding registreren" afrondt
    En "vertrouwenspersoon" de taak "Toestemming melder bevestigen" afrondt met:
      | veld                         | waarde          |
      | toestemming_doorgeven        | ja              |
      | toestemming_datum            | 2 november 2026 |
      | toestemming_identiteit_delen | nee             |
    En "meldpunt" de taak "Ontvangst bevestigen" afrondt
    En "coordinator" de taak "Ernst en strafbaarheid (art. 162 Sv) inschatten" afrondt
    En "coordinator" de taak "Melding beoordelen en route kiezen" afrondt met:
      | veld                   | waarde               |
      | route                  | feitenonderzoek      |
      | onderzoek_soort        | intern               |
      | beoordeling_motivering | Ernstige verdenking. |
    En "directeur" de taak "Beslissen over onderzoeksopdracht" afrondt
    En "directeur" de taak "Onderzoeksopdracht verstrekken" afrondt
    Dan mag "vertrouwenspersoon" de taak "Onderzoek starten en betrokkene informeren" niet oppakken omdat "belangenconflict"
    En mag "coordinator" de taak "Onderzoek starten en betrokkene informeren" niet toewijzen aan "vertrouwenspersoon" omdat "belangenconflict"
    Als "coordinator" de taak "Onderzoek starten en betrokkene informeren" toewijst aan "onderzoeker1"
    Dan ziet "onderzoeker1" de taak "Onderzoek starten en betrokkene informeren" in de werkvoorraad
