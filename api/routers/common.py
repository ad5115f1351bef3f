"""Shared bits of the case-work routers: OpenAPI error responses, pagination caps, helpers."""
from __future__ import annotations

import hashlib

PROBLEM = {"content": {"application/problem+json": {}}}


def errors(*codes: int) -> dict:
    labels = {400: "Ongeldig verzoek", 401: "Niet aangemeld", 403: "Geen toegang", 404: "Niet gevonden",
              409: "Conflict", 413: "Verzoek te groot", 415: "Niet-ondersteund formaat", 422: "Ongeldige gegevens",
              429: "Te veel pogingen"}
    return {c: {"description": labels.get(c, "Fout"), **PROBLEM} for c in codes}


MAX_LIMIT = 200


def pseudonym(case_id: int) -> str:
    """A stable pseudonym per case, e.g. 'Melder A-1234' (no information about the person)."""
    n = int.from_bytes(hashlib.sha256(f"meldpunt-pseudoniem:{case_id}".encode()).digest()[:4], "big") % 10000
    return f"Melder A-{n:04d}"
