# language: nl
@avg:art5 @richtlijn:2019-1937-art18
Functionaliteit: Bewaartermijnen, bewaarplicht en vernietiging met vier ogen
  Een dossier wordt niet langer bewaard dan nodig (AVG art. 5 lid 1 onder e). De termijn hangt af van de
  uitkomst: 10 jaar na afsluiting bij een disciplinaire maatregel, 5 jaar bij een gegronde melding zonder
  maatregel, 1 jaar bij een ongegronde melding (processes/manifest.json, 'retention'; docs/RETENTION.md).
  De termijn begint de dag na de afsluitdatum en eindigt op dezelfde kalenderdatum zoveel jaar later; de
  zaak komt de dag daarna op de vernietigingslijst. De Algemene termijnenwet geldt hier niet.
  De integriteitscoördinator stelt de lijst voor, een tweede persoon keurt hem goed; daarna wordt
  vernietigd en volgt een verklaring van vernietiging. Een zaak met een bewaarplicht wordt nooit vernietigd.

  Achtergrond:
    Gegeven de demo-organisatie
    En het is 2 november 2026
    En een afgesloten zaak uit 2025 met categorie "Financiële schendingen" en afdoening "Schriftelijke berisping"
    En een afgesloten zaak uit 2025 met categorie "Ongewenste omgangsvormen" en afdoening "Verplaatsing"

  Scenario: Een zaak met een berisping blijft tien jaar; daarna vier ogen en een verklaring van vernietiging
    # afgesloten op 30 juni 2025: bewaard tot en met 30 juni 2035
    Als het 30 juni 2035 is
    En de bewaartermijnronde draait
    Dan staat de zaak met afdoening "Schriftelijke berisping" niet op de vernietigingslijst
    Als het 1 juli 2035 is
    En de bewaartermijnronde draait
    Dan staat de zaak met afdoening "Schriftelijke berisping" op de vernietigingslijst
    Als "coordinator" de vernietigingslijst voorstelt
    Dan mag "coordinator" de vernietigingslijst niet goedkeuren omdat "Vier ogen: wie de vernietigingslijst voorstelt, mag hem niet ook goedkeuren"
    Als "bvi" de vernietigingslijst goedkeurt
    En de bewaartermijnronde draait
    Dan is de zaak met afdoening "Schriftelijke berisping" vernietigd
    En noemt de verklaring van vernietiging de zaak met afdoening "Schriftelijke berisping"
    En is de audittrail onbeschadigd

  Scenario: Op een zaak met een bewaarplicht wordt niet vernietigd
    Dan mag "onderzoeker1" geen bewaarplicht instellen op de zaak met afdoening "Verplaatsing" omdat "Alleen de integriteitscoördinator"
    Als "coordinator" een bewaarplicht instelt op de zaak met afdoening "Verplaatsing" met reden "Rechtszaak bij de kantonrechter"
    Dan toont de zaak met afdoening "Verplaatsing" de bewaarplicht "Rechtszaak bij de kantonrechter"
    Als het 1 januari 2060 is
    En de bewaartermijnronde draait
    Dan staat de zaak met afdoening "Verplaatsing" niet op de vernietigingslijst
    Maar staat de zaak met afdoening "Schriftelijke berisping" op de vernietigingslijst

  Scenario: De timerworker stelt de vernietigingslijst eenmaal per dag op
    # de timerworker start in 2035 ook de jaarlijkse risico-inventarisaties, met termijnen in dat jaar
    Gegeven in 2035 zijn er geen gelijkgestelde dagen
    Als het 1 juli 2035 is
    En de timerworker draait
    En de timerworker draait
    Dan staat de zaak met afdoening "Schriftelijke berisping" op de vernietigingslijst
    En is er 1 vernietigingslijst
    Als het 2 juli 2035 is
    En de timerworker draait
    Dan is er 1 vernietigingslijst
