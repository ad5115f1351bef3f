# language: nl
@cao:h15
Functionaliteit: Wettelijke waarborgen die geen formulier of proceswijziging kan omzeilen
  De procesbeheerder legt in het manifest vast welke maatregelen een straf zijn (CAO Rijk hoofdstuk 15), in
  welke volgorde van zwaarte, welke stappen het voornemen en de zienswijze zijn en welke datums vastliggen
  sinds de ontvangst. De engine toetst dat bij elke stap en weigert wat de wet niet toestaat; de zaak blijft
  dan zoals hij was.

  Achtergrond:
    Gegeven de demo-organisatie
    En het is 2 november 2026
    En medewerker "femke" met de rol "geen" bij "Douane"

  Scenario: Een overplaatsing zonder voornemen en zienswijze kan niet
    Gegeven "meldpunt" een melding registreert van "medewerker" over "femke" met categorie "Misbruik bevoegdheden"
    En het onderzoek door "onderzoeker2" en "onderzoeker1" is afgerond met de uitkomst "deels aangetoond"
    En "hr" de taak "Sanctieadvies opstellen" afrondt
    Dan mag "directeur" de taak "Afdoening bepalen" niet afronden omdat "geen toegestane waarde" met:
      | veld               | waarde                                  |
      | afdoening_keuze    | andere_afdoening                        |
      | afdoeningen        | [Verplaatsing]                          |
      | besluit_motivering | Meteen overplaatsen, zonder voornemen.  |
    En staat de taak "Afdoening bepalen" open voor de rol "bevoegd_gezag"
    En heeft de zaak de stap "Afsluiten zonder disciplinaire maatregel" niet doorlopen

  Scenario: Het besluit blijft binnen het voornemen waarop de betrokkene is gehoord
    Gegeven "meldpunt" een melding registreert van "medewerker" over "femke" met categorie "Misbruik bevoegdheden"
    En het onderzoek door "onderzoeker1" en "onderzoeker2" is afgerond met de uitkomst "aangetoond"
    En "hr" de taak "Sanctieadvies opstellen" afrondt
    En "directeur" de taak "Afdoening bepalen" afrondt met:
      | veld                  | waarde                      |
      | afdoening_keuze       | disciplinaire_maatregel     |
      | voorgenomen_maatregel | [Vermindering IKB-uren]     |
      | besluit_motivering    | Volgens het sanctieadvies.  |
    En "directeur" de taak "Voornemen disciplinaire maatregel verzenden" afrondt
    En "directeur" de taak "Zienswijze betrokkene verwerken" afrondt
    Dan mag "directeur" de taak "Besluit disciplinaire maatregel" niet afronden omdat "zwaardere-straf-dan-voornemen" met:
      | veld                    | waarde                               |
      | afdoeningen             | [Verplaatsing]                       |
      | ontslag_op_staande_voet | nee                                  |
      | besluit_motivering      | Zwaarder dan in het voornemen stond. |
    En mag "directeur" de taak "Besluit disciplinaire maatregel" niet afronden omdat "CAO Rijk hoofdstuk 15" met:
      | veld                    | waarde                      |
      | afdoeningen             | [Beëindiging dienstverband] |
      | ontslag_op_staande_voet | ja                          |
      | besluit_motivering      | Ontslag op staande voet.    |
    Als "directeur" de taak "Besluit disciplinaire maatregel" afrondt met:
      | veld                    | waarde                                    |
      | afdoeningen             | [Schriftelijke berisping]                 |
      | ontslag_op_staande_voet | nee                                       |
      | besluit_motivering      | De zienswijze is reden om lichter te straffen. |
    Dan is er een brief "besluit_disciplinaire_maatregel" voor de "betrokkene"

  Scenario: 'Geen zienswijze' kan pas na de termijn, tenzij de betrokkene schriftelijk afziet
    Gegeven "meldpunt" een melding registreert van "medewerker" over "femke" met categorie "Misbruik bevoegdheden"
    En het onderzoek door "onderzoeker1" en "onderzoeker2" is afgerond met de uitkomst "aangetoond"
    En "hr" de taak "Sanctieadvies opstellen" afrondt
    En "directeur" de taak "Afdoening bepalen" afrondt
    Als het 7 december 2026 is
    En "directeur" de taak "Voornemen disciplinaire maatregel verzenden" afrondt
    Dan is de termijn van de taak "Zienswijze betrokkene verwerken" 21 december 2026
    Als het 10 december 2026 is
    Dan mag "directeur" de taak "Zienswijze betrokkene verwerken" niet afronden omdat "loopt tot en met 21 december 2026" met:
      | veld                 | waarde |
      | zienswijze_ontvangen | nee    |
    En staat de taak "Besluit disciplinaire maatregel" niet open
    Als "directeur" de taak "Zienswijze betrokkene verwerken" afrondt met:
      | veld                     | waarde           |
      | zienswijze_ontvangen     | nee              |
      | zienswijze_afstand       | ja               |
      | zienswijze_afstand_datum | 10 december 2026 |
    Dan staat de taak "Besluit disciplinaire maatregel" open voor de rol "bevoegd_gezag"

  Scenario: Een voornemen dat niet schriftelijk aan de betrokkene gaat, wordt niet uitgerold
    # manifest.json: legal_rules.written_notices (het voornemen wordt schriftelijk meegedeeld)
    Als de procesbeheerder een versie uitrolt waarin de taak "Voornemen disciplinaire maatregel verzenden" geen ontvanger van de brief verklaart
    Dan wordt de versie niet uitgerold omdat "wordt schriftelijk meegedeeld aan 'betrokkene'" bij "afdoening.bpmn" en "Voornemen disciplinaire maatregel verzenden"

  @wet:Awb-art3:41
  Scenario: Een besluit over een straf dat niet schriftelijk aan de betrokkene gaat, wordt niet uitgerold
    # manifest.json: legal_rules.written_notices (het besluit wordt bekendgemaakt door toezending)
    Als de procesbeheerder een versie uitrolt waarin de taak "Besluit disciplinaire maatregel" geen ontvanger van de brief verklaart
    Dan wordt de versie niet uitgerold omdat "wordt schriftelijk meegedeeld aan 'betrokkene' (Awb art. 3:41" bij "afdoening.bpmn" en "Besluit disciplinaire maatregel"

  Scenario: Een kennisgeving van het onderzoek die niet schriftelijk aan de betrokkene gaat, wordt niet uitgerold
    # manifest.json: legal_rules.investigation en written_notices (de betrokkene wordt ingelicht vóór het hoorgesprek)
    Als de procesbeheerder een versie uitrolt waarin de taak "Onderzoek starten en betrokkene informeren" geen ontvanger van de brief verklaart
    Dan wordt de versie niet uitgerold omdat "wordt schriftelijk meegedeeld aan 'betrokkene' (Protocol integriteitsonderzoek" bij "onderzoek.bpmn" en "Onderzoek starten en betrokkene informeren"

  Scenario: Een processet voor integriteitszaken zonder wettelijke regels wordt niet uitgerold
    # manifest.json: legal_rules weggehaald en de straf vrije tekst; de banen, velden en mijlpalen van de zaak blijven
    Als de procesbeheerder een versie uitrolt zonder wettelijke regels en met de straf als vrije tekst
    Dan wordt de versie niet uitgerold omdat "'legal_rules' ontbreekt, maar deze processet behandelt integriteitszaken" in het manifest
    En wordt de versie niet uitgerold omdat "ligt in de baan 'HR-adviseur' (de HR-adviseur adviseert over de straf)" in het manifest

  Scenario: Alleen het bevoegd gezag verstrekt de onderzoeksopdracht
    # manifest.json: legal_rules.investigation (het bevoegd gezag verstrekt de opdracht vóór het onderzoek)
    Als de procesbeheerder een versie uitrolt waarin de taak "Onderzoeksopdracht verstrekken" aan de plaats "jurist_bezwaar" is gebonden
    Dan wordt de versie niet uitgerold omdat "alleen het bevoegd gezag verstrekt de onderzoeksopdracht" bij "integriteitsmelding.bpmn" en "Onderzoeksopdracht verstrekken"

  @wet:Wbk-art2a @richtlijn:2019-1937-art9
  Scenario: De datum van ontvangst schuift niet op naar de dag van registratie
    Gegeven het is 9 november 2026
    En iemand anoniem een melding doet via het publieke formulier met categorie "Misbruik bedrijfsmiddelen en overtreding interne regels" over "Dienstauto wordt privé gebruikt"
    Als het 13 november 2026 is
    Dan mag "meldpunt" de taak "Melding registreren" niet afronden omdat "alleen naar een eerdere datum" met:
      | veld          | waarde           |
      | datum_melding | 13 november 2026 |
    En mag "meldpunt" de taak "Melding registreren" niet afronden omdat "vereist een reden" met:
      | veld          | waarde          |
      | datum_melding | 6 november 2026 |
    Als "meldpunt" de taak "Melding registreren" afrondt met:
      | veld                          | waarde                                            |
      | datum_melding                 | 6 november 2026                                   |
      | datum_melding_correctie_reden | Het formulier kwam al eerder per post binnen.     |
    Dan is de termijn van de taak "Ontvangst bevestigen" 13 november 2026
    En bevat de audittrail de gebeurtenis "legal.date_corrected"
