"""A report about someone who handles reports: the reporter says who must not see it.

The harm. Need to know (``engine.identity.access``) keeps the reporter, the subject and the subject's line manager
out of a case, but only once they are linked to it as ``case_parties``; the desk links the subject when it
registers the report. Until then a new report reaches the desk's pool and every integrity coordinator and bureau
VI member who oversees its unit. A report *about* one of them would be read first by the very person it concerns:
they would learn what was reported and perhaps by whom, and could destroy evidence or retaliate (DOMAIN §2: the
subject must never see the reporter's identity; an investigator never handles a case they are involved in).
GlobaLeaks lets the whistleblower exclude recipients; the Dutch whistleblowers act (Wet bescherming
klokkenluiders) and the central-government rules say that a report concerning the person who would normally
receive it goes to someone else.

What the product does:

* **Who may be excluded**: exactly who would otherwise see a new report (``access.report_handlers``: the active
  holders of the desk and oversight roles, organisation-wide, because the pools of the desk and the coordinator are
  not bound to a unit). The reporter sees their **display names only**: no role, unit, username or address. Listing
  them is acceptable: Dutch organisations publish who their integrity coordinators and reporting desk are (the
  reporter must be able to know who receives the report, EU 2019/1937 art. 9), and a display name tells nothing the
  organisation's own publications do not. Nobody else is offered: excluding an arbitrary colleague (who would not
  see the report anyway) would only be a way to learn who works here, and is refused like any unknown id.
* **How**: the public form (web ``/melden``, API ``POST /api/v1/publiek/meldingen``), anonymous or named, and the
  staff intake (web ``/meldingen/nieuw``, API ``POST /api/v1/meldingen``: the desk, a vertrouwenspersoon or a line
  manager registering on someone's behalf) take a list ``uitgesloten`` of user ids from that list. The API lists
  them at ``GET /api/v1/publiek/behandelaars`` (no login: the anonymous reporter needs it).
* **Effect**: each becomes a party ``uitgesloten`` of the case (``access.EXCLUDED_HANDLER``), written with the case
  itself, before its first task exists. The one access decision excludes them from that moment, exactly like the
  subject: case lists, search, the worklist and its pool, task pages, letters, files, notes, exports, the audit
  views, notifications and mails, the draw and assignment (``engine.cases.duties`` reads every party row). Not
  visible and not existing look the same (404).
* **Nobody can lift it**: not the excluded person (they cannot see the case at all), and, deliberately, nobody
  else in the product either. The exclusion is the reporter's protection; a handler who thinks it unfounded hands
  the question to the competent authority outside the product. (A later, four-eyes decision with the reporter
  informed could be added on top; it is not there now.)
* **Nobody left**: if the exclusions would leave no active desk member (who registers the report and acknowledges
  receipt within 7 days) or no active integrity coordinator (who assesses it), the report would sit where nobody
  can handle it. The product then does **not** file it: the reporter is told in Dutch, before anything is stored,
  that this channel cannot handle a report about all of these people, and where to go instead (the competent
  authority, the Huis voor Klokkenluiders as the external authority). The form keeps what they wrote.
* **Bad input** (not a list, not a number, not one of the listed people, more than :data:`MAX_EXCLUDED`): a Dutch
  error naming the field ``uitgesloten``; nothing is stored. Whether an id is a user at all is not revealed: an
  unknown id and a colleague who handles no reports get the same answer.
* **Audit**: ``report.submitted`` records how many were excluded, never who reported; the excluded persons
  themselves are in ``case_parties`` (ids only), which the audit views of an excluded person never show.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from engine.errors import DomainError, FieldError, InvalidData
from engine.identity import access

FIELD = "uitgesloten"
LABEL = "Wie mag deze melding niet zien?"
MAX_EXCLUDED = 10
# Roles (among access.REPORT_HANDLER_ROLES) of which at least one active holder must stay: who registers the report
# and acknowledges receipt (the desk), and who assesses it (the integrity coordinator). The bureau VI only adds sight.
NEEDED_ROLES = {"meldpunt": "niemand van het meldpunt", "integriteitscoordinator": "geen integriteitscoördinator"}
HUIS_VOOR_KLOKKENLUIDERS = "het Huis voor Klokkenluiders (www.huisvoorklokkenluiders.nl)"


def candidates(session: Session) -> list[tuple[int, str]]:
    """(user id, display name) of the people a reporter may exclude: who would otherwise see a new report."""
    return [(u.id, u.display_name) for u in access.report_handlers(session=session)]


def _ids(raw: Any) -> list[int] | None:
    """The ids of a form or request value: a list of numbers (or digit strings, from a web form); None if malformed."""
    if raw is None or raw == "":
        return []
    if isinstance(raw, (str, int)) and not isinstance(raw, bool):
        raw = [raw]
    if not isinstance(raw, (list, tuple)):
        return None
    out: list[int] = []
    for value in raw:
        if isinstance(value, bool):
            return None
        if isinstance(value, str):
            value = value.strip()
            if not value.isdigit() or len(value) > 12:
                return None
            value = int(value)
        if not isinstance(value, int) or value < 1:
            return None
        if value not in out:
            out.append(value)
    return out


def _message(text: str) -> str:
    return f"‘{LABEL}’: {text}"


def nobody_left_message(session: Session, missing: list[str]) -> str:
    """What the reporter reads when the exclusions leave nobody to handle the report (Dutch)."""
    from engine.processes import service as processes

    authority = ""
    try:
        settings = processes.parsed_version(session=session,
                                            version_id=processes.latest_version(session=session).id).manifest.settings
        name = str((settings.get("organisatie") or {}).get("bevoegd_gezag") or "").strip()
        authority = f" ({name[0].lower()}{name[1:]})" if name else ""
    except DomainError:  # no process deployed: the advice stands without the name
        authority = ""
    who = " en ".join(missing)
    return _message(
        f"als u deze personen uitsluit, blijft er {who} over om uw melding te behandelen. Uw melding is "
        f"daarom niet verstuurd en niet bewaard. U kunt minder personen uitsluiten, of uw melding rechtstreeks doen "
        f"bij het bevoegd gezag{authority} of bij {HUIS_VOOR_KLOKKENLUIDERS}, waar u ook advies kunt vragen.")


def errors(session: Session, raw: Any) -> dict[str, str]:
    """Field -> Dutch message for an unusable list of exclusions (empty when it is fine); nothing is written."""
    ids = _ids(raw)
    if ids is None:
        return {FIELD: _message("kies personen uit de lijst (een lijst met nummers uit de lijst van wie meldingen "
                                "behandelt).")}
    if not ids:
        return {}
    if len(ids) > MAX_EXCLUDED:
        return {FIELD: _message(f"kies hoogstens {MAX_EXCLUDED} personen; u koos er {len(ids)}.")}
    handlers = {u.id: u for u in access.report_handlers(session=session)}
    if any(i not in handlers for i in ids):
        return {FIELD: _message("kies alleen personen uit de lijst van wie meldingen behandelt.")}
    missing = [label for role, label in NEEDED_ROLES.items()
               if not any(u.id not in ids and role in u.role_codes for u in handlers.values())]
    if missing:
        return {FIELD: nobody_left_message(session, missing)}
    return {}


def checked(session: Session, raw: Any) -> list[int]:
    """The ids to exclude, or :class:`InvalidData` naming the field (nothing written)."""
    found = errors(session, raw)
    if found:
        raise InvalidData([FieldError(k, v) for k, v in found.items()], detail=" ".join(found.values()))
    return _ids(raw) or []
