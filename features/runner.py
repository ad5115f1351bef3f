"""The tester's command underneath: choose scenarios exactly, run them with pytest, report in Dutch.

``meldpunt scenarios`` (cli/scenarios.py) calls :func:`run`. A selection is a set of (feature file,
scenario name) pairs, worked out from the feature files themselves (by path, exact scenario name or tag),
never from a substring of a test name, so ``l1`` never also runs ``l10``.
"""
from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent


class SelectionError(Exception):
    """A path, name or tag that selects nothing; the message is Dutch and meant for the tester."""


@dataclass(frozen=True)
class ScenarioRef:
    path: Path  # absolute path of the feature file
    name: str
    line: int
    tags: frozenset[str]

    @property
    def key(self) -> tuple[str, str]:
        return (str(self.path), self.name)


def _rel(path: Path) -> str:
    try:
        return str(path.relative_to(REPO))
    except ValueError:
        return str(path)


def load(directory: Path = HERE) -> list[ScenarioRef]:
    """Every scenario of every feature file under ``directory``, in file and line order."""
    from pytest_bdd.parser import FeatureParser

    out = []
    for path in sorted(directory.rglob("*.feature")):
        feature = FeatureParser(basedir=str(path.parent), filename=path.name).parse()
        for scenario in feature.scenarios.values():
            tags = frozenset(set(feature.tags) | set(scenario.tags))
            out.append(ScenarioRef(path=path.resolve(), name=scenario.name, line=scenario.line_number, tags=tags))
    return out


def _nearest(word: str, choices: list[str], limit: int = 3, cutoff: float = 0) -> list[str]:
    from rapidfuzz import fuzz, process, utils

    return [c for c, _, _ in process.extract(word, choices, scorer=fuzz.WRatio, processor=utils.default_process,
                                             limit=limit, score_cutoff=cutoff)]


def select(arguments: list[str], directory: Path = HERE, cwd: Path | None = None) -> list[ScenarioRef]:
    """The scenarios meant by ``arguments`` (all when empty): a path to a .feature file, ``@tag`` or an exact
    scenario name (a feature file's name without ``.feature`` also works). Raises :class:`SelectionError`."""
    every = load(directory)
    if not arguments:
        return every
    cwd = cwd or Path.cwd()
    chosen: dict[tuple[str, str], ScenarioRef] = {}
    files = sorted({s.path for s in every})
    for arg in arguments:
        text = arg.strip()
        if text.startswith("@"):
            tag = text[1:]
            found = [s for s in every if tag in s.tags]
            if not found:
                known = sorted({t for s in every for t in s.tags})
                raise SelectionError(f"Geen scenario heeft de tag '@{tag}'."
                                     + (f" Bekende tags: {', '.join('@' + t for t in known)}." if known
                                        else " Er zijn nog geen tags in de scenario's."))
        elif text.endswith(".feature") or "/" in text or os.sep in text:
            candidates = [Path(text) if Path(text).is_absolute() else cwd / text, directory / text,
                          directory / Path(text).name]
            path = next((c.resolve() for c in candidates if c.is_file()), None)
            if path is None:
                near = _nearest(Path(text).name, [f.name for f in files], cutoff=70)
                raise SelectionError(f"Het bestand '{text}' bestaat niet."
                                     + (f" Bedoelt u: {', '.join(near)}?" if near else "")
                                     + f"\nAlle scenariobestanden: {', '.join(_rel(f) for f in files)}")
            if path not in files:
                raise SelectionError(f"'{text}' is geen scenariobestand onder {_rel(directory)}/ "
                                     f"(zet het bestand in die map; daar worden de stappen gevonden).")
            found = [s for s in every if s.path == path]
        else:
            found = [s for s in every if s.name == text]
            if not found:
                found = [s for s in every if s.path.stem == text]
            if not found:
                raise SelectionError(
                    f"Er is geen scenario dat precies '{text}' heet (en geen bestand '{text}.feature').\n"
                    "Bedoelt u een van deze?\n"
                    + "\n".join(f"  - {n}" for n in _nearest(text, sorted({s.name for s in every})))
                    + "\nSchrijf de naam precies zoals na 'Scenario:' in het bestand, tussen aanhalingstekens.")
        for s in found:
            chosen.setdefault(s.key, s)
    return [s for s in every if s.key in chosen]


# ---------------------------------------------------------------- the pytest plugin

RESULT = {"passed": "geslaagd", "failed": "MISLUKT", "skipped": "overgeslagen"}
UNKNOWN = "ONBEKENDE ZIN"  # a sentence no step reads: the scenario says nothing yet (exit code 2, not 1)


@dataclass
class Outcome:
    file: str
    scenario: str
    example: str = ""
    result: str = "niet gedraaid"
    step: str = ""
    message: str = ""
    path: str = ""  # absolute path of the feature file
    tags: frozenset = frozenset()
    evidence: object = None  # features.evidence.Evidence, with --rapport


@dataclass(eq=False)
class ScenarioPlugin:
    """Keeps the chosen scenarios, writes a Dutch line per scenario and collects the outcomes."""

    wanted: set[tuple[str, str]]
    out: object = field(default=sys.stdout)
    tags: dict[tuple[str, str], frozenset] = field(default_factory=dict)
    evidence_dir: Path | None = None
    outcomes: dict[str, Outcome] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)

    def pytest_collection_modifyitems(self, config, items):
        from pytest_bdd.scenario import scenario_wrapper_template_registry

        keep, drop = [], []
        for item in items:
            template = scenario_wrapper_template_registry.get(getattr(item, "obj", None))
            key = (str(Path(template.feature.filename).resolve()), template.name) if template else None
            if key in self.wanted:
                keep.append(item)
                example = item.callspec.id if hasattr(item, "callspec") else ""
                self.outcomes[item.nodeid] = Outcome(_rel(Path(key[0])), template.name, example, path=key[0],
                                                     tags=self.tags.get(key, frozenset()))
            else:
                drop.append(item)
        if drop:
            config.hook.pytest_deselected(items=drop)
        items[:] = keep

    def pytest_collectreport(self, report):
        if report.failed:
            self.errors.append(f"Fout bij het inlezen van {report.nodeid or 'de scenario’s'}:\n{report.longreprtext}")

    def pytest_bdd_step_error(self, request, feature, scenario, step, step_func, step_func_args, exception):
        outcome = self.outcomes.get(request.node.nodeid)
        if outcome is not None:
            outcome.step = f"regel {step.line_number}: {step.keyword} {step.name}"

    def pytest_bdd_after_scenario(self, request, feature, scenario):
        outcome = self.outcomes.get(request.node.nodeid)
        if outcome is not None and self.evidence_dir is not None:
            from features import evidence

            number = list(self.outcomes).index(request.node.nodeid) + 1
            outcome.evidence = evidence.collect(request, self.evidence_dir, number)

    def pytest_runtest_logreport(self, report):
        outcome = self.outcomes.get(report.nodeid)
        if outcome is None:
            return
        if report.failed:
            outcome.result = UNKNOWN if getattr(report, "onbekende_zin", False) else "MISLUKT"
            if not outcome.message:
                crash = getattr(report.longrepr, "reprcrash", None)
                outcome.message = _clean(crash.message if crash else report.longreprtext)
        elif outcome.result not in ("MISLUKT", UNKNOWN) and (report.when == "call" or report.skipped):
            outcome.result = RESULT.get(report.outcome, report.outcome)
        if report.when == "teardown":
            label = f"{outcome.scenario}" + (f" [{outcome.example}]" if outcome.example else "")
            print(f"  {outcome.result:<12} {outcome.file}: {label}", file=self.out, flush=True)


def _clean(message: str) -> str:
    for prefix in ("AssertionError: ", "features.runner.", "features.conftest."):
        message = message.replace(prefix, "")
    return message.strip()


def table(outcomes: list[Outcome]) -> str:
    rows = [("scenario", "bestand", "resultaat")] + [
        (o.scenario + (f" [{o.example}]" if o.example else ""), o.file, o.result) for o in outcomes]
    widths = [max(len(r[i]) for r in rows) for i in range(3)]
    line = lambda r: "| " + " | ".join(c.ljust(w) for c, w in zip(r, widths)) + " |"  # noqa: E731
    return "\n".join([line(rows[0]), "|" + "|".join("-" * (w + 2) for w in widths) + "|"] + [line(r) for r in rows[1:]])


def run(selection: list[ScenarioRef], *, pytest_output: bool = False, out=sys.stdout,
        report: Path | None = None, every: list[ScenarioRef] | None = None,
        collect: list[Outcome] | None = None) -> int:
    """Run the chosen scenarios; prints progress, failures and a summary table in Dutch. Returns the exit code
    (0: all passed, 1: a scenario failed, 2: a scenario has a sentence no step reads (a usage error, like a wrong
    path or tag; it wins over 1), 3: the scenarios could not be run). With ``report`` (a folder): also
    the evidence report per law article (features/evidence.py) with the letters produced."""
    import pytest

    if report is not None:
        import shutil
        report = Path(report).resolve()
        shutil.rmtree(report / "brieven", ignore_errors=True)  # only evidence of this run
        report.mkdir(parents=True, exist_ok=True)
    plugin = ScenarioPlugin(wanted={s.key for s in selection}, out=out, tags={s.key: s.tags for s in selection},
                            evidence_dir=report)
    args = [str(HERE), "--rootdir", str(REPO), "-p", "no:cacheprovider", "-p", "no:randomly",
            "-o", "addopts=", "--strict-markers"]
    args += ["-q", "--tb=short", "-W", "ignore::DeprecationWarning"] if pytest_output else ["-p", "no:terminal", "-W", "ignore"]
    n = len(selection)
    noun = "scenario" if n == 1 else "scenario's"
    database = "PostgreSQL" if os.environ.get("MELDPUNT_TEST_DATABASE_URL", "").startswith("postgresql") else "SQLite"
    print(f"{n} {noun} gekozen (database: {database}); elk voorbeeld van een Abstract Scenario telt apart.",
          file=out, flush=True)
    from features import evidence

    for warning in evidence.unknown_tag_warnings(selection):
        print(warning, file=out, flush=True)
    code = pytest.main(args, plugins=[plugin])
    outcomes = list(plugin.outcomes.values())
    if collect is not None:  # the caller wants the outcomes themselves (a rehearsal of a draft)
        collect.extend(outcomes)
    for error in plugin.errors:
        print("\n" + error, file=out)
    unknown = [o for o in outcomes if o.result == UNKNOWN]
    if unknown:
        print("\nScenario's met een onbekende zin (geen stap uit de stappencatalogus past; het scenario is niet "
              "uitgevoerd na die zin):", file=out)
        for o in unknown:
            print(f"\n* {o.file}: {o.scenario}" + (f" [{o.example}]" if o.example else ""), file=out)
            print("  " + o.message.strip().replace("\n", "\n  "), file=out)
    failed = [o for o in outcomes if o.result == "MISLUKT"]
    if failed:
        print("\nMislukte scenario's:", file=out)
        for o in failed:
            print(f"\n* {o.file}: {o.scenario}" + (f" [{o.example}]" if o.example else ""), file=out)
            if o.step:
                print(f"  stap {o.step}", file=out)
            print("  " + o.message.replace("\n", "\n  "), file=out)
    print("\nSamenvatting:\n" + table(outcomes), file=out)
    counts = {label: sum(o.result == label for o in outcomes)
              for label in ("geslaagd", "MISLUKT", "overgeslagen", UNKNOWN)}
    print(f"\n{counts['geslaagd']} geslaagd, {counts['MISLUKT']} mislukt"
          + (f", {counts['overgeslagen']} overgeslagen" if counts["overgeslagen"] else "")
          + (f", {counts[UNKNOWN]} met een onbekende zin" if counts[UNKNOWN] else ""), file=out, flush=True)
    if report is not None:
        from features import evidence

        evidence.write(report, evidence.build(outcomes, every if every is not None else load(), {s.key for s in selection}))
        print(f"\nBewijsrapport: {_rel(report / 'rapport.html')} (en rapport.json, brieven in {_rel(report / 'brieven')})",
              file=out, flush=True)
    if plugin.errors or int(code) not in (0, 1):
        return 3
    if unknown:
        print("\nUitgangscode 2: verbeter eerst de onbekende zin(nen) hierboven.", file=out, flush=True)
        return 2
    return 1 if failed else 0
