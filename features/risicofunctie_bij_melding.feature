# language: nl
@richtlijn:2019-1937-art9
Functionaliteit: Een melding over iemand in een meest risicovolle functie
  Staat de betrokkene in het register in een meest risicovolle functie, dan krijgt de melding de prioriteit en
  het signaal aan Bureau Veiligheid en Integriteit die de procesbeheerder heeft vastgelegd. Alleen de
  classificatie gaat over; de leidinggevende die het register bijhoudt, ziet de zaak niet.

  Achtergrond:
    Gegeven de demo-organisatie
    En het is 2 november 2026
    En "dlso" een inventarisatie start voor het team "Douane" wegens "nieuwe_functie"
    En "leidinggevende" de vragenlijst invult met de functies:
      | functie           | classificatie   | risico's | maatregelen       | bruto | netto | aanvaardbaar | eigenaar   | herzien op      |
      | Douanier controle | meest_risicovol | Fraude   | Vier-ogenprincipe | 5     | 3     | ja           | Teamleider | 1 november 2027 |
    En "dlso" vastlegt dat "medewerker" sinds 1 maart 2020 de functie "Douanier controle" vervult

  Scenario: De melding krijgt voorrang en Bureau V&I krijgt het signaal
    Als "meldpunt" een melding registreert van "directeur" over "medewerker" met categorie "Financiële schendingen"
    En "meldpunt" de taak "Melding registreren" afrondt
    Dan heeft de zaak prioriteit 3
    En staat de taak "Signaal meest risicovolle functie behandelen" open voor de rol "Bureau Veiligheid en Integriteit"
    En kan "leidinggevende" de zaak niet inzien
    En ziet "leidinggevende" de taak "Signaal meest risicovolle functie behandelen" niet in de werkvoorraad

  Scenario: Over iemand zonder functie in het register verandert er niets
    Als "meldpunt" een melding registreert van "directeur" over "teamleider" met categorie "Financiële schendingen"
    En "meldpunt" de taak "Melding registreren" afrondt
    Dan heeft de zaak prioriteit 1
    En staat de taak "Signaal meest risicovolle functie behandelen" niet open
