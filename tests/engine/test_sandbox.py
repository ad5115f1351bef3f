"""The RestrictedPython sandbox: attacks are refused statically or fail without effect; normal code works."""
from __future__ import annotations

import shutil
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from SpiffWorkflow.util.task import TaskState

from engine.errors import ProcessValidationError
from engine.processes.sandbox import (
    SandboxedScriptEngine,
    SandboxEnvironment,
    SandboxError,
    check_expression,
    check_script,
    compile_sandboxed,
)
from engine.processes.validation import parse_process_set, read_process_dir

FIXTURE = Path(__file__).parent.parent / "fixtures" / "processes" / "minimal"
BPMN = "testproces.bpmn"
SCRIPT = '<bpmn:script>prioriteit = "hoog" if bedrag &gt;= 10000 else "normaal"</bpmn:script>'
CONDITION = 'voorgestelde_route != "geen_onderzoek" and len([c for c in categorie if c.isalpha()]) &gt; 0'

ATTACKS = [
    "__import__('os').system('true')",
    "open('/etc/passwd').read()",
    "().__class__.__mro__[1].__subclasses__()",
]

# Reaches os.system through object's subclasses using only names built at run time.
RUNTIME_ESCAPE = """stap = 1
u = "_" + "_"
basis = getattr(getattr((), u + "class" + u), u + "base" + u)
for sub in getattr(basis, u + "subclasses" + u)():
    if getattr(sub, u + "name" + u) == "_wrap_close":
        getattr(getattr(sub, u + "init" + u), u + "globals" + u)["system"]("touch " + doelpad)
"""

FUNCTIONS = {
    "vandaag": lambda: date(2026, 3, 2),
    "termijn": lambda days: f"P{days}D",
    "dagen": lambda n: timedelta(days=n),
}


@pytest.fixture
def process_dir(tmp_path: Path) -> Path:
    target = tmp_path / "processes"
    shutil.copytree(FIXTURE, target)
    # the data these tests give the first task is in its form (the check refuses a script reading a name no form
    # or script produces)
    form = target / "forms" / "registreren.json"
    form.write_text(form.read_text(encoding="utf-8").replace(
        '"bedrag": {"type": "integer", "minimum": 0}',
        '"bedrag": {"type": "integer", "minimum": 0}, "bedragen": {"type": "array"}, "doelpad": {"type": "string"}'),
        encoding="utf-8")
    return target


def replace(directory: Path, old: str, new: str) -> None:
    path = directory / BPMN
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def start(directory: Path, engine: PythonScriptEngine | None = None) -> BpmnWorkflow:
    parsed = parse_process_set(read_process_dir(directory), functions=FUNCTIONS)
    workflow = BpmnWorkflow(parsed.spec, parsed.subprocess_specs,
                            script_engine=engine or SandboxedScriptEngine(FUNCTIONS))
    workflow.do_engine_steps()
    return workflow


def complete(workflow: BpmnWorkflow, element_id: str, **data) -> None:
    [task] = [t for t in workflow.get_tasks(state=TaskState.READY, manual=True)
              if t.task_spec.bpmn_id == element_id]
    task.set_data(**data)
    task.run()
    workflow.do_engine_steps()


def ready_ids(workflow: BpmnWorkflow) -> list[str]:
    return [t.task_spec.bpmn_id for t in workflow.get_tasks(state=TaskState.READY, manual=True)]


# -- refused statically ------------------------------------------------------------------


@pytest.mark.parametrize("attack", ATTACKS)
def test_attack_in_script_task_is_refused_at_deployment(process_dir: Path, attack: str) -> None:
    replace(process_dir, SCRIPT, f"<bpmn:script>x = {attack}</bpmn:script>")
    with pytest.raises(ProcessValidationError) as caught:
        parse_process_set(read_process_dir(process_dir))
    [issue] = caught.value.issues
    assert (issue.file, issue.element_id) == (BPMN, "prioriteit_bepalen")
    assert "niet toegestaan" in issue.message


@pytest.mark.parametrize("attack", ATTACKS)
def test_attack_in_gateway_condition_is_refused_at_deployment(process_dir: Path, attack: str) -> None:
    replace(process_dir, CONDITION, f"bool({attack})")
    with pytest.raises(ProcessValidationError) as caught:
        parse_process_set(read_process_dir(process_dir))
    [issue] = caught.value.issues
    assert (issue.file, issue.element_id) == (BPMN, "f_beoordelen")
    assert "niet toegestaan" in issue.message


@pytest.mark.parametrize("source", [
    "import os", "from os import path", "x = eval('1')", "exec('x = 1')", "compile('1', 'f', 'eval')",
    "globals()", "x = type(1)", "x.__globals__", "def _f(): pass", "print(1)",
])
def test_check_script_refuses_with_a_dutch_reason(source: str) -> None:
    assert "niet toegestaan" in check_script(source)


def test_check_helpers_accept_normal_code_and_report_syntax_errors() -> None:
    assert check_script("totaal = sum(b['bedrag'] for b in regels)\nx = {k: v for k, v in d.items()}") is None
    assert check_expression("bedrag >= 10000 and categorie in ('fraude', 'diefstal')") is None
    assert check_expression("x = 1").startswith("Syntaxfout")
    assert check_script("if:").startswith("Syntaxfout")


# -- fails at run time without effect ------------------------------------------------------


def test_runtime_escape_is_real_without_the_sandbox(process_dir: Path, tmp_path: Path) -> None:
    """Control: the same script does escape with SpiffWorkflow's default engine."""
    target = tmp_path / "ontsnapt"
    replace(process_dir, SCRIPT, f"<bpmn:script>{RUNTIME_ESCAPE}</bpmn:script>")
    workflow = start(process_dir, PythonScriptEngine())
    complete(workflow, "registreren", categorie="fraude", bedrag=1, doelpad=str(target))
    assert target.exists()


def test_runtime_escape_fails_without_effect_in_the_sandbox(process_dir: Path, tmp_path: Path) -> None:
    target = tmp_path / "ontsnapt"
    replace(process_dir, SCRIPT, f"<bpmn:script>{RUNTIME_ESCAPE}</bpmn:script>")
    workflow = start(process_dir)  # passes deployment: nothing is visible statically
    with pytest.raises(WorkflowTaskException) as caught:
        complete(workflow, "registreren", categorie="fraude", bedrag=1, doelpad=str(target))
    assert "__class__" in str(caught.value.__cause__ or caught.value)
    assert not target.exists()
    [script_task] = [t for t in workflow.get_tasks() if t.task_spec.bpmn_id == "prioriteit_bepalen"]
    assert script_task.state == TaskState.ERROR
    assert "stap" not in script_task.data  # the lines before the failure left nothing behind


@pytest.mark.parametrize("source, error", [
    ("__import__('os').system('touch ' + doelpad)", SandboxError),
    ("open(doelpad, 'w').write('x')", NameError),
    ("getattr(doelpad, '_' + '_class__')", AttributeError),
    ("'{0._' '_class__}'.format(doelpad)", NotImplementedError),
    ("doelpad.upper.__self__", SandboxError),
])
def test_unchecked_code_fails_at_run_time_without_effect(tmp_path: Path, source: str,
                                                         error: type[Exception]) -> None:
    """The run-time layer holds on its own, even for code that skipped the static check."""
    target = tmp_path / "ontsnapt"
    environment = SandboxEnvironment({})
    data = {"doelpad": str(target)}
    with pytest.raises(error):
        environment.execute(f"stap = 1\nresultaat = {source}", data)
    with pytest.raises(error):
        environment.evaluate(source, data)
    assert data == {"doelpad": str(target)}
    assert not target.exists()


def test_attribute_assignment_on_objects_is_refused_at_run_time() -> None:
    environment = SandboxEnvironment({"vandaag": FUNCTIONS["vandaag"]})
    with pytest.raises(TypeError):
        environment.execute("vandaag.x = 1", {})


# -- normal code works ------------------------------------------------------------------------


def test_normal_script_runs_and_sets_task_data(process_dir: Path) -> None:
    script = """regels = [{"bedrag": b, "soort": s} for b, s in bedragen]
totaal = 0
for regel in regels:
    totaal += regel["bedrag"]
per_soort = {}
for regel in regels:
    per_soort[regel["soort"]] = per_soort.get(regel["soort"], 0) + regel["bedrag"]
grootste = max(r["bedrag"] for r in regels)
gesorteerd = sorted(per_soort, key=lambda s: -per_soort[s])
alle_positief = all(r["bedrag"] &gt; 0 for r in regels) and not any(r["bedrag"] &gt; 10 ** 6 for r in regels)
datum_melding = vandaag().isoformat()
einddatum = (vandaag() + dagen(14)).isoformat()
weekdag = (vandaag() + dagen(5)).weekday()
tijdelijk = [1, 2]
del tijdelijk
prioriteit = "hoog" if totaal &gt;= 10000 else "normaal"
"""
    replace(process_dir, SCRIPT, f"<bpmn:script>{script}</bpmn:script>")
    workflow = start(process_dir)
    complete(workflow, "registreren", categorie="fraude", bedrag=20000,
             bedragen=[[9000, "reis"], [3000, "hotel"], [500, "reis"]])

    data = workflow.get_tasks(state=TaskState.READY, manual=True)[0].data
    assert data["totaal"] == 12500 and data["grootste"] == 9000
    assert data["per_soort"] == {"reis": 9500, "hotel": 3000}
    assert data["gesorteerd"] == ["reis", "hotel"]
    assert data["alle_positief"] is True
    assert data["datum_melding"] == "2026-03-02" and data["einddatum"] == "2026-03-16"
    assert data["weekdag"] == 5
    assert data["prioriteit"] == "hoog"
    assert "tijdelijk" not in data and "vandaag" not in data and not any(k.startswith("_") for k in data)
    assert ready_ids(workflow) == ["beoordelen"]


def test_task_data_round_trips_through_the_serializer(process_dir: Path) -> None:
    workflow = start(process_dir)
    complete(workflow, "registreren", categorie="fraude", bedrag=20000)
    serializer = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(SPIFF_CONFIG))
    restored = serializer.deserialize_json(serializer.serialize_json(workflow))
    restored.script_engine = SandboxedScriptEngine(FUNCTIONS)
    [task] = restored.get_tasks(state=TaskState.READY, manual=True)
    assert task.data == {"categorie": "fraude", "bedrag": 20000, "geregistreerd": True,
                         "prioriteit": "hoog", "voorgestelde_route": "feitenonderzoek"}
    complete(restored, "beoordelen", route="vooronderzoek")
    assert restored.is_completed()


def test_data_named_like_an_engine_function_is_kept() -> None:
    environment = SandboxEnvironment({"vandaag": FUNCTIONS["vandaag"]})
    data = {"vandaag": "maandag", "n": 1}
    environment.execute("n += 1\ndatum = vandaag().isoformat()", data)
    assert data == {"vandaag": "maandag", "n": 2, "datum": "2026-03-02"}


def test_dmn_table_evaluates_through_the_sandbox(process_dir: Path) -> None:
    engine = SandboxedScriptEngine(FUNCTIONS)
    evaluated: list[str] = []
    original = engine.environment.evaluate

    def recording(expression, context, external_context=None):
        evaluated.append(expression)
        return original(expression, context, external_context)

    engine.environment.evaluate = recording
    workflow = start(process_dir, engine)
    complete(workflow, "registreren", categorie="ongewenst_gedrag", bedrag=0)

    assert '(categorie) == ("ongewenst_gedrag")' in evaluated  # an input cell
    assert '"vertrouwenspersoon"' in evaluated  # an output cell
    [task] = workflow.get_tasks(state=TaskState.READY, manual=True)
    assert task.data["voorgestelde_route"] == "vertrouwenspersoon"

    workflow = start(process_dir, engine)
    complete(workflow, "registreren", categorie="overig", bedrag=0)
    assert workflow.is_completed()  # geen_onderzoek: the gateway took the default flow


def test_dmn_cell_attack_fails_at_run_time(process_dir: Path) -> None:
    dmn = process_dir / "route.dmn"
    dmn.write_text(dmn.read_text().replace('<text>"vertrouwenspersoon"</text>',
                                           "<text>getattr(categorie, '_' + '_class__')</text>"))
    workflow = start(process_dir)
    with pytest.raises(WorkflowTaskException):
        complete(workflow, "registreren", categorie="ongewenst_gedrag", bedrag=0)


def test_timer_expression_calls_an_engine_function_in_the_sandbox(process_dir: Path, clock) -> None:
    replace(process_dir, '<bpmn:timeDuration>"P14D"</bpmn:timeDuration>',
            "<bpmn:timeDuration>termijn(3)</bpmn:timeDuration>")
    workflow = start(process_dir)
    [event] = workflow.waiting_events()
    assert datetime.fromisoformat(event.value) == clock.now() + timedelta(days=3)


def test_compiled_code_is_cached_by_source() -> None:
    source = "antwoord = 6 * 7"
    first = compile_sandboxed(source, "exec")
    assert compile_sandboxed(source, "exec") is first
