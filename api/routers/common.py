"""Shared bits of the case-work routers: OpenAPI error responses, pagination caps, helpers."""
from __future__ import annotations

from engine.identity.access import reporter_pseudonym

PROBLEM = {"content": {"application/problem+json": {}}}


def errors(*codes: int) -> dict:
    labels = {400: "Ongeldig verzoek", 401: "Niet aangemeld", 403: "Geen toegang", 404: "Niet gevonden",
              409: "Conflict", 413: "Verzoek te groot", 415: "Niet-ondersteund formaat", 422: "Ongeldige gegevens",
              429: "Te veel pogingen"}
    return {c: {"description": labels.get(c, "Fout"), **PROBLEM} for c in codes}


MAX_LIMIT = 200


pseudonym = reporter_pseudonym  # one pseudonym for API and web pages (engine.identity.access)
