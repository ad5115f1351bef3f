# language: nl
@wet:Wbk-art2a
Functionaliteit: Ontvangstbevestiging binnen 7 dagen
  Een melder krijgt binnen 7 dagen een bevestiging dat zijn melding is ontvangen.
  Gebeurt dat niet, dan volgt een escalatie naar de integriteitscoördinator.
  Valt het einde van de termijn op een weekend of feestdag, dan schuift hij door naar de volgende werkdag.

  Achtergrond:
    Gegeven de demo-organisatie
    En het is 2 november 2026

  @richtlijn:2019-1937-art9
  Scenario: Het meldpunt bevestigt de ontvangst op tijd
    Als "meldpunt" een melding registreert van "medewerker" met categorie "Financiële schendingen" over "Declaraties voor reizen die niet zijn gemaakt"
    En "meldpunt" de taak "Melding registreren" afrondt
    Dan ziet "meldpunt" de taak "Ontvangst bevestigen" in de werkvoorraad
    En is de termijn van de taak "Ontvangst bevestigen" 9 november 2026
    Als "meldpunt" de taak "Ontvangst bevestigen" afrondt met:
      | veld                     | waarde |
      | ontvangstbevestiging_via | email  |
    Dan is er een brief "ontvangstbevestiging" voor de "melder"
    En bevat de brief "Geachte heer/mevrouw Medewerker,"
    En bevat de brief "bevestig ik de ontvangst van uw melding"
    En bevat de brief "uiterlijk op 2 februari 2027"
    En staat de taak "Ontvangst bevestigen" niet open
    En bevat de audittrail de gebeurtenis "task.completed"

  Scenario: Geen bevestiging binnen 7 dagen leidt tot een escalatie
    Als "meldpunt" een melding registreert van "medewerker" met categorie "Financiële schendingen" over "Declaraties voor reizen die niet zijn gemaakt"
    En "meldpunt" de taak "Melding registreren" afrondt
    En er 8 dagen verstrijken
    Dan staat de taak "Escalatie: ontvangstbevestiging te laat" open voor de rol "integriteitscoordinator"
    En ziet "coordinator" de taak "Escalatie: ontvangstbevestiging te laat" in de werkvoorraad
    En ziet "meldpunt" de taak "Ontvangst bevestigen" bij de te late taken

  @atw:art1 @atw:art2
  Abstract Scenario: Een termijn die op een weekend of feestdag eindigt, loopt door tot de volgende werkdag
    Gegeven het is <meldingsdatum>
    Als "meldpunt" een melding registreert van "medewerker" met categorie "Financiële schendingen" over "Declaraties voor reizen die niet zijn gemaakt"
    En "meldpunt" de taak "Melding registreren" afrondt
    Dan is de termijn van de taak "Ontvangst bevestigen" <termijn>

    Voorbeelden:
      | meldingsdatum    | termijn          | waarom                                   |
      | 4 november 2026  | 11 november 2026 | gewone werkdag                           |
      | 7 november 2026  | 16 november 2026 | eindigt op zaterdag 14 november          |
      | 18 december 2026 | 28 december 2026 | eindigt op Eerste Kerstdag, dan weekend  |
      | 23 mei 2025      | 2 juni 2025      | eindigt op 30 mei 2025, bij besluit gelijkgesteld met een feestdag |

  Scenario: Een jaar zonder gelijkgestelde dagen in de instellingen zegt het scenario zelf
    Gegeven in 2031 zijn er geen gelijkgestelde dagen
    En het is 7 maart 2031
    Als "meldpunt" een melding registreert van "medewerker" met categorie "Financiële schendingen" over "Declaraties voor reizen die niet zijn gemaakt"
    En "meldpunt" de taak "Melding registreren" afrondt
    Dan is de termijn van de taak "Ontvangst bevestigen" 14 maart 2031

  Scenario: Een gelijkgestelde dag die het scenario zelf noemt, verlengt de termijn
    Gegeven de gelijkgestelde dagen in 2031 zijn 14 maart 2031
    En het is 7 maart 2031
    Als "meldpunt" een melding registreert van "medewerker" met categorie "Financiële schendingen" over "Declaraties voor reizen die niet zijn gemaakt"
    En "meldpunt" de taak "Melding registreren" afrondt
    Dan is de termijn van de taak "Ontvangst bevestigen" 17 maart 2031
