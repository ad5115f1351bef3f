"""Pydantic request/response schemas. Every request schema forbids unknown fields."""
from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Strict(BaseModel):
    """Base for request and response bodies: unknown fields are refused."""

    model_config = ConfigDict(extra="forbid")
