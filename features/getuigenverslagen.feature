# language: nl
@protocol:hoor-en-wederhoor
Functionaliteit: Getuigen controleren, corrigeren en ondertekenen het verslag van hun verhoor
  Elke getuige die in het onderzoek is gehoord, krijgt het verslag van zijn verhoor met een brief en twee weken
  om het te controleren, te corrigeren en te ondertekenen. Wie niet reageert, laat na de termijn een escalatie
  voor de onderzoeker achter. Het rapport kan pas worden opgesteld als elke getuige reageerde of de termijn verliep.

  Achtergrond:
    Gegeven de demo-organisatie
    En het is 8 juni 2027
    En medewerker "bram" met de rol "geen" bij "Douane"
    En "meldpunt" een melding registreert van "medewerker" over "bram" met categorie "Misbruik bevoegdheden"
    En in het onderzoek door "onderzoeker1" en "onderzoeker2" zijn de getuigen "Fenna Visser", "Joost Mulder" gehoord

  Scenario: Elke getuige krijgt een eigen brief met het verslag en de termijn
    Als "onderzoeker1" het verslag van getuige "Fenna Visser" ter correctie aanbiedt
    En "onderzoeker1" het verslag van getuige "Joost Mulder" ter correctie aanbiedt
    Dan is er een brief "verslag_getuigenverhoor" voor getuige "Fenna Visser"
    En bevat de brief "Verklaring van Fenna Visser"
    En bevat de brief niet "Joost Mulder"
    En noemt de brief de termijn 22 juni 2027
    En staat de taak "Reactie getuige op verslag verwerken" open voor de rol "onderzoeker"
    En staat de taak "Conclusies per bewering en onderzoeksrapport" niet open

  Scenario: Het rapport wacht op de getuige die nog kan reageren
    Als "onderzoeker1" het verslag van getuige "Fenna Visser" ter correctie aanbiedt
    En "onderzoeker1" het verslag van getuige "Joost Mulder" ter correctie aanbiedt
    En "onderzoeker1" de reactie van getuige "Fenna Visser" verwerkt met:
      | veld                        | waarde                              |
      | getuige_correcties          | Het was woensdag, niet dinsdag.     |
      | getuige_verslag_ondertekend | ja                                  |
    Dan staat de taak "Conclusies per bewering en onderzoeksrapport" niet open
    Als er 14 dagen verstrijken
    Dan staat de taak "Conclusies per bewering en onderzoeksrapport" niet open
    En staat de taak "Escalatie: verslag getuige zonder reactie vaststellen" niet open
    Als er 1 dag verstrijkt
    Dan staat de taak "Escalatie: verslag getuige zonder reactie vaststellen" open voor de rol "onderzoeker"
    En staat de taak "Conclusies per bewering en onderzoeksrapport" niet open
    Als "onderzoeker1" de taak "Escalatie: verslag getuige zonder reactie vaststellen" afrondt
    Dan staat de taak "Conclusies per bewering en onderzoeksrapport" open voor de rol "onderzoeker"
