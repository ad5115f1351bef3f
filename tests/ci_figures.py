"""Figures a test wants in the CI log, also under pytest-xdist (loaded with ``-p tests.ci_figures``).

A test calls ``record_property(KEY, text)``; the report carries it from the xdist worker to the
controller, which prints every such text in the terminal summary ("figures" section).
"""
from __future__ import annotations

KEY = "ci_figures"
_figures: list[str] = []


def pytest_runtest_logreport(report) -> None:
    if report.when == "call":
        _figures.extend(str(value) for name, value in report.user_properties if name == KEY)


def pytest_terminal_summary(terminalreporter) -> None:
    if _figures:
        terminalreporter.section("figures")
        for text in _figures:
            terminalreporter.write_line(text)
