"""A unit test written with asserts, split into what the sandbox observes and what is checked outside.

A teacher writes a ``unit`` test as Python (``assert accuracy([1, 0], [1, 1]) == 0.5``). Run as it is,
the ``assert`` would be decided inside the sandbox, where the student's code can read the expected value
from the caller's frames, patch ``abs``, return an object equal to anything, or print a forged "passed".
So each test is converted before it runs:

- the sandbox gets *steps*: statements to run (``exec``) and expressions to observe (``eval``), in order:
  the student's calls, ``accuracy([1, 0], [1, 1])``; it reports each observed value as plain data;
- the worker keeps the *checks*: each assert with the observed parts replaced by ``_v0``, ``_v1``, …
  (``_v0 == 0.5``), evaluated by ``courses.grading.checks`` against the reported values, and the test's
  assignments that need nothing from the sandbox (``expected = [1, 2]``), evaluated there too.

What goes inside is only what the student's code needs: an assignment the checks alone use stays outside,
so an expected value never enters the sandbox. A test that cannot be split this way (an assert inside a
loop, a comprehension over the student's results) is refused with a message naming it.
"""

from __future__ import annotations

import ast
import copy
import functools
import re
from dataclasses import dataclass

from courses.grading.checks import BUILTIN_NAMES, Check, CheckRefused, compile_check


class UnconvertibleTest(ValueError):
    """A unit test that cannot be split into observations and outside checks; the message says why."""


@dataclass(frozen=True)
class Step:
    """One thing the sandbox does: run a statement (``exec``) or observe an expression's value (``eval``)."""

    kind: str  # "exec" or "eval"
    source: str


@dataclass(frozen=True)
class Assignment:
    """``names = value`` evaluated outside (the value needs nothing from the sandbox)."""

    names: tuple[str, ...]  # one name, or the names a tuple unpacks into
    value: Check


@dataclass(frozen=True)
class Plan:
    """A converted test: the sandbox's steps, and the outside program (assignments and checks, in order)."""

    steps: tuple[Step, ...]
    outside: tuple[Assignment | Check, ...]

    @property
    def observations(self) -> int:
        return sum(1 for step in self.steps if step.kind == "eval")


#: The names observed values are bound to in the checks (``_v0``, ``_v1``, …).
_PLACEHOLDER = re.compile(r"_v[0-9]+")
#: Where an observation may not be made: computing these inside would decide something inside.
_NOT_OBSERVABLE = (
    ast.Lambda,
    ast.ListComp,
    ast.SetComp,
    ast.DictComp,
    ast.GeneratorExp,
    ast.NamedExpr,
    ast.Await,
    ast.Yield,
    ast.YieldFrom,
    ast.Starred,
)
#: Outside-evaluable composites: the checks keep their shape and only the parts that need the sandbox move in.
_COMPOSITES = (ast.BinOp, ast.UnaryOp, ast.BoolOp, ast.Compare, ast.IfExp, ast.List, ast.Tuple, ast.Set, ast.Dict)


@functools.lru_cache(maxsize=1024)
def convert(code: str) -> Plan:
    """The plan for a unit test's code; raises UnconvertibleTest."""
    try:
        tree = ast.parse(code, mode="exec")
    except SyntaxError as exc:
        raise UnconvertibleTest(f"it is not valid Python: {exc.msg}") from exc
    return _Converter().run(tree)


class _Converter:
    def __init__(self) -> None:
        self.steps: list[Step | _Optional] = []
        self.outside: list[Assignment | Check] = []
        self.outside_names: set[str] = set()
        self.inside_names: set[str] = set()
        self.observed = 0

    def run(self, tree: ast.Module) -> Plan:
        for node in ast.walk(tree):
            if isinstance(node, ast.Name) and _PLACEHOLDER.fullmatch(node.id):
                raise UnconvertibleTest(f"line {node.lineno}: the name {node.id} is reserved for observed values")
        for statement in tree.body:
            if isinstance(statement, ast.Assert):
                self.outside.append(self._check(statement.test))
            elif any(isinstance(node, ast.Assert) for node in ast.walk(statement)):
                raise UnconvertibleTest(
                    f"line {statement.lineno}: an assert inside a {type(statement).__name__.lower()} block cannot "
                    "be checked outside the sandbox; write each assert on its own line"
                )
            elif self._outside_assignment(statement):
                continue
            else:
                self.steps.append(Step("exec", ast.unparse(statement)))
                bound = _bound_names(statement)
                self.outside_names -= bound
                self.inside_names |= bound
        return Plan(tuple(self._kept_steps()), tuple(self.outside))

    def _outside_assignment(self, statement: ast.stmt) -> bool:
        """``name = <needs nothing from the sandbox>``: evaluated outside, and run inside too only if the
        student's code is given it (decided at the end, ``_kept_steps``)."""
        if not (isinstance(statement, ast.Assign) and len(statement.targets) == 1):
            return False
        target = statement.targets[0]
        if isinstance(target, ast.Name):
            names: tuple[str, ...] = (target.id,)
        elif isinstance(target, ast.Tuple) and all(isinstance(element, ast.Name) for element in target.elts):
            names = tuple(element.id for element in target.elts if isinstance(element, ast.Name))
        else:
            return False
        value = self._outside_check(statement.value)
        if value is None:
            return False
        self.outside.append(Assignment(names, value))
        self.steps.append(_Optional(Step("exec", ast.unparse(statement)), frozenset(names)))
        self.outside_names |= set(names)
        self.inside_names -= set(names)
        return True

    def _outside_check(self, node: ast.expr) -> Check | None:
        """The node as an outside check, when it needs nothing from the sandbox."""
        try:
            check = compile_check(node)
        except CheckRefused:
            return None
        return check if check.names <= self.outside_names else None

    def _check(self, test: ast.expr) -> Check:
        split = self._split(test)
        try:
            return compile_check(ast.fix_missing_locations(ast.Expression(split)).body)
        except CheckRefused as exc:
            raise UnconvertibleTest(f"line {test.lineno}: {exc}") from exc

    def _split(self, node: ast.expr) -> ast.expr:
        """The node with every part that needs the sandbox replaced by an observation ``_vN``."""
        if self._outside_check(node) is not None:
            return node
        if isinstance(node, ast.Name) and node.id in BUILTIN_NAMES and node.id not in self.inside_names:
            return node  # a type or function the checks provide (float in isinstance(f(x), float))
        if isinstance(node, _COMPOSITES) or (isinstance(node, ast.Call) and _provided_call(node)):
            rebuilt = _copy(node)
            for field, value in ast.iter_fields(rebuilt):
                if isinstance(value, ast.expr) and not _is_function_of_call(rebuilt, value):
                    setattr(rebuilt, field, self._split(value))
                elif isinstance(value, list):
                    setattr(
                        rebuilt,
                        field,
                        [
                            entry
                            if isinstance(entry, ast.expr) and _is_function_of_call(rebuilt, entry)
                            else self._split(entry)
                            if isinstance(entry, ast.expr)
                            else self._split_keyword(entry)
                            for entry in value
                        ],
                    )
            return rebuilt
        if isinstance(node, _NOT_OBSERVABLE) or any(isinstance(inner, _NOT_OBSERVABLE) for inner in ast.walk(node)):
            raise UnconvertibleTest(
                f"line {node.lineno}: '{ast.unparse(node)}' would be decided inside the sandbox; compare the "
                "student's values directly (for example min(f(x)) > 0 instead of all(y > 0 for y in f(x)))"
            )
        self.steps.append(Step("eval", ast.unparse(node)))
        name = ast.Name(id=f"_v{self.observed}", ctx=ast.Load())
        self.observed += 1
        return ast.copy_location(name, node)

    def _split_keyword(self, entry: object) -> object:
        if isinstance(entry, ast.keyword):
            return ast.keyword(arg=entry.arg, value=self._split(entry.value))
        return entry

    def _kept_steps(self) -> list[Step]:
        """The steps, with an outside assignment run inside too only when an inside step reads its names."""
        needed: set[str] = set()
        for step in self.steps:
            if isinstance(step, Step):
                needed |= _read_names(step.source)
        kept: list[Step | _Optional] = list(self.steps)
        changed = True
        while changed:  # an assignment the student's code needs may read another one
            changed = False
            for entry in kept:
                if isinstance(entry, _Optional) and entry.names & needed and not entry.kept:
                    entry.kept = True
                    needed |= _read_names(entry.step.source)
                    changed = True
        return [entry if isinstance(entry, Step) else entry.step for entry in kept if _keep(entry)]


@dataclass
class _Optional:
    step: Step
    names: frozenset[str]
    kept: bool = False


def _keep(entry: Step | _Optional) -> bool:
    return isinstance(entry, Step) or entry.kept


def _provided_call(node: ast.Call) -> bool:
    """A call of a function the outside evaluator provides (``abs``, ``len``, ``math.isclose``…)."""
    function = node.func
    if isinstance(function, ast.Name):
        return function.id in BUILTIN_NAMES
    return isinstance(function, ast.Attribute) and isinstance(function.value, ast.Name) and function.value.id == "math"


def _is_function_of_call(node: ast.AST, value: ast.expr) -> bool:
    """The called function, or the types ``isinstance`` tests against: both stay outside as written."""
    if not isinstance(node, ast.Call):
        return False
    kinds = node.args[1:] if isinstance(node.func, ast.Name) and node.func.id == "isinstance" else []
    return value is node.func or any(value is kind for kind in kinds)


def _copy(node: ast.expr) -> ast.expr:
    return copy.copy(node)  # shallow: _split replaces the children it changes


def _bound_names(statement: ast.stmt) -> set[str]:
    """Names a statement binds (assignments, imports, definitions, loop targets)."""
    names: set[str] = set()
    for node in ast.walk(statement):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store | ast.Del):
            names.add(node.id)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Import | ast.ImportFrom):
            names.update((alias.asname or alias.name).split(".")[0] for alias in node.names)
    return names


def _read_names(source: str) -> set[str]:
    return {node.id for node in ast.walk(ast.parse(source)) if isinstance(node, ast.Name)}
