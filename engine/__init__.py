"""Meldpunt engine: domain services and the workflow runtime. Knows nothing about HTTP."""
