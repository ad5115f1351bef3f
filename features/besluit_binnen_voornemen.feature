# language: nl
@cao:h15
Functionaliteit: Het besluit legt niet meer straf op dan het voornemen waarop de betrokkene is gehoord
  De betrokkene wordt gehoord op het voornemen (CAO Rijk hoofdstuk 15). Het besluit mag daarom een lichtere straf
  opleggen in plaats van de voorgenomen straf, maar geen straf erbij: een voorgenomen straf plus een lichtere straf
  is samen zwaarder dan het voornemen, en op die combinatie is de betrokkene niet gehoord.

  Achtergrond:
    Gegeven de demo-organisatie
    En het is 2 november 2026
    En medewerker "femke" met de rol "geen" bij "Douane"

  Scenario: Een lichtere straf bovenop de voorgenomen straf wordt geweigerd; een lichtere straf in plaats ervan niet
    Gegeven "meldpunt" een melding registreert van "medewerker" over "femke" met categorie "Misbruik bevoegdheden"
    En het onderzoek door "onderzoeker1" en "onderzoeker2" is afgerond met de uitkomst "aangetoond"
    En "hr" de taak "Sanctieadvies opstellen" afrondt
    En "directeur" de taak "Afdoening bepalen" afrondt met:
      | veld                  | waarde                     |
      | afdoening_keuze       | disciplinaire_maatregel    |
      | voorgenomen_maatregel | [Verplaatsing]             |
      | besluit_motivering    | Volgens het sanctieadvies. |
    En "directeur" de taak "Voornemen disciplinaire maatregel verzenden" afrondt
    En "directeur" de taak "Zienswijze betrokkene verwerken" afrondt
    Dan mag "directeur" de taak "Besluit disciplinaire maatregel" niet afronden omdat "zwaardere-straf-dan-voornemen" met:
      | veld                    | waarde                                |
      | afdoeningen             | [Verplaatsing, Vermindering IKB-uren] |
      | ontslag_op_staande_voet | nee                                   |
      | besluit_motivering      | Verplaatsing en ook minder IKB-uren.  |
    En mag "directeur" de taak "Besluit disciplinaire maatregel" niet afronden omdat "zwaardere-straf-dan-voornemen" met:
      | veld                    | waarde                                                    |
      | afdoeningen             | [Schriftelijke berisping, Vermindering IKB-uren]          |
      | ontslag_op_staande_voet | nee                                                       |
      | besluit_motivering      | Twee lichtere straffen in plaats van de verplaatsing.     |
    Als "directeur" de taak "Besluit disciplinaire maatregel" afrondt met:
      | veld                    | waarde                                         |
      | afdoeningen             | [Vermindering IKB-uren]                        |
      | ontslag_op_staande_voet | nee                                            |
      | besluit_motivering      | De zienswijze is reden om lichter te straffen. |
    Dan is er een brief "besluit_disciplinaire_maatregel" voor de "betrokkene"
    En bevat de brief "vermindering IKB-uren"
    Maar bevat de brief niet "verplaatsing"
