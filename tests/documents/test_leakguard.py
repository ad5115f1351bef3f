"""The Dutch leak guard (documents/leakguard.py): examples and properties (hypothesis).

Properties: a sentence with any measure word of the shipped process (any synonym, any casing, inflected,
inside a compound, the words of a phrase spread over the sentence) or any form of the subject's name is
always refused; a sentence written in general terms is always accepted, whatever the subject is called.
"""
from __future__ import annotations

import pytest
from hypothesis import HealthCheck, assume, given, settings, strategies as st

from documents.context import check_reporter_text
from documents.errors import NotInGeneralTerms
from documents.leakguard import Guard, Vocabulary, default_vocabulary, find_name, fold, shared_words, stem

VOCAB = default_vocabulary()
ORG = ["Rijksdienst voor Voorbeeldzaken", "Meldpunt Integriteit"]


def guard(name="Anna Jansen", functie="Inspecteur", unit="Douane") -> Guard:
    return Guard(VOCAB, [{"betrokkene_naam": name, "betrokkene_functie": functie, "dienstonderdeel": unit}],
                 allowed=ORG)


@pytest.mark.parametrize("name,text,word", [
    ("Cora de Vries", "Mevrouw De Vries is aangesproken.", "De Vries"),
    ("Cora de Vries", "Wij spraken met de vries.", "de vries"),
    ("Cora de Vries", "C. de Vries is gehoord.", "de Vries"),
    ("Cora de Vries", "Cora is gehoord.", "Cora"),
    ("Pieter van der Berg", "Dhr. van der berg is gehoord.", "van der berg"),
    ("Pieter van der Berg", "De heer Berg is gehoord.", "Berg"),
    ("Jansen, P.", "Met P. Jansen is gesproken.", "P Jansen"),
    ("Anna Jansen-de Groot", "Mevrouw de groot is gehoord.", "de groot"),
])
def test_name_forms(name, text, word):
    hit = guard(name=name).find(text)
    assert hit is not None and hit.word == word and hit.reason == "naam van de betrokkene"


@pytest.mark.parametrize("name,text", [
    ("Roos Bakker", "Wij hebben de zaak met een roos afgesloten."),  # a first name that is a common word
    ("Wil de Groot", "Wij wil(len) u laten weten dat het onderzoek groot was."),
    ("Bas de Jong", "Een jong team heeft de melding onderzocht."),
])
def test_common_words_that_are_also_names_stay_usable(name, text):
    assert guard(name=name).find(text) is None


@pytest.mark.parametrize("text", [
    "Uw melding is onderzocht en de organisatie heeft passende maatregelen getroffen.",
    "Er zijn maatregelen genomen.",
    "De medewerker over wie u meldde is gehoord.",
    "Het onderzoek is beëindigd.",
    "Er is onderzocht of er sprake was van een strafbaar feit.",
    "Wij informeren u periodiek over de voortgang.",
])
def test_general_terms_stay_allowed(text):
    assert guard(functie="Senior medewerker", unit="Directie Toezicht").find(text) is None


@pytest.mark.parametrize("vocabulary", [VOCAB, Vocabulary.build({}, {})], ids=["proces", "zonder_termen"])
def test_a_reporter_named_after_a_word_of_the_trade_is_found_as_a_name_and_the_word_stays_usable(vocabulary):
    # The name guards for the reporter (letters to others, reasons in the audit chain) share one rule: a part of her
    # name that is also a word of the trade counts only written as a name. The guard's own refusal asks for
    # "de melder": that stays writable even in a process whose vocabulary does not list it.
    names = ["A. de Melder"]
    shared = shared_words(names, vocabulary=vocabulary)

    def found(text):
        return find_name(text, names, reason="naam van de melder", key="melder_naam", shared=shared)

    for text in ("Mevrouw De Melder is gehoord.", "Met mevrouw de melder is gesproken.", "A. de Melder is gehoord.",
                 "Met A. De Melder is gesproken.", "De Melder is gehoord.", "Wij spraken met De Melder."):
        assert found(text) is not None, text
    for text in ("De melder moet als getuige worden gehoord.", "Wij spraken met de melder en de getuigen.",
                 "Melder: zie het dossier.", "De melding is onderzocht. Melder wil anoniem blijven."):
        assert found(text) is None, text


def test_another_persons_name_part_never_counts_on_its_own():
    # "Jansen" in a letter to the subject Piet Jansen is the subject, also after "de heer".
    names = ["Karin Jansen"]
    shared = shared_words(names, others=["Piet Jansen"], vocabulary=VOCAB)
    assert find_name("Geachte heer Jansen,", names, reason="x", key="melder_naam", shared=shared) is None
    assert find_name("Karin heeft gebeld.", names, reason="x", key="melder_naam", shared=shared) is not None


def test_job_title_and_unit_word_by_word():
    g = guard(functie="Senior douanemedewerker", unit="Directie Toezicht")
    assert g.find("Een douanemedewerker is aangesproken.").reason == "functie van de betrokkene"
    assert g.find("Het toezicht is verscherpt.").reason == "dienstonderdeel van de betrokkene"
    assert g.find("Een senior medewerker van de directie is gehoord.") is None


def test_the_refusal_names_field_and_word_in_dutch():
    with pytest.raises(NotInGeneralTerms) as info:
        check_reporter_text(field="terugkoppeling_tekst", text="De medewerker is schriftelijk berispt.",
                            cases=[{"afdoeningen": ["Schriftelijke berisping"]}], vocabulary=VOCAB)
    assert info.value.detail.startswith(
        "Het veld 'Terugkoppeling' (terugkoppeling_tekst) noemt 'berispt' (maatregel 'Schriftelijke berisping'")
    assert "schrijf in algemene termen" in info.value.detail
    assert info.value.placeholder == "afdoeningen" and info.value.errors[0].field == "terugkoppeling_tekst"


def test_every_measure_of_the_forms_has_synonyms_in_the_manifest():
    from documents.leakguard import missing_synonyms
    from tests.process.driver import PROCESSES
    import json

    manifest = json.loads((PROCESSES / "manifest.json").read_text(encoding="utf-8"))
    forms = {p.name: json.loads(p.read_text(encoding="utf-8")) for p in (PROCESSES / "forms").glob("*.json")}
    assert missing_synonyms(manifest["leak_guard"], forms) == []
    labels = {label for label, _ in VOCAB.measures}
    assert {"Schriftelijke berisping", "Vermindering IKB-uren", "Verplaatsing", "Beëindiging dienstverband",
            "Schorsing (met behoud van bezoldiging)"} <= labels
    assert "Geen afdoening/actie" not in labels


def test_processes_check_refuses_a_measure_without_words(tmp_path):
    import json
    import shutil

    from engine.processes import service as processes
    from tests.process.driver import PROCESSES

    broken = tmp_path / "processes"
    shutil.copytree(PROCESSES, broken)
    manifest = json.loads((broken / "manifest.json").read_text(encoding="utf-8"))
    del manifest["leak_guard"]["maatregelen"]["Verplaatsing"]
    (broken / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
    assert processes.check(directory=PROCESSES) == []
    assert [(i.file, i.message) for i in processes.check(directory=broken)] == [(
        "manifest.json", "leak_guard.maatregelen: de maatregel 'Verplaatsing' uit de formulieren heeft geen "
                         "woorden; de lekbewaking voor de melder kan hem niet herkennen")]


# --------------------------------------------------------------------------- properties

SYNONYMS = sorted({s for _, synonyms in VOCAB.measures for s in synonyms})
INFLECTED = ["berispingen", "berispte", "geschorst", "schorsingen", "ontslagen", "overgeplaatst", "boetes",
             "beboet", "geldboete", "schorsingsbesluit", "ontslagbrief", "IKB-uren", "gedegradeerd",
             "waarschuwingsbrieven", "sancties", "Beëindigd dienstverband", "BERISPT", "Geschorste"]
FRAMES = ["De medewerker {m}.", "Naar aanleiding van uw melding: {m}.", "Wij melden u dat er sprake is van {m}.",
          "{m} is het gevolg van het onderzoek.", "Er volgde ({m}) na het onderzoek.",
          "Het team vernam: '{m}'."]
FILLER = ["", "is", "inmiddels", "van de medewerker", "per direct", "na het onderzoek"]
TUSSEN = ["", "de", "van", "van der", "van den", "ter", "in 't", "den"]
GENERAL = [
    "Uw melding is zorgvuldig onderzocht.", "De organisatie heeft passende maatregelen genomen.",
    "Er zijn maatregelen getroffen.", "Het onderzoek is afgerond.", "Het onderzoek is beëindigd.",
    "Wij houden u periodiek op de hoogte.", "Over personen kunnen wij u geen informatie geven.",
    "De zaak is afgehandeld.", "Wij danken u voor uw melding.", "De medewerker over wie u meldde is gehoord.",
    "Er is een gesprek gevoerd.", "Uw melding heeft geleid tot vervolgstappen.",
    "Er is onderzocht of er sprake was van een strafbaar feit.", "De leidinggevende is geïnformeerd.",
    "Wij nemen uw melding serieus.", "Voor vragen kunt u reageren via het meldportaal.",
]
FUNCTIES = ["Inspecteur", "Teamleider", "Douanemedewerker", "Senior beleidsadviseur", "Controleur"]
UNITS = ["Douane", "Belastingdienst", "Directie Toezicht", "Team Handhaving Noord"]
FRAME_WORDS = {fold(w) for text in FRAMES + FILLER + GENERAL for w in text.replace("{m}", "").split()}
FRAME_STEMS = {stem(w.strip(".,:;'()")) for w in FRAME_WORDS}

name_word = st.from_regex(r"[A-Z][a-z]{3,9}", fullmatch=True).filter(
    lambda w: fold(w) not in FRAME_WORDS and stem(fold(w)) not in FRAME_STEMS and not VOCAB.is_general(fold(w)))


@st.composite
def subject(draw):
    first, surname = draw(name_word), draw(name_word)
    assume(first != surname)
    return first, draw(st.sampled_from(TUSSEN)), surname


def full_name(first, tussen, surname):
    return " ".join(p for p in (first, tussen, surname) if p)


@st.composite
def name_variant(draw, parts):
    first, tussen, surname = parts
    tail = f"{tussen} {surname}".strip()
    return draw(st.sampled_from([
        full_name(first, tussen, surname), tail, f"{tussen.capitalize()} {surname}".strip(), surname,
        f"{first[0]}. {tail}", first, f"mevrouw {tail.lower()}", f"dhr. {surname.lower()}",
        f"{first.lower()} {tail.lower()}", f"{surname}'s",
    ]))


def casing(draw, text):
    how = draw(st.sampled_from(["asis", "lower", "upper", "title"]))
    return {"asis": text, "lower": text.lower(), "upper": text.upper(), "title": text.title()}[how]


@st.composite
def measure_sentence(draw):
    phrase = draw(st.sampled_from(SYNONYMS + INFLECTED))
    words = phrase.split()
    spread = words[0] + "".join(f" {draw(st.sampled_from(FILLER))} {w}".replace("  ", " ") for w in words[1:])
    return draw(st.sampled_from(FRAMES)).format(m=casing(draw, spread))


PROPS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])


@PROPS
@given(parts=subject(), functie=st.sampled_from(FUNCTIES), unit=st.sampled_from(UNITS), data=st.data())
def test_inflected_measures_are_always_refused(parts, functie, unit, data):
    sentence = data.draw(measure_sentence())
    general = data.draw(st.lists(st.sampled_from(GENERAL), max_size=2))
    text = " ".join([*general, sentence])
    hit = guard(full_name(*parts), functie, unit).find(text)
    assert hit is not None and hit.reason.startswith("maatregel '"), (text, hit)


@PROPS
@given(parts=subject(), functie=st.sampled_from(FUNCTIES), unit=st.sampled_from(UNITS), data=st.data())
def test_every_name_form_is_always_refused(parts, functie, unit, data):
    variant = data.draw(name_variant(parts))
    frame = data.draw(st.sampled_from(["{n} is gehoord.", "Wij hebben met {n} gesproken.",
                                       "Het onderzoek naar {n} is afgerond.", "Collega {n} werkt hier."]))
    general = data.draw(st.lists(st.sampled_from(GENERAL), max_size=2))
    text = " ".join([*general, frame.format(n=variant)])
    hit = guard(full_name(*parts), functie, unit).find(text)
    assert hit is not None and hit.reason == "naam van de betrokkene", (text, hit)


@PROPS
@given(parts=subject(), functie=st.sampled_from(FUNCTIES), unit=st.sampled_from(UNITS),
       sentences=st.lists(st.sampled_from(GENERAL), min_size=1, max_size=5))
def test_general_terms_are_always_accepted(parts, functie, unit, sentences):
    text = " ".join(sentences)
    assert guard(full_name(*parts), functie, unit).find(text) is None, text


class _Exhaustive:
    """The guard's search without its whole-text prefilter: every term searched in every sentence."""

    def __init__(self, toks) -> None:
        pass

    def may_match(self, word, word_stem, compounds) -> bool:
        return True


def _exhaustive_find(g: Guard, text: str):
    import documents.leakguard as leakguard

    prefilter, leakguard._Occurring = leakguard._Occurring, _Exhaustive
    try:
        return g.find(text)
    finally:
        leakguard._Occurring = prefilter


@PROPS
@given(parts=subject(), functie=st.sampled_from(FUNCTIES), unit=st.sampled_from(UNITS), data=st.data())
def test_the_prefilter_finds_what_searching_every_sentence_finds(parts, functie, unit, data):
    """Issue 25: a term is only searched sentence by sentence when each of its words matches some word of the
    text (also as part of a compound). The hit must be the one the exhaustive search finds, for texts with
    measures (inflected, compounds, spread phrases), names and general terms mixed."""
    pieces = data.draw(st.lists(st.one_of(measure_sentence(), st.sampled_from(GENERAL),
                                          st.sampled_from(["Het schorsingsbesluit is genomen.", "Een geldboete.",
                                                           "Zij is berispt; de berispingen zijn vastgelegd.",
                                                           "Ontslagen? Nee."]),
                                          name_variant(parts).map(lambda n: f"{n} is gehoord.")),
                                min_size=1, max_size=6))
    g = guard(full_name(*parts), functie, unit)
    for text in [" ".join(pieces), *pieces]:  # the whole text, and each piece alone (where hits do not mask)
        assert g.find(text) == _exhaustive_find(g, text), text


@pytest.mark.parametrize("text", ["Een geldboete.", "Het schorsingsbesluit is genomen.", "Hij is berispt.",
                                  "De berispingen zijn vastgelegd.", "Er is een disciplinaire straf opgelegd.",
                                  "Er zijn passende maatregelen genomen."])
def test_the_prefilter_keeps_compounds_and_inflections(text):
    g = guard()
    assert g.find(text) == _exhaustive_find(g, text)
