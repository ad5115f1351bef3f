# language: nl
@cao:h15
Functionaliteit: Afdoening: voornemen, zienswijze en besluit, en de rechtsgang daarna
  Voordat het bevoegd gezag een disciplinaire straf oplegt, krijgt de betrokkene eerst schriftelijk het
  voornemen. De betrokkene mag daarop binnen 14 dagen een zienswijze geven (schriftelijk en/of mondeling, met
  bijstand). Daarna volgt het besluit, ook als er geen zienswijze komt.
  Wat de betrokkene daarna kan doen, hangt af van de rechtspositie van de organisatie:
  - publiekrechtelijke aanstelling: binnen 6 weken bezwaar (Algemene wet bestuursrecht); het bezwaar wordt
    behandeld door een jurist die niet eerder bij de zaak betrokken was;
  - arbeidsovereenkomst: geen bezwaar; een ontslag op staande voet kan binnen 2 maanden bij de kantonrechter
    worden aangevochten.

  Achtergrond:
    Gegeven de demo-organisatie
    En het is 2 november 2026
    En medewerker "cora" met de rol "geen" bij "Douane"

  Abstract Scenario: Voornemen, zienswijze en besluit bij rechtspositie "<rechtspositie>"
    Gegeven de rechtspositie van de organisatie is "<rechtspositie>"
    En "meldpunt" een melding registreert van "medewerker" over "cora" met categorie "Financiële schendingen"
    En het onderzoek door "onderzoeker1" en "onderzoeker2" is afgerond met de uitkomst "aangetoond"
    En "hr" de taak "Sanctieadvies opstellen" afrondt
    En "directeur" de taak "Afdoening bepalen" afrondt met:
      | veld                  | waarde                     |
      | afdoening_keuze       | disciplinaire_maatregel    |
      | voorgenomen_maatregel | [Schriftelijke berisping]  |
      | besluit_motivering    | Conform het sanctieadvies. |
    Als het 2 december 2026 is
    En "directeur" de taak "Voornemen disciplinaire maatregel verzenden" afrondt
    Dan is er een brief "voornemen_disciplinaire_maatregel" voor de "betrokkene"
    En bevat de brief "Geachte heer/mevrouw Cora,"
    En bevat de brief "ben ik voornemens u de volgende disciplinaire maatregel op te leggen: schriftelijke berisping"
    En noemt de brief de termijn 16 december 2026
    En is de termijn van de taak "Zienswijze betrokkene verwerken" 16 december 2026
    Als "directeur" de taak "Zienswijze betrokkene verwerken" afrondt met:
      | veld                    | waarde                                      |
      | zienswijze_ontvangen    | ja                                          |
      | zienswijze_vorm         | schriftelijk_en_mondeling                   |
      | zienswijze_samenvatting | Betrokkene erkent de feiten en betreurt ze. |
      | bijstand_aanwezig       | ja                                          |
    En "directeur" de taak "Besluit disciplinaire maatregel" afrondt met:
      | veld                    | waarde                                       |
      | afdoeningen             | [Schriftelijke berisping]                    |
      | ontslag_op_staande_voet | nee                                          |
      | besluit_motivering      | De zienswijze geeft geen reden tot afwijken. |
    Dan is er een brief "besluit_disciplinaire_maatregel" voor de "betrokkene"
    En bevat de brief "Geachte heer/mevrouw Cora,"
    En bevat de brief "Ik heb uw zienswijze bij mijn besluit betrokken"
    En bevat de brief "<rechtsmiddel>"
    Maar bevat de brief niet "<niet_in_de_brief>"
    En staat de taak "<vervolgtaak>" open voor de rol "<rol>"

    Voorbeelden:
      | rechtspositie       | rechtsmiddel                    | niet_in_de_brief | vervolgtaak                   | rol                     |
      | publiekrechtelijk   | binnen zes weken                | kantonrechter    | Bezwaar registreren           | jurist                  |
      | arbeidsovereenkomst | Bezwaar is daarom niet mogelijk | bezwaarschrift   | Zaak registreren en afsluiten | integriteitscoordinator |

  @handreiking:Rijk-gegrondheid
  Scenario: Ook als meer medewerkers onderzoeker zijn, doen de genoemde onderzoekers het onderzoek
    Gegeven medewerker "olaf" met de rol "onderzoeker" bij "Douane"
    En medewerker "otto" met de rol "onderzoeker" bij "Douane"
    En "meldpunt" een melding registreert van "medewerker" over "cora" met categorie "Financiële schendingen"
    En het onderzoek door "onderzoeker1" en "onderzoeker2" is afgerond met de uitkomst "deels aangetoond"
    Dan leest "coordinator" in de zaak bij "Uitkomst onderzoek (geheel)" de waarde "Deels aangetoond"
    En leest "coordinator" in de zaak bij "Melding" de waarde "Deels gegrond"
    En leest "coordinator" in de zaak bij "Datum melding" de waarde "2 november 2026"
    En kan "onderzoeker1" de brief "ontvangstbevestiging" voor de "melder" niet openen
    En staat de taak "Sanctieadvies opstellen" open voor de rol "HR-adviseur"

  Scenario: Zonder zienswijze binnen de termijn volgt het besluit toch
    Gegeven de rechtspositie van de organisatie is "arbeidsovereenkomst"
    En "meldpunt" een melding registreert van "medewerker" over "cora" met categorie "Financiële schendingen"
    En het onderzoek door "onderzoeker1" en "onderzoeker2" is afgerond met de uitkomst "aangetoond"
    En "hr" de taak "Sanctieadvies opstellen" afrondt
    En "directeur" de taak "Afdoening bepalen" afrondt
    Als het 2 december 2026 is
    En "directeur" de taak "Voornemen disciplinaire maatregel verzenden" afrondt
    Dan is er een brief "voornemen_disciplinaire_maatregel" voor de "betrokkene"
    En noemt de brief de termijn 16 december 2026
    Als het 16 december 2026 is
    Dan staat de taak "Zienswijze betrokkene verwerken" open voor de rol "bevoegd gezag"
    Als het 17 december 2026 is
    Dan staat de taak "Zienswijze betrokkene verwerken" niet open
    En heeft de zaak de stap "Geen zienswijze ontvangen" doorlopen
    En staat de taak "Besluit disciplinaire maatregel" open voor de rol "bevoegd_gezag"
    Als "directeur" de taak "Besluit disciplinaire maatregel" afrondt
    Dan is er een brief "besluit_disciplinaire_maatregel" voor de "betrokkene"
    En bevat de brief "U heeft binnen de gestelde termijn geen zienswijze op het voornemen naar voren gebracht"
    Maar bevat de brief niet "Ik heb uw zienswijze bij mijn besluit betrokken"

  @wet:Awb-art6:7
  Scenario: Het bezwaar wordt behandeld door een jurist die niet eerder bij de zaak betrokken was
    Het bevoegd gezag, de HR-adviseur en een onderzoeker hebben hier ook de rol jurist. Omdat zij al aan
    deze zaak werkten, mogen zij het bezwaar niet behandelen; een jurist die dat niet deed wel.
    Gegeven de rechtspositie van de organisatie is "publiekrechtelijk"
    En "directeur" heeft ook de rol "jurist"
    En "hr" heeft ook de rol "jurist"
    En "onderzoeker2" heeft ook de rol "jurist"
    En "meldpunt" een melding registreert van "medewerker" over "cora" met categorie "Financiële schendingen"
    En het onderzoek door "onderzoeker1" en "onderzoeker2" is afgerond met de uitkomst "aangetoond"
    En "hr" de taak "Sanctieadvies opstellen" afrondt
    En "directeur" de taak "Afdoening bepalen" afrondt
    En "directeur" de taak "Voornemen disciplinaire maatregel verzenden" afrondt
    En "directeur" de taak "Zienswijze betrokkene verwerken" afrondt
    Als het 17 december 2026 is
    En "directeur" de taak "Besluit disciplinaire maatregel" afrondt
    Dan staat de taak "Bezwaar registreren" open voor de rol "jurist"
    En is de termijn van de taak "Bezwaar registreren" 28 januari 2027
    Maar mag "hr" de taak "Bezwaar registreren" niet oppakken omdat "al bij de zaak betrokken"
    Als "jurist1" de taak "Bezwaar registreren" afrondt met:
      | veld              | waarde          |
      | bezwaar_ingediend | ja              |
      | bezwaar_datum     | 14 januari 2027 |
    Dan staat de taak "Bezwaar behandelen" open voor de rol "jurist"
    Maar mag "directeur" de taak "Bezwaar behandelen" niet oppakken omdat "al bij de zaak betrokken"
    En mag "hr" de taak "Bezwaar behandelen" niet oppakken omdat "al bij de zaak betrokken"
    En mag "onderzoeker2" de taak "Bezwaar behandelen" niet oppakken omdat "al bij de zaak betrokken"
    En mag "onderzoeker1" de taak "Bezwaar behandelen" niet oppakken omdat "hoort bij de rol 'Jurist'"
    En mag "coordinator" de taak "Bezwaar behandelen" niet toewijzen aan "directeur" omdat "al bij de zaak betrokken"
    Als "jurist1" de taak "Bezwaar behandelen" afrondt met:
      | veld                  | waarde                                                     |
      | beslissing_op_bezwaar | ongegrond                                                  |
      | bezwaar_motivering    | Het besluit blijft in stand; de straf past bij de feiten. |
    Dan heeft de zaak de stap "Bezwaar behandelen" doorlopen
    En heeft de zaak de stap "Verzoek kantonrechter registreren" niet doorlopen
    En staat de taak "Zaak registreren en afsluiten" open voor de rol "integriteitscoordinator"
    Als "coordinator" de taak "Zaak registreren en afsluiten" afrondt
    Dan is de zaak afgesloten met de afdoening "Schriftelijke berisping"

  @wet:Awb-art6:7 @wet:BW-art7:686a
  Abstract Scenario: Zonder <rechtsmiddel> binnen de termijn wordt de zaak afgesloten (<rechtspositie>)
    Gegeven de rechtspositie van de organisatie is "<rechtspositie>"
    En "meldpunt" een melding registreert van "medewerker" over "cora" met categorie "Financiële schendingen"
    En het onderzoek door "onderzoeker1" en "onderzoeker2" is afgerond met de uitkomst "aangetoond"
    En "hr" de taak "Sanctieadvies opstellen" afrondt
    En "directeur" de taak "Afdoening bepalen" afrondt met:
      | veld                  | waarde                     |
      | afdoening_keuze       | disciplinaire_maatregel    |
      | voorgenomen_maatregel | [<afdoening>]              |
      | besluit_motivering    | Conform het sanctieadvies. |
    En "directeur" de taak "Voornemen disciplinaire maatregel verzenden" afrondt
    En "directeur" de taak "Zienswijze betrokkene verwerken" afrondt
    Als het 17 december 2026 is
    En "directeur" de taak "Besluit disciplinaire maatregel" afrondt met:
      | veld                    | waarde                                       |
      | afdoeningen             | [<afdoening>]                                |
      | ontslag_op_staande_voet | <op_staande_voet>                            |
      | besluit_motivering      | De zienswijze geeft geen reden tot afwijken. |
    Dan is er een brief "besluit_disciplinaire_maatregel" voor de "betrokkene"
    En bevat de brief "<in_de_brief>"
    Maar bevat de brief niet "<niet_in_de_brief>"
    En staat de taak "<taak>" open voor de rol "jurist"
    En is de termijn van de taak "<taak>" <laatste_dag>
    En heeft de zaak de stap "<andere_route>" niet doorlopen
    Als het <laatste_dag> is
    Dan staat de taak "<taak>" open voor de rol "jurist"
    Als het <dag_erna> is
    Dan staat de taak "<taak>" niet open
    En heeft de zaak de stap "<stap>" doorlopen
    Als "coordinator" de taak "Zaak registreren en afsluiten" afrondt
    Dan is de zaak afgesloten met de afdoening "<afdoening>"

    Voorbeelden:
      | rechtspositie       | rechtsmiddel                 | afdoening                 | op_staande_voet | in_de_brief         | niet_in_de_brief | taak                              | laatste_dag      | dag_erna         | stap                        | andere_route                      |
      | publiekrechtelijk   | bezwaar                      | Schriftelijke berisping   | nee             | binnen zes weken    | kantonrechter    | Bezwaar registreren               | 28 januari 2027  | 29 januari 2027  | Geen bezwaar binnen termijn | Verzoek kantonrechter registreren |
      | arbeidsovereenkomst | verzoek aan de kantonrechter | Beëindiging dienstverband | ja              | binnen twee maanden | bezwaarschrift   | Verzoek kantonrechter registreren | 17 februari 2027 | 18 februari 2027 | Geen verzoek binnen termijn | Bezwaar registreren               |
