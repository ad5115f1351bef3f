"""Each of the 15 letters renders for a realistic case with the right content."""
from __future__ import annotations

import io

import pytest
from docx import Document

from documents.catalog import LETTERS
from documents.errors import LetterRenderError
from documents.render import nl_datum as render_nl_datum
from documents.service import render_letter
from engine.config import reporter_portal_url

from documents.render import docx_text

from .conftest import case_data, make_settings, render_text

pytestmark = pytest.mark.usefixtures("clock")  # engine clock frozen at 2 November 2026

TODAY = "2 november 2026"
REF = "INT-2026-0042"
ORG = "Dienst Grenstoezicht"
DECISIONS = ("besluit_disciplinaire_maatregel", "afsluiting_zonder_maatregel")


def test_every_catalog_letter_has_a_template_and_renders_with_the_basics():
    assert len(LETTERS) == 16
    for name, spec in LETTERS.items():
        data = case_data()
        if name == "besluit_geen_onderzoek":
            data["route"] = "doorverwijzing"
        content, template_hash = render_letter(template=name, recipient=spec.recipient, data=data,
                                               settings=make_settings(), case_reference=REF)
        Document(io.BytesIO(content))  # opens as a real Word document
        text = docx_text(content)
        assert ORG in text, name
        # a decision is dated on the decision date entered, every other letter on the day it is written
        dated = render_nl_datum(data["besluit_datum"]) if name in DECISIONS else TODAY
        assert f"Datum\t{dated}" in text, name
        assert f"Ons kenmerk\n{REF}" in text or f"Ons kenmerk\t{REF}" in text, name  # sender column / memo
        assert "Betreft\t" in text and "Onderwerp" not in text, name
        assert "{{" not in text and "{%" not in text, name
        assert len(template_hash) == 64
        assert f"Vertrouwelijk  |  Ons kenmerk {REF}\tPagina 1 van 1" in text, name  # the footer (fields as written)


def test_ontvangstbevestiging_named_reporter():
    text = render_text("ontvangstbevestiging")
    assert "Geachte mevrouw Verbeek," in text
    assert "Laan van Meerdervoort 210" in text
    assert "Op 2 november 2026 heeft u bij ons een melding gedaan" in text
    assert "Binnen drie maanden, uiterlijk op 3 februari 2027, informeren wij u" in text
    assert "070 123 45 67" in text
    assert "Met vriendelijke groet," in text
    assert "het hoofd van het Meldpunt Integriteit" in text


def test_ontvangstbevestiging_anonymous_reporter_gets_the_portal_route():
    data = case_data(melder_anoniem=True)
    for key in ("melder_naam", "melder_adres", "melder_email", "melder_telefoon"):
        data.pop(key)
    text = render_text("ontvangstbevestiging", data=data)
    assert "Geachte melder," in text
    assert f"anonieme meldportaal ({reporter_portal_url()})" in text and reporter_portal_url().endswith("/mijn-melding")
    assert "ontvangstcode" in text
    assert "Per e-mail" not in text and "Laan van" not in text


def test_ontvangstbevestiging_reporter_with_email_only():
    data = case_data()
    data.pop("melder_adres")
    text = render_text("ontvangstbevestiging", data=data)
    assert "Per e-mail: a.verbeek@example.nl" in text


def test_verzoek_aanvullende_informatie_lists_questions_and_term():
    text = render_text("verzoek_aanvullende_informatie")
    assert "1. Op welke dagen heeft u de afwezigheid waargenomen?" in text
    assert "2. Zijn er andere collega's die dit hebben gezien?" in text
    assert "uiterlijk op 17 november 2026" in text


def test_besluit_geen_onderzoek_referral_names_where_to_go():
    text = render_text("besluit_geen_onderzoek", data=case_data(route="doorverwijzing"))
    assert "doorverwijzing" in text
    assert "de Klachtencommissie ongewenste omgangsvormen" in text
    assert "Huis voor Klokkenluiders" in text
    free = render_text("besluit_geen_onderzoek",
                       data=case_data(route="doorverwijzing", doorverwijzing_naar="de Arbeidsinspectie"))
    assert "beter worden behandeld door de Arbeidsinspectie" in free


def test_besluit_geen_onderzoek_without_investigation():
    text = render_text("besluit_geen_onderzoek", data=case_data(route="geen_onderzoek"))
    assert "Wij stellen naar aanleiding van uw melding geen onderzoek in." in text
    assert "Klachtencommissie" not in text


def test_besluit_geen_onderzoek_refuses_a_wrong_route():
    with pytest.raises(LetterRenderError, match="besluit_geen_onderzoek"):
        render_text("besluit_geen_onderzoek", data=case_data(route="feitenonderzoek"))


def test_onderzoeksopdracht():
    text = render_text("onderzoeksopdracht")
    assert "Opdracht tot het instellen van een feitenonderzoek" in text
    assert "Betrokkene: Pieter de Graaf" in text
    assert "werkverzuim (incl. urenregistratie)" in text
    assert "uiterlijk op 15 januari 2027" in text
    assert "geen advies over een" in text  # investigation decoupled from sanction
    assert "Hoogachtend," in text and "De directeur-generaal Dienst Grenstoezicht" in text
    assert "Anna Verbeek" not in text


def test_kennisgeving_onderzoek_invites_with_adviser_date_and_place():
    text = render_text("kennisgeving_onderzoek")
    assert "Geachte heer De Graaf," in text
    assert "vermoeden van misbruik bedrijfsmiddelen en overtreding interne regels" in text
    # 09:30 UTC is 10:30 in Dutch winter time
    assert "op 8 december 2026 om 10.30 uur" in text
    assert "Wilhelminakade 909" in text
    assert "raadsman of adviseur" in text


def test_verslag_hoorgesprek_term_to_respond():
    text = render_text("verslag_hoorgesprek")
    assert "Op 8 december 2026 bent u gehoord" in text  # the day the hearing was held
    assert "uiterlijk op 22 december 2026" in text
    assert "Bijlage: verslag van het hoorgesprek" in text
    # the minutes themselves are the attachment, not only announced
    attachment = text.split("Bijlage: verslag van het hoorgesprek", 1)[1]
    assert "Betrokkene verklaart dat hij op de genoemde dagen thuis heeft gewerkt." in attachment


def test_verslag_hoorgesprek_without_held_date_names_the_planned_moment():
    data = case_data()
    data.pop("hoorgesprek_gehouden_op")
    text = render_text("verslag_hoorgesprek", data=data)
    assert "Op 8 december 2026 om 10.30 uur bent u gehoord" in text


@pytest.mark.parametrize("rechtspositie, expected, absent", [
    ("arbeidsovereenkomst", "kantonrechter", "bezwaarschrift"),
    ("publiekrechtelijk", "binnen zes weken", "kantonrechter"),
])
def test_besluit_ordemaatregel_schorsing(rechtspositie, expected, absent):
    text = render_text("besluit_ordemaatregel", rechtspositie=rechtspositie)
    assert "Besluit ordemaatregel: schorsing" in text
    assert "in het belang van de dienst te schorsen" in text
    assert "salaris wordt tijdens de schorsing doorbetaald" in text
    assert "Gelet op de aard van de verdenking" in text
    assert "Uiterlijk op 4 januari 2027 beoordeel ik opnieuw" in text
    assert expected in text and absent not in text


def test_besluit_ordemaatregel_toegangsverbod():
    text = render_text("besluit_ordemaatregel", data=case_data(ordemaatregel="toegangsverbod"))
    assert "ontzegging van de toegang tot de werkplek" in text
    assert "toegang te ontzeggen" in text
    with pytest.raises(LetterRenderError):
        render_text("besluit_ordemaatregel", data=case_data(ordemaatregel="geen"))


def test_sanctieadvies_memo():
    text = render_text("sanctieadvies")
    assert "NOTA — VERTROUWELIJK" in text
    assert "Aan\tDe directeur-generaal Dienst Grenstoezicht" in text
    assert "Pieter de Graaf" in text
    assert "1. Betrokkene heeft op twaalf dagen uren geregistreerd zonder aanwezig te zijn: aangetoond" in text
    assert "2. Betrokkene heeft collega's gevraagd zijn afwezigheid te verzwijgen: niet aangetoond" in text
    assert "de volgende afdoening: schriftelijke berisping en vermindering IKB-uren." in text
    assert "precedenten" in text
    assert "Anna Verbeek" not in text


def test_voornemen_disciplinaire_maatregel():
    text = render_text("voornemen_disciplinaire_maatregel")
    assert "de volgende disciplinaire maatregel op te leggen: schriftelijke berisping" in text
    assert "uiterlijk op 25 januari 2027 zijn ontvangen" in text
    assert "schriftelijk of mondeling" in text
    assert "raadsman of adviseur" in text
    assert "Dit voornemen is nog geen besluit." in text


def test_voornemen_lists_every_intended_measure_as_dutch_text():
    """The form field is a list (multiple choice): the letter names each measure, never a Python list."""
    data = case_data(voorgenomen_maatregel=["Schriftelijke berisping", "Vermindering IKB-uren"])
    text = render_text("voornemen_disciplinaire_maatregel", data=data)
    assert "op te leggen: schriftelijke berisping en vermindering IKB-uren." in text
    assert "[" not in text and "'" not in text.split("op te leggen:")[1].split(".")[0]


def test_besluit_disciplinaire_maatregel_employment_contract():
    text = render_text("besluit_disciplinaire_maatregel", rechtspositie="arbeidsovereenkomst")
    assert "de volgende disciplinaire maatregel op te leggen: schriftelijke berisping." in text
    assert "U heeft van de gelegenheid gebruikgemaakt uw zienswijze" in text
    assert "Bezwaar is daarom niet mogelijk" in text and "kantonrechter" in text
    assert "zes weken" not in text
    assert "op staande voet" not in text


def test_besluit_disciplinaire_maatregel_public_law_objection_within_six_weeks():
    text = render_text("besluit_disciplinaire_maatregel", rechtspositie="publiekrechtelijk")
    assert "binnen zes weken na de dag waarop dit besluit aan u is bekendgemaakt" in text
    assert "bij de directeur-generaal Dienst Grenstoezicht, Postbus 20150, 2500 EB  Den Haag" in text
    assert "artikelen 6:7 en 6:8 van de Algemene wet bestuursrecht" in text
    assert "kantonrechter" not in text


def test_besluit_summary_dismissal_challenge_within_two_months():
    data = case_data(afdoeningen=["Beëindiging dienstverband"], zienswijze_ontvangen=False)
    text = render_text("besluit_disciplinaire_maatregel", data=data, rechtspositie="arbeidsovereenkomst")
    assert "beëindiging dienstverband" in text
    assert "Ik zeg de arbeidsovereenkomst daarom op staande voet op" in text
    assert "binnen twee maanden na de dag waarop de arbeidsovereenkomst is geëindigd" in text
    assert "artikel 7:686a, vierde lid" in text
    assert "U heeft binnen de gestelde termijn geen zienswijze" in text
    public = render_text("besluit_disciplinaire_maatregel", data=data, rechtspositie="publiekrechtelijk")
    assert "op staande voet" not in public and "binnen zes weken" in public


def test_afsluiting_zonder_maatregel():
    data = case_data(uitkomst="niet_aangetoond", afdoeningen=["Geen afdoening/actie"])
    text = render_text("afsluiting_zonder_maatregel", data=data)
    assert "het vermoeden is niet aangetoond" in text
    assert "De ordemaatregel (schorsing) die tijdens het onderzoek is genomen, wordt met ingang van " \
           "2 november 2026 opgeheven" in text
    data.pop("besluit_motivering")
    data["ordemaatregel"] = "geen"
    text = render_text("afsluiting_zonder_maatregel", data=data)
    assert "ordemaatregel" not in text.lower()


def test_terugkoppeling_melder_in_general_terms():
    text = render_text("terugkoppeling_melder")
    assert "Geachte mevrouw Verbeek," in text
    assert "gedeeltelijk bevestigd" in text
    assert "Naar aanleiding van het onderzoek zijn passende vervolgstappen gezet." in text
    assert "geen informatie geven over de personen" in text


def test_melding_politie_om_art_162():
    text = render_text("melding_politie_om")
    assert "artikel 162 Wetboek van Strafvordering" in text
    assert "Arrondissementsparket Den Haag" in text
    assert "Pieter de Graaf, werkzaam als senior douanemedewerker" in text
    assert "Geachte heer, mevrouw," in text
    assert "Anna Verbeek" not in text


def test_default_addressee_for_police_letter():
    settings = make_settings()
    settings.pop("aangifte_instantie")
    content, _ = render_letter(template="melding_politie_om", recipient="politie_om", data=case_data(),
                               settings=settings, case_reference=REF)
    from documents.render import docx_text
    assert "\nOpenbaar Ministerie\n" in docx_text(content)


def test_deadline_passed_in_appears_as_dutch_date():
    # The engine computes deadlines (Algemene termijnenwet); a term ending on Saturday 26 December
    # 2026 (Boxing Day) moves to Monday 28 December 2026. The letter writes what it is given.
    text = render_text("voornemen_disciplinaire_maatregel", data=case_data(zienswijze_termijn="2026-12-28"))
    assert "uiterlijk op 28 december 2026 zijn ontvangen" in text
    # ISO datetimes are written as the Dutch local date.
    text = render_text("verslag_hoorgesprek", data=case_data(correctie_termijn="2026-12-31T23:30:00+00:00"))
    assert "uiterlijk op 1 januari 2027" in text


def test_letter_date_follows_the_engine_clock(clock):
    from datetime import datetime, timezone

    clock.set(datetime(2026, 12, 15, 23, 30, tzinfo=timezone.utc))  # already 16 December in Amsterdam
    text = render_text("ontvangstbevestiging")
    assert "Datum\t16 december 2026" in text


def test_feedback_without_investigation_uses_the_free_text_only():
    data = case_data(route="overdracht", terugkoppeling_tekst="Uw melding is overgedragen aan de bevoegde instantie.")
    data.pop("uitkomst")
    text = render_text("terugkoppeling_melder", data=data)
    assert "Uw melding is overgedragen aan de bevoegde instantie." in text
    assert "onderzoek gedaan" not in text


def test_holiday_deadline_from_the_engine_appears_shifted():
    """A zienswijze term of 14 days from 12 December 2026 ends on Boxing Day (a Saturday);
    the Algemene termijnenwet moves it to Monday 28 December, and the letter says so.
    (Runs once the engine's legal_terms module is present.)"""
    from datetime import date

    legal_terms = pytest.importorskip("engine.legal_terms")
    deadline = legal_terms.legal_deadline(date(2026, 12, 12), "P14D")
    assert deadline == date(2026, 12, 28)
    text = render_text("voornemen_disciplinaire_maatregel", data=case_data(zienswijze_termijn=deadline.isoformat()))
    assert "uiterlijk op 28 december 2026 zijn ontvangen" in text
    assert "26 december 2026" not in text


def test_kennisgeving_bekendmaking_identiteit_names_role_and_reason_not_the_subject():
    text = render_text("kennisgeving_bekendmaking_identiteit")
    assert "Geachte mevrouw Verbeek," in text
    assert "Betreft\tKennisgeving: bekendmaking van uw identiteit" in text
    assert "in de rol van onderzoeker" in text
    assert "de melder als getuige te horen" in text  # the recorded reason
    assert "vooraf schriftelijk" in text and "Huis voor Klokkenluiders" in text
    assert "met ingang van 2 november 2026" in text
    assert "Pieter de Graaf" not in text and "senior douanemedewerker" not in text


def test_kennisgeving_bekendmaking_identiteit_anonymous_reporter_via_portal():
    data = case_data(melder_anoniem=True)
    for key in ("melder_naam", "melder_adres", "melder_email", "melder_telefoon"):
        data.pop(key)
    text = render_text("kennisgeving_bekendmaking_identiteit", data=data)
    assert "Geachte melder," in text and "anonieme meldportaal" in text
    assert "Anna Verbeek" not in text


def test_kennisgeving_bekendmaking_identiteit_refuses_a_reason_naming_the_subject():
    data = case_data(bekendmaking_reden="Pieter de Graaf moet weten wie hem heeft gemeld.")
    with pytest.raises(LetterRenderError) as err:
        render_text("kennisgeving_bekendmaking_identiteit", data=data)
    assert "betrokkene_naam" in str(err.value) and "Pieter" not in str(err.value)


@pytest.mark.parametrize("oordeel, expected", [
    ("gegrond", "Wij achten uw melding gegrond"),
    ("deels_gegrond", "Wij achten uw melding gedeeltelijk gegrond"),
    ("ongegrond", "Wij achten uw melding niet gegrond"),
    ("nog_niet_bekend", "Uiterlijk op 1 maart 2027 informeren wij u alsnog over ons oordeel."),
])
def test_gegrondheid_melder_carries_the_verdict(oordeel, expected):
    text = render_text("gegrondheid_melder", data=case_data(melding_gegrond=oordeel))
    assert expected in text
    assert "Het onderzoek naar uw melding is afgerond; de organisatie volgt de uitkomst op." in text
    assert "Pieter de Graaf" not in text


def test_gegrondheid_melder_refuses_an_unknown_verdict():
    with pytest.raises(LetterRenderError):
        render_text("gegrondheid_melder", data=case_data(melding_gegrond="misschien"))


def test_besluit_ordemaatregel_names_the_start_date():
    later = render_text("besluit_ordemaatregel")  # sample: start 10 December, letter 2 November
    assert "met ingang van 10 december 2026 in het belang van de dienst te schorsen" in later
    assert "onmiddellijke" not in later
    today = render_text("besluit_ordemaatregel", data=case_data(ordemaatregel_ingangsdatum="2026-11-02"))
    assert "met onmiddellijke ingang, 2 november 2026, in het belang van de dienst te schorsen" in today


@pytest.mark.parametrize("form, name, salutation", [
    ("mevrouw", "Anna Verbeek", "Geachte mevrouw Verbeek,"),
    ("heer", "Jan van Dijk", "Geachte heer Van Dijk,"),
    ("onbekend", "Anna Verbeek", "Geachte heer/mevrouw Verbeek,"),
    (None, "J.A. van der Berg", "Geachte heer/mevrouw Van der Berg,"),  # a case recorded before the field existed
])
def test_salutation_follows_the_recorded_form_of_address(form, name, salutation):
    data = case_data(melder_naam=name)
    if form is None:
        data.pop("melder_aanspreekvorm")
    else:
        data["melder_aanspreekvorm"] = form
    assert salutation in render_text("ontvangstbevestiging", data=data)


def test_house_style_parts_of_a_letter():
    """Rijkshuisstijl: Retouradres, sender column with addresses and kenmerken, Betreft, Pagina x van y, and a
    decision signed on behalf of the competent authority ("namens deze")."""
    data = case_data(betrokkene_kenmerk="HR/2026/17")
    text = render_text("besluit_ordemaatregel", data=data)
    assert "> Retouradres Postbus 20150 2500 EB  Den Haag" in text
    assert "Bezoekadres\nGrenslaan 1\n2511 AB  Den Haag\nPostadres\nPostbus 20150" in text
    assert "Ons kenmerk\nINT-2026-0042\nUw kenmerk\nHR/2026/17" in text
    assert "Hoogachtend,\nDe directeur-generaal Dienst Grenstoezicht,\nnamens deze,\n" in text
    assert "Uw kenmerk" not in render_text("besluit_ordemaatregel")  # only when the recipient gave one
    assert "melder_kenmerk" not in text
    hearing = render_text("verslag_hoorgesprek")
    assert "Bijlage(n)\n1" in hearing


def test_templates_carry_only_the_styles_they_use():
    import zipfile

    from documents.render import TEMPLATES_DIR

    for path in sorted(TEMPLATES_DIR.glob("*.docx")):
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
            styles = archive.read("word/styles.xml")
        assert "word/stylesWithEffects.xml" not in names, path.name
        assert len(styles) < 10_000 and b"latentStyles" not in styles, path.name
