# language: nl
@avg:art15 @avg:art12
Functionaliteit: Inzageverzoek onder de AVG, met beperking van de verwerking
  Iedereen die in een zaak voorkomt (melder, betrokkene, getuige) mag weten welke gegevens het meldpunt over hem of
  haar verwerkt (AVG art. 15). Het antwoord moet binnen één maand na ontvangst (art. 12 lid 3); een verzoek dat
  daarna nog open staat, is te laat voor de integriteitscoördinator. De export (een zip met een Word-samenvatting
  en JSON) vervangt iedere andere persoon door zijn rol: de betrokkene ziet de melder nooit, tenzij de melder
  toestemming gaf. Een beperking van de verwerking (art. 18) houdt iemands gegevens buiten andermans export.

  Achtergrond:
    Gegeven de demo-organisatie
    En het is 8 juni 2027
    En medewerker "bram" met de rol "geen" bij "Douane"
    En "meldpunt" een melding registreert van "medewerker" over "bram" met categorie "Misbruik bevoegdheden"
    En in het onderzoek door "onderzoeker1" en "onderzoeker2" zijn de getuigen "Fenna Visser", "Joost Mulder" gehoord

  Scenario: De betrokkene krijgt zijn gegevens, zonder de melder en zonder de namen van de getuigen
    Als "coordinator" een inzageverzoek registreert van "bram" als betrokkene in de zaak
    Dan bevat de export "bram"
    En bevat de export "Verklaring van [getuige 1]: zag de betrokkene die dag op kantoor."
    En bevat de export niet "medewerker"
    En bevat de export niet "Fenna Visser"
    En bevat de export niet "Joost Mulder"

  Scenario: De melder krijgt haar eigen gegevens en de melding, zonder de naam van de betrokkene
    Als "coordinator" een inzageverzoek registreert van "medewerker" als melder in de zaak
    Dan bevat de export "medewerker"
    En bevat de export "medewerker@example.org"
    En bevat de export niet "bram"

  Scenario: Een getuige krijgt alleen het eigen verslag
    Als "coordinator" een inzageverzoek registreert van "Fenna Visser" als getuige in de zaak
    Dan bevat de export "Verklaring van Fenna Visser"
    En bevat de export niet "Joost Mulder"
    En bevat de export niet "medewerker"

  Scenario: Het verzoek heeft een termijn van een maand en is daarna te laat
    Dan mag "meldpunt" geen inzageverzoek registreren omdat "Alleen de integriteitscoördinator"
    Als "coordinator" een inzageverzoek registreert van "bram" als betrokkene in de zaak
    Dan loopt de termijn van het inzageverzoek tot en met 8 juli 2027
    Als het 8 juli 2027 is
    Dan is het inzageverzoek niet te laat voor "coordinator"
    Als het 9 juli 2027 is
    Dan is het inzageverzoek te laat voor "coordinator"

  Scenario: De termijn wordt eenmaal verlengd, met een reden; daarna wordt het verzoek afgehandeld
    Als "coordinator" een inzageverzoek registreert van "bram" als betrokkene in de zaak
    En "coordinator" de termijn van het inzageverzoek verlengt omdat "De persoon vroeg om alle zaken sinds 2020"
    Dan loopt de termijn van het inzageverzoek tot en met 8 september 2027
    En mag "coordinator" de termijn van het inzageverzoek niet nog eens verlengen omdat "inzagetermijn-al-verlengd"
    Als het 9 juli 2027 is
    Dan is het inzageverzoek niet te laat voor "coordinator"
    Als "coordinator" het inzageverzoek afhandelt
    Dan is het inzageverzoek afgehandeld door "coordinator"
    En mag "coordinator" de termijn van het inzageverzoek niet nog eens verlengen omdat "al afgehandeld"

  @avg:art18
  Scenario: Een beperking van de verwerking houdt de verklaring van een getuige buiten de export van de betrokkene
    Als "coordinator" de verwerking beperkt van getuige "Fenna Visser"
    En "coordinator" een inzageverzoek registreert van "bram" als betrokkene in de zaak
    Dan bevat de export niet "Verklaring van [getuige 1]"
    En bevat de export "Verklaring van [getuige 2]: zag de betrokkene die dag op kantoor."
    En bevat de export "Verklaring van getuige 1: de verwerking is beperkt"
