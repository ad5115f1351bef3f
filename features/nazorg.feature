# language: nl
@richtlijn:2019-1937-art19
Functionaliteit: Nazorg na afsluiting: het meldpunt vraagt de melder naar nadelige gevolgen
  Benadeling volgt vaak pas later. Na het afsluiten van de zaak vraagt het meldpunt de melder via 'Mijn melding'
  na de termijnen van het manifest (3 en 12 maanden) of hij nadelige gevolgen ervoer. Een 'ja' wordt een taak voor
  de integriteitscoördinator (oppakken, afronden met uitkomst en motivering, in de audittrail) en de melder ziet
  waar hij het Huis voor Klokkenluiders vindt. Zonder 'Mijn melding'
  wordt niets verstuurd, en dat is zichtbaar.

  Achtergrond:
    Gegeven de demo-organisatie
    En het is 2 november 2026

  Scenario: De melder meldt nadelige gevolgen; de integriteitscoördinator krijgt een taak
    Gegeven iemand anoniem een melding doet via het publieke formulier met categorie "Financiële schendingen" over "Een collega declareert reizen die niet zijn gemaakt"
    En de zaak is afgesloten zonder onderzoek
    Dan ziet "meldpunt" nazorg gepland op 2 februari 2027 en 2 november 2027
    Als er 91 dagen verstrijken
    Dan ziet de melder met de ontvangstcode geen nazorgvraag
    Als er 1 dag verstrijkt
    Dan ziet de melder met de ontvangstcode de nazorgvraag "Heeft u na uw melding nadelige gevolgen ervaren?"
    En ziet de melder met de ontvangstcode geen verwijzing naar het Huis voor Klokkenluiders
    Als de melder met de ontvangstcode de nazorgvraag beantwoordt met "ja" en toelichting "Ik word niet meer uitgenodigd voor overleg."
    Dan ziet de melder met de ontvangstcode de verwijzing naar het Huis voor Klokkenluiders
    En heeft "coordinator" een taak om het signaal van benadeling op te volgen
    Maar heeft "meldpunt" geen taak om een signaal van benadeling op te volgen
    Als "coordinator" het signaal van benadeling afrondt met "doorverwezen" en motivering "Melder gewezen op het Huis voor Klokkenluiders; gesprek met de vertrouwenspersoon gepland."
    Dan heeft "coordinator" geen taak om een signaal van benadeling op te volgen
    En ziet "coordinator" het signaal van benadeling afgerond met "doorverwezen" en motivering "Melder gewezen op het Huis voor Klokkenluiders; gesprek met de vertrouwenspersoon gepland."
    En bevat de audittrail de gebeurtenis "contact_task.claimed"
    En bevat de audittrail de gebeurtenis "contact_task.completed"

  Scenario: Geen nadelige gevolgen: geen taak
    Gegeven iemand anoniem een melding doet via het publieke formulier met categorie "Financiële schendingen" over "Een collega declareert reizen die niet zijn gemaakt"
    En de zaak is afgesloten zonder onderzoek
    Als er 92 dagen verstrijken
    En de melder met de ontvangstcode de nazorgvraag beantwoordt met "nee"
    Dan heeft "coordinator" geen taak om een signaal van benadeling op te volgen
    En ziet de melder met de ontvangstcode geen verwijzing naar het Huis voor Klokkenluiders

  Scenario: Zonder 'Mijn melding' wordt geen nazorgvraag verstuurd, en dat is zichtbaar
    Gegeven "meldpunt" een melding registreert van "medewerker" met categorie "Financiële schendingen" over "Declaraties voor reizen die niet zijn gemaakt"
    En de zaak is afgesloten zonder onderzoek
    Als er 400 dagen verstrijken
    Dan ziet "meldpunt" dat de nazorg niet is verstuurd omdat de melder geen ‘Mijn melding’ heeft
