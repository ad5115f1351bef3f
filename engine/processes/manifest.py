"""``manifest.json`` of a process set: main process, roles, separation-of-duties slots, settings."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from engine.errors import ProcessValidationError, ValidationIssue
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
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        line = getattr(err, "lineno", None)
        issue = ValidationIssue(MANIFEST_FILE, f"Geen geldige JSON: {err}", line=line)
        raise ProcessValidationError([issue]) from err
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

    return Manifest(main_process=main_process, roles=dict(roles), separation_of_duties=separation,
                    settings=dict(settings), legal_rules=legal_rules, leak_guard=leak_guard,
                    retention=retention, privacy=privacy, reporter_contact=reporter_contact)


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
