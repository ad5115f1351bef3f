# language: nl
@richtlijn:2019-1937-art9
Functionaliteit: Beoordeling van de melding en de route die de zaak neemt
  De integriteitscoördinator beoordeelt ernst en strafbaarheid en kiest een route.
  Bij een strafbaar feit (ambtsmisdrijf) volgt eerst aangifte bij het Openbaar Ministerie (art. 162 Sv).

  Achtergrond:
    Gegeven de demo-organisatie
    En het is 2 november 2026
    En "meldpunt" een melding registreert van "medewerker" met categorie "Financiële schendingen" over "Declaraties voor reizen die niet zijn gemaakt"
    En "meldpunt" de taak "Melding registreren" afrondt
    En "meldpunt" de taak "Ontvangst bevestigen" afrondt

  Abstract Scenario: De gekozen route bepaalt de volgende taak
    Als "coordinator" de taak "Ernst en strafbaarheid (art. 162 Sv) inschatten" afrondt
    En "coordinator" de taak "Melding beoordelen en route kiezen" afrondt met:
      | veld                   | waarde         |
      | route                  | <route>        |
      | beoordeling_motivering | Route <route>. |
      | <extra veld>           | <extra waarde> |
    Dan heeft de zaak de stap "Melding beoordelen en route kiezen" doorlopen
    En staat de taak "<volgende taak>" open voor de rol "<rol>"

    Voorbeelden:
      | route          | extra veld             | extra waarde             | volgende taak                           | rol                     |
      | geen_onderzoek | beoordeling_motivering | Geen nadere eisen.       | Besluit geen onderzoek meedelen         | integriteitscoordinator |
      | doorverwijzing | doorverwijzing_naar    | huis_voor_klokkenluiders | Melding doorverwijzen                   | integriteitscoordinator |
      | vooronderzoek  | beoordeling_motivering | Geen nadere eisen.       | Vooronderzoek uitvoeren                 | onderzoeker             |
      | overdracht     | overdracht_aan         | Algemene Rekenkamer      | Melding overdragen aan andere instantie | integriteitscoordinator |

  @wet:Sv-art162
  Scenario: Een strafbaar feit leidt tot aangifte (art. 162 Sv)
    Als "coordinator" de taak "Ernst en strafbaarheid (art. 162 Sv) inschatten" afrondt met:
      | veld                       | waarde                           |
      | strafbaar_feit             | ja                               |
      | strafbaar_feit_toelichting | Mogelijk valsheid in geschrifte. |
    Dan staat de taak "Aangifte doen bij politie/OM (art. 162 Sv)" open voor de rol "integriteitscoordinator"
    Als "coordinator" de taak "Aangifte doen bij politie/OM (art. 162 Sv)" afrondt
    Dan heeft de zaak de stap "Aangifte doen bij politie/OM (art. 162 Sv)" doorlopen
    En is er een brief "melding_politie_om" voor de "politie_om"
