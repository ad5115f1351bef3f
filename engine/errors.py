"""Domain errors. Raised in engine/, mapped once to HTTP problem+json in api/.

Each error has a stable ``code`` (used as the problem ``type``), a Dutch ``title``
for people, and optional structured ``detail``/``fields``. Messages never contain
a reporter's identity, a receipt code, a password or a token.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any


# Stable reason codes for refusals a compliance scenario checks (``omdat "<reden>"``): code -> Dutch text.
# A refusal raised with ``reason=`` carries the code as ``reden`` in the problem+json body (next to ``type``,
# the error class's code); the catalogue (features/STAPPEN.md) lists this table. Never rename a code.
REASONS: dict[str, str] = {
    "rol-ontbreekt": "De medewerker heeft niet de rol die de taak vraagt",
    "belangenconflict": "Belangenconflict of functiescheiding: de medewerker mag deze zaak of taak niet behandelen",
    "zienswijze-afstand-niet-schriftelijk": "Afstand van de zienswijze telt alleen schriftelijk",
    "zienswijzetermijn-ontbreekt": "De zienswijzetermijn is niet vastgelegd",
    "zienswijzetermijn-loopt": "De zienswijzetermijn loopt nog: 'geen zienswijze' kan pas daarna worden vastgelegd",
    "getuigenverslag-niet-voorgelegd": "Een getuige heeft het verslag van het verhoor nog niet ter correctie gekregen",
    "getuigenverslag-termijn-loopt": "Een getuige kan het verslag van het verhoor nog corrigeren",
    "betrokkene-niet-gehoord": "Het onderzoeksrapport wacht tot de betrokkene is gehoord en op het verslag van het "
                               "hoorgesprek kon reageren",
    "betrokkene-niet-ingelicht": "Het hoorgesprek wacht tot de betrokkene schriftelijk over het onderzoek is "
                                 "ingelicht",
    "geen-onderzoeksopdracht": "Het onderzoek wacht op de onderzoeksopdracht van het bevoegd gezag",
    "functiescheiding": "Functiescheiding: wie in een zaak onderzocht, adviseert of besluit, doet daar niet ook het "
                        "andere",
    "straf-zonder-zienswijze": "Een straf kan pas worden opgelegd na voornemen en zienswijze",
    "zwaardere-straf-dan-voornemen": "Het besluit mag geen zwaardere of andere straf opleggen dan het voornemen",
    "voornemen-zonder-straf": "Het voornemen gaat niet uit zonder de voorgenomen straf",
    "termijn-te-lang": "Een timer van een wettelijke termijn loopt later af dan de termijn toestaat",
    "termijn-te-kort": "Een timer van een wettelijke termijn loopt eerder af dan de termijn die iemand krijgt",
    "vaste-datum-later": "Een vaste datum (zoals de datum van ontvangst) kan alleen naar een eerdere datum",
    "vaste-datum-zonder-reden": "Een correctie van een vaste datum naar een eerdere datum vereist een reden",
    "eigen-verzoek-onthulling": "Wie om bekendmaking van de identiteit verzoekt, mag dat verzoek niet zelf goedkeuren",
    "vier-ogen-vernietiging": "Vier ogen: wie de vernietigingslijst voorstelt, mag hem niet ook goedkeuren",
    "alleen-coordinator": "Alleen de integriteitscoördinator mag dit doen",
    "inzagetermijn-al-verlengd": "De termijn van een inzageverzoek kan maar één keer worden verlengd (AVG art. 12 lid 3)",
    "inzagetermijn-verstreken": "De termijn van een inzageverzoek kan alleen binnen de eerste termijn worden verlengd "
                                "(AVG art. 12 lid 3)",
    "inzageverzoek-afgehandeld": "Het inzageverzoek is al afgehandeld",
}


class DomainError(Exception):
    code = "domain-error"
    title = "De actie kon niet worden uitgevoerd"
    status = 400
    reason: str | None = None  # a key of REASONS, when the refusal has a stable reason code

    def __init__(self, detail: str | None = None, *, reason: str | None = None, **extra: Any):
        super().__init__(detail or self.title)
        self.detail = detail or self.title
        self.extra = extra
        if reason is not None:
            if reason not in REASONS:
                raise ValueError(f"unknown reason code {reason!r}: add it to engine.errors.REASONS")
            self.reason = reason


class NotFound(DomainError):
    code = "not-found"
    title = "Niet gevonden"
    status = 404


class NotAuthorized(DomainError):
    """The user lacks the role or right. Where existence must not leak, use NotFound."""

    code = "forbidden"
    title = "Geen toegang"
    status = 403


class ConflictOfInterest(NotAuthorized):
    code = "conflict-of-interest"
    title = "Belangenconflict of functiescheiding"
    reason = "belangenconflict"


class StaleCase(DomainError):
    code = "stale-case"
    title = "De zaak is intussen gewijzigd; laad opnieuw"
    status = 409


class TaskNotReady(DomainError):
    code = "task-not-ready"
    title = "De taak is niet (meer) uit te voeren"
    status = 409


class TaskTaken(DomainError):
    """Someone else holds the task (or won the race to claim it)."""

    code = "task-taken"
    title = "De taak is al door een andere medewerker opgepakt"
    status = 409


class EditWindowClosed(DomainError):
    """A record that may be corrected only for a short while after writing (an internal note) is past that."""

    code = "edit-window-closed"
    title = "Niet meer te wijzigen"
    status = 409


@dataclass
class FieldError:
    field: str
    message: str
    label: str | None = None  # the field as the form shows it (its title), where it has one

    def sentence(self) -> str:
        """The error naming the field as the user saw it: by its label where it has one (a message in the process
        owner's own words that names it already stays as it is), else by its name."""
        if not self.label:
            return f"{self.field}: {self.message}"
        if self.label in self.message:
            return self.message
        return f"‘{self.label}’{':' if self.message[:1].isupper() else ''} {self.message}"


class InvalidData(DomainError):
    code = "invalid-data"
    title = "Ongeldige gegevens"
    status = 422

    def __init__(self, errors: list[FieldError], detail: str | None = None):
        super().__init__(detail or "; ".join(e.sentence() for e in errors))
        self.errors = errors


@dataclass
class ValidationIssue:
    """One problem in a process file, for process owners (message in Dutch)."""

    file: str
    message: str
    element_id: str | None = None
    line: int | None = None

    def __str__(self) -> str:
        where = self.file
        if self.line:
            where += f":{self.line}"
        if self.element_id:
            where += f" [{self.element_id}]"
        return f"{where}: {self.message}"


class ProcessValidationError(DomainError):
    code = "process-invalid"
    title = "De procesbestanden zijn ongeldig"
    status = 422

    def __init__(self, issues: list[ValidationIssue]):
        super().__init__("\n".join(str(i) for i in issues))
        self.issues = issues


class WorkflowFailure(DomainError):
    """A script, condition or timer in a process failed at run time; nothing was saved."""

    code = "workflow-failure"
    title = "Fout in het procesmodel"
    status = 422


class ScriptLimitExceeded(WorkflowFailure):
    """A process script or expression went over its CPU-time, wall-time, memory or size bound
    (settings ``script_*``) and was stopped; nothing of the step was saved."""

    code = "script-limit"
    title = "Script in het procesmodel afgebroken"
