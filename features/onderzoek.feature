# language: nl
@protocol:hoor-en-wederhoor
Functionaliteit: Onderzoek door twee onderzoekers, hoor en wederhoor, en een ordemaatregel tijdens het onderzoek
  Het onderzoek wordt gedaan door twee verschillende onderzoekers: wie het onderzoek start, voert niet ook
  het hoorgesprek (hoor en wederhoor) en legt het verslag niet zelf ter correctie voor.
  Tijdens het onderzoek kan het bevoegd gezag een ordemaatregel nemen: schorsing (het salaris wordt
  doorbetaald) of een verbod om de werkplek te betreden. Dat is geen straf. De betrokkene krijgt daarover
  een brief en de maatregel wordt uiterlijk na 3 maanden heroverwogen.

  Achtergrond:
    Gegeven de demo-organisatie
    En het is 2 november 2026
    En "meldpunt" een melding registreert van "medewerker" met categorie "Financiële schendingen" over "Declaraties voor reizen die niet zijn gemaakt"
    En "meldpunt" de taak "Melding registreren" afrondt
    En "meldpunt" de taak "Ontvangst bevestigen" afrondt
    En "coordinator" de taak "Ernst en strafbaarheid (art. 162 Sv) inschatten" afrondt
    En "coordinator" de taak "Melding beoordelen en route kiezen" afrondt met:
      | veld                   | waarde               |
      | route                  | feitenonderzoek      |
      | onderzoek_soort        | intern               |
      | beoordeling_motivering | Ernstige verdenking. |
    En "directeur" de taak "Beslissen over onderzoeksopdracht" afrondt
    En "directeur" de taak "Onderzoeksopdracht verstrekken" afrondt
    En "coordinator" de taak "Onderzoek starten en betrokkene informeren" toewijst aan "onderzoeker1"
    En "onderzoeker1" de taak "Onderzoek starten en betrokkene informeren" afrondt

  Scenario: Het hoorgesprek wordt door een tweede onderzoeker gevoerd
    Dan mag "onderzoeker1" de taak "Hoorgesprek betrokkene voeren" niet oppakken omdat "belangenconflict"
    Als "onderzoeker2" de taak "Hoorgesprek betrokkene voeren" afrondt
    En "onderzoeker2" de taak "Verslag hoorgesprek ter correctie aanbieden" afrondt
    En "onderzoeker2" de taak "Reactie op verslag verwerken" afrondt met:
      | veld                | waarde                 |
      | reactie_ontvangen   | ja                     |
      | correcties          | Eén datum gecorrigeerd. |
      | verslag_ondertekend | ja                     |
    Dan heeft de zaak de stap "Reactie op verslag verwerken" doorlopen
    En staat de taak "Conclusies per bewering en onderzoeksrapport" open voor de rol "onderzoeker"

  @cao:h15
  Scenario: Het bevoegd gezag schorst de betrokkene tijdens het onderzoek
    Dan mag "onderzoeker1" de taak "Ordemaatregel overwegen" niet oppakken omdat "hoort bij de rol 'Bevoegd gezag'"
    Als "directeur" de taak "Ordemaatregel overwegen" afrondt met:
      | veld                     | waarde                                                                    |
      | ordemaatregel            | schorsing                                                                 |
      | ordemaatregel_motivering | Betrokkene heeft toegang tot de declaratiesystemen die onderzocht worden. |
    Dan staat de taak "Besluit ordemaatregel" open voor de rol "bevoegd_gezag"
    En mag "onderzoeker1" de taak "Besluit ordemaatregel" niet oppakken omdat "hoort bij de rol 'Bevoegd gezag'"
    Als "directeur" de taak "Besluit ordemaatregel" afrondt met:
      | veld                       | waarde          |
      | ordemaatregel_ingangsdatum | 2 november 2026 |
    Dan is er een brief "besluit_ordemaatregel" voor de "betrokkene"
    En bevat de brief "Geachte heer/mevrouw Betrokkene,"
    En bevat de brief "heb besloten u met onmiddellijke ingang, 2 november 2026, in het belang van de dienst te schorsen"
    En bevat de brief "Uw salaris wordt tijdens de schorsing doorbetaald"
    En bevat de brief "Het is geen straf"
    En bevat de brief "Betrokkene heeft toegang tot de declaratiesystemen die onderzocht worden."
    En bevat de brief "Uiterlijk op 2 februari 2027 beoordeel ik opnieuw of de maatregel nog nodig is"
    Maar bevat de brief niet "Mehmet Medewerker"
    En staat de taak "Ordemaatregel heroverwegen of beëindigen" open voor de rol "bevoegd_gezag"
    En is de termijn van de taak "Ordemaatregel heroverwegen of beëindigen" 2 februari 2027

  Scenario: Een schorsing die niet binnen 3 maanden is heroverwogen leidt tot een escalatie
    Als "directeur" de taak "Ordemaatregel overwegen" afrondt met:
      | veld                     | waarde                                                                    |
      | ordemaatregel            | schorsing                                                                 |
      | ordemaatregel_motivering | Betrokkene heeft toegang tot de declaratiesystemen die onderzocht worden. |
    En "directeur" de taak "Besluit ordemaatregel" afrondt met:
      | veld                       | waarde          |
      | ordemaatregel_ingangsdatum | 2 november 2026 |
    En het 2 februari 2027 is
    Dan staat de taak "Escalatie: heroverweging ordemaatregel" niet open
    Als het 3 februari 2027 is
    Dan staat de taak "Escalatie: heroverweging ordemaatregel" open voor de rol "integriteitscoordinator"
    En ziet "directeur" de taak "Ordemaatregel heroverwegen of beëindigen" bij de te late taken
