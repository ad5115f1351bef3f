# language: nl
@richtlijn:2019-1937-art9
Functionaliteit: Beoordeling van de melding en de route die de zaak neemt
  De integriteitscoördinator beoordeelt ernst en strafbaarheid en kiest een route.
  Bij een strafbaar feit (ambtsmisdrijf) volgt eerst aangifte bij het Openbaar Ministerie (art. 162 Sv).

  Achtergrond:
    Gegeven de demo-organisatie
    En het is 2 november 2026
    En "meldpunt" een melding registreert van "medewerker" met categorie "Financiële schendingen" over "Declaraties voor reizen die niet zijn gemaakt"
    En "meldpunt" de taak "melding_registreren" afrondt
    En "meldpunt" de taak "ontvangst_bevestigen" afrondt

  Abstract Scenario: De gekozen route bepaalt de volgende taak
    Als "coordinator" de taak "ernst_en_strafbaarheid" afrondt
    En "coordinator" de taak "melding_beoordelen" afrondt met:
      | veld                   | waarde         |
      | route                  | <route>        |
      | beoordeling_motivering | Route <route>. |
      | <extra veld>           | <extra waarde> |
    Dan heeft de zaak de stap "melding_beoordelen" doorlopen
    En staat de taak "<volgende taak>" open voor de rol "<rol>"

    Voorbeelden:
      | route          | extra veld             | extra waarde             | volgende taak           | rol                     |
      | geen_onderzoek | beoordeling_motivering | Geen nadere eisen.       | besluit_geen_onderzoek  | integriteitscoordinator |
      | doorverwijzing | doorverwijzing_naar    | huis_voor_klokkenluiders | doorverwijzen           | integriteitscoordinator |
      | vooronderzoek  | beoordeling_motivering | Geen nadere eisen.       | vooronderzoek_uitvoeren | onderzoeker             |
      | overdracht     | overdracht_aan         | Algemene Rekenkamer      | overdragen              | integriteitscoordinator |

  @wet:Sv-art162
  Scenario: Een strafbaar feit leidt tot aangifte (art. 162 Sv)
    Als "coordinator" de taak "ernst_en_strafbaarheid" afrondt met:
      | veld                       | waarde                           |
      | strafbaar_feit             | ja                               |
      | strafbaar_feit_toelichting | Mogelijk valsheid in geschrifte. |
    Dan staat de taak "aangifte_doen" open voor de rol "integriteitscoordinator"
    Als "coordinator" de taak "aangifte_doen" afrondt
    Dan heeft de zaak de stap "aangifte_doen" doorlopen
    En is er een brief "melding_politie_om" voor de "politie_om"
