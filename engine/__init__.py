"""Meldpunt engine: domain services and the workflow runtime. Knows nothing about HTTP.

Importing any part of the engine registers every mapped model (``engine.models.MODEL_MODULES``):
SQLAlchemy resolves foreign keys and relationships by name across the whole metadata, so no entry
point (CLI, server, timer worker, bench) may depend on what else it happened to import.
"""
from engine.models import import_all as _import_all

_import_all()
