"""A RestrictedPython sandbox for every script, condition, timer expression and DMN cell.

Process files come from process owners, so their Python is untrusted. Everything
SpiffWorkflow evaluates or executes goes through ``SandboxEnvironment``, which
compiles the source with RestrictedPython's restricted compiler (attribute access,
item access, iteration and writes are rewritten into guard calls) and runs it with a
small set of safe builtins plus only the engine functions passed in.

``check_script`` / ``check_expression`` are the static checks used at deployment:
they refuse what can be seen in the source (imports, ``open``, ``eval``, names and
attributes starting with ``_``). Whatever only appears at run time (for example an
attribute name built from strings) is stopped by the guards and raises, without
side effects.

Every evaluation runs within bounds (``engine.processes.bounds``): CPU time, wall time,
memory and the size of any one value, set in engine/config.py. A script that goes over
one of them fails its step with ``engine.errors.ScriptLimitExceeded`` (a Dutch incident
message naming the element); the caller's transaction rolls back.
"""
from __future__ import annotations

import ast
import operator
from collections.abc import Callable, Mapping
from functools import lru_cache
from types import CodeType
from typing import Any, Literal

from RestrictedPython import compile_restricted_eval, compile_restricted_exec, safe_builtins
from RestrictedPython.Guards import (
    full_write_guard,
    guarded_iter_unpack_sequence,
    guarded_unpack_sequence,
    safer_getattr,
)
from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.script_engine.python_environment import BasePythonScriptEngineEnvironment
from SpiffWorkflow.exceptions import SpiffWorkflowException

from engine.errors import ScriptLimitExceeded
from engine.processes.bounds import (
    BOUNDED_BUILTINS,
    GUARD_FUNCTIONS,
    INPLACE_GUARDS,
    BoundingTransformer,
    Budget,
    ScriptBudgetExceeded,
    ScriptLimits,
    bound_getattr,
    expanded_size,
)

Mode = Literal["exec", "eval"]

# Builtins for I/O, code execution and introspection. None of them exists in the sandbox;
# refusing them statically tells the process owner at deployment instead of at run time.
FORBIDDEN_NAMES = frozenset({
    "open", "eval", "exec", "compile", "__import__", "globals", "locals", "vars", "dir",
    "type", "object", "super", "breakpoint", "input", "memoryview", "setattr", "delattr", "print",
})


class SandboxError(Exception):
    """Source refused by the sandbox (message in Dutch)."""


_INPLACE_OPERATORS: dict[str, Callable[[Any, Any], Any]] = {
    "+=": operator.iadd, "-=": operator.isub, "*=": operator.imul, "/=": operator.itruediv,
    "//=": operator.ifloordiv, "%=": operator.imod, "**=": operator.ipow,
    "<<=": operator.ilshift, ">>=": operator.irshift, "&=": operator.iand,
    "|=": operator.ior, "^=": operator.ixor,
}


def _inplacevar(op: str, target: Any, value: Any) -> Any:
    return (INPLACE_GUARDS.get(op) or _INPLACE_OPERATORS[op])(target, value)


def _getitem(obj: Any, key: Any) -> Any:
    return obj[key]


def _apply(func: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    return func(*args, **kwargs)


_bounded_getattr = bound_getattr(safer_getattr)


def _build_builtins() -> dict[str, Any]:
    builtins = {name: value for name, value in safe_builtins.items()
                if name not in {"__build_class__", "setattr", "delattr"}}
    builtins.update({
        "dict": dict, "list": list, "tuple": tuple, "set": set, "frozenset": frozenset,
        "sorted": sorted, "reversed": reversed, "enumerate": enumerate, "zip": zip,
        "min": min, "max": max, "sum": sum, "any": any, "all": all,
        "map": map, "filter": filter, "getattr": _bounded_getattr,
    })
    builtins.update(BOUNDED_BUILTINS)
    return builtins


# The guard names RestrictedPython's compiler rewrites code into.
_GUARDS: dict[str, Any] = {
    "__builtins__": _build_builtins(),
    "_getattr_": _bounded_getattr,
    "_getitem_": _getitem,
    "_getiter_": iter,
    "_write_": full_write_guard,
    "_inplacevar_": _inplacevar,
    "_unpack_sequence_": guarded_unpack_sequence,
    "_iter_unpack_sequence_": guarded_iter_unpack_sequence,
    "_apply_": _apply,
    **GUARD_FUNCTIONS,
}


@lru_cache(maxsize=4096)
def compile_sandboxed(source: str, mode: Mode) -> CodeType:
    """Compile with RestrictedPython; cached per (source, mode). Raises SandboxError."""
    compiler = compile_restricted_exec if mode == "exec" else compile_restricted_eval
    result = compiler(source, policy=BoundingTransformer)
    if result.errors or result.code is None:
        raise SandboxError("Niet toegestaan of ongeldig: " + "; ".join(result.errors))
    return result.code


def _static_problem(source: str, mode: Mode) -> str | None:
    try:
        tree = ast.parse(source, mode=mode)
    except SyntaxError as err:
        return f"Syntaxfout op regel {err.lineno}: {dutch_syntax_error(err.msg)}"
    for node in ast.walk(tree):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            return f"Regel {node.lineno}: importeren is niet toegestaan"
        names = _names_in(node)
        for name in names:
            if name.startswith("_"):
                return f"Regel {node.lineno}: de naam '{name}' is niet toegestaan (begint met '_')"
            if name in FORBIDDEN_NAMES:
                return f"Regel {node.lineno}: '{name}' is niet toegestaan"
    try:
        compile_sandboxed(source, mode)
    except SandboxError as err:
        return str(err)
    return None


# Python's own syntax-error messages (English), in Dutch for process owners; anything else gets a general text.
_SYNTAX_MESSAGES = (
    ("forgot a comma", "ongeldige opbouw; ontbreekt er een komma?"),
    ("was never closed", "een haakje is niet gesloten"),
    ("unmatched", "een sluitend haakje zonder openend haakje"),
    ("does not match opening parenthesis", "haakjes passen niet bij elkaar"),
    ("unterminated string", "een tekst tussen aanhalingstekens is niet afgesloten"),
    ("unterminated triple-quoted", "een tekst tussen aanhalingstekens is niet afgesloten"),
    ("unexpected indent", "onverwacht ingesprongen regel"),
    ("expected an indented block", "na de dubbele punt hoort een ingesprongen regel"),
    ("unindent does not match", "de inspringing klopt niet"),
    ("expected ':'", "hier hoort een dubbele punt (:)"),
    ("cannot assign to", "hier kan geen waarde aan worden toegekend (bedoelt u == in plaats van =?)"),
    ("invalid syntax. Maybe you meant '==' or ':='", "ongeldige opbouw; bedoelt u == in plaats van =?"),
    ("leading zeros", "een getal mag niet met een 0 beginnen"),
    ("invalid character", "een teken dat in Python niet mag (bijvoorbeeld een typografisch aanhalingsteken)"),
    ("invalid decimal literal", "een getal direct gevolgd door letters (bijvoorbeeld 14D: bedoelt u \"P14D\"?)"),
    ("unexpected EOF", "de expressie houdt te vroeg op"),
)


def dutch_syntax_error(message: str) -> str:
    """A Dutch description of Python's syntax-error message."""
    for fragment, dutch in _SYNTAX_MESSAGES:
        if fragment in (message or ""):
            return dutch
    return "ongeldige opbouw (geen geldige Python)"


def _names_in(node: ast.AST) -> list[str]:
    if isinstance(node, ast.Name):
        return [node.id]
    if isinstance(node, ast.Attribute):
        return [node.attr]
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return [node.name]
    if isinstance(node, ast.arg):
        return [node.arg]
    if isinstance(node, ast.keyword) and node.arg:
        return [node.arg]
    if isinstance(node, (ast.Global, ast.Nonlocal)):
        return list(node.names)
    return []


def check_script(source: str) -> str | None:
    """Dutch reason why ``source`` (statements) is refused, or None when it is acceptable."""
    return _static_problem(source, "exec")


def check_expression(source: str) -> str | None:
    """Dutch reason why ``source`` (one expression) is refused, or None when it is acceptable."""
    return _static_problem(source, "eval")


class SandboxEnvironment(BasePythonScriptEngineEnvironment):
    """Evaluates and executes restricted code over task data.

    Task data forms the scope; external context (e.g. DMN's input value) and the
    engine functions are laid over it, and the guards last so data can never
    replace them. After a script, every non-callable value it left behind becomes
    the new task data, as with SpiffWorkflow's default environment (deletions
    included); data named like an engine function is kept as it was (the default
    environment refuses such data instead). A script that raises changes nothing
    at the top level of the task data.

    The sandbox sits in the environment, not only in the engine's ``evaluate``/
    ``execute``, because SpiffWorkflow also calls ``script_engine.environment.evaluate``
    directly (process completion conditions, message correlations).
    """

    def __init__(self, functions: Mapping[str, Callable[..., Any]], limits: ScriptLimits | None = None):
        super().__init__(dict(functions))
        self.limits = limits or ScriptLimits.from_settings()

    def _overlay(self, external: Mapping[str, Any] | None) -> dict[str, Any]:
        return {**(external or {}), **self.globals, **_GUARDS}

    def evaluate(self, expression: str, context: dict[str, Any],
                 external_context: Mapping[str, Any] | None = None) -> Any:
        code = compile_sandboxed(expression, "eval")
        with Budget(self.limits) as budget:
            result = eval(code, {**context, **self._overlay(external_context), "_tick_": budget.tick})
            if budget.exceeded is not None:  # caught by the expression itself
                raise budget.exceeded
            return result

    def execute(self, script: str, context: dict[str, Any],
                external_context: Mapping[str, Any] | None = None) -> bool:
        code = compile_sandboxed(script, "exec")
        overlay = self._overlay(external_context)
        with Budget(self.limits) as budget:
            overlay["_tick_"] = budget.tick
            scope = {**context, **overlay}
            exec(code, scope)
            if budget.exceeded is not None:  # caught by the script itself
                raise budget.exceeded
        result: dict[str, Any] = {}
        for name, value in scope.items():
            if name in overlay and overlay[name] is value:
                if name in context:  # data hidden by a function or guard stays as it was
                    result[name] = context[name]
            elif not callable(value):
                if context.get(name) is not value and \
                        expanded_size(value, self.limits.max_size) > self.limits.max_size:
                    raise ScriptBudgetExceeded("size", self.limits, name)
                result[name] = value
        context.clear()
        context.update(result)
        return True

    def call_service(self, context: dict[str, Any], **kwargs: Any) -> Any:
        raise SandboxError("Servicetaken worden niet ondersteund")


class SandboxedScriptEngine(PythonScriptEngine):
    """SpiffWorkflow script engine whose every script and expression runs in the sandbox."""

    def __init__(self, functions: Mapping[str, Callable[..., Any]] | None = None,
                 limits: ScriptLimits | None = None):
        super().__init__(environment=SandboxEnvironment(functions or {}, limits))

    def evaluate(self, task: Any, expression: str, external_context: Any = None) -> Any:
        try:
            return self.environment.evaluate(expression, task.data, external_context)
        except ScriptBudgetExceeded as exc:
            raise ScriptLimitExceeded(exc.dutch(f"Expressie in '{_element(task)}'")) from None
        except SpiffWorkflowException as exc:  # as SpiffWorkflow's engine wraps errors
            exc.add_note(f"Error evaluating expression '{expression}'")
            raise
        except Exception as exc:
            raise WorkflowTaskException(f"Error evaluating expression '{expression}'", task=task,
                                        exception=exc) from exc

    def execute(self, task: Any, script: str, external_context: Any = None) -> bool:
        try:
            return self.environment.execute(script, task.data, external_context or {})
        except ScriptBudgetExceeded as exc:
            raise ScriptLimitExceeded(exc.dutch(f"Script in '{_element(task)}'")) from None
        except Exception as exc:
            raise self.create_task_exec_exception(task, script, exc) from exc


def _element(task: Any) -> str:
    spec = task.task_spec
    return getattr(spec, "bpmn_name", None) or getattr(spec, "bpmn_id", None) or spec.name
