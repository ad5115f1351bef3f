# language: nl
Functionaliteit: Managementinformatie: jaarbijlage, Woo-overzicht en dashboard
  De integriteitscoördinator leest historische zaken in (CSV) en legt verantwoording af: de bijlage bij het
  jaarverslag telt de afdoeningen, het Woo-overzicht toont geanonimiseerd per aard van de schending het aantal
  betrokkenen, en het dashboard toont hoeveel meldingen binnen de wettelijke termijnen zijn bevestigd.

  Achtergrond:
    Gegeven de demo-organisatie
    En het is 2 november 2026

  @wet:Ambtenarenwet-art4
  Scenario: Ingelezen zaken tellen mee in de jaarbijlage en het Woo-overzicht
    Gegeven "coordinator" de historische zaken inleest:
      | dienstonderdeel | schending                | inhoud                                | afdoening                                                                         | soort_onderzoek        | uitkomst        | datum_melding   | datum_afdoening   | aantal_betrokkenen |
      | Douane          | Financiële schendingen   | Onterecht gedeclareerde reizen.       | Schriftelijke berisping                                                           | Feitenonderzoek intern | Aangetoond      | 15 januari 2025 | 30 juni 2025      | 1                  |
      | Douane          | Ongewenste omgangsvormen | Kwetsende opmerkingen in een overleg. | Afdoening d.m.v. corrigerend gesprek, waarschuwingsbrief, training, coaching, e.d. | Vooronderzoek          | Aangetoond      | 3 februari 2025 | 1 september 2025  | 2                  |
    En "coordinator" het bestand "zaken-2025-aanvulling.csv" inleest:
      """
      dienstonderdeel,schending,subcategorie,inhoud,afdoening,soort_onderzoek,uitkomst,datum_melding,datum_afdoening,aantal_betrokkenen
      Belastingdienst,Financiële schendingen,,Gebruik van een tankpas voor privéritten.,Geen afdoening/actie,Feitenonderzoek intern,Niet aangetoond,2025-03-01,2025-10-15,1
      """
    Dan bevat de jaarbijlage over 2025 voor "coordinator" de totalen:
      | regel                             | aantal | percentage |
      | Totaal afgedaan met maatregel     | 2      |            |
      | Zonder afdoening/actie            | 1      |            |
      | Disciplinaire of andere maatregel | 1      | 50,0%      |
      | Afgedaan met maatregel: Douane    | 2      |            |
    En is het totaal van het Woo-overzicht van 1 januari 2025 tot en met 31 december 2025 voor "coordinator" 4
    En bevat het Woo-overzicht van 1 januari 2025 tot en met 31 december 2025 voor "coordinator" precies de regels:
      | aantal | aard                     | soort onderzoek        | handhaving              | omschrijving |
      | 1      | Financiële schendingen   | Feitenonderzoek intern | Geen afdoening/actie    |              |
      | 1      | Financiële schendingen   | Feitenonderzoek intern | Schriftelijke berisping |              |
      | 2      | Ongewenste omgangsvormen | Vooronderzoek          | Afdoening d.m.v. corrigerend gesprek, waarschuwingsbrief, training, coaching, e.d. |              |

  @richtlijn:2019-1937-art9 @wet:Wbk-art2a
  Scenario: Het dashboard telt een tijdig bevestigde melding
    Gegeven "meldpunt" een melding registreert van "medewerker" met categorie "Financiële schendingen" over "Facturen van een bevriende leverancier"
    En "meldpunt" de taak "Melding registreren" afrondt
    Als er 3 dagen verstrijken
    En "meldpunt" de taak "Ontvangst bevestigen" afrondt
    Dan toont het dashboard van 1 november 2026 tot en met 30 november 2026 voor "coordinator" bij "Ontvangst bevestigd binnen 7 dagen" 1 van 1
