"""Route scenarios for the integrity process, independent of how the process is run.

Each scenario is (start data, answers per user task); `run_scenario` in driver.py plays it
against a driver. Defaults below are valid against every form; scenarios override only what
decides their route.
"""
from tests.timebase import TEST_TODAY

from .driver import Expire

TODAY = TEST_TODAY  # every date below; never the wall clock (see tests/timebase.py)


def defaults_on(today: str) -> dict[str, dict]:
    """The default answers with every date on ``today`` (ISO date); the bench re-dates them to its own clock."""
    return {
        # melding
        "melding_registreren": {
            "kanaal": "meldpunt_integriteit", "melder_soort": "medewerker", "melder_anoniem": False,
            "melder_naam": "A. de Melder", "melder_email": "melder@example.org", "via_vertrouwenspersoon": False,
            "datum_melding": today, "categorie": "Financiële schendingen", "subcategorie": "fraude",
            "omschrijving": "Declaraties voor reizen die niet zijn gemaakt.", "dienstonderdeel": "Directie Toezicht",
            "betrokkene_naam": "B. Betrokkene", "betrokkene_persoon": "extern/onbekend",
            "betrokkene_functie": "Inspecteur", "risicofunctie": "geen", "melding_compleet": True,
        },
        "toestemming_vertrouwenspersoon": {"toestemming_doorgeven": True, "toestemming_datum": today,
                                           "toestemming_identiteit_delen": False},
        "ontvangst_bevestigen": {"ontvangstbevestiging_via": "email"},
        "escalatie_ontvangstbevestiging": {"escalatie_ontvangstbevestiging_actie": "Meldpunt aangesproken."},
        "vragen_aan_melder": {"aanvullende_vragen": "Wanneer en waar vond dit plaats?"},
        "antwoord_melder_verwerken": {"antwoord_ontvangen": True, "aanvullende_informatie": "In maart, op kantoor.",
                                      "melding_compleet": True},
        # beoordeling
        "ernst_en_strafbaarheid": {"ernst": "ernstig", "strafbaar_feit": False,
                                   "strafbaar_feit_toelichting": "Geen aanwijzing voor een ambtsmisdrijf."},
        "aangifte_doen": {"aangifte_gedaan": True, "aangifte_datum": today, "aangifte_instantie": "Openbaar Ministerie",
                          "aangifte_toelichting": "Mogelijk valsheid in geschrifte door een ambtenaar."},
        "melding_beoordelen": {"route": "geen_onderzoek", "beoordeling_motivering": "Onvoldoende aanknopingspunten."},
        "signaal_bureau_vi": {"signaal_kennisgenomen": True, "signaal_maatregelen": "Autorisaties beperkt."},
        # routes
        "besluit_geen_onderzoek": {"toelichting_melder": "Er volgt geen onderzoek."},
        "doorverwijzen": {"doorverwijzing_datum": today, "toelichting_melder": "Uw melding is doorverwezen."},
        "overdragen": {"overdracht_datum": today, "overdracht_kenmerk": "AR-2026-1"},
        "vooronderzoek_uitvoeren": {"vooronderzoek_bevindingen": "Geen feiten die een onderzoek dragen.",
                                    "vooronderzoek_conclusie": "stoppen", "betrokkene_geinformeerd": False},
        "betrokkene_informeren_afsluiting": {"uitkomst": "niet_aangetoond", "toelichting_betrokkene": "De zaak is afgesloten."},
        "onderzoeksopdracht_beslissen": {"opdracht_verleend": True, "opdracht_motivering": "Ernstige verdenking."},
        "onderzoeksopdracht_verstrekken": {"onderzoeksvragen": "Heeft betrokkene onterecht gedeclareerd?"},
        "escalatie_onderzoekstermijn": {"escalatie_onderzoekstermijn_actie": "Planning besproken."},
        "zaak_registreren": {"dienstonderdeel": "Directie Toezicht", "categorie": "Financiële schendingen",
                             "afdoeningen": ["Geen afdoening/actie"], "soort_onderzoek": "geen_onderzoek",
                             "uitkomst": "niet_van_toepassing",
                             "inhoud_geanonimiseerd": "Medewerker zou onterecht reiskosten hebben gedeclareerd.",
                             "datum_afsluiting": today},
        "terugkoppeling_melder": {"terugkoppeling_tekst": "Uw melding is beoordeeld en wordt opgevolgd."},
        "escalatie_terugkoppeling": {"escalatie_terugkoppeling_actie": "Terugkoppeling alsnog ingepland."},
        "melder_informeren_gegrondheid": {"melding_gegrond": "deels_gegrond",
                                          "gegrondheid_tekst": "Uw melding is beoordeeld; de organisatie volgt haar op."},
        "escalatie_gegrondheid": {"escalatie_gegrondheid_actie": "Melder alsnog gebeld."},
        # onderzoek
        "onderzoek_starten": {"beweringen": ["Onterecht reiskosten gedeclareerd"],
                              "onderzoeksplan": "Declaraties en reisgegevens vergelijken; hoorgesprek.",
                              "kennisgeving_datum": today, "hoorgesprek_datum": "2026-12-08T10:00:00+01:00",
                              "hoorgesprek_locatie": "Den Haag", "getuigen_horen_nodig": False},
        "hoorgesprek_voeren": {"hoorgesprek_gehouden_op": today, "adviseur_aanwezig": False, "verslag_hoorgesprek": "Betrokkene erkent twee reizen niet."},
        "verslag_ter_correctie": {"verslag_aangeboden_op": today},
        "reactie_verslag_verwerken": {"reactie_ontvangen": True, "correcties": "Eén datum gecorrigeerd.",
                                      "verslag_ondertekend": True},
        "getuigen_horen": {"getuigenverhoren": [{"getuige": "G1", "datum": today, "verslag": "Bevestigt afwezigheid."}]},
        "getuigenverslag_aanbieden": {"getuige_verslag_aangeboden_op": today},
        "getuigenverslag_reactie": {"getuige_reactie_ontvangen": True, "getuige_correcties": "Naam collega gespeld.",
                                    "getuige_verslag_ondertekend": True},
        "getuigenverslag_zonder_reactie": {"getuige_zonder_reactie_toelichting": "Getuige nagebeld; geen reactie."},
        "rapport_opstellen": {"bevindingen": [{"bewering": "Onterecht reiskosten gedeclareerd", "uitkomst": "aangetoond"}],
                              "uitkomst": "aangetoond", "rapport_samenvatting": "De bewering is aangetoond.",
                              "rapport_datum": today},
        "ordemaatregel_overwegen": {"ordemaatregel": "geen"},
        "ordemaatregel_besluit": {"ordemaatregel_ingangsdatum": today},
        "ordemaatregel_heroverwegen": {"ordemaatregel_beeindigd": True, "ordemaatregel_einddatum": today,
                                       "heroverweging_motivering": "Onderzoek afgerond."},
        "escalatie_heroverweging_ordemaatregel": {"escalatie_heroverweging_actie": "Bevoegd gezag herinnerd."},
        # afdoening
        "sanctieadvies_opstellen": {"advies_afdoeningen": ["Schriftelijke berisping"],
                                    "advies_motivering": "In lijn met vergelijkbare zaken."},
        "afdoening_bepalen": {"afdoening_keuze": "disciplinaire_maatregel",
                              "voorgenomen_maatregel": ["Schriftelijke berisping"], "besluit_motivering": "Conform advies."},
        "voornemen_verzenden": {"voornemen_datum": today},
        "zienswijze_verwerken": {"zienswijze_ontvangen": True, "zienswijze_vorm": "schriftelijk",
                                 "zienswijze_samenvatting": "Betrokkene betreurt het."},
        "besluit_disciplinaire_maatregel": {"afdoeningen": ["Schriftelijke berisping"], "ontslag_op_staande_voet": False,
                                            "besluit_motivering": "Zienswijze geeft geen reden tot afwijken.",
                                            "besluit_datum": today},
        "bezwaar_registreren": {"bezwaar_ingediend": True, "bezwaar_datum": today},
        "bezwaar_behandelen": {"beslissing_op_bezwaar": "ongegrond", "bezwaar_motivering": "Besluit blijft in stand."},
        "verzoek_kantonrechter_registreren": {"verzoek_kantonrechter": True, "verzoek_datum": today},
        "afsluiten_zonder_maatregel": {"toelichting_betrokkene": "De zaak wordt zonder maatregel afgesloten.",
                                       "besluit_datum": today},
    }


DEFAULTS: dict[str, dict] = defaults_on(TODAY)

FEITENONDERZOEK = {"melding_beoordelen": {"route": "feitenonderzoek", "onderzoek_soort": "intern",
                                          "beoordeling_motivering": "Ernstige verdenking, feitenonderzoek."}}


def with_(*parts, **extra):
    out = {}
    for p in parts + (extra,):
        for k, v in p.items():
            out[k] = {**out.get(k, {}), **v} if isinstance(v, dict) and isinstance(out.get(k), dict) else v
    return out


def route_answers(route, **fields):
    return {"melding_beoordelen": {"route": route, "beoordeling_motivering": f"Route {route} gekozen.", **fields}}


__all__ = ["DEFAULTS", "FEITENONDERZOEK", "Expire", "with_", "route_answers", "TODAY"]
