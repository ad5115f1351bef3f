# language: nl
@cao:h15 @wet:Awb-art6:7 @atw:art1
Functionaliteit: De termijnen van de betrokkene lopen door tot na een feestdag (Algemene termijnenwet art. 1)
  De zienswijzetermijn (14 dagen na het voornemen) en de bezwaartermijn (6 weken na het besluit) zijn termijnen die
  de betrokkene krijgt. Eindigen zij op een zaterdag, zondag of algemeen erkende feestdag, dan lopen zij door tot
  de eerstvolgende dag die dat niet is; de brief noemt die dag, en de stap wacht tot en met die dag.

  Achtergrond:
    Gegeven de demo-organisatie
    En het is 2 november 2026
    En medewerker "femke" met de rol "geen" bij "Douane"

  Scenario: Zienswijze over Kerstmis en bezwaar over Koningsdag
    Gegeven de rechtspositie van de organisatie is "publiekrechtelijk"
    En "meldpunt" een melding registreert van "medewerker" over "femke" met categorie "Misbruik bevoegdheden"
    En het onderzoek door "onderzoeker1" en "onderzoeker2" is afgerond met de uitkomst "aangetoond"
    En "hr" de taak "Sanctieadvies opstellen" afrondt
    En "directeur" de taak "Afdoening bepalen" afrondt
    # vrijdag 11 december + 14 dagen = vrijdag 25 december (Kerstmis); 26 december is Tweede Kerstdag, 27 een zondag
    Als het 11 december 2026 is
    En "directeur" de taak "Voornemen disciplinaire maatregel verzenden" afrondt
    Dan is er een brief "voornemen_disciplinaire_maatregel" voor de "betrokkene"
    En noemt de brief de termijn 28 december 2026
    En is de termijn van de taak "Zienswijze betrokkene verwerken" 28 december 2026
    Als het 28 december 2026 is
    Dan staat de taak "Zienswijze betrokkene verwerken" open voor de rol "bevoegd gezag"
    En mag "directeur" de taak "Zienswijze betrokkene verwerken" niet afronden omdat "zienswijzetermijn-loopt" met:
      | veld                 | waarde |
      | zienswijze_ontvangen | nee    |
    # dinsdag 16 maart 2027 + 6 weken = dinsdag 27 april 2027 (Koningsdag)
    Als het 16 maart 2027 is
    Dan staat de taak "Besluit disciplinaire maatregel" open voor de rol "bevoegd gezag"
    Als "directeur" de taak "Besluit disciplinaire maatregel" afrondt
    Dan is de termijn van de taak "Bezwaar registreren" 28 april 2027
    Als het 28 april 2027 is
    Dan staat de taak "Bezwaar registreren" open voor de rol "jurist"
    Als het 29 april 2027 is
    Dan heeft de zaak de stap "Geen bezwaar binnen termijn" doorlopen
