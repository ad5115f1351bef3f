# language: nl
@wet:Ambtenarenwet-art4
Functionaliteit: De risico-inventarisatie van kritieke en risicovolle functies
  Naast de integriteitsmelding draait in dezelfde uitrol een tweede proces: elk jaar op de datum uit het manifest
  (15 januari) krijgt elk team een inventarisatie. De leidinggevende vult de vragenlijst in, de
  beveiligingsadviseur beoordeelt, het managementteam besluit over onaanvaardbare risico's met een of meer
  vervolgacties, elk voor een functie en met een eigen uiterste datum; elke actie is een eigen taak, en alleen de
  actie die over haar uiterste datum gaat, escaleert. Onvolledige of tegenstrijdige antwoorden worden geweigerd met
  de regel en het veld erbij; er wordt dan niets opgeslagen.

  Achtergrond:
    Gegeven de demo-organisatie
    En het is 2 november 2026

  Scenario: Op 15 januari start per team de periodieke inventarisatie
    Als het 15 januari 2027 is
    En de timerworker een ronde draait
    Dan is er voor het team "Douane" een inventarisatie "Periodieke inventarisatie 2027"
    En staat de taak "Vragenlijst risicovolle functies invullen" open voor de rol "Leidinggevende"

  Scenario: Van vragenlijst tot escalatie van één te late vervolgactie tussen andere
    Gegeven "dlso" een inventarisatie start voor het team "Douane" wegens "reorganisatie"
    Als "leidinggevende" de vragenlijst invult met de functies:
      | functie           | classificatie   | risico's                      | maatregelen       | bruto | netto | aanvaardbaar | eigenaar   | herzien op      |
      | Douanier controle | meest_risicovol | Fraude; Lekken van informatie | Vier-ogenprincipe | 5     | 4     | nee          | Teamleider | 1 november 2027 |
      | Kassier           | risicovol       | Fraude                        | Kasstaat          | 4     | 3     | nee          | Teamleider | 1 november 2027 |
    En "dlso" de taak "Inventarisatie beoordelen" afrondt met:
      | veld                   | waarde   |
      | oordeel_adviseur       | compleet |
      | onaanvaardbare_risicos | ja       |
    En "mtlid" extra maatregelen besluit met de vervolgacties:
      | functie           | actie                   | uiterlijk       |
      | Douanier controle | Roulatie invoeren       | 1 december 2026 |
      | Kassier           | Kasstaat laten aftekenen | 15 januari 2027 |
      | Douanier controle | Autorisaties opschonen  | 15 januari 2027 |
    Dan staat de taak "Vervolgactie uitvoeren" voor de vervolgactie "Roulatie invoeren" open voor de rol "Leidinggevende"
    En staat de taak "Vervolgactie uitvoeren" voor de vervolgactie "Kasstaat laten aftekenen" open voor de rol "Leidinggevende"
    En staat de taak "Vervolgactie uitvoeren" voor de vervolgactie "Autorisaties opschonen" open voor de rol "Leidinggevende"
    En toont het overzicht van risicofuncties voor "dlso":
      | Organisatieonderdeel | Team   | Functie           | Classificatie             | Risico's                      | Beheersmaatregelen | Netto risico | Aanvaardbaar | Acties                                                                                                 |
      | Douane               | Douane | Douanier controle | Meest risicovolle functie | Fraude; Lekken van informatie | Vier-ogenprincipe  | 4            | nee          | Roulatie invoeren (uiterlijk 01-12-2026, open); Autorisaties opschonen (uiterlijk 15-01-2027, open) |
      | Douane               | Douane | Kassier           | Risicovolle functie       | Fraude                        | Kasstaat           | 3            | nee          | Kasstaat laten aftekenen (uiterlijk 15-01-2027, open)                                                 |
    Als het 2 december 2026 is
    Dan staat de taak "Escalatie: vervolgactie te laat" voor de vervolgactie "Roulatie invoeren" open voor de rol "Beveiligingsadviseur"
    En staat de taak "Escalatie: vervolgactie te laat" voor de vervolgactie "Kasstaat laten aftekenen" niet open
    En staat de taak "Escalatie: vervolgactie te laat" voor de vervolgactie "Autorisaties opschonen" niet open
    En staat de taak "Vervolgactie uitvoeren" voor de vervolgactie "Roulatie invoeren" open voor de rol "Leidinggevende"
    Als "leidinggevende" de taak "Vervolgactie uitvoeren" voor de vervolgactie "Kasstaat laten aftekenen" afrondt met:
      | veld            | waarde                                 |
      | actie_resultaat | De kasstaat wordt dagelijks afgetekend |
    Dan toont de lijst van vervolgacties voor "dlso":
      | Team   | Functie           | Vervolgactie             | Uiterlijk  | Stand    |
      | Douane | Douanier controle | Roulatie invoeren        | 01-12-2026 | te laat  |
      | Douane | Kassier           | Kasstaat laten aftekenen | 15-01-2027 | afgerond |
      | Douane | Douanier controle | Autorisaties opschonen   | 15-01-2027 | open     |

  Scenario: Een vervolgactie met een uiterste datum in het verleden wordt geweigerd, met de regel erbij
    Gegeven "dlso" een inventarisatie start voor het team "Douane" wegens "incident"
    En "leidinggevende" de vragenlijst invult met de functies:
      | functie  | classificatie | risico's | maatregelen | bruto | netto | aanvaardbaar | eigenaar   | herzien op      |
      | Kassier  | risicovol     | Fraude   | Kasstaat    | 4     | 3     | nee          | Teamleider | 1 november 2027 |
    En "dlso" de taak "Inventarisatie beoordelen" afrondt met:
      | veld                   | waarde   |
      | oordeel_adviseur       | compleet |
      | onaanvaardbare_risicos | ja       |
    Dan mag "mtlid" niet besluiten omdat "actie 2: de uiterste datum 01-11-2026 ligt in het verleden" bij "vervolgacties.1.uiterlijk" met de vervolgacties:
      | functie | actie                    | uiterlijk       |
      | Kassier | Kasstaat laten aftekenen | 1 december 2026 |
      | Kassier | Kas tellen met twee      | 1 november 2026 |
    En mag "mtlid" niet besluiten omdat "'Douanier' is geen functie uit de inventarisatie van dit team" bij "vervolgacties.0.functie" met de vervolgacties:
      | functie  | actie             | uiterlijk       |
      | Douanier | Roulatie invoeren | 1 december 2026 |

  Scenario: Een netto risico boven het bruto risico zonder toelichting wordt geweigerd
    Gegeven "dlso" een inventarisatie start voor het team "Douane" wegens "nieuwe_functie"
    Dan mag "leidinggevende" de vragenlijst niet invullen omdat "het netto risico is hoger dan het bruto risico" bij "functies.0.toelichting_netto" met de functies:
      | functie  | classificatie | risico's | maatregelen | bruto | netto | aanvaardbaar | eigenaar   | herzien op      |
      | Kassier  | risicovol     | Fraude   | Kasstaat    | 2     | 4     | ja           | Teamleider | 1 november 2027 |
    En staat de taak "Vragenlijst risicovolle functies invullen" open voor de rol "Leidinggevende"

  Scenario: Een herzieningsdatum in het verleden wordt geweigerd
    Gegeven "dlso" een inventarisatie start voor het team "Douane" wegens "incident"
    Dan mag "leidinggevende" de vragenlijst niet invullen omdat "ligt in het verleden" bij "functies.0.herziening_op" met de functies:
      | functie  | classificatie | risico's | maatregelen | bruto | netto | aanvaardbaar | eigenaar   | herzien op     |
      | Kassier  | risicovol     | Fraude   | Kasstaat    | 3     | 2     | ja           | Teamleider | 1 oktober 2026 |

  Scenario: Een functiewisseling zet de herziening van de autorisaties klaar, met termijn en escalatie
    Gegeven "dlso" een inventarisatie start voor het team "Douane" wegens "reorganisatie"
    En "leidinggevende" de vragenlijst invult met de functies:
      | functie           | classificatie   | risico's | maatregelen       | bruto | netto | aanvaardbaar | eigenaar   | herzien op      |
      | Douanier controle | meest_risicovol | Fraude   | Vier-ogenprincipe | 5     | 3     | ja           | Teamleider | 1 november 2027 |
      | Kassier           | risicovol       | Fraude   | Kasstaat          | 3     | 2     | ja           | Teamleider | 1 november 2027 |
    En "dlso" vastlegt dat "mtlid" sinds 1 maart 2021 de functie "Douanier controle" vervult
    Als "dlso" vastlegt dat "mtlid" sinds 2 november 2026 de functie "Kassier" vervult
    Dan is er een herziening van de autorisaties
    En staat de taak "Autorisaties herzien na functiewisseling" open voor de rol "Beveiligingsadviseur"
    Als het 17 november 2026 is
    Dan staat de taak "Escalatie: autorisaties niet tijdig herzien" open voor de rol "Managementteam"
    Als "dlso" de taak "Autorisaties herzien na functiewisseling" afrondt met:
      | veld                     | waarde                       |
      | autorisaties_uitkomst    | ingetrokken                  |
      | autorisaties_toelichting | Scanrechten zijn ingetrokken |
    Dan staat de taak "Autorisaties herzien na functiewisseling" niet open
