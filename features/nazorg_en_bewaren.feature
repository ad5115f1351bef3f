# language: nl
@richtlijn:2019-1937-art19 @avg:art5
Functionaliteit: Bewaartermijnen sluiten de melder niet buiten zolang de nazorg loopt
  Na afsluiting vervalt de ontvangstcode van de melder na de bewaartermijn voor ontvangstcodes (3 maanden in het
  manifest): daarna is er geen contact meer nodig. Maar het meldpunt vraagt de melder na 3 en 12 maanden via
  'Mijn melding' of hij nadelige gevolgen ervoer. Zolang er nog een nazorgvraag komt, een signaal van benadeling
  openstaat of de laatste nazorgvraag minder dan die 3 maanden geleden kwam, blijft de code werken en komt de zaak
  niet op de vernietigingslijst, ook niet als haar eigen bewaartermijn (1 jaar bij een ongegronde melding) al
  verstreken is. Daarna gaat de zaak alsnog op de lijst.

  Achtergrond:
    Gegeven de demo-organisatie
    En het is 2 november 2026

  Scenario: De anonieme melder kan ook de nazorgvraag na 12 maanden nog beantwoorden
    Gegeven iemand anoniem een melding doet via het publieke formulier met categorie "Financiële schendingen" over "Een collega declareert reizen die niet zijn gemaakt"
    En de zaak is afgesloten zonder onderzoek
    Als het 2 februari 2027 is
    En de timerworker draait
    Dan ziet de melder met de ontvangstcode de nazorgvraag "Heeft u na uw melding nadelige gevolgen ervaren?"
    Als het 10 februari 2027 is
    En de timerworker draait
    En de melder met de ontvangstcode de nazorgvraag beantwoordt met "nee"
    Als het 2 november 2027 is
    En de timerworker draait
    Dan ziet de melder met de ontvangstcode de nazorgvraag "Heeft u na uw melding nadelige gevolgen ervaren?"
    Als de melder met de ontvangstcode de nazorgvraag beantwoordt met "ja" en toelichting "Ik word sinds de zomer niet meer uitgenodigd."
    Dan heeft "coordinator" een taak om het signaal van benadeling op te volgen
    Als het 3 november 2027 is
    En de timerworker draait
    Dan staat de zaak met afdoening "Geen afdoening/actie" niet op de vernietigingslijst
    Als "coordinator" het signaal van benadeling afrondt met "geen benadeling vastgesteld" en motivering "Gesprek gevoerd; de overleggen zijn anders ingericht, niet vanwege de melding."
    En het 2 februari 2028 is
    En de timerworker draait
    Dan staat de zaak met afdoening "Geen afdoening/actie" niet op de vernietigingslijst
    Als het 3 februari 2028 is
    En de timerworker draait
    Dan staat de zaak met afdoening "Geen afdoening/actie" op de vernietigingslijst
