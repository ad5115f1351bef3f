"""Stable reason codes of refusals (issue 21): every code the engine raises is listed with its Dutch text, an unknown
code is a programming error, and the problem+json answer carries the code as ``reden`` next to ``type``."""
from __future__ import annotations

import asyncio
import json
import re
from pathlib import Path

import pytest

from api.problems import domain_error_handler
from engine.cases.legal_rules import LegalRuleViolation
from engine.errors import REASONS, ConflictOfInterest, DomainError

REPO = Path(__file__).resolve().parents[2]


def test_every_reason_code_raised_is_listed_with_dutch_text():
    used = set()
    for path in (REPO / "engine").rglob("*.py"):
        used |= set(re.findall(r'\breason\s*=\s*"([a-z0-9-]+)"', path.read_text(encoding="utf-8")))
    assert used, "no reason codes found"
    assert used <= set(REASONS), sorted(used - set(REASONS))
    assert all(re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", code) and text.strip() for code, text in REASONS.items())


def test_unknown_reason_code_is_refused():
    with pytest.raises(ValueError, match="unknown reason code"):
        DomainError("x", reason="bestaat-niet")


def _body(exc: DomainError) -> dict:
    # in a thread of its own: a browser test before this one may leave an event loop running in this thread
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(1) as pool:
        return json.loads(pool.submit(lambda: asyncio.run(domain_error_handler(None, exc))).result().body)


def test_problem_answer_carries_the_reason_code_next_to_the_type():
    body = _body(LegalRuleViolation("Het besluit mag geen zwaardere of andere straf opleggen.",
                                    reason="zwaardere-straf-dan-voornemen"))
    assert body["type"].endswith("/legal-rule") and body["reden"] == "zwaardere-straf-dan-voornemen"
    assert body["status"] == 422 and body["detail"].startswith("Het besluit")
    assert _body(ConflictOfInterest("Betrokkene.", reason="belangenconflict"))["reden"] == "belangenconflict"
    assert "reden" not in _body(DomainError("Zonder code."))
