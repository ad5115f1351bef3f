# language: nl
@wet:Wbk-art2a @richtlijn:2019-1937-art9 @handreiking:Rijk-gegrondheid
Functionaliteit: Wettelijke termijnen lopen vanaf de ontvangst
  De termijnen van de melder (ontvangstbevestiging 7 dagen, gegrondheid 12 weken, terugkoppeling uiterlijk
  3 maanden na het einde van die 7 dagen) lopen vanaf de ontvangst van de melding, ook als nog niemand de
  melding heeft geregistreerd. Een melding die blijft liggen, is te laat en escaleert zoals elke andere.

  Achtergrond:
    Gegeven de demo-organisatie
    En het is 10 maart 2027

  Scenario: Een anonieme melding die niemand registreert, heeft de termijn van de ontvangstbevestiging
    Als iemand anoniem een melding doet via het publieke formulier met categorie "Misbruik bedrijfsmiddelen en overtreding interne regels" over "Dienstauto voor privéritten gebruikt"
    Dan is de termijn van de taak "Melding registreren" 17 maart 2027
    Als er 8 dagen verstrijken
    Dan staat de taak "Escalatie: melding niet geregistreerd, ontvangstbevestiging te laat" open voor de rol "integriteitscoordinator"
    En ziet "coordinator" de taak "Escalatie: melding niet geregistreerd, ontvangstbevestiging te laat" in de werkvoorraad
    En ziet "coordinator" de taak "Melding registreren" bij de te late taken
    En ziet "meldpunt" de taak "Melding registreren" bij de te late taken

  Scenario: De anonieme melder ziet zelf welke termijnen voor haar lopen, ook voordat iemand de melding registreert
    Als iemand anoniem een melding doet via het publieke formulier met categorie "Ongepaste communicatie" over "Kwetsende berichten in de teamapp"
    Dan ziet de melder met de ontvangstcode de termijn "ontvangstbevestiging" met einddatum 17 maart 2027
    En ziet de melder met de ontvangstcode de termijn "gegrondheid" met einddatum 2 juni 2027
    En ziet de melder met de ontvangstcode de termijn "terugkoppeling" met einddatum 17 juni 2027
    Als "meldpunt" de taak "Melding registreren" afrondt
    En "meldpunt" de taak "Ontvangst bevestigen" afrondt met:
      | veld                     | waarde              |
      | ontvangstbevestiging_via | anonieme_brievenbus |
    Dan ziet de melder met de ontvangstcode de termijn "ontvangstbevestiging" niet
    Maar ziet de melder met de ontvangstcode de termijn "terugkoppeling" met einddatum 10 juni 2027

  Scenario: Een melding die maanden blijft liggen, escaleert ook voor de gegrondheid en de terugkoppeling
    Als iemand anoniem een melding doet via het publieke formulier met categorie "Ongepaste communicatie" over "Kwetsende berichten in de teamapp"
    En er 85 dagen verstrijken
    Dan staat de taak "Escalatie: melding niet geregistreerd, gegrondheid niet binnen 12 weken gemeld" open voor de rol "integriteitscoordinator"
    En staat de taak "Escalatie: melding niet geregistreerd, terugkoppeling te laat" niet open
    Als er 15 dagen verstrijken
    Dan staat de taak "Escalatie: melding niet geregistreerd, terugkoppeling te laat" open voor de rol "integriteitscoordinator"
    En staat de taak "Melding registreren" open voor de rol "meldpunt"

  Scenario: Zonder ontvangstbevestiging loopt de terugkoppelingstermijn vanaf het einde van de 7 dagen
    Als "meldpunt" een melding registreert van "medewerker" met categorie "Financiële schendingen" over "Facturen van een bevriende leverancier"
    En "meldpunt" de taak "Melding registreren" afrondt
    Dan is de termijn van de taak "Ontvangst bevestigen" 17 maart 2027
    Als er 100 dagen verstrijken
    Dan staat de taak "Escalatie: geen ontvangstbevestiging, terugkoppeling te laat" open voor de rol "integriteitscoordinator"
    En staat de taak "Escalatie: geen ontvangstbevestiging, gegrondheid niet binnen 12 weken gemeld" open voor de rol "integriteitscoordinator"
    En ziet "coordinator" de taak "Ontvangst bevestigen" bij de te late taken
