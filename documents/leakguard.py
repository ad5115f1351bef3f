"""The leak guard for everything written to the reporter: feedback "in algemene termen" (DOMAIN §4).

One guard for every reporter-facing text (the free-text fields of a letter to the reporter, the rendered
letter itself, the messages of the reporter's channel). It refuses a text that names

* the subject: the registered name in every form a writer uses — full name, surname alone (with or without
  its tussenvoegsel: "de Vries", "van der Berg"), initials + surname, first name, "mevrouw Jansen";
* the subject's job title (``betrokkene_functie``) and unit (``dienstonderdeel``), word by word;
* any measure the process declares (the enums of the measure fields in the forms, plus the synonym table
  ``leak_guard.maatregelen`` in ``manifest.json`` that process owners maintain), in any inflection: words
  are compared after normalisation (case, diacritics, punctuation) by their Snowball Dutch stem, so
  "berisping", "berispingen", "berispt" and "berispte" are one word; compounds with a measure word as head
  or modifier ("geldboete", "schorsingsbesluit") count too. A synonym of several words ("dienstverband
  beëindigd") counts when all its words occur in one sentence, in any order.

What stays allowed ("general terms"): the words of ``leak_guard.algemene_termen`` (e.g. "maatregel(en)",
"medewerker", "collega", "betrokkene", "strafbaar"), even when a job title contains them or when they share
a stem with a measure word ("strafbaar" and "gestraft" both stem to "straf") — "Er zijn passende maatregelen
genomen" is what the reporter may be told. Names are proper nouns: a name word that is also a common word
("Roos", "Wil", "de Groot") is a hit when written with a capital, or in any case right after a title
("mevrouw", "dhr."), an initial, its tussenvoegsel or another part of the name; a lowercase "roos" alone is
the common word. A capitalised common word at the start of a sentence is refused (the refusal names the
word; rephrase).

The same name forms keep the reporter out of the letters to everyone else (:func:`find_name`, used by
``documents.context.check_reporter_not_named``) and out of the reasons staff type into the audit chain
(``engine.cases.reasons``): the subject never learns who reported. Both compute with :func:`shared_words` which
parts of the reporter's name tell nothing alone: a part of someone else's name the text carries (the subject's
surname she shares) never counts on its own; a part that is a common word of these texts (the general terms, the
words of the trade: "A. de Melder", "Lotte Leidinggevende") counts only written as a name — right after a title,
with an initial or another part of her name, or with a capital right after its tussenvoegsel ("mevrouw De Melder",
"A. de Melder", "De Melder") — since a bare capital there is a sentence's first word or a label ("Melder:"), and
"De melder moet als getuige worden gehoord" is what these texts must be able to say.
"""
from __future__ import annotations

import json
import re
import threading
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable, Mapping, NamedTuple

import snowballstemmer

from engine.processes.legal_rules import STATUTORY_PENALTIES, STATUTORY_SOURCE

# Dutch function words and titles: language, not process (the process's own vocabulary is in the manifest).
TUSSENVOEGSELS = frozenset({
    "van", "de", "der", "den", "het", "t", "ter", "ten", "te", "in", "op", "aan", "uit", "bij", "vd", "la", "le",
    "du", "da", "di", "del", "della", "des", "d", "l", "von", "zu", "zum", "vom", "al", "el", "mac", "mc", "o",
})
TITLES = frozenset({
    "mevrouw", "mevr", "mw", "mej", "mejuffrouw", "meneer", "mijnheer", "heer", "dhr", "hr", "mr", "dr", "ir",
    "drs", "ing", "prof", "collega",
})
FUNCTION_WORDS = frozenset({
    "de", "het", "een", "en", "of", "van", "voor", "bij", "met", "in", "op", "aan", "te", "ter", "ten", "tot",
    "uit", "over", "onder", "naar", "om", "door", "als", "die", "dat", "der", "den", "zijn", "haar", "hun",
})
# Names of measure fields whose enum the guard reads if the manifest does not list its own.
DEFAULT_MEASURE_FIELDS = ("afdoeningen", "voorgenomen_maatregel", "advies_afdoeningen", "ordemaatregel")
# What no manifest takes away (DOMAIN §4, feedback in general terms): the fields in which the engine itself reads a
# case's measures (the resolution and the order measure) and the statutory penalties are always measures to the
# guard; ``leak_guard`` adds fields, labels and synonyms, it cannot drop these nor call a penalty 'no measure'.
FLOOR_MEASURE_FIELDS = ("afdoeningen", "ordemaatregel")  # engine.processes.legal_rules RESOLUTION_FIELD, ORDER_MEASURE_FIELD
# The words that name a statutory penalty on their own, whatever a manifest's synonym table holds (a table that gave
# 'Schriftelijke berisping' only the phrase "schriftelijk berispt" left "krijgt een berisping" unrecognised). They are
# measure words of every process version, and no ``algemene_termen`` can make them general (:func:`floor_general_
# conflicts`).
STATUTORY_PENALTY_WORDS: Mapping[str, tuple[str, ...]] = {
    "Schriftelijke berisping": ("berisping",),
    "Vermindering IKB-uren": ("IKB",),
    "Financiële afdoening (boete/ uitsluiting periodiek)": ("boete",),
    "Verplaatsing": ("verplaatsing", "overplaatsing"),
    "Beëindiging tijdelijke arbeidsovereenkomst, contract, stage": ("contract beëindigd",),
    "Beëindiging dienstverband": ("ontslag",),
}
assert set(STATUTORY_PENALTY_WORDS) == set(STATUTORY_PENALTIES)

_TOKEN = re.compile(r"[^\W\d_]+")
_SENTENCE_END = re.compile(r"(?<=[^\W\d_]{4}[.!?])\s+|[;\n]+|(?<=[!?])\s+")
_local = threading.local()


def fold(text: str) -> str:
    """Case- and diacritics-insensitive form: "Beëindigd" → "beeindigd"."""
    return _fold(text) if type(text) is str else _fold_uncached(text)


def _fold_uncached(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", str(text))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


# Folding was most of the guard's CPU (issue 25): a letter's words and the process's measure phrases are folded
# again for every guard built, and several guards are built per letter. Pure functions of a string.
_fold = lru_cache(maxsize=65536)(_fold_uncached)


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """The Snowball Dutch stem of a folded word (stemmer objects keep state: one per thread)."""
    stemmer = getattr(_local, "stemmer", None)
    if stemmer is None:
        stemmer = _local.stemmer = snowballstemmer.stemmer("dutch")
    return stemmer.stemWord(word)


class Token(NamedTuple):
    """A word of a text. A named tuple, not a dataclass: a letter has hundreds of words and every reporter text
    is tokenised in the step's transaction (issue 25: half the cost of :func:`tokens`)."""

    text: str  # as written
    norm: str  # folded
    stem: str
    sentence: int
    index: int

    @property
    def capitalised(self) -> bool:
        return self.text[:1].isupper()


def tokens(text: str) -> list[Token]:
    out: list[Token] = []
    append, fold_word, stem_word, index = out.append, _fold, stem, 0
    for number, sentence in enumerate(_SENTENCE_END.split(str(text))):
        for word in _TOKEN.findall(sentence):
            norm = fold_word(word)
            append(Token(word, norm, stem_word(norm), number, index))
            index += 1
    return out


def _words(phrase: str) -> tuple[str, ...]:
    return _phrase_words(phrase) if type(phrase) is str else _phrase_words(str(phrase))


@lru_cache(maxsize=8192)
def _phrase_words(phrase: str) -> tuple[str, ...]:
    return tuple(fold(w) for w in _TOKEN.findall(phrase))


@dataclass(frozen=True)
class Hit:
    word: str  # as written in the text
    reason: str  # Dutch: "maatregel 'Schriftelijke berisping'", "naam van de betrokkene", ...
    key: str  # the confidential data key the hit stands for (betrokkene_naam, afdoeningen, ...)
    is_name: bool = False


@dataclass(frozen=True)
class _Term:
    words: tuple[str, ...]
    stems: tuple[str, ...]
    reason: str
    label: str
    compounds: bool  # a measure word also counts as part of a compound


def _word_matches(token: Token, word: str, word_stem: str, compounds: bool) -> bool:
    if token.norm == word or token.stem == word_stem:
        return True
    if compounds and len(token.norm) > len(word):
        return (len(word) >= 5 and token.norm.endswith(word)) or (len(word) >= 6 and token.norm.startswith(word))
    return False


@lru_cache(maxsize=8192)
def _cached_term(phrase: str, reason: str, label: str, compounds: bool) -> _Term | None:
    return _make_term(phrase, reason, label, compounds)


def _term(phrase: str, reason: str, label: str, compounds: bool) -> _Term | None:
    """The term of ``phrase`` (immutable, so the measure terms every guard of a process builds are shared)."""
    if type(phrase) is str and type(reason) is str and type(label) is str:
        return _cached_term(phrase, reason, label, bool(compounds))
    return _make_term(phrase, reason, label, compounds)


def _make_term(phrase: str, reason: str, label: str, compounds: bool) -> _Term | None:
    words = tuple(w for w in _words(phrase) if w not in FUNCTION_WORDS or len(_words(phrase)) == 1)
    if not words:
        return None
    return _Term(words, tuple(stem(w) for w in words), reason, label, compounds)


@dataclass(frozen=True)
class Vocabulary:
    """What a process declares: its measures with synonyms, and the general terms that stay allowed."""

    measures: tuple[tuple[str, tuple[str, ...]], ...]  # (label, synonyms)
    general: frozenset[str]  # folded words
    general_stems: frozenset[str]
    measure_fields: tuple[str, ...]
    titles: Mapping[str, str]  # form field -> its Dutch title, for refusal messages

    @classmethod
    def build(cls, config: Mapping[str, Any] | None, forms: Mapping[str, Mapping[str, Any]]) -> "Vocabulary":
        config = config or {}
        fields = tuple(dict.fromkeys((*(config.get("maatregelvelden") or DEFAULT_MEASURE_FIELDS),
                                      *FLOOR_MEASURE_FIELDS)))
        synonyms: dict[str, list[str]] = {str(k): [str(s) for s in v] for k, v in
                                          (config.get("maatregelen") or {}).items()}
        for penalty, words in STATUTORY_PENALTY_WORDS.items():  # the floor's own words, whatever the table says
            synonyms[penalty] = list(dict.fromkeys((*synonyms.get(penalty, ()), *words)))
        no_measure = {fold(x) for x in config.get("geen_maatregel") or []}
        labels: list[str] = []
        titles: dict[str, str] = {}
        for schema in forms.values():
            for name, prop in (schema.get("properties") or {}).items():
                if isinstance(prop, Mapping) and isinstance(prop.get("title"), str):
                    titles.setdefault(name, prop["title"])
                if name in fields and isinstance(prop, Mapping):
                    labels.extend(measure_labels(prop))
        labels.extend(synonyms)
        labels.extend(STATUTORY_PENALTIES)
        measures = []
        for label in dict.fromkeys(labels):
            if fold(label) in no_measure and label not in STATUTORY_PENALTIES:
                continue
            measures.append((label, tuple(synonyms.get(label, ()))))
        # A general term that is a word of the floor's measures is no general term, also in a version stored before
        # `processes check` refused it: it is left out (the guard then counts the word as the measure it names).
        refused = {term for term, _ in floor_general_conflicts(config, forms)}
        general = frozenset(w for phrase in config.get("algemene_termen") or [] if phrase not in refused
                            for w in _words(phrase))
        return cls(tuple(measures), general, frozenset(stem(w) for w in general), fields, titles)

    def is_general(self, word: str) -> bool:
        return word in self.general or stem(word) in self.general_stems or word in FUNCTION_WORDS or len(word) < 3


def measure_labels(prop: Mapping[str, Any]) -> list[str]:
    """The measure labels of a form field: its enum (of the items for a list), shown by ``x-labels``."""
    inner = prop.get("items") if prop.get("type") == "array" else prop
    if not isinstance(inner, Mapping):
        return []
    labels = inner.get("x-labels") or prop.get("x-labels") or {}
    return [str(labels.get(v, v)) for v in inner.get("enum") or [] if isinstance(v, str)]


def missing_synonyms(config: Mapping[str, Any] | None, forms: Mapping[str, Mapping[str, Any]]) -> list[str]:
    """Measure labels of the forms that the manifest's synonym table does not cover (for ``processes check``)."""
    vocabulary = Vocabulary.build(config, forms)
    table = (config or {}).get("maatregelen") or {}
    return [label for label, _ in vocabulary.measures if not table.get(label)]


def _floor_measures(config: Mapping[str, Any], forms: Mapping[str, Mapping[str, Any]]
                    ) -> list[tuple[str, str, tuple[str, ...]]]:
    """Per measure of the floor (the statutory penalties, the choices of the floor's measure fields that are a
    measure): its label, what it is (Dutch, for a refusal) and the phrases the guard recognises it by."""
    table = config.get("maatregelen") or {}
    no_measure = {fold(x) for x in config.get("geen_maatregel") or []}
    what: dict[str, str] = {p: f"de straf '{p}' ({STATUTORY_SOURCE})" for p in STATUTORY_PENALTIES}
    for schema in forms.values():
        for name, prop in ((schema or {}).get("properties") or {}).items():
            if name in FLOOR_MEASURE_FIELDS and isinstance(prop, Mapping):
                for label in measure_labels(prop):
                    if fold(label) not in no_measure:
                        what.setdefault(label, f"de maatregel '{label}' (veld '{name}')")
    out = []
    for label, description in what.items():
        phrases = [str(s) for s in table.get(label) or [] if isinstance(s, str)]
        phrases.extend(STATUTORY_PENALTY_WORDS.get(label, ()))
        if len([w for w in _words(label) if w not in FUNCTION_WORDS]) <= 3:
            phrases.insert(0, label)
        out.append((label, description, tuple(dict.fromkeys(phrases))))
    return out


def floor_general_conflicts(config: Mapping[str, Any] | None, forms: Mapping[str, Mapping[str, Any]]
                            ) -> list[tuple[str, str]]:
    """The general terms of ``config`` (``leak_guard``) that would let a measure of the floor through, each with what
    it names (Dutch): a term with a word that is, or contains, a one-word phrase of a floor measure after the guard's
    own normalisation and Dutch stemming ("berisping", "berispingen", "verplaatsingsbesluit"); or the terms that
    together hold every word of a floor measure's phrase ("schriftelijke" and "berisping"): the guard drops a phrase
    of general words only, and a general word never matches another word of its stem."""
    config = config or {}
    general = [str(g) for g in config.get("algemene_termen") or [] if isinstance(g, str)]
    words = {g: [Token(w, w, stem(w), 0, 0) for w in _words(g)] for g in general}
    found: dict[str, str] = {}
    for _label, description, phrases in _floor_measures(config, forms):
        for phrase in phrases:
            term = _make_term(phrase, "", "", True)
            if term is None:
                continue
            if len(term.words) == 1:
                word, word_stem = term.words[0], term.stems[0]
                for g in general:
                    if any(_word_matches(t, word, word_stem, True) for t in words[g]):
                        found.setdefault(g, description)
                continue
            covering = {g for g in general for t in words[g] for word, word_stem in zip(term.words, term.stems)
                        if t.norm == word or t.stem == word_stem}
            if all(any(t.norm == word or t.stem == word_stem for g in covering for t in words[g])
                   for word, word_stem in zip(term.words, term.stems)):
                for g in general:
                    if g in covering:
                        found.setdefault(g, description)
    return [(g, found[g]) for g in general if g in found]


class Guard:
    """The guard for one case: the process vocabulary plus the subject's name, job title and unit."""

    def __init__(self, vocabulary: Vocabulary, cases: Iterable[Mapping[str, Any]],
                 allowed: Iterable[str] = ()) -> None:
        self.vocabulary = vocabulary
        allowed_words = {w for phrase in allowed for w in _words(phrase)}
        self.terms: list[_Term] = []
        present: dict[str, str] = {}  # folded measure label -> data key that holds it in this case
        names: list[str] = []
        for data in cases:
            for key in vocabulary.measure_fields:
                value = data.get(key)
                for label in [value] if isinstance(value, str) else (value or []):
                    if isinstance(label, str):
                        present.setdefault(fold(label), key)
            name = data.get("betrokkene_naam")
            if isinstance(name, str) and name.strip():
                names.append(name)
            for key, reason in (("betrokkene_functie", "functie van de betrokkene"),
                                ("dienstonderdeel", "dienstonderdeel van de betrokkene")):
                value = data.get(key)
                if not isinstance(value, str):
                    continue
                for word in _words(value):
                    if not vocabulary.is_general(word) and word not in allowed_words:
                        self.terms.append(_Term((word,), (stem(word),), reason, key, False))
        for folded, reason, phrases in _measure_phrases(vocabulary):
            key = present.get(folded, "maatregel")
            self.terms.extend(_term(phrase, reason, key, True) for phrase in phrases)
        self.names = [_NameForms.parse(n, vocabulary) for n in dict.fromkeys(names)]

    def find(self, text: str) -> Hit | None:
        """The first forbidden word of ``text`` (names first, then job title/unit, then measures)."""
        toks = tokens(text)
        if not toks:
            return None
        for name in self.names:
            hit = name.find(toks)
            if hit is not None:
                return hit
        by_sentence: dict[int, list[Token]] = {}
        for tok in toks:
            by_sentence.setdefault(tok.sentence, []).append(tok)
        somewhere = _Occurring(toks)
        best: tuple[tuple[int, int], Hit] | None = None
        for term in self.terms:
            if not all(somewhere.may_match(word, word_stem, term.compounds)
                       for word, word_stem in zip(term.words, term.stems)):
                continue  # a word of the term matches no token of the text: no sentence can hold the term
            for sentence in by_sentence.values():
                found = []
                for word, word_stem in zip(term.words, term.stems):
                    # a general term ("strafbaar") never counts as a measure word it shares a stem with
                    match = next((t for t in sentence if (t.norm == word or t.norm not in self.vocabulary.general)
                                  and _word_matches(t, word, word_stem, term.compounds)), None)
                    if match is None:
                        break
                    found.append(match)
                else:
                    found.sort(key=lambda t: t.index)
                    rank = (len(found), found[0].index)  # a single word before a phrase, then the first
                    if best is None or rank < best[0]:
                        best = (rank, Hit(" ".join(t.text for t in found), term.reason, term.label))
        return best[1] if best else None


def _measure_phrases(vocabulary: Vocabulary) -> tuple[tuple[str, str, tuple[str, ...]], ...]:
    """Per measure of ``vocabulary``: its folded label, the refusal's reason, and the phrases that make a term
    (a long label is matched through its synonyms; a phrase of general terms only is no term). The same for every
    guard of a process version: kept on the (immutable) vocabulary."""
    cached = getattr(vocabulary, "_measure_phrases", None)
    if cached is None:
        cached = _build_measure_phrases(vocabulary)
        object.__setattr__(vocabulary, "_measure_phrases", cached)  # a frozen dataclass: computed once, immutable
    return cached


def _build_measure_phrases(vocabulary: Vocabulary) -> tuple[tuple[str, str, tuple[str, ...]], ...]:
    out = []
    for label, synonyms in vocabulary.measures:
        reason = f"maatregel '{label}'"
        phrases = []
        for phrase in (label, *synonyms):
            if phrase is label and len([w for w in _words(label) if w not in FUNCTION_WORDS]) > 3:
                continue  # a long label ("Afdoening d.m.v. ... e.d.") is matched through its synonyms
            term = _term(phrase, reason, "maatregel", True)
            if term is not None and not all(w in vocabulary.general for w in term.words):
                phrases.append(phrase)
        out.append((fold(label), reason, tuple(phrases)))
    return tuple(out)


class _Occurring:
    """What the words of a text are, for a quick necessary test of :func:`_word_matches`: a term one of whose
    words matches no token of the whole text cannot match in any sentence (most terms, for most letters), so
    the per-sentence search runs only for the rest. Exact: ``may_match`` is true whenever some token matches.
    A compound match (``token.norm`` longer than the word, ending with it at 5+ letters or starting with it at
    6+) is looked up in the sets of such proper suffixes and prefixes of the text's words."""

    __slots__ = ("norms", "stems", "suffixes", "prefixes")

    def __init__(self, toks: list[Token]) -> None:
        self.norms = {t.norm for t in toks}
        self.stems = {t.stem for t in toks}
        self.suffixes = {n[i:] for n in self.norms for i in range(1, len(n) - 4)}
        self.prefixes = {n[:j] for n in self.norms for j in range(6, len(n))}

    def may_match(self, word: str, word_stem: str, compounds: bool) -> bool:
        if word in self.norms or word_stem in self.stems:
            return True
        return compounds and ((len(word) >= 5 and word in self.suffixes) or
                              (len(word) >= 6 and word in self.prefixes))


@dataclass(frozen=True)
class _NameForms:
    parts: frozenset[str]  # folded name words (first names, surname words), no initials/tussenvoegsels
    initials: frozenset[str]
    tussen: frozenset[str]
    common: frozenset[str] = frozenset()  # name words that are also common words: a hit only written as a name

    @classmethod
    def parse(cls, name: str, vocabulary: Vocabulary | None = None) -> "_NameForms":
        text = str(name)
        if "," in text:  # "Jansen, P." / "Vries, C. de"
            surname, _, given = text.partition(",")
            text = f"{given} {surname}"
        words = _words(text)
        parts = frozenset(w for w in words if len(w) > 1 and w not in TUSSENVOEGSELS and w not in TITLES)
        initials = frozenset(w for w in words if len(w) == 1)
        tussen = frozenset(w for w in words if w in TUSSENVOEGSELS)
        return cls(parts, initials, tussen)

    def without(self, words: Iterable[str]) -> "_NameForms":
        """These name forms less ``words`` (folded): name parts the text may carry for someone else."""
        words = frozenset(words)
        return _NameForms(self.parts - words, self.initials, self.tussen, self.common - words)

    def as_common(self, words: Iterable[str]) -> "_NameForms":
        """These name forms with ``words`` (folded) as common words: they count only written as a name."""
        common = self.parts & frozenset(words)
        return _NameForms(self.parts - common, self.initials, self.tussen, self.common | common)

    def find(self, toks: list[Token], reason: str = "naam van de betrokkene",
             key: str = "betrokkene_naam") -> Hit | None:
        for i, tok in enumerate(toks):
            if tok.norm in self.common:
                span = self._written_as_name(toks, i)
                if span is not None:
                    return Hit(" ".join(t.text for t in span), reason, key, is_name=True)
                continue
            if tok.norm not in self.parts:
                continue
            start = i
            while start > 0 and (toks[start - 1].norm in self.tussen or toks[start - 1].norm in self.parts
                                 or toks[start - 1].norm in self.initials):
                start -= 1
            end = i
            while end + 1 < len(toks) and toks[end + 1].norm in self.parts:
                end += 1
            before = toks[start - 1].norm if start > 0 else ""
            strong = (tok.capitalised or start < i or end > i or before in TITLES)
            if strong:
                span = toks[start:end + 1]
                return Hit(" ".join(t.text for t in span), reason, key, is_name=True)
        return None

    def _written_as_name(self, toks: list[Token], i: int) -> list[Token] | None:
        """The span of name words around the common word ``toks[i]`` when the text writes it as a name, else None.

        A common word of the name ("melder" of "A. de Melder", "leidinggevende") is what texts call people by
        ("De melder moet als getuige worden gehoord"), so the bare capital (a sentence's first word, a label
        "Melder:") does not make it a name. It is one right after a title ("mevrouw de melder", "de heer De
        Melder"), with an initial or a part of the name that is no common word ("A. de Melder", "Anna de melder"),
        or written with a capital right after its tussenvoegsel ("De Melder", "met de Melder"): an article before
        the common noun leaves the noun lowercase. Only within the sentence."""
        tok = toks[i]
        around = self.parts | self.common | self.initials | self.tussen
        start = i
        while start > 0 and toks[start - 1].sentence == tok.sentence and toks[start - 1].norm in around:
            start -= 1
        end = i
        while (end + 1 < len(toks) and toks[end + 1].sentence == tok.sentence
               and toks[end + 1].norm in self.parts | self.common):
            end += 1
        span = toks[start:end + 1]
        if start > 0 and toks[start - 1].sentence == tok.sentence and toks[start - 1].norm in TITLES:
            return span
        if any(t.norm in self.parts or (t.norm in self.initials and t.norm not in self.tussen) for t in span):
            return span
        if tok.capitalised and i > start and toks[i - 1].norm in self.tussen:
            return span
        return None


def name_words(value: Any) -> set[str]:
    """The folded words of a name or of any text in ``value`` (strings in lists and mappings too)."""
    if isinstance(value, str):
        return set(_words(value))
    if isinstance(value, Mapping):
        return {w for v in value.values() for w in name_words(v)}
    if isinstance(value, (list, tuple)):
        return {w for v in value for w in name_words(v)}
    return set()


# A phone number however it is written: separators inside it ("06 1234-5678") do not count, nor the Dutch country
# code written as +31 or 0031 instead of the leading 0. One reading for every check that looks for the reporter's
# number (the letters' guard, documents.context; the Woo overview's descriptions, engine.reports.woo).
_NUMBER_GAP = re.compile(r"(?<=\d)[\s\-./()]+(?=\d)")
_DIGIT_RUN = re.compile(r"\d+")


def phone_digits(value: Any) -> str | None:
    """The digits of ``value`` when it is a phone number (six or more digits and at most one other letter or
    digit-like sign), in their national form ("+31 6 12345678" -> "0612345678"); else None."""
    value = str(value or "")
    digits = re.sub(r"\D", "", value)
    if len(digits) >= 6 and len(digits) >= len(re.sub(r"[\W_]", "", value)) - 1:
        return _national(digits)
    return None


def _national(digits: str) -> str:
    for prefix in ("0031", "31"):
        if digits.startswith(prefix) and len(digits) - len(prefix) >= 9:
            return "0" + digits[len(prefix):]
    return digits


def holds_phone(text: str, digits: str) -> bool:
    """Does ``text`` hold the phone number ``digits`` (:func:`phone_digits`) as a number of its own, however
    spaced and with or without the country code? A longer number that merely contains the digits does not count."""
    return any(_national(run) == digits for run in _DIGIT_RUN.findall(_NUMBER_GAP.sub("", text or "")))


# The words the product's own texts call the reporter and her report by: the name guards' refusals ask the writer
# for "de melder" (engine.cases.reasons, documents.context), so they stay common words in every process. Built in,
# not only in a manifest's ``leak_guard.algemene_termen``: a process owner who left them out (or a process without a
# ``leak_guard``) would have the guard refuse the very words its refusal prescribes. Making them common never hides
# a name: a common word of the reporter's name still counts written as a name (:meth:`_NameForms._written_as_name`).
# The other words of the trade (getuige, vertrouwenspersoon, ...) are the process's vocabulary: its manifest lists them.
REPORTER_WORDS = frozenset({"melder", "melders", "melding", "meldingen"})


@dataclass(frozen=True)
class SharedWords:
    """The parts of a reporter's name that alone tell nothing (:func:`shared_words`)."""

    others: frozenset[str] = frozenset()  # parts of other people's names the text names them by: never a hit alone
    common: frozenset[str] = frozenset()  # common words (general terms, ...): a hit only written as a name


def shared_words(names: Iterable[Any], *, vocabulary: Vocabulary, others: Iterable[Any] = (),
                 common: Iterable[Any] = ()) -> SharedWords:
    """The words of ``names`` (the reporter's names) that a text may carry for something else; one rule for every
    guard that keeps the reporter's name out of a text (the letters to others, ``documents.context``; the reasons
    in the audit chain, ``engine.cases.reasons``).

    * a part of the name of someone else the text names in its own right (``others``: the subject, a witness, the
      recipient; a surname the reporter shares with them tells nothing) never counts on its own;
    * a part that is a common word (the process's general terms and the product's words for the reporter,
      :data:`REPORTER_WORDS`, plus the guard's own ``common`` texts such as the organisation's name or the
      recipients' labels) counts only written as a name: "mevrouw De Melder", "A. de Melder", "De Melder"."""
    own = {w for name in names for w in name_words(name)}
    other = frozenset(w for w in name_words(list(others)) if w in own)
    extra = name_words(list(common))
    general = frozenset(w for w in own - other
                        if vocabulary.is_general(w) or w in REPORTER_WORDS or w in extra)
    return SharedWords(other, general)


def find_name(text: str, names: Iterable[str], *, reason: str, key: str,
              shared: SharedWords | Iterable[str] = ()) -> Hit | None:
    """The first mention in ``text`` of one of ``names`` in any form a writer uses: the full name, the surname alone
    (with or without its tussenvoegsel), initials + surname, a first name, "mevrouw Jansen" (the rule
    :class:`Guard` applies to the subject's name). ``shared`` (:func:`shared_words`): a part of another person's
    name does not count on its own, a common word counts only written as a name. Plain folded words are read as
    parts of other people's names."""
    toks = tokens(text)
    if not toks:
        return None
    if not isinstance(shared, SharedWords):
        shared = SharedWords(others=frozenset(shared))
    for name in dict.fromkeys(n for n in names if isinstance(n, str) and n.strip()):
        hit = _NameForms.parse(name).without(shared.others).as_common(shared.common).find(toks, reason, key)
        if hit is not None:
            return hit
    return None


@lru_cache(maxsize=1)
def default_vocabulary() -> Vocabulary:
    """The vocabulary of the process shipped with the product (``processes/``), for callers without a
    deployed process version (tools, tests of the documents package)."""
    root = Path(__file__).resolve().parents[1] / "processes"
    manifest = json.loads((root / "manifest.json").read_text(encoding="utf-8"))
    forms = {f"forms/{p.name}": json.loads(p.read_text(encoding="utf-8")) for p in sorted(root.glob("forms/*.json"))}
    return Vocabulary.build(manifest.get("leak_guard"), forms)


def vocabulary_of(parsed: Any) -> Vocabulary:
    """The vocabulary of a parsed process version (cached on the instance)."""
    cached = getattr(parsed, "_leak_vocabulary", None)
    if cached is None:
        cached = Vocabulary.build(getattr(parsed.manifest, "leak_guard", None), parsed.forms)
        try:
            parsed._leak_vocabulary = cached
        except AttributeError:  # a frozen stand-in: build each time
            pass
    return cached


def describe(hit: Hit) -> str:
    """The word for a refusal message. A name is the writer's own words too, but it is the one value of the
    case data a refusal could carry into a log: shown by its initial only."""
    if hit.is_name:
        return f"{hit.word[:1]}…"
    return hit.word
