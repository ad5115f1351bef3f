# language: nl
@wet:Wbk-art2a @richtlijn:2019-1937-art9
Functionaliteit: Termijnen van de melder en een onpartijdig bevoegd gezag, getoetst door de compliance-tester
  De melder hoort uiterlijk drie maanden na de ontvangstbevestiging hoe zijn melding is opgevolgd; is er binnen
  de 7 dagen geen bevestiging verstuurd, dan lopen de drie maanden vanaf het einde van die 7 dagen (EU-richtlijn
  2019/1937 art. 9 lid 1 onder f). Valt het einde op een weekend, dan loopt de termijn door tot de eerstvolgende
  werkdag (Algemene termijnenwet art. 1). De opvolging ligt bij een onpartijdige functionaris: het bevoegd gezag
  dat zelf de melding deed, geeft de onderzoeksopdracht niet.

  Achtergrond:
    Gegeven de demo-organisatie
    En het is 2 november 2026

  @atw:art1
  Scenario: De drie maanden voor de terugkoppeling lopen vanaf de dag van de ontvangstbevestiging
    Gegeven "meldpunt" een melding registreert van "medewerker" met categorie "Financiële schendingen" over "Facturen van een bevriende leverancier"
    En "meldpunt" de taak "Melding registreren" afrondt
    Als het 6 november 2026 is
    En "meldpunt" de taak "Ontvangst bevestigen" afrondt
    Dan is er een brief "ontvangstbevestiging" voor de "melder"
    En noemt de brief de termijn 8 februari 2027
    Als het 8 februari 2027 is
    Dan staat de taak "Escalatie: terugkoppeling melder te laat" niet open
    Als het 9 februari 2027 is
    Dan staat de taak "Escalatie: terugkoppeling melder te laat" open voor de rol "integriteitscoördinator"
    En ziet "meldpunt" de taak "Terugkoppeling aan melder" bij de te late taken

  Scenario: Een te late ontvangstbevestiging schuift de terugkoppeling niet op
    Gegeven "meldpunt" een melding registreert van "medewerker" met categorie "Financiële schendingen" over "Facturen van een bevriende leverancier"
    En "meldpunt" de taak "Melding registreren" afrondt
    Als het 12 november 2026 is
    Dan staat de taak "Escalatie: ontvangstbevestiging te laat" open voor de rol "integriteitscoördinator"
    Als "meldpunt" de taak "Ontvangst bevestigen" afrondt
    Dan is er een brief "ontvangstbevestiging" voor de "melder"
    En noemt de brief de termijn 9 februari 2027
    Als het 10 februari 2027 is
    Dan staat de taak "Escalatie: terugkoppeling melder te laat" open voor de rol "integriteitscoördinator"

  Scenario: Het bevoegd gezag dat zelf de melding deed, geeft de onderzoeksopdracht niet
    Gegeven medewerker "femke" met de rol "geen" bij "Douane"
    En medewerker "dirk" met de rol "bevoegd gezag" bij "Douane"
    En "meldpunt" een melding registreert van "directeur" over "femke" met categorie "Misbruik bevoegdheden"
    En "meldpunt" de taak "Melding registreren" afrondt
    En "meldpunt" de taak "Ontvangst bevestigen" afrondt
    En "coordinator" de taak "Ernst en strafbaarheid (art. 162 Sv) inschatten" afrondt
    Als "coordinator" de taak "Melding beoordelen en route kiezen" afrondt met:
      | veld                   | waarde                              |
      | route                  | feitenonderzoek                     |
      | onderzoek_soort        | intern                              |
      | beoordeling_motivering | De directeur meldt een ernstig feit. |
    Dan staat de taak "Beslissen over onderzoeksopdracht" open voor de rol "bevoegd gezag"
    Maar ziet "directeur" de taak "Beslissen over onderzoeksopdracht" niet in de werkvoorraad
    En kan "directeur" de zaak niet inzien
    En mag "coordinator" de taak "Beslissen over onderzoeksopdracht" niet toewijzen aan "directeur" omdat "partij in de zaak"
    Als "dirk" de taak "Beslissen over onderzoeksopdracht" afrondt
    En "dirk" de taak "Onderzoeksopdracht verstrekken" afrondt
    Dan is er een brief "onderzoeksopdracht" voor de "onderzoeker"
    En staat de taak "Onderzoek starten en betrokkene informeren" open voor de rol "onderzoeker"
