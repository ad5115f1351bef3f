# language: nl
@richtlijn:2019-1937-art9
Functionaliteit: Mondeling melden; de melder controleert, corrigeert en ondertekent het verslag
  Een melder kan om een persoonlijk gesprek of een telefoongesprek vragen (EU-richtlijn 2019/1937 art. 9 lid 2).
  Het meldpunt legt de mondelinge melding vast met datum en kanaal en biedt het verslag via 'Mijn melding' aan,
  ook aan een anonieme melder. De melder controleert, corrigeert en ondertekent het binnen de termijn van het
  manifest (14 dagen, Algemene termijnenwet) (art. 18). Elke versie blijft bewaard; alleen de melder ondertekent.
  Verstrijkt de termijn zonder handtekening, dan krijgt het meldpunt een taak: de melder herinneren (de termijn
  begint opnieuw) of vastleggen dat niet is getekend, met een reden. Stuurt de melder correcties, dan krijgt het
  meldpunt een taak om een nieuwe versie voor te leggen; die nieuwe versie rondt de taak af. Alles staat in de
  audittrail.

  Achtergrond:
    Gegeven de demo-organisatie
    En het is 2 november 2026
    En iemand anoniem een melding doet via het publieke formulier met categorie "Financiële schendingen" over "Een collega declareert reizen die niet zijn gemaakt"
    En "meldpunt" de taak "Melding registreren" oppakt

  @richtlijn:2019-1937-art18
  Scenario: De anonieme melder vraagt een gesprek, corrigeert het verslag en ondertekent de nieuwe versie
    Als de melder met de ontvangstcode om een telefoongesprek vraagt
    Dan ziet "meldpunt" een verzoek om een telefoongesprek
    Als "meldpunt" een mondelinge melding per telefoon van 2 november 2026 vastlegt met het verslag "De melder vertelt dat de reizen sinds maart zijn gedeclareerd."
    Dan ziet de melder met de ontvangstcode versie 1 van het verslag ter ondertekening tot en met 16 november 2026
    En is het verslag niet ondertekend
    Als de melder met de ontvangstcode de correctie "Het was sinds februari, niet maart." stuurt
    Dan ziet "meldpunt" de correctie "Het was sinds februari, niet maart." als versie 2
    En heeft "meldpunt" een taak "Correcties van de melder verwerken"
    En kan de melder met de ontvangstcode het verslag niet ondertekenen
    Als "meldpunt" versie 3 van het verslag voorlegt: "De melder vertelt dat de reizen sinds februari zijn gedeclareerd."
    Dan ziet de melder met de ontvangstcode versie 3 van het verslag ter ondertekening tot en met 16 november 2026
    En heeft "meldpunt" geen taak "Correcties van de melder verwerken"
    Als de melder met de ontvangstcode versie 3 van het verslag ondertekent
    Dan is versie 3 van het verslag ondertekend door de melder

  @richtlijn:2019-1937-art18 @atw:art1
  Scenario: Zonder handtekening van de melder blijft het verslag niet-ondertekend, ook na de termijn
    Als "meldpunt" een mondelinge melding in een gesprek van 2 november 2026 vastlegt met het verslag "De melder licht de declaraties toe."
    Dan ziet de melder met de ontvangstcode versie 1 van het verslag ter ondertekening tot en met 16 november 2026
    Als er 15 dagen verstrijken
    Dan is het verslag niet ondertekend
    En ziet "meldpunt" dat de termijn van het verslag is verstreken
    En heeft "meldpunt" een taak "Verslag niet ondertekend"

  @richtlijn:2019-1937-art18 @atw:art1
  Scenario: Na de termijn herinnert het meldpunt de melder; de melder ondertekent alsnog
    Als "meldpunt" een mondelinge melding per telefoon van 2 november 2026 vastlegt met het verslag "De melder licht de declaraties toe."
    En er 14 dagen verstrijken
    Dan heeft "meldpunt" geen taak "Verslag niet ondertekend"
    Als er 1 dag verstrijkt
    Dan heeft "meldpunt" een taak "Verslag niet ondertekend"
    En heeft "coordinator" geen taak "Verslag niet ondertekend"
    Als "meldpunt" de melder herinnert aan het verslag
    Dan ziet de melder met de ontvangstcode een herinnering aan het verslag
    En ziet de melder met de ontvangstcode versie 1 van het verslag ter ondertekening tot en met 1 december 2026
    En heeft "meldpunt" geen taak "Verslag niet ondertekend"
    En bevat de audittrail de gebeurtenis "oral_report.reminded"
    Als de melder met de ontvangstcode versie 1 van het verslag ondertekent
    Dan is versie 1 van het verslag ondertekend door de melder
    Als er 30 dagen verstrijken
    Dan heeft "meldpunt" geen taak "Verslag niet ondertekend"

  @richtlijn:2019-1937-art18
  Scenario: De melder tekent niet; het meldpunt legt met een reden vast dat niet is getekend
    Als "meldpunt" een mondelinge melding in een gesprek van 2 november 2026 vastlegt met het verslag "De melder licht de declaraties toe."
    En er 15 dagen verstrijken
    En "meldpunt" vastlegt dat het verslag niet is ondertekend met de reden "De melder reageert niet en wil geen herinnering."
    Dan is vastgelegd dat de melder het verslag niet heeft ondertekend
    En is het verslag niet ondertekend
    En heeft "meldpunt" geen taak "Verslag niet ondertekend"
    En bevat de audittrail de gebeurtenis "oral_report.term_passed"
    En bevat de audittrail de gebeurtenis "oral_report.not_signed"
    En bevat de audittrail de gebeurtenis "contact_task.completed"
