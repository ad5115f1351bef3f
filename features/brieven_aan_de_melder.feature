# language: nl
@wet:Wbk-art2a @richtlijn:2019-1937-art9
Functionaliteit: Een procesversie waarin een brief aan de melder buiten de lekbewaking om kan, wordt niet uitgerold
  Elke brief in het proces verklaart aan wie hij gaat. Een brief aan de melder gaat altijd door de lekbewaking
  (terugkoppeling in algemene termen). Een versie die een brief aan de melder als brief aan iemand anders
  verklaart, of een brief zonder ontvanger verstuurt, weigert het uitrollen; de weigering noemt bestand en taak.

  Achtergrond:
    Gegeven de demo-organisatie

  Scenario: De terugkoppeling verklaard als brief aan de betrokkene
    Als de procesbeheerder een versie uitrolt waarin de taak "Terugkoppeling aan melder" de brief verklaart voor "betrokkene"
    Dan wordt de versie niet uitgerold omdat "buiten de lekbewaking om" bij "integriteitsmelding.bpmn" en "Terugkoppeling aan melder"

  Scenario: Het verzoek om aanvullende informatie zonder ontvanger
    Als de procesbeheerder een versie uitrolt waarin de taak "Vragen aan melder" geen ontvanger van de brief verklaart
    Dan wordt de versie niet uitgerold omdat "verklaart geen ontvanger" bij "aanvullende_informatie.bpmn" en "Vragen aan melder"
