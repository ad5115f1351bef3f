# language: nl
@wet:Wbk-art2a @richtlijn:2019-1937-art16
Functionaliteit: Een melding over iemand die meldingen behandelt
  Gaat een melding over iemand die een nieuwe melding zou zien (het meldpunt, een integriteitscoördinator of het
  Bureau Veiligheid en Integriteit), dan kiest de melder dat die persoon de melding niet mag zien. Die persoon ziet
  de zaak vanaf het eerste moment nergens en kan haar niet oppakken; de collega's behandelen haar gewoon. Blijft er
  dan niemand over om de melding te behandelen, dan wordt zij niet aangenomen en hoort de melder waar hij wel
  terecht kan.

  Achtergrond:
    Gegeven de demo-organisatie
    En het is 2 november 2026
    En medewerker "coordinator2" met de rol "integriteitscoördinator" bij "Douane"

  Scenario: De integriteitscoördinator over wie de melding gaat, ziet haar niet; een collega wel
    Als iemand anoniem een melding doet via het publieke formulier met categorie "Financiële schendingen" over "De coördinator past zelf declaraties aan" die "coordinator" niet mag zien
    Dan krijgt de melder een ontvangstcode
    En kan "coordinator" de zaak niet inzien
    En ziet "coordinator" de taak "Melding registreren" niet in de werkvoorraad
    Maar kan "coordinator2" de zaak inzien
    En kan "bvi" de zaak inzien
    En ziet "meldpunt" de taak "Melding registreren" in de werkvoorraad

  Scenario: Het meldpunt over wie de melding gaat, krijgt de registratie niet
    Gegeven medewerker "meldpunt2" met de rol "meldpunt" bij "Douane"
    Als iemand anoniem een melding doet via het publieke formulier met categorie "Financiële schendingen" over "Het meldpunt geeft meldingen door aan betrokkenen" die "meldpunt" niet mag zien
    Dan ziet "meldpunt" de taak "Melding registreren" niet in de werkvoorraad
    En kan "meldpunt" de zaak niet inzien
    Maar ziet "meldpunt2" de taak "Melding registreren" in de werkvoorraad

  Scenario: Als niemand overblijft, wordt de melding niet aangenomen en hoort de melder waar hij terecht kan
    Als iemand anoniem probeert te melden via het publieke formulier met categorie "Financiële schendingen" over "Het meldpunt geeft meldingen door aan betrokkenen" die "meldpunt" niet mag zien
    Dan is de melding niet aangenomen met de uitleg "Huis voor Klokkenluiders"
