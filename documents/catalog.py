"""The letter catalogue: which letters exist, to whom each goes, and which case data each recipient may see.

Declared by the process owner in the process set (``processes/letters.json``, deployed and pinned with the
process version; issue 19), not in Python::

    {"letters":    {"ontvangstbevestiging": {"titel": "Ontvangstbevestiging melding", "ontvanger": "melder"}, ...},
     "ontvangers": {"melder": ["categorie", "melder_naam", ...], "betrokkene": [...], ...},
     "ontvanger_namen": {"melder": "de melder", "politie_om": "politie/OM", ...}}

``ontvanger_namen`` is how the screens name each recipient ("Brief aan de melder"); every recipient under
``ontvangers`` needs one (a version deployed before names were declared shows the code, underscores as
spaces).

The process files decide which letter belongs to which step (task property ``letter``) and to whom it goes
(``letter_recipient``); the catalogue's recipient is the one ``meldpunt templates check`` tests each template
against, and a task must agree with it.

Confidentiality is not up to the declaration: :data:`CONFIDENTIAL` names, per recipient, the fields no
declaration can give them (the reporter's identity to anyone but the reporter; the subject's identity and the
findings, advice and measures to the reporter). A declaration listing one is refused, and the letter's context
leaves them out whatever a stored version declares (:func:`allowed_fields`).
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Mapping

from engine.parse_errors import json_problem

CATALOGUE_FILE = "letters.json"
SHIPPED_CATALOGUE = Path(__file__).resolve().parent.parent / "processes" / CATALOGUE_FILE

REPORTER = "melder"

# What identifies the reporter: for the reporter only.
REPORTER_IDENTITY: frozenset[str] = frozenset({
    "melder_anoniem", "melder_naam", "melder_adres", "melder_email", "melder_telefoon",
    "omschrijving", "kanaal", "via_vertrouwenspersoon", "toestemming_doorgeven",
    "datum_melding", "ontvangstbevestigd_op",
})
# What the reporter never receives: the subject's identity and what the case decided about the subject.
SUBJECT_IDENTITY: frozenset[str] = frozenset({"betrokkene_naam", "betrokkene_functie"})
MEASURE: frozenset[str] = frozenset({
    "afdoeningen", "voorgenomen_maatregel", "advies_afdoeningen", "advies_motivering",
    "besluit_motivering", "bevindingen", "ordemaatregel", "ordemaatregel_motivering",
    "ordemaatregel_heroverweging", "zienswijze_termijn", "zienswijze_ontvangen",
})


def confidential_for(recipient: str, field: str) -> str | None:
    """Why ``field`` may never go to ``recipient`` (Dutch), or ``None``."""
    if recipient == REPORTER:
        if field in SUBJECT_IDENTITY or field.startswith("betrokkene_"):
            return "de identiteit van de betrokkene krijgt de melder niet"
        if field in MEASURE:
            return "bevindingen, advies en maatregel krijgt de melder niet (terugkoppeling in algemene termen)"
        return None
    if field in REPORTER_IDENTITY or field.startswith("melder_"):
        return "wat de melder identificeert krijgt alleen de melder (Wet bescherming klokkenluiders)"
    return None


@dataclass(frozen=True)
class LetterSpec:
    name: str
    title: str
    recipient: str


@dataclass(frozen=True)
class Catalogue:
    letters: Mapping[str, LetterSpec]
    whitelists: Mapping[str, frozenset[str]]
    labels: Mapping[str, str] = field(default_factory=dict)

    def recipient_label(self, recipient: str) -> str:
        """The recipient as people say it ("de melder"), from ``ontvanger_namen``."""
        return self.labels.get(recipient) or recipient.replace("_", " ")


class CatalogueError(ValueError):
    def __init__(self, problems: list[str]):
        super().__init__("; ".join(problems))
        self.problems = problems


def parse_catalogue(raw: bytes | str, *, source: str = CATALOGUE_FILE, strict: bool = True) -> Catalogue:
    """The catalogue declared in ``raw`` (letters.json); raises :class:`CatalogueError` listing every problem in
    Dutch, naming the file, letter, recipient and field. ``strict=False`` (a version already deployed, loaded
    again): a field confidential for its recipient is not refused but left out at render
    (:func:`allowed_fields`), so a stricter floor in a later release cannot make running cases unloadable."""
    problems: list[str] = []
    try:
        doc = json.loads(raw)
    except (ValueError, RecursionError) as exc:
        raise CatalogueError([f"{source}: geen geldige JSON: {json_problem(exc)}"]) from None
    if not isinstance(doc, Mapping):
        raise CatalogueError([f"{source}: verwacht een object met 'letters' en 'ontvangers'"])
    recipients = doc.get("ontvangers")
    whitelists: dict[str, frozenset[str]] = {}
    if not isinstance(recipients, Mapping) or not recipients:
        problems.append(f"{source}: 'ontvangers' ontbreekt (per ontvanger de lijst van gegevens die de brief mag tonen)")
        recipients = {}
    for recipient, fields in recipients.items():
        if not isinstance(fields, list) or not all(isinstance(f, str) and f.strip() for f in fields):
            problems.append(f"{source}: ontvanger '{recipient}': verwacht een lijst van veldnamen")
            continue
        for field in fields:
            reason = confidential_for(recipient, field)
            if reason and strict:
                problems.append(f"{source}: ontvanger '{recipient}' mag gegeven '{field}' niet krijgen, wat de "
                                f"verklaring ook zegt: {reason}")
        whitelists[recipient] = frozenset(fields)
    names = doc.get("ontvanger_namen")
    labels: dict[str, str] = {}
    if names is None:
        if strict:
            problems.append(f"{source}: 'ontvanger_namen' ontbreekt (per ontvanger hoe het scherm hem noemt, "
                            f"bijvoorbeeld \"melder\": \"de melder\")")
        names = {}
    if not isinstance(names, Mapping):
        problems.append(f"{source}: 'ontvanger_namen': verwacht een object (ontvanger: naam)")
        names = {}
    for recipient, label in names.items():
        if recipient not in recipients:
            problems.append(f"{source}: ontvanger_namen: ontvanger '{recipient}' staat niet onder 'ontvangers'")
        elif not isinstance(label, str) or not label.strip():
            problems.append(f"{source}: ontvanger_namen: ontvanger '{recipient}': verwacht een naam (tekst)")
        else:
            labels[recipient] = label.strip()
    if strict:
        problems += [f"{source}: ontvanger '{r}' heeft geen naam onder 'ontvanger_namen'"
                     for r in recipients if r not in names]
    letters = doc.get("letters")
    specs: dict[str, LetterSpec] = {}
    if not isinstance(letters, Mapping):
        problems.append(f"{source}: 'letters' ontbreekt (per brief 'titel' en 'ontvanger')")
        letters = {}
    for name, entry in letters.items():
        if not isinstance(entry, Mapping) or not str(entry.get("titel") or "").strip():
            problems.append(f"{source}: brief '{name}': 'titel' ontbreekt")
            continue
        recipient = entry.get("ontvanger")
        if recipient not in recipients:
            problems.append(f"{source}: brief '{name}': ontvanger '{recipient}' staat niet onder 'ontvangers' "
                            f"(bekend: {', '.join(sorted(recipients))})")
            continue
        if not name or not all(c.islower() or c.isdigit() or c == "_" for c in name):
            problems.append(f"{source}: brief '{name}': een naam bestaat uit kleine letters, cijfers en '_'")
            continue
        specs[name] = LetterSpec(name, str(entry["titel"]).strip(), recipient)
    if problems:
        raise CatalogueError(problems)
    return Catalogue(letters=specs, whitelists=whitelists, labels=labels)


@lru_cache(maxsize=1)
def shipped_catalogue() -> Catalogue:
    """The catalogue of the shipped process set (the default for tools and versions without one)."""
    return parse_catalogue(SHIPPED_CATALOGUE.read_bytes(), source=f"processes/{CATALOGUE_FILE}")


def catalogue_or_default(catalogue: Catalogue | None) -> Catalogue:
    return catalogue if catalogue is not None else shipped_catalogue()


def allowed_fields(recipient: str, catalogue: Catalogue | None = None) -> frozenset[str] | None:
    """The fields a letter to ``recipient`` may see: the declaration minus what is confidential for them."""
    declared = catalogue_or_default(catalogue).whitelists.get(recipient)
    if declared is None:
        return None
    return frozenset(f for f in declared if confidential_for(recipient, f) is None)


def load_catalogue(files: Mapping[str, Any]) -> Catalogue | None:
    """The catalogue among a process set's files (``letters.json``), or ``None`` when it declares none."""
    raw = files.get(CATALOGUE_FILE)
    return parse_catalogue(raw) if raw is not None else None


LETTERS: Mapping[str, LetterSpec] = shipped_catalogue().letters

