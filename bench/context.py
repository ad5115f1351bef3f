"""What every measurement module gets: sizes for the mode, the databases, shared facts.

A measurement is a module with ``run(ctx) -> dict`` registered in
``bench.__main__.MEASUREMENTS``; measurement 5 (letters) is still to be added the same way.
"""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Sizes:
    m1_reps: int
    m1_warmup: int
    m3_cases: tuple[int, ...]
    m3_reps: int
    m3_warmup: int
    m4_pending: int
    m4_due: int
    m4_sweep_reps: int
    profile_cases: int
    m2_handlers: int  # concurrent simulated case handlers over HTTP
    m2_cases_per_handler: int  # measured complete cases per handler
    m2_warmup_cases: int  # complete cases driven (by the handlers together) before measuring


SIZES = {
    "tiny": Sizes(m1_reps=2, m1_warmup=1, m3_cases=(500,), m3_reps=3, m3_warmup=1, m4_pending=1000, m4_due=6,
                  m4_sweep_reps=3, profile_cases=1,
                  m2_handlers=2, m2_cases_per_handler=1, m2_warmup_cases=1),
    "quick": Sizes(m1_reps=7, m1_warmup=2, m3_cases=(10_000,), m3_reps=40, m3_warmup=5, m4_pending=50_000,
                   m4_due=150, m4_sweep_reps=50, profile_cases=5,
                   m2_handlers=8, m2_cases_per_handler=1, m2_warmup_cases=4),
    "full": Sizes(m1_reps=25, m1_warmup=3, m3_cases=(10_000, 100_000, 1_000_000), m3_reps=100, m3_warmup=10,
                  m4_pending=1_000_000, m4_due=10_000, m4_sweep_reps=200, profile_cases=20,
                  m2_handlers=8, m2_cases_per_handler=8, m2_warmup_cases=16),
}


@dataclass
class Context:
    mode: str
    sizes: Sizes
    databases: dict  # dialect -> engine.db.Database
    shared: dict = field(default_factory=dict)  # facts one measurement leaves for a later one
    options: dict = field(default_factory=dict)  # command-line switches (e.g. profile_http)
    log: object = print


# ---- measurement 5 (letters) ---------------------------------------------------------

@dataclass(frozen=True)
class LetterSizes:
    warmup: int  # untimed renders per template first
    reps: int  # timed renders per template (round-robin over the 13 templates)


LETTER_SIZES = {
    "tiny": LetterSizes(warmup=1, reps=3),
    "quick": LetterSizes(warmup=2, reps=20),
    "full": LetterSizes(warmup=5, reps=100),
}
