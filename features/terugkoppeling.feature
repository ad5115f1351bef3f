# language: nl
@wet:Wbk-art2a @richtlijn:2019-1937-art9
Functionaliteit: Terugkoppeling aan de melder binnen 3 maanden, in algemene termen
  Binnen drie maanden na de ontvangstbevestiging hoort de melder hoe zijn melding is beoordeeld en opgevolgd.
  De terugkoppeling is in algemene termen: zij noemt de betrokkene niet en ook geen maatregel, ook niet als
  het bevoegd gezag al een maatregel heeft voorgenomen of opgelegd. Een brief die dat wel zou doen, wordt
  niet opgesteld.

  Achtergrond:
    Gegeven de demo-organisatie
    En het is 2 november 2026
    En medewerker "cora" met de rol "geen" bij "Douane"
    En "meldpunt" een melding registreert van "medewerker" over "cora" met categorie "Financiële schendingen"
    En "meldpunt" de taak "Melding registreren" afrondt
    En "meldpunt" de taak "Ontvangst bevestigen" afrondt

  Scenario: De terugkoppeling heeft een termijn van 3 maanden na de ontvangstbevestiging
    # de taak draagt ook de 12 weken vanaf de ontvangst (het bericht over de gegrondheid volgt pas op de
    # terugkoppeling), dus haar vroegste termijn is 25 januari; de terugkoppeling zelf escaleert na 2 februari
    Dan staat de taak "Terugkoppeling aan melder" open voor de rol "meldpunt"
    En is de termijn van de taak "Terugkoppeling aan melder" 25 januari 2027
    Als het 26 januari 2027 is
    Dan staat de taak "Escalatie: gegrondheid niet binnen 12 weken gemeld, terugkoppeling nog open" open voor de rol "integriteitscoordinator"
    En staat de taak "Escalatie: terugkoppeling melder te laat" niet open

  Scenario: De brief aan de melder noemt betrokkene noch maatregel
    Als "meldpunt" de taak "Terugkoppeling aan melder" afrondt met:
      | veld                | waarde                                                                  |
      | terugkoppeling_tekst | Uw melding is beoordeeld en wordt opgevolgd. Wij houden u op de hoogte. |
    Dan is er een brief "terugkoppeling" voor de "melder"
    En bevat de brief "Uw melding is beoordeeld en wordt opgevolgd"
    Maar bevat de brief niet "Cora"
    En bevat de brief niet "berisping"
    En bevat de brief niet "ontslag"

  Scenario: Te late terugkoppeling leidt tot een escalatie
    Als het 3 februari 2027 is
    Dan staat de taak "Escalatie: terugkoppeling melder te laat" open voor de rol "integriteitscoordinator"
    En ziet "meldpunt" de taak "Terugkoppeling aan melder" bij de te late taken

  Scenario: Na een opgelegde berisping noemt de terugkoppeling betrokkene noch maatregel, en komt zij op tijd
    Gegeven "coordinator" de taak "Ernst en strafbaarheid (art. 162 Sv) inschatten" afrondt
    En "coordinator" de taak "Melding beoordelen en route kiezen" afrondt met:
      | veld                   | waarde               |
      | route                  | feitenonderzoek      |
      | onderzoek_soort        | intern               |
      | beoordeling_motivering | Ernstige verdenking. |
    En "directeur" de taak "Beslissen over onderzoeksopdracht" afrondt
    En "directeur" de taak "Onderzoeksopdracht verstrekken" afrondt
    En "coordinator" de taak "Onderzoek starten en betrokkene informeren" toewijst aan "onderzoeker1"
    En "onderzoeker1" de taak "Onderzoek starten en betrokkene informeren" afrondt
    En "onderzoeker2" de taak "Hoorgesprek betrokkene voeren" afrondt
    En "onderzoeker2" de taak "Verslag hoorgesprek ter correctie aanbieden" afrondt
    En "onderzoeker2" de taak "Reactie op verslag verwerken" afrondt
    En "onderzoeker1" de taak "Conclusies per bewering en onderzoeksrapport" afrondt met:
      | veld     | waarde     |
      | uitkomst | aangetoond |
    En "directeur" de taak "Ordemaatregel overwegen" afrondt
    En "hr" de taak "Sanctieadvies opstellen" afrondt met:
      | veld               | waarde                           |
      | advies_afdoeningen | [Schriftelijke berisping]        |
      | advies_motivering  | In lijn met vergelijkbare zaken. |
    En "directeur" de taak "Afdoening bepalen" afrondt met:
      | veld                  | waarde                    |
      | afdoening_keuze       | disciplinaire_maatregel   |
      | voorgenomen_maatregel | [Schriftelijke berisping] |
      | besluit_motivering    | Conform advies.           |
    En "directeur" de taak "Voornemen disciplinaire maatregel verzenden" afrondt
    En "directeur" de taak "Zienswijze betrokkene verwerken" afrondt
    En "directeur" de taak "Besluit disciplinaire maatregel" afrondt met:
      | veld        | waarde                    |
      | afdoeningen | [Schriftelijke berisping] |
    Dan is er een brief "besluit_disciplinaire_maatregel" voor de "betrokkene"
    En bevat de brief "schriftelijke berisping"
    En is de termijn van de taak "Terugkoppeling aan melder" 25 januari 2027
    Als het 15 januari 2027 is
    En "meldpunt" de taak "Terugkoppeling aan melder" afrondt met:
      | veld                 | waarde                                                                       |
      | terugkoppeling_tekst | Uw melding is onderzocht en de organisatie heeft passende maatregelen getroffen. |
    Dan is er een brief "terugkoppeling" voor de "melder"
    En is de brief gedateerd 15 januari 2027
    En bevat de brief "kunnen wij u geen informatie geven over de personen die bij het onderzoek betrokken waren of over eventuele maatregelen"
    Maar bevat de brief niet "Cora"
    En bevat de brief niet "berisping"
    En bevat de brief niet "Inspecteur"
    Als het 3 februari 2027 is
    Dan staat de taak "Escalatie: terugkoppeling melder te laat" niet open

  Scenario: Een terugkoppeling die de voorgenomen maatregel of de betrokkene noemt, wordt niet verstuurd
    Gegeven "coordinator" de taak "Ernst en strafbaarheid (art. 162 Sv) inschatten" afrondt
    En "coordinator" de taak "Melding beoordelen en route kiezen" afrondt met:
      | veld                   | waarde               |
      | route                  | feitenonderzoek      |
      | onderzoek_soort        | intern               |
      | beoordeling_motivering | Ernstige verdenking. |
    En "directeur" de taak "Beslissen over onderzoeksopdracht" afrondt
    En "directeur" de taak "Onderzoeksopdracht verstrekken" afrondt
    En "coordinator" de taak "Onderzoek starten en betrokkene informeren" toewijst aan "onderzoeker1"
    En "onderzoeker1" de taak "Onderzoek starten en betrokkene informeren" afrondt
    En "onderzoeker2" de taak "Hoorgesprek betrokkene voeren" afrondt
    En "onderzoeker2" de taak "Verslag hoorgesprek ter correctie aanbieden" afrondt
    En "onderzoeker2" de taak "Reactie op verslag verwerken" afrondt
    En "onderzoeker1" de taak "Conclusies per bewering en onderzoeksrapport" afrondt met:
      | veld     | waarde     |
      | uitkomst | aangetoond |
    En "directeur" de taak "Ordemaatregel overwegen" afrondt
    En "hr" de taak "Sanctieadvies opstellen" afrondt met:
      | veld               | waarde                           |
      | advies_afdoeningen | [Schriftelijke berisping]        |
      | advies_motivering  | In lijn met vergelijkbare zaken. |
    En "directeur" de taak "Afdoening bepalen" afrondt met:
      | veld                  | waarde                    |
      | afdoening_keuze       | disciplinaire_maatregel   |
      | voorgenomen_maatregel | [Vermindering IKB-uren]   |
      | besluit_motivering    | Zwaarder dan geadviseerd. |
    En "directeur" de taak "Voornemen disciplinaire maatregel verzenden" afrondt
    Als "meldpunt" de taak "Terugkoppeling aan melder" probeert af te ronden met:
      | veld                 | waarde                                                      |
      | terugkoppeling_tekst | Wij zijn voornemens een vermindering IKB-uren op te leggen. |
    Dan is het afronden geweigerd omdat "vertrouwelijke gegeven"
    Als "meldpunt" de taak "Terugkoppeling aan melder" probeert af te ronden met:
      | veld                 | waarde                                      |
      | terugkoppeling_tekst | Uw melding over Cora wordt nog afgehandeld. |
    Dan is het afronden geweigerd omdat "not-in-general-terms"
    En staat de taak "Terugkoppeling aan melder" open voor de rol "meldpunt"

  Scenario: De bewaking begrijpt Nederlands: verbogen maatregelen, functie en naam in eigen woorden worden geweigerd
    Als het 20 december 2026 is
    En "meldpunt" de taak "Terugkoppeling aan melder" probeert af te ronden met:
      | veld                 | waarde                                                                              |
      | terugkoppeling_tekst | Uw collega is inmiddels overgeplaatst en kreeg daarnaast een geldboete opgelegd. |
    Dan is het afronden geweigerd omdat "noemt 'overgeplaatst' (maatregel 'Verplaatsing')"
    Als "meldpunt" de taak "Terugkoppeling aan melder" probeert af te ronden met:
      | veld                 | waarde                                                                |
      | terugkoppeling_tekst | De inspecteurs van het team zijn door de directie aangesproken.        |
    Dan is het afronden geweigerd omdat "functie van de betrokkene"
    Als "meldpunt" de taak "Terugkoppeling aan melder" probeert af te ronden met:
      | veld                 | waarde                                                     |
      | terugkoppeling_tekst | Met mevrouw cora is een gesprek gevoerd over haar gedrag. |
    Dan is het afronden geweigerd omdat "naam van de betrokkene"
    En staat de taak "Terugkoppeling aan melder" open voor de rol "meldpunt"
    Als "meldpunt" de taak "Terugkoppeling aan melder" afrondt met:
      | veld                 | waarde                                                                                     |
      | terugkoppeling_tekst | Uw melding is zorgvuldig onderzocht. De organisatie heeft passende maatregelen genomen. |
    Dan is er een brief "terugkoppeling" voor de "melder"
    En bevat de brief "De organisatie heeft passende maatregelen genomen"
