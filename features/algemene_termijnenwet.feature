# language: nl
@atw:art1 @atw:art2
Functionaliteit: De Algemene termijnenwet, los van een zaak
  Een wettelijke termijn die op een zaterdag, zondag of algemeen erkende feestdag eindigt, loopt door tot de
  eerstvolgende werkdag (art. 1). Een termijn van ten minste drie dagen omvat ten minste twee werkdagen (art. 2).
  Hier wordt alleen de rekenregel getoetst, zoals een jurist hem narekent.

  Achtergrond:
    Gegeven de demo-organisatie

  Scenario: Een termijn van drie dagen over Kerstmis en een weekend omvat twee werkdagen
    Dan eindigt de termijn van 3 dagen vanaf donderdag 24 december 2026 op dinsdag 29 december 2026
    En de termijn van 7 dagen vanaf maandag 2 november 2026 eindigt op maandag 9 november 2026

  Scenario: Een termijn die op een zondag eindigt, loopt door tot maandag
    Dan eindigt de termijn van 6 weken vanaf zondag 1 november 2026 op maandag 14 december 2026
    En eindigt de termijn van 14 dagen vanaf 28 maart 2027 op 12 april 2027

  Scenario: Een jaar zonder vastgestelde gelijkgestelde dagen zegt het scenario zelf
    Gegeven in 2031 zijn er geen gelijkgestelde dagen
    Dan eindigt de termijn van 1 maand vanaf vrijdag 31 januari 2031 op vrijdag 28 februari 2031
