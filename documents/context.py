"""The data a letter may see, selected per recipient role (whitelists).

Confidentiality is enforced here, not by template discipline:

* the reporter (``melder``) never receives the subject's identity (``betrokkene_*``),
  the findings, the advice or the measure (``afdoeningen``, ``voorgenomen_maatregel``,
  ``advies_*``);
* the subject (``betrokkene``) never receives anything that identifies the reporter
  (``melder_*``, the free-text ``omschrijving``, the channel, the report date);
* other roles get what their letter needs and no reporter identity either.

On top of the whitelist, :func:`leak_check` scans a rendered letter for the
confidential values of the full case data (e.g. the subject's name written by
hand into a free-text field) and refuses the letter if one appears; for the
reporter it applies the Dutch leak guard (:mod:`documents.leakguard`) through
:func:`check_reporter_text`, the one guard for every text to the reporter.
"""
from __future__ import annotations

from datetime import date
from typing import Any, Iterable, Mapping

from engine import clock
from engine.config import reporter_portal_url
from documents.errors import LetterRenderError, NotInGeneralTerms
from documents.leakguard import (Guard, Vocabulary, default_vocabulary, describe, find_name, holds_phone,
                                 phone_digits, shared_words)
from documents.render import LOCAL_TZ

RECHTSPOSITIES = ("arbeidsovereenkomst", "publiekrechtelijk")

# Labels of the afdeling that end the employment (DOMAIN §1).
BEEINDIGING = "Beëindiging dienstverband"

from documents.catalog import (  # noqa: E402  (re-exported: the confidentiality floor lives with the catalogue)
    MEASURE, REPORTER_IDENTITY, SUBJECT_IDENTITY, Catalogue, allowed_fields, catalogue_or_default, shipped_catalogue,
)

# The per-recipient allow-lists of the shipped process set (processes/letters.json); a process version's own
# declaration replaces them for its cases (documents.catalog).
WHITELISTS: dict[str, frozenset[str]] = dict(shipped_catalogue().whitelists)

# Keys filled in by this module, not taken from the case data.
DERIVED: frozenset[str] = frozenset({
    "zaaknummer", "datum", "organisatie", "rechtspositie", "ontvanger", "beeindiging_dienstverband", "uw_kenmerk",
})
# Derived keys a case may lack (a template reads them under ``is defined``): the recipient's own reference
# ("Uw kenmerk"), recorded as ``<ontvanger>_kenmerk`` (e.g. ``melder_kenmerk``) and shown only to that recipient.
OPTIONAL_DERIVED: frozenset[str] = frozenset({"uw_kenmerk"})

ORGANISATION_KEYS = (
    "naam", "afdeling", "adresregels", "bezoekadres", "plaats", "telefoon", "email", "bevoegd_gezag", "website",
)
# Derived, never taken from the settings: the reporter portal's address (the installation's MELDPUNT_BASE_URL plus
# the web route of "Mijn melding"), so no process set can send a reporter to a page that does not exist.
PORTAL_KEY = "meldportaal"


def recipients(catalogue: Catalogue | None = None) -> list[str]:
    return sorted(catalogue.whitelists if catalogue is not None else WHITELISTS)


def today() -> date:
    return clock.now().astimezone(LOCAL_TZ).date()


def organisation(settings: Mapping[str, Any]) -> dict[str, Any]:
    """The organisation block of a letter from the (manifest) settings."""
    org = {k: settings[k] for k in ORGANISATION_KEYS if k in settings}
    nested = settings.get("organisatie")
    if isinstance(nested, Mapping):
        org.update({k: nested[k] for k in ORGANISATION_KEYS if k in nested})
    org[PORTAL_KEY] = reporter_portal_url()
    return org


def legal_route(settings: Mapping[str, Any]) -> str:
    route = settings.get("rechtspositie")
    if route not in RECHTSPOSITIES:
        raise LetterRenderError(
            "Instelling 'rechtspositie' moet 'arbeidsovereenkomst' of 'publiekrechtelijk' zijn",
            placeholder="rechtspositie",
        )
    return route


def build_context(*, recipient: str, data: Mapping[str, Any], settings: Mapping[str, Any],
                  case_reference: str, catalogue: Catalogue | None = None) -> dict[str, Any]:
    """The template context for ``recipient``: whitelisted case data plus derived keys. ``catalogue``: the
    process version's declaration (default: the shipped one); what is confidential for the recipient is left
    out whatever it declares."""
    allowed = allowed_fields(recipient, catalogue)
    if allowed is None:
        raise LetterRenderError(f"Onbekende ontvanger '{recipient}' voor een brief")
    ctx: dict[str, Any] = {k: data[k] for k in allowed if k in data}
    ctx["zaaknummer"] = case_reference
    ctx["datum"] = today()
    ctx["organisatie"] = organisation(settings)
    ctx["rechtspositie"] = legal_route(settings)
    ctx["ontvanger"] = recipient
    own_reference = data.get(f"{recipient}_kenmerk")
    if isinstance(own_reference, str) and own_reference.strip():
        ctx["uw_kenmerk"] = own_reference.strip()
    if "afdoeningen" in ctx:
        ctx["beeindiging_dienstverband"] = BEEINDIGING in (ctx["afdoeningen"] or [])
    if recipient == "politie_om":
        ctx.setdefault("aangifte_instantie", settings.get("aangifte_instantie") or "Openbaar Ministerie")
    return ctx


def _norm(text: str) -> str:
    return " ".join(str(text).split()).casefold()


def forbidden_values(*, recipient: str, data: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(key, value) pairs of the full case data that must not appear in ``recipient``'s letter."""
    pairs: list[tuple[str, str]] = []

    def add(key: str, value: Any, min_len: int = 3) -> None:
        if isinstance(value, str) and len(value.strip()) >= min_len:
            pairs.append((key, value))

    if recipient == "melder":
        add("betrokkene_naam", data.get("betrokkene_naam"))
        # The forms store each of these as a list of labels (voorgenomen_maatregel too); accept a single label.
        for key in ("afdoeningen", "advies_afdoeningen", "voorgenomen_maatregel"):
            value = data.get(key)
            for label in [value] if isinstance(value, str) else (value or []):
                if label != "Geen afdoening/actie":
                    add(key, label)
    else:
        add("melder_naam", data.get("melder_naam"))
        add("melder_email", data.get("melder_email"))
        add("melder_telefoon", data.get("melder_telefoon"), min_len=6)
        address = data.get("melder_adres")
        lines = address.splitlines() if isinstance(address, str) else list(address or [])
        for line in lines:
            if any(ch.isdigit() for ch in str(line)):
                add("melder_adres", str(line), min_len=5)
    return pairs


# Name fields of the people a letter not to the reporter names in its own right (the subject, the subject's adviser,
# a witness): a name part the reporter shares with one of them (family, a common surname) tells nothing.
OTHER_NAME_KEYS = ("betrokkene_naam", "adviseur_naam", "getuige")


def check_reporter_not_named(*, template: str, recipient: str, cases: Iterable[Mapping[str, Any]], text: str,
                             settings: Mapping[str, Any] | None = None, catalogue: Catalogue | None = None,
                             vocabulary: Vocabulary | None = None) -> None:
    """Refuse a letter to anyone but the reporter that names the reporter (DOMAIN §2, §4: the subject never learns
    who reported), in any form of the name (:func:`documents.leakguard.find_name`): the full name, the surname
    alone, initials + surname, a first name. ``cases``: the letter's data and the rest of the case's (the reporter's
    name as ``melder_naam``, also of a reporter linked as a person). First each free-text field the letter shows, so
    the refusal names the field, then the whole letter. The refusal never carries the name.

    A part of another name the letter carries does not count on its own; a name part that is also a word letters
    use for what they are about (the process's general terms, the organisation's name, the recipients' labels: "A. de
    Melder", "Lotte Leidinggevende") counts only written as a name ("mevrouw De Melder"), the rule the reasons in the
    audit chain follow too (:func:`documents.leakguard.shared_words`)."""
    cases = list(cases)
    names = [d.get("melder_naam") for d in cases]
    if not any(isinstance(n, str) and n.strip() for n in names):
        return
    vocabulary = vocabulary or default_vocabulary()
    catalogue = catalogue_or_default(catalogue)
    shared = shared_words(names, vocabulary=vocabulary, others=[d.get(key) for d in cases for key in OTHER_NAME_KEYS],
                          common=[organisation(settings or {}), list(catalogue.labels.values())])
    data, who = cases[0], catalogue.recipient_label(recipient)
    shown = _norm(text)
    for key in sorted((allowed_fields(recipient, catalogue) or frozenset()) - REPORTER_IDENTITY - set(OTHER_NAME_KEYS)):
        items = [v for v in _texts(data.get(key)) if v.strip() and _norm(v) in shown]
        if any(find_name(v, names, reason="naam van de melder", key="melder_naam", shared=shared) for v in items):
            title = vocabulary.titles.get(key)
            what = f"het veld '{title}' ({key})" if title else f"het veld '{key}'"
            raise LetterRenderError(
                f"Sjabloon '{template}': {what} noemt de melder; {who} mag niet te weten komen wie de melding "
                f"deed. Schrijf zonder de naam van de melder; de brief is niet opgesteld.",
                template=template, placeholder="melder_naam")
    if find_name(text, names, reason="naam van de melder", key="melder_naam", shared=shared):
        raise LetterRenderError(
            f"Sjabloon '{template}': de brief aan {who} noemt de melder; {who} mag niet te weten komen wie de "
            f"melding deed. De brief is niet opgesteld.", template=template, placeholder="melder_naam")


def _texts(value: Any) -> list[str]:
    """The strings in a field's value (a text, a list of texts, a list of items with texts)."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, Mapping):
        return [t for v in value.values() for t in _texts(v)]
    if isinstance(value, (list, tuple)):
        return [t for v in value for t in _texts(v)]
    return []


def leak_check(*, template: str, recipient: str, data: Mapping[str, Any], text: str,
               guard: Iterable[Mapping[str, Any]] = (), vocabulary: Vocabulary | None = None,
               settings: Mapping[str, Any] | None = None, catalogue: Catalogue | None = None) -> None:
    """Refuse a rendered letter that contains a value its recipient may not see.

    ``guard``: more of the case's data than the letter was rendered from (a letter written in one branch of
    the process does not see the data of another, e.g. the measure decided while the reporter's feedback is
    written); its confidential values must not appear either.

    A letter to the reporter goes through :func:`check_reporter_text` (names in every form, job title, unit,
    every measure of the process in every inflection): first each free-text field the letter shows, so the
    refusal names the field, then the whole letter."""
    guard = list(guard)
    if recipient == "melder":
        cases = [data, *guard]
        shown_fields = allowed_fields("melder", catalogue) or frozenset()
        fields = {key: data[key] for key in sorted(shown_fields - REPORTER_IDENTITY) if key in data}
        shown = _norm(text)
        for key, value in fields.items():
            values = [value] if isinstance(value, str) else value if isinstance(value, list) else []
            for item in values:
                if isinstance(item, str) and item.strip() and _norm(item) in shown:
                    check_reporter_text(field=key, text=item, cases=cases, vocabulary=vocabulary,
                                        settings=settings, template=template)
        check_reporter_text(field=None, text=text, cases=cases, vocabulary=vocabulary, settings=settings,
                            template=template)
    else:
        check_reporter_not_named(template=template, recipient=recipient, cases=[data, *guard], text=text,
                                 settings=settings, catalogue=catalogue, vocabulary=vocabulary)
    haystack = _norm(text)
    pairs = dict.fromkeys(forbidden_values(recipient=recipient, data=data))
    for other in guard:
        pairs.update(dict.fromkeys(forbidden_values(recipient=recipient, data=other)))
    for key, value in pairs:
        digits = phone_digits(value)
        if _norm(value) in haystack or (digits is not None and holds_phone(text, digits)):
            raise LetterRenderError(
                f"Sjabloon '{template}': de brief aan '{recipient}' zou het vertrouwelijke gegeven "
                f"'{key}' bevatten; de brief is niet opgesteld",
                template=template, placeholder=key,
            )


def check_reporter_text(*, field: str | None, text: str, cases: Iterable[Mapping[str, Any]],
                        vocabulary: Vocabulary | None = None, settings: Mapping[str, Any] | None = None,
                        template: str | None = None, label: str | None = None) -> None:
    """The one guard for every text that reaches the reporter (letters, their fields, channel messages).

    Raises :class:`NotInGeneralTerms` naming the field (or the letter) and the word found, in Dutch."""
    vocabulary = vocabulary or default_vocabulary()
    org = organisation(settings or {})
    allowed = [str(org.get(k) or "") for k in ("naam", "afdeling")]
    hit = Guard(vocabulary, cases, allowed=allowed).find(text)
    if hit is None:
        return
    if label is not None:
        what = label
    elif field is not None:
        title = vocabulary.titles.get(field)
        what = f"Het veld '{title}' ({field})" if title else f"Het veld '{field}'"
    else:
        what = f"De brief '{template}'" if template else "De tekst"
    raise NotInGeneralTerms(
        f"{what} noemt '{describe(hit)}' ({hit.reason}{'' if hit.key == 'maatregel' else f'; gegeven {hit.key!r}'}): dat vertrouwelijke gegeven krijgt de melder niet; "
        f"schrijf in algemene termen. Er is niets opgeslagen of verstuurd.",
        field=field, template=template, placeholder=hit.key,
    )
