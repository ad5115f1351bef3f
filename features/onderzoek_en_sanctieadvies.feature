# language: nl
Functionaliteit: Onderzoek door twee onderzoekers en sanctieadvies door de HR-adviseur
  Het onderzoek wordt gedaan door twee verschillende onderzoekers: wie het onderzoek start, voert niet ook
  het hoorgesprek (hoor en wederhoor) en legt het verslag niet zelf ter correctie voor.
  De onderzoeker adviseert en beslist niet over de afdoening: dat doen de HR-adviseur en het bevoegd gezag.

  Achtergrond:
    Gegeven de demo-organisatie
    En het is 2 november 2026
    En "meldpunt" een melding registreert van "medewerker" met categorie "Financiële schendingen" over "Declaraties voor reizen die niet zijn gemaakt"
    En "meldpunt" de taak "melding_registreren" afrondt
    En "meldpunt" de taak "ontvangst_bevestigen" afrondt
    En "coordinator" de taak "ernst_en_strafbaarheid" afrondt
    En "coordinator" de taak "melding_beoordelen" afrondt met:
      | veld                   | waarde               |
      | route                  | feitenonderzoek      |
      | onderzoek_soort        | intern               |
      | beoordeling_motivering | Ernstige verdenking. |
    En "directeur" de taak "onderzoeksopdracht_beslissen" afrondt
    En "directeur" de taak "onderzoeksopdracht_verstrekken" afrondt
    En "coordinator" de taak "onderzoek_starten" toewijst aan "onderzoeker1"
    En "onderzoeker1" de taak "onderzoek_starten" afrondt

  Scenario: Het hoorgesprek wordt door een tweede onderzoeker gevoerd
    Dan mag "onderzoeker1" de taak "hoorgesprek_voeren" niet oppakken omdat "Functiescheiding"
    Als "onderzoeker2" de taak "hoorgesprek_voeren" afrondt
    En "onderzoeker2" de taak "verslag_ter_correctie" afrondt
    En "onderzoeker2" de taak "reactie_verslag_verwerken" afrondt met:
      | veld                | waarde                 |
      | reactie_ontvangen   | ja                     |
      | correcties          | Eén datum gecorrigeerd. |
      | verslag_ondertekend | ja                     |
    Dan heeft de zaak de stap "reactie_verslag_verwerken" doorlopen
    En staat de taak "rapport_opstellen" open voor de rol "onderzoeker"

  Scenario: De onderzoeker adviseert en beslist niet over de afdoening
    Als "onderzoeker2" de taak "hoorgesprek_voeren" afrondt
    En "onderzoeker2" de taak "verslag_ter_correctie" afrondt
    En "onderzoeker2" de taak "reactie_verslag_verwerken" afrondt
    En "onderzoeker1" de taak "rapport_opstellen" afrondt
    En "directeur" de taak "ordemaatregel_overwegen" afrondt
    Dan staat de taak "sanctieadvies_opstellen" open voor de rol "hr_adviseur"
    En ziet "hr" de taak "sanctieadvies_opstellen" in de werkvoorraad
    Maar ziet "onderzoeker1" de taak "sanctieadvies_opstellen" niet in de werkvoorraad
    En mag "onderzoeker1" de taak "sanctieadvies_opstellen" niet oppakken omdat "hoort bij de rol 'HR-adviseur'"
    Als "hr" de taak "sanctieadvies_opstellen" afrondt
    Dan staat de taak "afdoening_bepalen" open voor de rol "bevoegd_gezag"
    En mag "onderzoeker1" de taak "afdoening_bepalen" niet oppakken omdat "hoort bij de rol 'Bevoegd gezag'"
