# language: nl
Functionaliteit: Terugkoppeling aan de melder binnen 3 maanden, in algemene termen
  Binnen drie maanden na de ontvangstbevestiging hoort de melder hoe zijn melding is beoordeeld en opgevolgd.
  De terugkoppeling is in algemene termen: zij noemt de betrokkene niet en ook geen maatregel.

  Achtergrond:
    Gegeven de demo-organisatie
    En het is 2 november 2026
    En medewerker "cora" met de rol "geen" bij "Douane"
    En "meldpunt" een melding registreert van "medewerker" over "cora" met categorie "Financiële schendingen"
    En "meldpunt" de taak "melding_registreren" afrondt
    En "meldpunt" de taak "ontvangst_bevestigen" afrondt

  Scenario: De terugkoppeling heeft een termijn van 3 maanden na de ontvangstbevestiging
    Dan staat de taak "terugkoppeling_melder" open voor de rol "meldpunt"
    En is de termijn van de taak "terugkoppeling_melder" 2 februari 2027

  Scenario: De brief aan de melder noemt betrokkene noch maatregel
    Als "meldpunt" de taak "terugkoppeling_melder" afrondt met:
      | veld                | waarde                                                                  |
      | terugkoppeling_tekst | Uw melding is beoordeeld en wordt opgevolgd. Wij houden u op de hoogte. |
    Dan is er een brief "terugkoppeling" voor de "melder"
    En bevat de brief "Uw melding is beoordeeld en wordt opgevolgd"
    Maar bevat de brief niet "Cora"
    En bevat de brief niet "berisping"
    En bevat de brief niet "ontslag"

  Scenario: Te late terugkoppeling leidt tot een escalatie
    Als het 3 februari 2027 is
    Dan staat de taak "escalatie_terugkoppeling" open voor de rol "integriteitscoordinator"
    En ziet "meldpunt" de taak "terugkoppeling_melder" bij de te late taken
