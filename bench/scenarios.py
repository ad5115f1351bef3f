"""Benchmark scenarios for measurements 1 (baseline ratio) and 6 (state growth).

A scenario is a process set plus ONE driver function that says what a handler
enters in each user task: ``form_data(element_id, data, step) -> dict``. The same
driver feeds bare SpiffWorkflow and the service layer, so both walk the same route.

Adding the real integrity process (``processes/``) along its longest route:
fill in :func:`integrity_longest_route` below (return, per user-task element id,
the form data that keeps the case on the longest route: investigation, advice,
resolution, feedback) and set ``ready=True`` in ``INTEGRITY_SCENARIO``. Nothing
else changes. Timers on the route fire only when the clock moves, which the
drivers here never do; a route that waits on an intermediate timer needs a
``clock_steps`` hook (see ``Scenario.advance_clock``).
"""
from __future__ import annotations

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
# HOOK: the real integrity process along its longest route.
# ---------------------------------------------------------------------------------
def integrity_longest_route(element_id: str, data: dict, step: int) -> dict:
    """Form data per user task of ``processes/`` that keeps the case on its longest route.

    TODO (when processes/ lands): map each user-task element id to data, e.g.
    ``{"melding_registreren": {...,"categorie": "..."}, "beoordelen": {"route": "feitenonderzoek", ...}, ...}``
    and return ``ROUTE[element_id]``. Until then the scenario is skipped.
    """
    raise NotImplementedError("integrity route driver not written yet")


@dataclass
class Scenario:
    name: str
    directory: Path
    form_data: FormDriver
    seed: dict = field(default_factory=dict)  # start data of a case
    ready: bool = True  # False: skipped with a note (driver still to be written)
    max_steps: int = 200

    def skip_reason(self) -> str | None:
        if not (self.directory / "manifest.json").exists():
            return f"{self.directory.relative_to(ROOT).as_posix()}/manifest.json absent"
        if not self.ready:
            return "route driver not written yet (bench/scenarios.py: integrity_longest_route)"
        return None


LINEAR12_SCENARIO = Scenario("linear12", LINEAR12, linear12_form, seed={"dienstonderdeel": "Douane",
                                                                        "categorie": "lekken"})
INTEGRITY_SCENARIO = Scenario("integrity_longest_route", INTEGRITY, integrity_longest_route,
                              seed={"dienstonderdeel": "Douane"}, ready=False)

SCENARIOS = [LINEAR12_SCENARIO, INTEGRITY_SCENARIO]
