# language: nl
@wet:Wbk-art2a @richtlijn:2019-1937-art16
Functionaliteit: Brieven aan de betrokkene noemen de melder nooit
  De betrokkene mag niet te weten komen wie hem heeft gemeld. Het bevoegd gezag en de HR-adviseur zien de
  identiteit van de melder niet. Het bevoegd gezag schrijft de motivering van het besluit zelf; noemt die de melder (de volledige naam, de achternaam, de voornaam of
  voorletters met achternaam), dan wordt de brief aan de betrokkene niet opgesteld en blijft de zaak zoals hij
  was. Een motivering zonder de melder gaat wel door.

  Achtergrond:
    Gegeven de demo-organisatie
    En het is 2 november 2026
    En medewerker "femke" met de rol "geen" bij "Douane"

  Scenario: Een besluit waarvan de motivering de melder noemt, wordt niet opgesteld
    Gegeven "meldpunt" een melding registreert van "medewerker" over "femke" met categorie "Misbruik bevoegdheden"
    En het onderzoek door "onderzoeker1" en "onderzoeker2" is afgerond met de uitkomst "aangetoond"
    En "hr" de taak "Sanctieadvies opstellen" afrondt
    Dan ziet "hr" de identiteit van de melder niet
    En ziet "directeur" de identiteit van de melder niet
    Als "directeur" de taak "Afdoening bepalen" afrondt
    En "directeur" de taak "Voornemen disciplinaire maatregel verzenden" afrondt
    En "directeur" de taak "Zienswijze betrokkene verwerken" afrondt
    Als het 17 december 2026 is
    Dan mag "directeur" de taak "Besluit disciplinaire maatregel" niet afronden omdat "noemt de melder" met:
      | veld                    | waarde                                                                 |
      | afdoeningen             | [Schriftelijke berisping]                                              |
      | ontslag_op_staande_voet | nee                                                                    |
      | besluit_motivering      | Uw collega Mehmet Medewerker heeft gemeld dat u declaraties vervalste. |
    En mag "directeur" de taak "Besluit disciplinaire maatregel" niet afronden omdat "noemt de melder" met:
      | veld                    | waarde                                                       |
      | afdoeningen             | [Schriftelijke berisping]                                    |
      | ontslag_op_staande_voet | nee                                                          |
      | besluit_motivering      | Volgens MEHMET MEDEWERKER heeft u declaraties vervalst.      |
    En mag "directeur" de taak "Besluit disciplinaire maatregel" niet afronden omdat "noemt de melder" met:
      | veld                    | waarde                                                       |
      | afdoeningen             | [Schriftelijke berisping]                                    |
      | ontslag_op_staande_voet | nee                                                          |
      | besluit_motivering      | Volgens Mehmet heeft u declaraties vervalst.                 |
    En staat de taak "Besluit disciplinaire maatregel" open voor de rol "bevoegd gezag"
    Als "directeur" de taak "Besluit disciplinaire maatregel" afrondt met:
      | veld                    | waarde                                              |
      | afdoeningen             | [Schriftelijke berisping]                           |
      | ontslag_op_staande_voet | nee                                                 |
      | besluit_motivering      | Het onderzoek toont aan dat u declaraties vervalste. |
    Dan is er een brief "besluit_disciplinaire_maatregel" voor de "betrokkene"
    Maar bevat de brief niet "Mehmet"
