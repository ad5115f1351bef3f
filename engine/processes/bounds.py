"""Bounds on the CPU time, wall time and memory of one script or expression in the sandbox.

A thread cannot be stopped from outside in CPython, so the bound comes from inside the
code: the sandbox compiler (``BoundingTransformer``) makes every loop iteration, every
comprehension item and every call of a function defined in the script call ``_tick_()``,
and rewrites ``+ * ** << %`` into guard calls. A tick is cheap (one monotonic clock read);
the thread's CPU time and the process's resident memory are only read once the script has
run for ``CHECK_INTERVAL`` seconds, so ordinary scripts (microseconds) never pay for them.

What cannot be interrupted is a single operation running in C. Those are kept small
before they start: ``'a' * 10**10``, ``10 ** (10**7)``, ``1 << 10**10``, ``range(10**12)``,
``sep.join(...)``, ``s.replace(...)``, ``s.ljust(10**10)``, ``'%0999999999d' % 1``,
``list.extend`` and friends are refused when their result would exceed ``max_size``
characters/elements (integers: bits), and ``map``/``filter`` tick per item.

A bound that is hit is sticky: every later tick raises again, so a script that catches the
exception (``try: ... except: pass``) cannot carry on, and the environment checks the budget
once more after the script returned.
"""
from __future__ import annotations

import ast
import os
import re
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from time import perf_counter, thread_time
from typing import Any

from RestrictedPython import RestrictingNodeTransformer

CHECK_INTERVAL = 0.01  # seconds of wall time between reads of CPU time and memory


@dataclass(frozen=True)
class ScriptLimits:
    """Bounds per evaluation of one script or expression (see engine/config.py)."""

    cpu_ms: int = 1000
    wall_ms: int = 5000
    max_size: int = 1_000_000
    memory_mb: int = 256

    @classmethod
    def from_settings(cls) -> ScriptLimits:
        from engine.config import get_settings

        s = get_settings()
        return cls(cpu_ms=s.script_cpu_ms, wall_ms=s.script_wall_ms, max_size=s.script_max_size,
                   memory_mb=s.script_memory_mb)


class ScriptBudgetExceeded(Exception):
    """A script went over one of its bounds. ``kind``: cpu | wall | size | memory."""

    def __init__(self, kind: str, limits: ScriptLimits, what: str = ""):
        super().__init__(kind, what)
        self.kind, self.limits, self.what = kind, limits, what

    def dutch(self, where: str) -> str:
        """The incident message for process owners, e.g. "Script in 'X' duurde te lang …"."""
        lim = self.limits
        if self.kind == "cpu":
            return f"{where} duurde te lang (meer dan {lim.cpu_ms} ms rekentijd) en is afgebroken"
        if self.kind == "wall":
            return f"{where} duurde te lang (meer dan {lim.wall_ms} ms) en is afgebroken"
        if self.kind == "memory":
            return f"{where} gebruikte te veel geheugen (meer dan {lim.memory_mb} MB) en is afgebroken"
        size = f"{lim.max_size:,}".replace(",", ".")
        return (f"{where} maakte een te grote waarde ({self.what}: meer dan {size} tekens, "
                f"elementen of bits) en is afgebroken")


# -- the running budget -------------------------------------------------------------------

_current = threading.local()


def _rss_reader() -> Callable[[], int] | None:
    try:
        fd = os.open("/proc/self/statm", os.O_RDONLY)
    except OSError:  # not Linux: the size guards remain, the memory sampling does not
        return None
    page = os.sysconf("SC_PAGE_SIZE")
    return lambda: int(os.pread(fd, 64, 0).split()[1]) * page


_rss = _rss_reader()


class Budget:
    """The bounds of one evaluation; ``tick`` is what the compiled code calls."""

    __slots__ = ("limits", "start", "next_check", "cpu0", "cpu_before", "rss0", "exceeded", "_previous")

    def __init__(self, limits: ScriptLimits):
        self.limits = limits
        self.start = perf_counter()
        self.next_check = self.start + CHECK_INTERVAL
        self.cpu0: float | None = None
        self.cpu_before = 0.0
        self.rss0 = 0
        self.exceeded: ScriptBudgetExceeded | None = None

    def __enter__(self) -> Budget:
        self._previous = getattr(_current, "budget", None)
        _current.budget = self
        return self

    def __exit__(self, *exc: object) -> None:
        _current.budget = self._previous

    def tick(self) -> bool:
        if self.exceeded is not None:
            raise ScriptBudgetExceeded(self.exceeded.kind, self.limits, self.exceeded.what)
        if perf_counter() >= self.next_check:
            self._check()
        return True

    def fail(self, kind: str, what: str = "") -> ScriptBudgetExceeded:
        self.exceeded = ScriptBudgetExceeded(kind, self.limits, what)
        return self.exceeded

    def _check(self) -> None:
        moment, lim = perf_counter(), self.limits
        cpu = thread_time()
        if self.cpu0 is None:  # first check: what ran before it used at most its wall time
            self.cpu0, self.cpu_before = cpu, moment - self.start
            self.rss0 = _rss() if _rss else 0
        used = cpu - self.cpu0 + self.cpu_before
        if used * 1000 > lim.cpu_ms:
            raise self.fail("cpu")
        if (moment - self.start) * 1000 > lim.wall_ms:
            raise self.fail("wall")
        if _rss is not None and _rss() - self.rss0 > lim.memory_mb * 1024 * 1024:
            raise self.fail("memory")
        self.next_check = moment + CHECK_INTERVAL


def current() -> Budget | None:
    return getattr(_current, "budget", None)


def _tick() -> None:
    budget = current()
    if budget is not None:
        budget.tick()


# -- size guards --------------------------------------------------------------------------

_SEQUENCES = (str, bytes, bytearray, list, tuple)
_WIDTH = re.compile(r"%(?:\([^)]*\))?[-#0 +]*(\*|\d+)?(?:\.(\*|\d+))?[a-zA-Z%]")
_SPEC_NUMBER = re.compile(r"\d+")


def _limits() -> ScriptLimits:
    budget = current()
    return budget.limits if budget is not None else ScriptLimits()


def _refuse(what: str) -> ScriptBudgetExceeded:
    budget = current()
    if budget is not None:
        return budget.fail("size", what)
    return ScriptBudgetExceeded("size", ScriptLimits(), what)


def _bits(value: int) -> int:
    return value.bit_length()


def guarded_add(a: Any, b: Any) -> Any:
    if isinstance(a, _SEQUENCES) and isinstance(b, _SEQUENCES) and len(a) + len(b) > _limits().max_size:
        raise _refuse("+")
    return a + b


def guarded_mul(a: Any, b: Any) -> Any:
    if isinstance(a, int) and isinstance(b, int):
        if _bits(a) + _bits(b) > _limits().max_size:
            raise _refuse("*")
    elif isinstance(b, int) and isinstance(a, _SEQUENCES):
        if len(a) * b > _limits().max_size:
            raise _refuse("*")
    elif isinstance(a, int) and isinstance(b, _SEQUENCES):
        if len(b) * a > _limits().max_size:
            raise _refuse("*")
    return a * b


def guarded_pow(a: Any, b: Any, mod: Any = None) -> Any:
    if mod is None and isinstance(a, int) and isinstance(b, int) and b > 0 and abs(a) > 1:
        if _bits(a) * b > _limits().max_size:
            raise _refuse("**")
    return a ** b if mod is None else pow(a, b, mod)


def guarded_lshift(a: Any, b: Any) -> Any:
    if isinstance(a, int) and isinstance(b, int) and a and _bits(a) + b > _limits().max_size:
        raise _refuse("<<")
    return a << b


def _check_widths(numbers: Iterable[str | None], star_args: Iterable[Any]) -> None:
    limit = _limits().max_size
    if any(n and n != "*" and int(n) > limit for n in numbers) or \
            any(isinstance(v, int) and abs(v) > limit for v in star_args):
        raise _refuse("opmaak")


def guarded_mod(a: Any, b: Any) -> Any:
    if isinstance(a, (str, bytes)):
        text = a if isinstance(a, str) else a.decode("latin-1")
        found = _WIDTH.findall(text)
        args = b if isinstance(b, tuple) else (b,)
        if found:
            _check_widths([n for pair in found for n in pair], args)
        for arg in args:
            _check_rendered(arg, "%")
    return a % b


def _check_rendered(value: Any, what: str) -> None:
    if isinstance(value, (list, tuple, dict, set, frozenset)):
        _check_size(expanded_size(value, _limits().max_size), what)


def guarded_format(value: Any, spec: str = "") -> str:
    """``format()`` and f-string ``{x:spec}``: refuse a width or precision over the limit."""
    if spec:
        _check_widths(_SPEC_NUMBER.findall(spec), ())
    _check_rendered(value, "opmaak")
    return format(value, spec)


def fstring_value(value: Any, conversion: int, spec: str = "") -> str:
    if conversion == ord("r"):
        value = guarded_repr(value)
    elif conversion == ord("s"):
        value = guarded_str(value)
    elif conversion == ord("a"):
        _check_rendered(value, "ascii")
        value = ascii(value)
    return guarded_format(value, spec)


INPLACE_GUARDS: dict[str, Callable[[Any, Any], Any]] = {
    "+=": guarded_add, "*=": guarded_mul, "**=": guarded_pow, "<<=": guarded_lshift, "%=": guarded_mod,
}


def guarded_range(*args: int) -> range:
    r = range(*args)
    if len(r) > _limits().max_size:
        raise _refuse("range")
    return r


def guarded_map(function: Callable[..., Any], *iterables: Iterable[Any]):
    for args in zip(*iterables):
        _tick()
        yield function(*args)


def guarded_filter(function: Callable[[Any], Any] | None, iterable: Iterable[Any]):
    for item in iterable:
        _tick()
        if (function(item) if function is not None else item):
            yield item


def _check_size(total: int, what: str) -> None:
    if total > _limits().max_size:
        raise _refuse(what)


def _bounded_method(obj: Any, name: str, method: Callable[..., Any]) -> Callable[..., Any]:
    """str/bytes/list methods whose result can be far larger than their input."""

    def join(iterable: Iterable[Any]) -> Any:
        items = list(iterable)
        _check_size(sum(len(i) for i in items if isinstance(i, _SEQUENCES)) + len(obj) * max(len(items) - 1, 0),
                    "join")
        return method(items)

    def replace(old: Any, new: Any, count: int = -1) -> Any:
        hits = obj.count(old) if old else len(obj) + 1
        if count >= 0:
            hits = min(hits, count)
        _check_size(len(obj) + hits * max(len(new) - len(old), 0), "replace")
        return method(old, new, count)

    def pad(width: int, *rest: Any) -> Any:
        _check_size(width if isinstance(width, int) else 0, name)
        return method(width, *rest)

    def expandtabs(tabsize: int = 8) -> Any:
        _check_size(len(obj) + obj.count("\t" if isinstance(obj, str) else b"\t") * max(tabsize, 0), name)
        return method(tabsize)

    def extend(iterable: Iterable[Any]) -> Any:
        if isinstance(iterable, (*_SEQUENCES, dict, set, frozenset)):
            _check_size(len(obj) + len(iterable), "extend")
        return method(iterable)

    return {"join": join, "replace": replace, "center": pad, "ljust": pad, "rjust": pad, "zfill": pad,
            "expandtabs": expandtabs, "extend": extend}[name]


_STRING_METHODS = frozenset({"join", "replace", "center", "ljust", "rjust", "zfill", "expandtabs"})


def bound_getattr(getattr_: Callable[..., Any]) -> Callable[..., Any]:
    def _getattr(obj: Any, name: str, *default: Any) -> Any:
        value = getattr_(obj, name, *default)
        if name in _STRING_METHODS and isinstance(obj, (str, bytes, bytearray)) or \
                name == "extend" and isinstance(obj, (list, bytearray)):
            return _bounded_method(obj, name, value)
        return value

    return _getattr


def expanded_size(value: Any, limit: int) -> int:
    """About how many characters ``value`` takes written out (``str``, JSON): a shared
    sub-structure counts each time it occurs, as it would in the output. Linear in the
    number of distinct objects; stops counting once above ``limit``."""
    seen: dict[int, int] = {}

    def size(v: Any, depth: int) -> int:
        if isinstance(v, (str, bytes, bytearray)):
            return len(v) + 2
        if isinstance(v, int):
            return v.bit_length() // 3 + 1
        if not isinstance(v, (list, tuple, dict, set, frozenset)):
            return 8
        key = id(v)
        if key in seen:
            return seen[key]
        if depth > 100:
            return limit + 1
        seen[key] = limit + 1  # a structure containing itself counts as too large
        total = 2
        for item in (v.items() if isinstance(v, dict) else v):
            total += size(item, depth + 1) + 2
            if total > limit:
                break
        seen[key] = total
        return total

    return size(value, 0)


def guarded_str(value: Any = "", *args: Any) -> str:
    if not args:
        _check_rendered(value, "str")
    return str(value, *args)


def guarded_repr(value: Any) -> str:
    _check_rendered(value, "repr")
    return repr(value)


BOUNDED_BUILTINS: dict[str, Any] = {
    "range": guarded_range, "pow": guarded_pow, "map": guarded_map, "filter": guarded_filter,
    "str": guarded_str, "repr": guarded_repr, "format": guarded_format,
}


# -- the compiler pass --------------------------------------------------------------------

_OPERATOR_GUARDS = {ast.Add: "_add_", ast.Mult: "_mul_", ast.Pow: "_pow_", ast.LShift: "_lshift_",
                    ast.Mod: "_mod_"}

GUARD_FUNCTIONS: dict[str, Any] = {
    "_add_": guarded_add, "_mul_": guarded_mul, "_pow_": guarded_pow, "_lshift_": guarded_lshift,
    "_mod_": guarded_mod, "_fstr_": fstring_value,
}


def _call(name: str, *args: ast.expr) -> ast.Call:
    return ast.Call(func=ast.Name(name, ast.Load()), args=list(args), keywords=[])


def _tick_stmt(node: ast.AST) -> ast.Expr:
    return ast.copy_location(ast.Expr(_call("_tick_")), node)


class BoundingTransformer(RestrictingNodeTransformer):
    """RestrictedPython's policy plus ticks in loops and functions and guarded operators.

    The nodes added here are created after RestrictedPython checked the node, so its
    refusal of names starting with ``_`` applies to the process owner's code only.
    """

    def visit(self, node: ast.AST) -> Any:
        result = super().visit(node)
        if isinstance(node, (ast.Module, ast.Expression, ast.Interactive)):
            ast.fix_missing_locations(node)
        return result

    def visit_While(self, node: ast.While) -> ast.AST:
        node = super().visit_While(node)
        node.body.insert(0, _tick_stmt(node))
        return node

    def visit_For(self, node: ast.For) -> ast.AST:
        node = super().visit_For(node)
        node.body.insert(0, _tick_stmt(node))
        return node

    def visit_comprehension(self, node: ast.comprehension) -> ast.AST:
        node = super().visit_comprehension(node)
        node.ifs.insert(0, ast.copy_location(_call("_tick_"), node.iter))
        return node

    def visit_FunctionDef(self, node: ast.FunctionDef) -> ast.AST:
        node = super().visit_FunctionDef(node)
        node.body.insert(0, _tick_stmt(node))
        return node

    def visit_Lambda(self, node: ast.Lambda) -> ast.AST:
        node = super().visit_Lambda(node)
        node.body = ast.copy_location(ast.BoolOp(ast.And(), [_call("_tick_"), node.body]), node.body)
        return node

    def visit_BinOp(self, node: ast.BinOp) -> ast.AST:
        node = super().visit_BinOp(node)
        guard = _OPERATOR_GUARDS.get(type(node.op))
        if guard is None:
            return node
        return ast.copy_location(_call(guard, node.left, node.right), node)

    def visit_FormattedValue(self, node: ast.FormattedValue) -> ast.AST:
        node = super().visit_FormattedValue(node)
        spec = node.format_spec if node.format_spec is not None else ast.Constant("")
        value = _call("_fstr_", node.value, ast.Constant(node.conversion), spec)
        return ast.copy_location(ast.FormattedValue(value=value, conversion=-1, format_spec=None), node)

