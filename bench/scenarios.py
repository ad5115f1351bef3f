"""Benchmark scenarios for measurements 1 (baseline ratio) and 6 (state growth).

A scenario is a process set plus ONE driver function that says what a handler
enters in each user task: ``form_data(element_id, data, step) -> dict``. The same
driver feeds bare SpiffWorkflow and the service layer, so both walk the same route.

The real integrity process (``processes/``) runs along its longest route
(:func:`integrity_longest_route`). Timers on a route fire only when the clock moves,
which the drivers here never do: the longest route is chosen so that no timer has to
fire (every term is met), and both drivers fail naming the waiting timers if a case
stops without a ready task. A scenario that must wait on a timer would need a clock
hook in both drivers (bare: move the timer's ``event_value``; service: a FrozenClock
and ``engine.timers.service.fire_due``), as ``tests/process`` does.
"""
from __future__ import annotations

import functools
import json
import re
import math
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from bench.common import INTEGRITY, LINEAR12, ROOT

FormDriver = Callable[[str, dict, int], dict]

_TEXT = ("De melder beschrijft een situatie waarin een medewerker mogelijk vertrouwelijke "
         "informatie heeft gedeeld met een externe partij. ")


def linear12_form(element_id: str, data: dict, step: int) -> dict:
    """Each of the twelve tasks adds a remark of ~160 bytes and a boolean."""
    n = element_id.rsplit("_", 1)[-1]
    return {f"opmerking_{n}": _TEXT + f"Stap {n}.", "akkoord": True}


# ---------------------------------------------------------------------------------
# The real integrity process (processes/) along its longest route.
# ---------------------------------------------------------------------------------
# Every optional branch taken once, every loop run once: a report via the confidential
# adviser that is incomplete (one round of questions to the reporter), a subject in a
# most-risky position (signal to Bureau VI), a criminal offence (report to police/OM),
# route feitenonderzoek, investigation with hearing, report for correction and
# witnesses, suspension (ordemaatregel, decision and reconsideration), sanction advice,
# voornemen → zienswijze → besluit, objection (Awb; needs rechtspositie
# "publiekrechtelijk", see INTEGRITY_SETTINGS) and closure. 30 user tasks.
# The answers are the route scenarios' data (tests/process/scenarios.py: DEFAULTS,
# valid against every form) with only the route-deciding fields overridden here.
# No timer has to fire: every term (zienswijze, bezwaar, correction, escalations) is met
# because its task is completed first, so neither driver needs to move the clock.
INTEGRITY_SETTINGS = {"rechtspositie": "publiekrechtelijk"}  # the Awb route: bezwaar after the besluit

LONGEST_ROUTE_OVERRIDES: dict[str, dict] = {
    "melding_registreren": {"melding_compleet": False, "via_vertrouwenspersoon": True,
                            "kanaal": "vertrouwenspersoon", "melder_soort": "vertrouwenspersoon",
                            "risicofunctie": "meest_risicovol"},
    "antwoord_melder_verwerken": {"melding_compleet": True},  # one round of questions
    "ernst_en_strafbaarheid": {"strafbaar_feit": True},  # → aangifte_doen (art. 162 Sv)
    "melding_beoordelen": {"route": "feitenonderzoek", "onderzoek_soort": "intern",
                           "beoordeling_motivering": "Ernstige verdenking, feitenonderzoek."},
    "onderzoek_starten": {"getuigen_horen_nodig": True},
    "ordemaatregel_overwegen": {"ordemaatregel": "schorsing", "ordemaatregel_motivering": "Belang van het onderzoek."},
    "bezwaar_registreren": {"bezwaar_ingediend": True},
}

LONGEST_ROUTE_TASKS = (
    "melding_registreren", "toestemming_vertrouwenspersoon", "ontvangst_bevestigen", "terugkoppeling_melder",
    "melder_informeren_gegrondheid", "vragen_aan_melder", "antwoord_melder_verwerken", "ernst_en_strafbaarheid",
    "aangifte_doen", "melding_beoordelen", "signaal_bureau_vi", "onderzoeksopdracht_beslissen",
    "onderzoeksopdracht_verstrekken", "onderzoek_starten", "hoorgesprek_voeren", "verslag_ter_correctie",
    "reactie_verslag_verwerken", "getuigen_horen", "getuigenverslag_aanbieden", "getuigenverslag_reactie",
    "rapport_opstellen", "ordemaatregel_overwegen",
    "ordemaatregel_besluit", "ordemaatregel_heroverwegen", "sanctieadvies_opstellen", "afdoening_bepalen",
    "voornemen_verzenden", "zienswijze_verwerken", "besluit_disciplinaire_maatregel", "bezwaar_registreren",
    "bezwaar_behandelen", "zaak_registreren",
)  # the user tasks of the route (order of parallel branches may differ per driver)


def _today() -> str:
    from engine.functions import today

    return today()


@functools.lru_cache(maxsize=4)
def _defaults_on(day: str) -> dict[str, dict]:
    if str(ROOT) not in sys.path:  # the route data lives with the process tests
        sys.path.insert(0, str(ROOT))
    from tests.process.scenarios import defaults_on

    return defaults_on(day)


def route_form(overrides: dict[str, dict]) -> FormDriver:
    """A form driver for the integrity process: the route data with ``overrides`` per task.

    A fresh copy per call (as a form post would be), from JSON prepared once per day: the bare
    drivers call this inside the timed part of a task.

    Every date of the answers is the case's receipt date (``datum_melding`` in ``data``; a caller without the
    case's data passes at least that, else today, engine clock, the Dutch date as the intake records it). The
    receipt date is fixed at the intake (a later one is refused, an earlier one needs a reason: the law's rule),
    and a report dated before today would have overdue terms whose timers fire and change the route. A run that
    crosses midnight (Dutch time: 23:00 or 22:00 UTC) starts its next case on the new day: answers prepared for the
    day before would move that case's receipt date back and the step would be refused."""
    prepared: dict[tuple[str, str], str] = {}

    def form(element_id: str, data: dict, step: int) -> dict:
        key = (data.get("datum_melding") or _today(), element_id)
        text = prepared.get(key)
        if text is None:
            defaults = _defaults_on(key[0])
            if element_id not in defaults:
                raise KeyError(f"no answer for task {element_id!r} (not on the route; did a timer fire or "
                               "the process change?)")
            answer = {**defaults[element_id], **overrides.get(element_id, {})}
            text = prepared[key] = json.dumps({k: v for k, v in answer.items() if v is not None})
        return json.loads(text)

    return form


_longest = route_form(LONGEST_ROUTE_OVERRIDES)


def integrity_longest_route(element_id: str, data: dict, step: int) -> dict:
    """Form data per user task of ``processes/`` that keeps the case on its longest route."""
    return _longest(element_id, data, step)


LETTER_PROPERTY = re.compile(rb'\s*<spiffworkflow:property name="letter(?:_recipient)?" value="[^"]*"\s*/>')


def _archived(form: bytes) -> bytes:
    """A form whose every field is declared kept for the case file (``x-archief``), so a process without letters
    deploys although some fields are then read by nothing."""
    schema = json.loads(form)

    def mark(node):
        if isinstance(node, dict):
            for name, prop in (node.get("properties") or {}).items():
                if isinstance(prop, dict):
                    prop.setdefault("x-archief", "Benchmark zonder brieven: bewaard in het zaakdossier.")
                    mark(prop)
            for value in node.values():
                if isinstance(value, (dict, list)) and value is not node.get("properties"):
                    mark(value)
        elif isinstance(node, list):
            for value in node:
                mark(value)

    mark(schema)
    return json.dumps(schema, ensure_ascii=False).encode()


def _required_notices(files: dict[str, bytes]) -> set[str]:
    """The milestones whose letter the engine requires of every set that investigates, whatever its manifest says
    (``legal_rules.investigation``: the notice to the subject, DOMAIN §1.3): the set without letters keeps them."""
    rules = json.loads(files["manifest.json"]).get("legal_rules") or {}
    notice = (rules.get("investigation") or {}).get("notice_milestone")
    return {notice} if notice else set()


def _without_letters(content: bytes, keep: set[str]) -> bytes:
    """A BPMN file with its tasks' letter properties removed, except on a task carrying a milestone of ``keep``."""
    def task(match: re.Match) -> bytes:
        milestones = {m.strip() for found in MILESTONE_PROPERTY.finditer(match.group(0))
                      for m in found.group(2).decode().split(",")}
        return match.group(0) if milestones & keep else LETTER_PROPERTY.sub(b"", match.group(0))

    return TASK_ELEMENT.sub(task, content)


TASK_ELEMENT = re.compile(rb"<bpmn:(\w+Task)\b.*?</bpmn:\1>", re.S)


def _without_written_notices(files: dict[str, bytes]) -> dict[str, bytes]:
    """The set with ``legal_rules.written_notices`` dropped (but those the engine requires, ``_required_notices``),
    and the milestones only that rule knew taken off their tasks (the rule makes them known milestones)."""
    from engine.processes.legal_rules import parse_legal_rules

    manifest = json.loads(files["manifest.json"])
    rules = manifest.get("legal_rules") or {}
    required = _required_notices(files)
    notices = rules.pop("written_notices", None) or []
    if required:
        rules["written_notices"] = [n for n in notices if n.get("milestone") in required]
    notices = [n for n in notices if n.get("milestone") not in required]
    if not notices:
        return files
    known = parse_legal_rules(rules).milestones
    gone = {n["milestone"] for n in notices} - known
    out = dict(files, **{"manifest.json": json.dumps(manifest, ensure_ascii=False, indent=2).encode()})

    def strip(match: re.Match) -> bytes:
        kept = [m for m in match.group(2).decode().split(",") if m.strip() and m.strip() not in gone]
        return match.group(1) + ",".join(kept).encode() + match.group(3) if kept else b""

    for path, content in files.items():
        if path.endswith(".bpmn"):
            out[path] = MILESTONE_PROPERTY.sub(strip, content)
    return out


MILESTONE_PROPERTY = re.compile(rb'(\s*<spiffworkflow:property name="legal_milestone" value=")([^"]*)("\s*/>)')


@dataclass
class Scenario:
    name: str
    directory: Path
    form_data: FormDriver
    seed: dict = field(default_factory=dict)  # start data of a case
    ready: bool = True  # False: skipped with a note (driver still to be written)
    max_steps: int = 200
    settings: dict = field(default_factory=dict)  # overrides of the manifest's settings (deployed as such)
    rep_share: float = 1.0  # share of the mode's measurement-1 cases (long routes: fewer cases, as many tasks)
    letters: bool = True  # False: the same process with its tasks' letter properties removed (no letter rendered)

    def repetitions(self, reps: int, warmup: int) -> tuple[int, int]:
        return max(1, math.ceil(reps * self.rep_share)), max(1, math.ceil(warmup * self.rep_share))

    def files(self) -> dict[str, bytes]:
        """The process set as deployed: the directory's files, the manifest's settings overridden."""
        from engine.processes.validation import read_process_dir

        files = read_process_dir(self.directory)
        if self.settings:
            manifest = json.loads(files["manifest.json"])
            manifest.setdefault("settings", {}).update(self.settings)
            files["manifest.json"] = json.dumps(manifest, ensure_ascii=False, indent=2).encode()
        if not self.letters:  # no letter; the fields only a letter read are kept for the case file instead
            # and nothing is declared sent in writing (legal_rules.written_notices: a set without letters could
            # never be deployed otherwise; only the benchmark measures such a set)
            # (but the notice to the subject of an investigation: the engine requires that letter of every set
            # that investigates, so this route still makes that one)
            keep = _required_notices(files)
            files = _without_written_notices(files)
            files = {path: (_without_letters(content, keep) if path.endswith(".bpmn")
                            else _archived(content) if path.startswith("forms/") and path.endswith(".json")
                            else content) for path, content in files.items()}
        return files

    def start_data(self, manifest) -> dict:
        """What a case starts with: as ``engine.cases.service.start_case`` seeds it (the bare
        drivers carry the same data, so both walk the same route with the same state)."""
        from engine import clock
        from engine.legal_terms import local_date

        # start_case dates a report without a receipt date on the day it starts (the law's clocks)
        return {"zaaknummer": "MP-BENCH-000001", "instellingen": dict(manifest.settings),
                "datum_melding": local_date(clock.now()).isoformat(), **self.seed}

    def skip_reason(self) -> str | None:
        if not (self.directory / "manifest.json").exists():
            return f"{self.directory.relative_to(ROOT).as_posix()}/manifest.json absent"
        if not self.ready:
            return "route driver not written yet (bench/scenarios.py: integrity_longest_route)"
        return None


LINEAR12_SCENARIO = Scenario("linear12", LINEAR12, linear12_form, seed={"dienstonderdeel": "Douane",
                                                                        "categorie": "lekken"})
INTEGRITY_SCENARIO = Scenario("integrity_longest_route", INTEGRITY, integrity_longest_route,
                              seed={}, settings=INTEGRITY_SETTINGS, rep_share=0.5)  # 30 tasks a case

# The same longest route with no letter at all: what letters cost, measured beside it in the same run.
INTEGRITY_NO_LETTERS_SCENARIO = Scenario("integrity_longest_route_no_letters", INTEGRITY, integrity_longest_route,
                                         seed={}, settings=INTEGRITY_SETTINGS, rep_share=0.5, letters=False)

SCENARIOS = [LINEAR12_SCENARIO, INTEGRITY_SCENARIO, INTEGRITY_NO_LETTERS_SCENARIO]

# Two short routes of the integrity process for measurement 5: with the longest route they
# produce every one of the 13 letter templates from a real case's data.
NO_INVESTIGATION_SCENARIO = Scenario(
    "integrity_geen_onderzoek", INTEGRITY, route_form({
        "ernst_en_strafbaarheid": {"ernst": "gering"},
        "melding_beoordelen": {"route": "geen_onderzoek", "beoordeling_motivering": "Onvoldoende aanknopingspunten."},
    }), settings=INTEGRITY_SETTINGS)  # → besluit_geen_onderzoek
NOT_PROVEN_SCENARIO = Scenario(
    "integrity_niet_aangetoond", INTEGRITY, route_form({
        "melding_beoordelen": LONGEST_ROUTE_OVERRIDES["melding_beoordelen"],
        "rapport_opstellen": {"uitkomst": "niet_aangetoond", "bevindingen": [
            {"bewering": "Onterecht reiskosten gedeclareerd", "uitkomst": "niet_aangetoond"}]},
    }), settings=INTEGRITY_SETTINGS)  # → afsluiting_zonder_maatregel
LETTER_SCENARIOS = [INTEGRITY_SCENARIO, NO_INVESTIGATION_SCENARIO, NOT_PROVEN_SCENARIO]
