"""Retention rules: the ``retention`` block of ``processes/manifest.json`` (process-owner configuration).

Shape (Dutch keys inside, like the rest of the manifest's settings)::

    "retention": {
      "klassen": {
        "maatregel":                {"termijn": "P10Y", "bron": "..."},
        "gegrond_zonder_maatregel": {"termijn": "P5Y",  "bron": "..."},
        "ongegrond":                {"termijn": "P1Y",  "bron": "..."}
      },
      "onderdelen": {
        "ontvangstcodes": {"termijn": "P3M", "bron": "..."},
        "bijlagen": {"termijn": "zaak", "bron": "..."}, ...
      }
    }

Which day counts: a term starts the day after the closing date (Europe/Amsterdam) and ends at the end
of the same calendar date ``termijn`` later (31 January + P1M ends on the last day of February). The
case may be destroyed from the next day on. The Algemene termijnenwet does not apply: it extends terms
within which someone must *act*; a retention term is a limit on keeping data, and extending it over a
weekend would only keep personal data longer than the rule says.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from engine.legal_terms import Duration, add_calendar, parse_duration

# Outcome classes, in order of decreasing retention (the order the docs list them).
CLASSES = ("maatregel", "gegrond_zonder_maatregel", "ongegrond")
CLASS_LABELS = {
    "maatregel": "Disciplinaire maatregel of einde dienstverband",
    "gegrond_zonder_maatregel": "Gegrond, zonder maatregel",
    "ongegrond": "Ongegrond, niet onderzocht of doorverwezen",
}
# Parts of a case file with their own rule. "zaak": destroyed together with the case (the only choice
# for everything but the receipt codes for now).
PARTS = ("ontvangstcodes", "bijlagen", "verslagen", "brieven", "audit")
PART_LABELS = {
    "ontvangstcodes": "Ontvangstcodes en contactgegevens van anonieme melders",
    "bijlagen": "Bijlagen van de melder",
    "verslagen": "Verslagen van hoorgesprekken",
    "brieven": "Brieven",
    "audit": "Audittrail van de zaak",
}
FOLLOWS_CASE = "zaak"
OWN_TERM_PARTS = frozenset({"ontvangstcodes"})

DEFAULT_SOURCE_MEASURE = ("DOMAIN §4: 10 jaar voor dossiers waarin een disciplinaire maatregel is opgelegd "
                          "(referentiepunt overheidspraktijk)")
DEFAULTS: dict[str, dict[str, Any]] = {
    "klassen": {
        "maatregel": {"termijn": "P10Y", "bron": DEFAULT_SOURCE_MEASURE},
        "gegrond_zonder_maatregel": {"termijn": "P5Y", "bron": "Keuze procesbeheer: noodzakelijk en evenredig "
                                     "(AVG art. 5 lid 1 onder e; Richtlijn (EU) 2019/1937 art. 18)"},
        "ongegrond": {"termijn": "P1Y", "bron": "DOMAIN §4: ongegronde meldingen veel korter; AVG art. 5 lid 1 "
                      "onder e"},
    },
    "onderdelen": {
        "ontvangstcodes": {"termijn": "P3M", "bron": "Keuze procesbeheer: na afsluiting geen contact meer nodig "
                           "(AVG art. 5 lid 1 onder c en e)"},
        "bijlagen": {"termijn": FOLLOWS_CASE, "bron": "Onderdeel van het dossier"},
        "verslagen": {"termijn": FOLLOWS_CASE, "bron": "Onderdeel van het dossier"},
        "brieven": {"termijn": FOLLOWS_CASE, "bron": "Onderdeel van het dossier"},
        "audit": {"termijn": FOLLOWS_CASE, "bron": "Onderdeel van het dossier; verantwoording blijft in de "
                  "vernietigingsverklaring"},
    },
}


# The ceiling (DOMAIN §4: kept no longer than necessary and proportionate; reference point 10 years for files in
# which a disciplinary measure was imposed, the heaviest outcome; unsubstantiated reports much shorter). Check and
# deploy refuse a class above it (:meth:`RetentionRules.ceiling_issues`); a version stored before destroys at it.
CEILING = "P10Y"
CEILING_SOURCE = "DOMAIN §4: 10 jaar voor dossiers waarin een disciplinaire maatregel is opgelegd, ongegronde " \
                 "meldingen veel korter; niet langer dan noodzakelijk en evenredig"


class RetentionConfigError(ValueError):
    """Dutch message naming the manifest key."""


@dataclass(frozen=True)
class Rule:
    term: str  # ISO 8601 duration, or "zaak" for a part that follows the case
    source: str

    @property
    def duration(self) -> Duration | None:
        return None if self.term == FOLLOWS_CASE else parse_duration(self.term)


@dataclass(frozen=True)
class RetentionRules:
    classes: dict[str, Rule]
    parts: dict[str, Rule] = field(default_factory=dict)

    def end_of_term(self, outcome_class: str, closed_on: date) -> date:
        """The last day the case is kept (see the module doc: which day counts); never after :data:`CEILING` (a
        version stored before check and deploy refused a longer term is held to it)."""
        return min(add_calendar(closed_on, self.classes[outcome_class].duration),
                   add_calendar(closed_on, parse_duration(CEILING)))

    def ceiling_issues(self) -> list[str]:
        """Dutch refusals (check and deploy) for a class kept longer than :data:`CEILING`, and for unsubstantiated
        reports kept as long as (or longer than) files with a measure."""
        from engine.processes.legal_rules import MAXIMUM, looser

        out = [f"'retention.klassen.{name}.termijn' is '{rule.term}', langer dan {CEILING} ({CEILING_SOURCE}); "
               f"geen dossier wordt langer bewaard dan een dossier met een disciplinaire maatregel"
               for name, rule in self.classes.items() if looser(rule.term, CEILING, MAXIMUM)]
        light, heavy = self.classes["ongegrond"], self.classes["maatregel"]
        if not looser(heavy.term, light.term, MAXIMUM):
            out.append(f"'retention.klassen.ongegrond.termijn' is '{light.term}', niet korter dan die van maatregel "
                       f"('{heavy.term}'); een ongegronde melding moet korter bewaard worden dan een dossier met een "
                       f"disciplinaire maatregel ({CEILING_SOURCE})")
        return out

    def first_destruction_day(self, outcome_class: str, closed_on: date) -> date:
        return self.end_of_term(outcome_class, closed_on) + timedelta(days=1)

    def part_end_of_term(self, part: str, closed_on: date) -> date | None:
        rule = self.parts.get(part)
        if rule is None or rule.duration is None:
            return None
        return add_calendar(closed_on, rule.duration)


def _rule(value: Any, key: str, *, allow_case: bool) -> Rule:
    if not isinstance(value, dict):
        raise RetentionConfigError(f"'{key}' moet een object zijn met 'termijn' en 'bron'")
    unknown = sorted(set(value) - {"termijn", "bron"} - {k for k in value if str(k).startswith("_")})
    if unknown:
        raise RetentionConfigError(f"'{key}' kent de sleutel(s) {', '.join(unknown)} niet")
    term, source = value.get("termijn"), value.get("bron")
    if not isinstance(source, str) or not source.strip():
        raise RetentionConfigError(f"'{key}.bron' ontbreekt: noem de bron van de termijn (wet, selectielijst "
                                   "of besluit)")
    if term == FOLLOWS_CASE and allow_case:
        return Rule(term, source.strip())
    if not isinstance(term, str):
        raise RetentionConfigError(f"'{key}.termijn' ontbreekt of is geen tekst (bijvoorbeeld 'P10Y')")
    try:
        duration = parse_duration(term)
    except ValueError as exc:
        raise RetentionConfigError(f"'{key}.termijn': {exc}") from None
    if duration.seconds or duration.is_zero:
        raise RetentionConfigError(f"'{key}.termijn' moet een positieve duur in jaren, maanden, weken of dagen "
                                   f"zijn, niet {term!r}")
    return Rule(term.strip().upper(), source.strip())


def _approx_days(rule: Rule) -> int:
    d = rule.duration
    return d.years * 366 + d.months * 31 + d.days


def parse_retention(value: Any) -> RetentionRules:
    """Check the manifest's ``retention`` block; RetentionConfigError names the key that is wrong."""
    if not isinstance(value, dict):
        raise RetentionConfigError("'retention' moet een object zijn")
    unknown = sorted(k for k in value if k not in ("klassen", "onderdelen") and not str(k).startswith("_"))
    if unknown:
        raise RetentionConfigError(f"'retention' kent de sleutel(s) {', '.join(unknown)} niet")
    classes_in = value.get("klassen")
    if not isinstance(classes_in, dict):
        raise RetentionConfigError("'retention.klassen' ontbreekt: geef per uitkomstklasse een termijn")
    missing = [c for c in CLASSES if c not in classes_in]
    if missing:
        raise RetentionConfigError(f"'retention.klassen' mist de klasse(n) {', '.join(missing)}")
    extra = sorted(k for k in classes_in if k not in CLASSES and not str(k).startswith("_"))
    if extra:
        raise RetentionConfigError(f"'retention.klassen.{extra[0]}' is geen bekende uitkomstklasse "
                                   f"(bekend: {', '.join(CLASSES)})")
    classes = {c: _rule(classes_in[c], f"retention.klassen.{c}", allow_case=False) for c in CLASSES}
    for longer, shorter in zip(CLASSES, CLASSES[1:]):
        if _approx_days(classes[shorter]) > _approx_days(classes[longer]):
            raise RetentionConfigError(f"'retention.klassen.{shorter}.termijn' is langer dan die van {longer}: een "
                                       "zwaardere uitkomst wordt nooit korter bewaard")
    parts_in = value.get("onderdelen", {})
    if not isinstance(parts_in, dict):
        raise RetentionConfigError("'retention.onderdelen' moet een object zijn")
    extra = sorted(k for k in parts_in if k not in PARTS and not str(k).startswith("_"))
    if extra:
        raise RetentionConfigError(f"'retention.onderdelen.{extra[0]}' is geen bekend onderdeel "
                                   f"(bekend: {', '.join(PARTS)})")
    parts: dict[str, Rule] = {}
    shortest = min(_approx_days(r) for r in classes.values())
    for part in PARTS:
        if part not in parts_in:
            continue
        key = f"retention.onderdelen.{part}"
        rule = _rule(parts_in[part], key, allow_case=True)
        if rule.term != FOLLOWS_CASE and part not in OWN_TERM_PARTS:
            raise RetentionConfigError(f"'{key}.termijn' kan nu alleen 'zaak' zijn (vernietigd met de zaak)")
        if rule.term != FOLLOWS_CASE and _approx_days(rule) > shortest:
            raise RetentionConfigError(f"'{key}.termijn' is langer dan de kortste bewaartermijn van een zaak")
        parts[part] = rule
    return RetentionRules(classes=classes, parts=parts)


DEFAULT_RULES = parse_retention(DEFAULTS)


def outcome_class(summary: dict) -> str:
    """The retention class of a closed case, from the report keys of ``Case.summary``."""
    from engine.reports import labels as L

    known = L.matcher(L.RESOLUTIONS)
    resolutions = {known.get(L.normalise(str(r)), str(r)) for r in (summary.get("afdoeningen") or [])}
    if resolutions & (set(L.DISCIPLINARY) | set(L.END_OF_EMPLOYMENT)):
        return "maatregel"
    if summary.get("uitkomst") in ("aangetoond", "deels_aangetoond"):
        return "gegrond_zonder_maatregel"
    return "ongegrond"
