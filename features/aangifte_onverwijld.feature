# language: nl
@wet:Sv-art162 @atw:art1
Functionaliteit: Aangifte van een ambtsmisdrijf gebeurt onverwijld (art. 162 Sv)
  Een mogelijk ambtsmisdrijf wordt onverwijld aangegeven bij politie of OM. De proceseigenaar stelt in
  hoeveel tijd daarvoor is (standaard 1 werkdag, volgens de Algemene termijnenwet); daarna escaleert de
  taak naar de integriteitscoördinator.

  Achtergrond:
    Gegeven de demo-organisatie

  Scenario: Een aangifte die blijft liggen, escaleert na één werkdag
    Gegeven het is 5 maart 2027
    Als "meldpunt" een melding registreert van "medewerker" met categorie "Financiële schendingen" over "Valse handtekening op een subsidiebesluit"
    En "meldpunt" de taak "Melding registreren" afrondt
    En "coordinator" de taak "Ernst en strafbaarheid (art. 162 Sv) inschatten" afrondt met:
      | veld                       | waarde                                         |
      | strafbaar_feit             | ja                                             |
      | strafbaar_feit_toelichting | Mogelijk valsheid in geschrifte door een ambtenaar. |
    Dan staat de taak "Aangifte doen bij politie/OM (art. 162 Sv)" open voor de rol "integriteitscoördinator"
    En is de termijn van de taak "Aangifte doen bij politie/OM (art. 162 Sv)" 8 maart 2027
    Als er 2 dagen verstrijken
    Dan staat de taak "Escalatie: aangifte niet onverwijld gedaan (art. 162 Sv)" niet open
    Als er 2 dagen verstrijken
    Dan staat de taak "Escalatie: aangifte niet onverwijld gedaan (art. 162 Sv)" open voor de rol "integriteitscoördinator"
    En ziet "coordinator" de taak "Aangifte doen bij politie/OM (art. 162 Sv)" bij de te late taken

  Scenario: Een tijdige aangifte escaleert niet
    Gegeven het is 9 maart 2027
    Als "meldpunt" een melding registreert van "medewerker" met categorie "Financiële schendingen" over "Omkoping bij een aanbesteding"
    En "meldpunt" de taak "Melding registreren" afrondt
    En "coordinator" de taak "Ernst en strafbaarheid (art. 162 Sv) inschatten" afrondt met:
      | veld                       | waarde                               |
      | strafbaar_feit             | ja                                   |
      | strafbaar_feit_toelichting | Mogelijk omkoping van een ambtenaar. |
    Dan is de termijn van de taak "Aangifte doen bij politie/OM (art. 162 Sv)" 10 maart 2027
    Als "coordinator" de taak "Aangifte doen bij politie/OM (art. 162 Sv)" afrondt
    En er 3 dagen verstrijken
    Dan staat de taak "Escalatie: aangifte niet onverwijld gedaan (art. 162 Sv)" niet open
