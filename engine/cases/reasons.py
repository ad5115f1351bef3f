"""Free-text reasons typed by staff never name a case's reporter.

A reason typed for something done in a case (asking to reveal the reporter's identity, assigning a task, handing
over someone's work, a legal hold, correcting a fixed date) is written into the case's audit chain. Whoever reads
the chain or the case's timeline (the auditor, handlers without need to know of the identity) reads it as typed,
and the chain makes it unremovable: a reason that names the reporter would tell them who reported. So every such
reason goes through :func:`check_reason` before anything is stored, with the leak guard the letters to others than
the reporter use (``documents.context.check_reporter_not_named``): every form of the reporter's name
(``documents.leakguard.find_name``: full name, surname alone, initials + surname, "mevrouw Verbeek", a first name;
a name part that is a word of the trade counts only written as a name, ``shared_words``),
her phone number however written (``phone_digits``/``holds_phone``), her e-mail address, an address line and the
username of a reporter linked as an account. The refusal names the field and why, never the value.

An anonymous report has nothing to check against; a reason of an event without a case is not checked here.
"""
from __future__ import annotations

import re
from typing import Any, Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.cases import confidential
from engine.cases.models import Case, CaseParty
from engine.errors import FieldError, InvalidData
from engine.identity.models import User

NAMED = ("noemt de melder. Deze tekst komt in het dossier van de zaak, dat ook wie niet mag weten wie de melding "
         "deed leest, en kan er niet meer uit. Schrijf ‘de melder’ in plaats van de naam; er is niets opgeslagen.")
CONTACT = ("bevat {what} van de melder. Deze tekst komt in het dossier van de zaak, dat ook wie niet mag weten wie "
           "de melding deed leest, en kan er niet meer uit. Laat het weg; er is niets opgeslagen.")


def check_reason(session: Session, *, case_id: int | Iterable[int], text: str | None, field: str = "reden",
                 label: str = "De reden") -> None:
    """Refuse (``InvalidData`` naming ``field``) a free-text reason that names the reporter of ``case_id`` (or of
    any of several cases it is written into) or holds her phone number, e-mail address or address. Call it before
    anything is stored."""
    if not isinstance(text, str) or not text.strip():
        return
    ids = [case_id] if isinstance(case_id, int) else sorted(set(case_id))
    for one in ids:
        why = _names_reporter(session, one, text)
        if why is not None:
            message = f"{label} {why}"
            raise InvalidData([FieldError(field, message)], detail=message)


def _names_reporter(session: Session, case_id: int, text: str) -> str | None:
    from documents.context import OTHER_NAME_KEYS  # names the case carries for someone else: the letters' keys
    from documents.leakguard import find_name, holds_phone, phone_digits, shared_words

    secret = confidential.read(session, case_id=case_id)
    names: list[str] = [secret.get("melder_naam")] if isinstance(secret.get("melder_naam"), str) else []
    emails: list[str] = [secret.get("melder_email")] if isinstance(secret.get("melder_email"), str) else []
    phones: list[Any] = [secret.get("melder_telefoon")]
    usernames: list[str] = []
    others: list[Any] = [secret.get(k) for k in OTHER_NAME_KEYS]
    for party, user in session.execute(select(CaseParty.party, User).join(User, CaseParty.user_id == User.id)
                                       .where(CaseParty.case_id == case_id,
                                              CaseParty.party.in_(("melder", "betrokkene")))):
        if party == "melder":
            names.append(user.display_name)
            emails.append(user.email or "")
            usernames.append(user.username)
        else:
            others.append(user.display_name)
    names = [n for n in names if isinstance(n, str) and n.strip()]
    if names:
        # the same rule as the letters to others: another person's name part tells nothing, a word of the trade
        # ("A. de Melder") counts only written as a name ("mevrouw De Melder"), not in "De melder moet ..."
        shared = shared_words(names, others=others, vocabulary=_vocabulary(session, case_id))
        if find_name(text, names, reason="naam van de melder", key="melder_naam", shared=shared):
            return NAMED
    folded = " ".join(text.split()).casefold()
    for username in usernames:
        # only an account name no sentence holds by chance ("a.verbeek", "verbeek2"): one of letters alone is a word
        # ("melder" is the demo reporter's) or a part of her name, which the name forms above cover
        word = username.casefold()
        if len(word) >= 5 and not word.isalpha() and re.search(rf"(?<![\w.@-]){re.escape(word)}(?![\w@-])", folded):
            return NAMED
    for phone in phones:
        digits = phone_digits(phone)
        if digits is not None and holds_phone(text, digits):
            return CONTACT.format(what="het telefoonnummer")
    for email in emails:
        if len(email.strip()) >= 3 and email.strip().casefold() in folded:
            return CONTACT.format(what="het e-mailadres")
    address = secret.get("melder_adres")
    for line in (address.splitlines() if isinstance(address, str) else []):
        line = " ".join(line.split()).casefold()
        if len(line) >= 5 and any(ch.isdigit() for ch in line) and line in folded:
            return CONTACT.format(what="het adres")
    return None


def _vocabulary(session: Session, case_id: int):
    """The leak guard's general terms of the case's process version ("getuige", "medewerker", ...)."""
    from documents.leakguard import default_vocabulary, vocabulary_of
    from engine.processes import service as processes

    version_id = session.scalar(select(Case.process_version_id).where(Case.id == case_id))
    if version_id is None:
        return default_vocabulary()
    return vocabulary_of(processes.parsed_version(session=session, version_id=version_id))
