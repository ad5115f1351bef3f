# language: nl
@handreiking:Rijk-gegrondheid
Functionaliteit: Brieven zeggen wat de gegevens zeggen, en wat een stap vastlegt bereikt wie het nodig heeft
  Na 12 weken hoort de melder of zijn melding gegrond is: in een eigen brief, met het oordeel in algemene
  termen. Is het oordeel nog niet bekend, dan krijgt hij een tussenbericht met een datum en blijft de plicht
  openstaan tot hij het oordeel heeft gehoord. Een ordemaatregel noemt de ingangsdatum die is vastgelegd. Het
  verslag van het hoorgesprek gaat mee met de brief die het aankondigt, de onderzoeksvragen staan in de
  onderzoeksopdracht, de samenvatting van het rapport ziet de HR-adviseur en het bevoegd gezag, en een besluit
  draagt de besluitdatum.

  Achtergrond:
    Gegeven de demo-organisatie
    En medewerker "sanne" met de rol "geen" bij "Douane"

  Scenario: Het bericht na 12 weken is een eigen brief met het oordeel
    Gegeven het is 3 februari 2027
    En "meldpunt" een melding registreert van "medewerker" met categorie "Misbruik bevoegdheden" over "Dossiers ingezien zonder reden"
    En "meldpunt" de taak "Melding registreren" afrondt
    En "meldpunt" de taak "Ontvangst bevestigen" afrondt
    En "meldpunt" de taak "Terugkoppeling aan melder" afrondt
    Als "meldpunt" de taak "Melder informeren over gegrondheid" afrondt met:
      | veld              | waarde                                          |
      | melding_gegrond   | deels_gegrond                                   |
      | gegrondheid_tekst | De organisatie neemt de uitkomst serieus.       |
    Dan is er een brief "gegrondheid_melder" voor de "melder"
    En bevat de brief "Wij achten uw melding gedeeltelijk gegrond"
    En bevat de brief "De organisatie neemt de uitkomst serieus."
    En bevat de brief niet "In deze brief informeren wij u in algemene termen over de afhandeling"
    En staat de taak "Melder informeren over gegrondheid" niet open

  Scenario: "Nog niet bekend" houdt de plicht open tot de melder het oordeel hoort
    Gegeven het is 3 februari 2027
    En "meldpunt" een melding registreert van "medewerker" met categorie "Misbruik bevoegdheden" over "Dossiers ingezien zonder reden"
    En "meldpunt" de taak "Melding registreren" afrondt
    En "meldpunt" de taak "Ontvangst bevestigen" afrondt
    En "meldpunt" de taak "Terugkoppeling aan melder" afrondt
    Als "meldpunt" de taak "Melder informeren over gegrondheid" afrondt met:
      | veld                     | waarde                                     |
      | melding_gegrond          | nog_niet_bekend                            |
      | gegrondheid_tekst        | Het onderzoek vraagt meer tijd.            |
      | gegrondheid_vervolgdatum | 19 mei 2027                                |
    Dan is er een brief "gegrondheid_melder" voor de "melder"
    En bevat de brief "Uiterlijk op 19 mei 2027 informeren wij u alsnog"
    En staat de taak "Melder informeren over gegrondheid" open voor de rol "meldpunt"
    En is de termijn van de taak "Melder informeren over gegrondheid" 28 april 2027
    Als het 29 april 2027 is
    Dan staat de taak "Escalatie: gegrondheid niet binnen 12 weken gemeld" open voor de rol "integriteitscoordinator"
    Als "coordinator" de taak "Escalatie: gegrondheid niet binnen 12 weken gemeld" afrondt
    En "meldpunt" de taak "Melder informeren over gegrondheid" afrondt met:
      | veld                     | waarde                                     |
      | melding_gegrond          | nog_niet_bekend                            |
      | gegrondheid_tekst        | Wij hebben nog twee weken nodig.           |
      | gegrondheid_vervolgdatum | 12 mei 2027                                |
    Dan is de termijn van de taak "Melder informeren over gegrondheid" 12 mei 2027
    En is er een tweede brief van soort "gegrondheid_melder" voor de "melder"
    En bevat de brief "Uiterlijk op 12 mei 2027 informeren wij u alsnog"
    Als het 13 mei 2027 is
    Dan staat de taak "Escalatie: gegrondheid niet binnen 12 weken gemeld" open voor de rol "integriteitscoordinator"
    Als "meldpunt" de taak "Melder informeren over gegrondheid" afrondt met:
      | veld              | waarde                                          |
      | melding_gegrond   | ongegrond                                       |
      | gegrondheid_tekst | Wij danken u voor uw melding.                   |
    Dan staat de taak "Melder informeren over gegrondheid" niet open
    En is er een derde brief van soort "gegrondheid_melder" voor de "melder"
    En bevat de brief "Wij achten uw melding niet gegrond"

  Scenario: Het oordeel aan de melder gaat door de lekbewaking
    Gegeven het is 3 februari 2027
    En "meldpunt" een melding registreert van "medewerker" over "sanne" met categorie "Ongewenste omgangsvormen"
    En "meldpunt" de taak "Melding registreren" afrondt
    En "meldpunt" de taak "Ontvangst bevestigen" afrondt
    En "meldpunt" de taak "Terugkoppeling aan melder" afrondt
    Dan mag "meldpunt" de taak "Melder informeren over gegrondheid" niet afronden omdat "berispt" met:
      | veld              | waarde                                          |
      | melding_gegrond   | gegrond                                         |
      | gegrondheid_tekst | De collega is inmiddels schriftelijk berispt.   |

  Scenario: De schorsing noemt de vastgelegde latere ingangsdatum
    Gegeven het is 8 maart 2027
    En "meldpunt" een melding registreert van "medewerker" over "sanne" met categorie "Financiële schendingen"
    En "meldpunt" de taak "Melding registreren" afrondt
    En "coordinator" de taak "Ernst en strafbaarheid (art. 162 Sv) inschatten" afrondt
    En "coordinator" de taak "Melding beoordelen en route kiezen" afrondt met:
      | veld                   | waarde                  |
      | route                  | feitenonderzoek         |
      | onderzoek_soort        | intern                  |
      | beoordeling_motivering | Concrete aanwijzingen.  |
    En "directeur" de taak "Beslissen over onderzoeksopdracht" afrondt
    En "directeur" de taak "Onderzoeksopdracht verstrekken" afrondt met:
      | veld             | waarde                                         |
      | onderzoeksvragen | Zijn er betalingen gedaan zonder tegenprestatie? |
    Dan is er een brief "onderzoeksopdracht" voor de "onderzoeker"
    En bevat de brief "1. Zijn er betalingen gedaan zonder tegenprestatie?"
    Als "directeur" de taak "Ordemaatregel overwegen" afrondt met:
      | veld                     | waarde                                   |
      | ordemaatregel            | schorsing                                |
      | ordemaatregel_motivering | Het onderzoek vraagt afstand.            |
    En "directeur" de taak "Besluit ordemaatregel" afrondt met:
      | veld                      | waarde         |
      | ordemaatregel_ingangsdatum | 15 maart 2027 |
    Dan is er een brief "besluit_ordemaatregel" voor de "betrokkene"
    En bevat de brief "met ingang van 15 maart 2027"
    En bevat de brief niet "onmiddellijke ingang"

  Scenario: Het verslag van het hoorgesprek gaat mee met de brief die het aankondigt
    Gegeven het is 8 maart 2027
    En "meldpunt" een melding registreert van "medewerker" over "sanne" met categorie "Financiële schendingen"
    En "meldpunt" de taak "Melding registreren" afrondt
    En "coordinator" de taak "Ernst en strafbaarheid (art. 162 Sv) inschatten" afrondt
    En "coordinator" de taak "Melding beoordelen en route kiezen" afrondt met:
      | veld                   | waarde                  |
      | route                  | feitenonderzoek         |
      | onderzoek_soort        | intern                  |
      | beoordeling_motivering | Concrete aanwijzingen.  |
    En "directeur" de taak "Beslissen over onderzoeksopdracht" afrondt
    En "directeur" de taak "Onderzoeksopdracht verstrekken" afrondt
    En "coordinator" de taak "Onderzoek starten en betrokkene informeren" toewijst aan "onderzoeker2"
    En "onderzoeker2" de taak "Onderzoek starten en betrokkene informeren" afrondt
    Als "onderzoeker1" de taak "Hoorgesprek betrokkene voeren" afrondt met:
      | veld                | waarde                                                   |
      | verslag_hoorgesprek | Betrokkene zegt dat de betalingen vooraf waren goedgekeurd. |
    En "onderzoeker1" de taak "Verslag hoorgesprek ter correctie aanbieden" afrondt
    Dan is er een brief "verslag_hoorgesprek" voor de "betrokkene"
    En bevat de brief "Bijlage: verslag van het hoorgesprek"
    En bevat de brief "Betrokkene zegt dat de betalingen vooraf waren goedgekeurd."

  Scenario: De samenvatting van het rapport bereikt de HR-adviseur en het bevoegd gezag, het besluit draagt zijn datum
    Gegeven het is 8 maart 2027
    En "meldpunt" een melding registreert van "medewerker" over "sanne" met categorie "Financiële schendingen"
    En het onderzoek door "onderzoeker2" en "onderzoeker1" is afgerond met de uitkomst "aangetoond"
    Dan ziet "hr" bij de taak "Sanctieadvies opstellen" het gegeven "rapport_samenvatting" met "De bewering is aangetoond."
    Als "hr" de taak "Sanctieadvies opstellen" afrondt
    Dan is er een brief "sanctieadvies" voor de "bevoegd_gezag"
    En bevat de brief "De bewering is aangetoond."
    En ziet "directeur" bij de taak "Afdoening bepalen" het gegeven "rapport_samenvatting" met "De bewering is aangetoond."
    Als "directeur" de taak "Afdoening bepalen" afrondt
    En "directeur" de taak "Voornemen disciplinaire maatregel verzenden" afrondt
    En "directeur" de taak "Zienswijze betrokkene verwerken" afrondt
    En er 3 dagen verstrijken
    En "directeur" de taak "Besluit disciplinaire maatregel" afrondt met:
      | veld                    | waarde                               |
      | afdoeningen             | [Schriftelijke berisping]            |
      | ontslag_op_staande_voet | nee                                  |
      | besluit_motivering      | De zienswijze verandert het oordeel niet. |
      | besluit_datum           | 9 maart 2027                         |
    Dan is er een brief "besluit_disciplinaire_maatregel" voor de "betrokkene"
    En is de brief gedateerd 9 maart 2027
