"""``manifest.json`` of a process set: main process, roles, separation-of-duties slots, settings."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from engine.errors import ProcessValidationError, ValidationIssue
from engine.parse_errors import json_problem
from engine.processes.legal_rules import LegalRules, parse_legal_rules

MANIFEST_FILE = "manifest.json"


@dataclass(frozen=True)
class SeparationOfDuties:
    exclusive_slots: frozenset[str] = frozenset()
    uninvolved_slots: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Manifest:
    main_process: str
    roles: dict[str, str]  # role code -> Dutch role name
    separation_of_duties: SeparationOfDuties = field(default_factory=SeparationOfDuties)
    settings: dict[str, Any] = field(default_factory=dict)
    legal_rules: LegalRules | None = None  # engine/processes/legal_rules.py
    # The reporter leak guard's vocabulary (measures with synonyms, general terms); see documents/leakguard.py.
    leak_guard: dict[str, Any] = field(default_factory=dict)
    # Retention per outcome class (engine/records/retention.py); None: the documented defaults.
    retention: Any = None
    # Access requests and the fields that name a person (engine/records/subject_rights.py); None: defaults.
    privacy: Any = None
    # Oral reports with a transcript to sign and follow-up after closure (engine/contact/rules.py); None: neither.
    reporter_contact: Any = None
    # The other processes of the set, deployed beside the main one (process id -> declaration): see
    # :class:`OtherProcess`. Their instances are no integrity cases (``engine.register``).
    processes: dict[str, "OtherProcess"] = field(default_factory=dict)

    @property
    def exclusive_slots(self) -> frozenset[str]:
        return self.separation_of_duties.exclusive_slots

    @property
    def uninvolved_slots(self) -> frozenset[str]:
        return self.separation_of_duties.uninvolved_slots

    def role_for_lane(self, lane_name: str | None) -> str | None:
        """The role code a lane stands for; the lane may carry the Dutch name or the code."""
        if lane_name is None:
            return None
        name = lane_name.strip()
        if name in self.roles:
            return name
        for code, dutch_name in self.roles.items():
            if dutch_name.casefold() == name.casefold():
                return code
        return None


@dataclass(frozen=True)
class OtherProcess:
    """A process beside the main one (manifest ``processes``): its Dutch name, the prefix of its instances'
    references, and when it starts by itself: every year on ``yearly_on`` (month, day), one instance per team; or
    on ``function_change`` (``start.bij_functiewisseling``), one instance per change of function in the register."""
    process_id: str
    name: str
    prefix: str
    yearly_on: tuple[int, int] | None = None
    function_change: bool = False
    # thematic monitoring (``start.thematisch``): (theme, months) — one instance per theme on the first day of each
    # of its months
    themes: tuple[tuple[str, tuple[int, ...]], ...] = ()
    settings: dict[str, Any] = field(default_factory=dict)


def _other_processes(value: Any, main_process: str) -> dict[str, OtherProcess]:
    if not isinstance(value, dict):
        raise _fail("'processes' moet een object zijn van proces-id naar de beschrijving van dat proces")
    out: dict[str, OtherProcess] = {}
    for pid, spec in value.items():
        where = f"'processes.{pid}'"
        if pid == main_process:
            raise _fail(f"{where}: het hoofdproces staat niet onder 'processes'")
        if not isinstance(spec, dict):
            raise _fail(f"{where} moet een object zijn")
        name, prefix = spec.get("naam"), spec.get("kenmerk")
        if not isinstance(name, str) or not name.strip():
            raise _fail(f"{where}.naam ontbreekt")
        if not isinstance(prefix, str) or not prefix.isalpha() or not prefix.isupper() or len(prefix) > 6 \
                or prefix == "MP":
            raise _fail(f"{where}.kenmerk moet 1 tot 6 hoofdletters zijn (niet 'MP', dat is van de meldingen)")
        yearly = None
        start = spec.get("start", {})
        if not isinstance(start, dict):
            raise _fail(f"{where}.start moet een object zijn")
        if "jaarlijks_op" in start:
            raw = start["jaarlijks_op"]
            try:
                month, day = (int(part) for part in str(raw).split("-"))
                from datetime import date

                date(2001, month, day)  # a year without 29 February
            except (TypeError, ValueError):
                raise _fail(f"{where}.start.jaarlijks_op moet een datum MM-DD zijn (bijv. '01-15'), niet '{raw}'")
            yearly = (month, day)
        function_change = start.get("bij_functiewisseling", False)
        if not isinstance(function_change, bool):
            raise _fail(f"{where}.start.bij_functiewisseling moet true of false zijn")
        themes = _themes(start.get("thematisch", []), where)
        settings = spec.get("instellingen", {})
        if not isinstance(settings, dict):
            raise _fail(f"{where}.instellingen moet een object zijn")
        out[pid] = OtherProcess(process_id=pid, name=name.strip(), prefix=prefix, yearly_on=yearly,
                                function_change=function_change, themes=themes, settings=dict(settings))
    return out


def _themes(value: Any, where: str) -> tuple[tuple[str, tuple[int, ...]], ...]:
    problem = (f"{where}.start.thematisch moet een lijst zijn van {{\"thema\": \"…\", \"maanden\": [1-12, …]}} "
               f"met elk thema één keer")
    if not isinstance(value, list):
        raise _fail(problem)
    out = []
    for entry in value:
        theme = entry.get("thema") if isinstance(entry, dict) else None
        months = entry.get("maanden") if isinstance(entry, dict) else None
        if not isinstance(theme, str) or not theme.strip() or not isinstance(months, list) or not months \
                or not all(isinstance(m, int) and not isinstance(m, bool) and 1 <= m <= 12 for m in months) \
                or theme.strip() in {t for t, _ in out}:
            raise _fail(problem)
        out.append((theme.strip(), tuple(sorted(set(months)))))
    return tuple(out)


def _fail(message: str) -> ProcessValidationError:
    return ProcessValidationError([ValidationIssue(MANIFEST_FILE, message)])


def _slots(value: Any, key: str) -> frozenset[str]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise _fail(f"'separation_of_duties.{key}' moet een lijst van teksten zijn")
    return frozenset(value)


def parse_manifest(content: bytes) -> Manifest:
    """Parse and check ``manifest.json``; raises ProcessValidationError with Dutch messages."""
    try:
        data = json.loads(content)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as err:
        problem = json_problem(err)
        issue = ValidationIssue(MANIFEST_FILE, f"Geen geldige JSON: {problem.text(line=False)}", line=problem.line)
        raise ProcessValidationError([issue]) from None
    if not isinstance(data, dict):
        raise _fail("Het manifest moet een JSON-object zijn")

    main_process = data.get("main_process")
    if not isinstance(main_process, str) or not main_process:
        raise _fail("'main_process' (het id van het hoofdproces) ontbreekt")

    roles = data.get("roles")
    if (not isinstance(roles, dict) or not roles
            or not all(isinstance(k, str) and isinstance(v, str) and k and v for k, v in roles.items())):
        raise _fail("'roles' moet een niet-leeg object zijn van rolcode naar rolnaam")

    sod = data.get("separation_of_duties", {})
    if not isinstance(sod, dict):
        raise _fail("'separation_of_duties' moet een object zijn")
    separation = SeparationOfDuties(
        exclusive_slots=_slots(sod.get("exclusive_slots", []), "exclusive_slots"),
        uninvolved_slots=_slots(sod.get("uninvolved_slots", []), "uninvolved_slots"),
    )

    settings = data.get("settings", {})
    if not isinstance(settings, dict):
        raise _fail("'settings' moet een object zijn")

    legal_rules = parse_legal_rules(data["legal_rules"]) if "legal_rules" in data else None
    leak_guard = _leak_guard(data.get("leak_guard", {}))
    retention = _retention(data["retention"]) if "retention" in data else None
    privacy = _privacy(data["privacy"]) if "privacy" in data else None
    reporter_contact = None
    if "reporter_contact" in data:
        from engine.contact.rules import parse_reporter_contact

        reporter_contact = parse_reporter_contact(data["reporter_contact"], dict(roles))
    if legal_rules is not None:
        unknown = sorted(set(legal_rules.deadline_monitor_roles) - set(roles))
        if unknown:
            raise _fail(f"'legal_rules.deadline_monitor_roles' noemt onbekende rollen: {', '.join(unknown)}")

    others = _other_processes(data.get("processes", {}), main_process)
    return Manifest(main_process=main_process, roles=dict(roles), separation_of_duties=separation,
                    settings=dict(settings), legal_rules=legal_rules, leak_guard=leak_guard,
                    retention=retention, privacy=privacy, reporter_contact=reporter_contact, processes=others)


def _retention(value: Any):
    from engine.records.retention import RetentionConfigError, parse_retention

    try:
        return parse_retention(value)
    except RetentionConfigError as exc:
        raise _fail(str(exc)) from None


def _privacy(value: Any):
    from engine.records.subject_rights import PrivacyConfigError, parse_privacy

    try:
        return parse_privacy(value)
    except PrivacyConfigError as exc:
        raise _fail(str(exc)) from None


def _texts(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(item, str) and item.strip() for item in value)


def _leak_guard(value: Any) -> dict[str, Any]:
    """Shape check of ``leak_guard``: lists of texts, and ``maatregelen`` a map label -> list of words."""
    if not isinstance(value, dict):
        raise _fail("'leak_guard' moet een object zijn")
    for key in ("maatregelvelden", "geen_maatregel", "algemene_termen"):
        if key in value and not _texts(value[key]):
            raise _fail(f"'leak_guard.{key}' moet een lijst van (niet-lege) teksten zijn")
    measures = value.get("maatregelen", {})
    if not isinstance(measures, dict) or not all(_texts(v) for v in measures.values()):
        raise _fail("'leak_guard.maatregelen' moet een object zijn van maatregel naar een lijst van woorden")
    return dict(value)
