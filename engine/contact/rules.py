"""The process owner's declaration of oral reports and follow-up (``manifest.json``, key ``reporter_contact``).

Shape (keys in English, texts for people in Dutch)::

    "reporter_contact": {
      "oral_report": {"name": "...", "source": "EU-richtlijn 2019/1937 art. 18", "review_term": "P14D",
                      "channels": {"telefoon": "Telefonisch", "gesprek": "Persoonlijk gesprek"},
                      "unsigned_role": "meldpunt", "unsigned_task_term": "P5D", "corrections_task_term": "P5D"},
      "follow_up": {"source": "...", "after_closure": ["P3M", "P12M"],
                    "question": "Heeft u na uw melding nadelige gevolgen ervaren?",
                    "signal_role": "integriteitscoordinator", "signal_task_term": "P10D"}
    }

``review_term`` is a legal term (Algemene termijnenwet) from the day the transcript is offered; when it passed
without the reporter's signature the timer worker opens a task for ``unsigned_role`` (default ``meldpunt``) with
``unsigned_task_term`` (optional, a legal term) to remind the reporter or record that the transcript was not signed.
When the reporter sends corrections, ``correct`` opens a task for the same role (the desk, who writes the new version)
with ``corrections_task_term`` (a legal term, default ``P5D``) to answer them with a new version.
``after_closure`` are calendar terms from the day the case closed; a "ja" opens a task for ``signal_role`` with
``signal_task_term`` (optional). Without the block there are no oral reports and no follow-up.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from engine.errors import ProcessValidationError, ValidationIssue

MANIFEST_FILE = "manifest.json"
DEFAULT_CORRECTIONS_TASK_TERM = "P5D"  # the desk answers the reporter's corrections within a working week


@dataclass(frozen=True)
class OralReportRule:
    name: str
    source: str
    review_term: str
    channels: dict[str, str]
    unsigned_role: str = "meldpunt"
    unsigned_task_term: str | None = None
    corrections_task_term: str = DEFAULT_CORRECTIONS_TASK_TERM


@dataclass(frozen=True)
class FollowUpRule:
    source: str
    after_closure: tuple[str, ...]
    question: str
    signal_role: str
    signal_task_term: str | None = None


@dataclass(frozen=True)
class ReporterContact:
    oral_report: OralReportRule | None = None
    follow_up: FollowUpRule | None = None


def _fail(message: str) -> ProcessValidationError:
    return ProcessValidationError([ValidationIssue(MANIFEST_FILE, f"reporter_contact: {message}")])


def _text(block: dict, key: str, where: str) -> str:
    value = block.get(key)
    if not isinstance(value, str) or not value.strip():
        raise _fail(f"'{where}.{key}' moet een niet-lege tekst zijn")
    return value.strip()


def _term(value: Any, where: str) -> str:
    from engine.legal_terms import parse_duration

    try:
        term = parse_duration(value) if isinstance(value, str) else None
    except ValueError:
        term = None
    if term is None or term.seconds or term.is_zero:
        raise _fail(f"'{where}' moet een termijn in dagen, weken, maanden of jaren zijn (bijvoorbeeld P14D of P3M)")
    return value


def parse_reporter_contact(data: Any, roles: dict[str, str]) -> ReporterContact:
    if not isinstance(data, dict):
        raise _fail("moet een object zijn")
    oral = follow = None
    if "oral_report" in data:
        block = data["oral_report"]
        if not isinstance(block, dict):
            raise _fail("'oral_report' moet een object zijn")
        channels = block.get("channels", {"telefoon": "Telefonisch", "gesprek": "Persoonlijk gesprek"})
        if not isinstance(channels, dict) or not channels or not all(
                isinstance(k, str) and isinstance(v, str) and k and v for k, v in channels.items()):
            raise _fail("'oral_report.channels' moet een object zijn van kanaalcode naar naam")
        unsigned_role = block.get("unsigned_role", "meldpunt")
        if unsigned_role not in roles:
            raise _fail(f"'oral_report.unsigned_role' noemt een onbekende rol: {unsigned_role}")
        oral = OralReportRule(name=_text(block, "name", "oral_report"), source=_text(block, "source", "oral_report"),
                              review_term=_term(block.get("review_term"), "oral_report.review_term"),
                              channels=dict(channels), unsigned_role=unsigned_role,
                              unsigned_task_term=_term(block["unsigned_task_term"], "oral_report.unsigned_task_term")
                              if "unsigned_task_term" in block else None,
                              corrections_task_term=_term(block.get("corrections_task_term",
                                                                    DEFAULT_CORRECTIONS_TASK_TERM),
                                                          "oral_report.corrections_task_term"))
    if "follow_up" in data:
        block = data["follow_up"]
        if not isinstance(block, dict):
            raise _fail("'follow_up' moet een object zijn")
        terms = block.get("after_closure")
        if not isinstance(terms, list) or not terms:
            raise _fail("'follow_up.after_closure' moet een lijst van termijnen zijn (bijvoorbeeld [\"P3M\", \"P12M\"])")
        role = _text(block, "signal_role", "follow_up")
        if role not in roles:
            raise _fail(f"'follow_up.signal_role' noemt een onbekende rol: {role}")
        follow = FollowUpRule(source=_text(block, "source", "follow_up"),
                              after_closure=tuple(_term(t, "follow_up.after_closure[]") for t in terms),
                              question=_text(block, "question", "follow_up"), signal_role=role,
                              signal_task_term=_term(block["signal_task_term"], "follow_up.signal_task_term")
                              if "signal_task_term" in block else None)
    return ReporterContact(oral_report=oral, follow_up=follow)
