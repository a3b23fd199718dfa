"""Teachers' checks, evaluated outside the sandbox against the values the student's code produced.

A unit test's ``assert accuracy([1, 0, 1], [1, 1, 1]) == 2 / 3`` is split (``courses.grading.assertions``):
the sandbox observes ``accuracy(...)`` and reports its value as plain data, and the worker decides the
verdict here by evaluating the check ``abs(_v0 - 2 / 3) < 1e-9``. The expression is the teacher's and the
values are the student's, so this is a small interpreter of its own, never ``eval``: ``compile_check``
accepts a whitelist of expressions, and ``evaluate`` walks them over plain data only (exact built-in
types, so no object of the student's can run code here), within caps on work, size and depth.
"""

from __future__ import annotations

import ast
import builtins
import math
import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from itertools import chain
from types import NoneType
from typing import Any

MAX_SOURCE = 10_000  # characters of a check
MAX_NODES = 1_000  # parts of a check's tree (operators and contexts not counted)
MAX_TREE_DEPTH = 50  # nesting of a check's tree: evaluation recurses over it
#: Work per evaluation: 1 per node evaluated, and the size of what an operation goes through (each element, a
#: text's characters / CHARACTERS_PER_UNIT). Room for the largest observed values (code.py decodes up to 200,000
#: parts) read and compared a few times; spent in full, about 0.1 to 0.3 s on a development laptop.
BUDGET = 1_000_000
CHARACTERS_PER_UNIT = 100  # text is compared and copied in C, much faster than a step of the walk
MAX_INT_BITS = 10_000
MAX_LENGTH = 100_000  # elements of a container, characters of a text
MAX_DEPTH = 100  # nesting of a value: Python's own ==, hash and repr recurse over it
MAX_INT_DIGITS = 4_300  # int(text): Python's own default limit, enforced whatever the process set
MAX_ROUND_DIGITS = 1_000  # round(n, -k) computes 10 ** k


class CheckRefused(ValueError):
    """The expression uses something the evaluator does not allow; the message names it (shown to a teacher)."""


class CheckFailed(Exception):
    """Evaluating it failed: a cap was exceeded, or an operation raised (a wrong type, division by zero,
    an unknown name at run time). For grading, the check is simply not passed."""


@dataclass(frozen=True)
class Check:
    """A validated expression, ready to evaluate many times."""

    node: ast.expr
    source: str
    names: frozenset[str]  # the free names it reads (other than the built-in functions and `math`)


_SEQUENCES = (str, list, tuple)
_NUMBERS = (bool, int, float)
_ITERABLES = (str, list, tuple, dict, set, frozenset)
_SCALARS = (NoneType, bool, int, float, str)
# The gate (``value``, ``walk``) checks types by identity: ``type(x) in (int, ...)`` compares with ==, which a
# metaclass could answer. Past the gate every value is plain, and the plain ``in`` is safe.
_PLAIN = frozenset(map(id, (*_SCALARS, list, tuple, dict, set, frozenset)))
_TYPES: dict[str, type] = {kind.__name__: kind for kind in (int, float, str, bool, list, tuple, dict, set, frozenset)}
_MATH_CONSTANTS = {"pi": math.pi, "e": math.e, "inf": math.inf}
_NUMERIC: dict[str, Callable[..., Any]] = {
    "abs": abs,
    "math.isclose": math.isclose,
    **{f"math.{name}": getattr(math, name) for name in ("isnan", "isinf", "isfinite", "sqrt", "floor", "ceil")},
}
_OVER_ITEMS: dict[str, Callable[..., Any]] = {
    name: getattr(builtins, name)
    for name in ("sorted", "min", "max", "sum", "all", "any", "set", "frozenset", "list", "tuple", "dict")
}
_CONVERSIONS = ("int", "float", "str", "bool")
#: Each function: the least and most positional arguments, and the keywords it accepts.
_FUNCTIONS: dict[str, tuple[int, int, frozenset[str]]] = {
    **{name: (1, 1, frozenset()) for name in _NUMERIC},
    **{name: (0, 1, frozenset()) for name in (*_CONVERSIONS, "set", "frozenset", "list", "tuple", "dict")},
    **{name: (1, 1, frozenset()) for name in ("len", "all", "any")},
    **{name: (1, MAX_NODES, frozenset()) for name in ("min", "max")},
    "math.isclose": (2, 2, frozenset({"rel_tol", "abs_tol"})),
    "round": (1, 2, frozenset({"ndigits"})),
    "isinstance": (2, 2, frozenset()),
    "sorted": (1, 1, frozenset({"reverse"})),
    "sum": (1, 2, frozenset()),
}
BUILTIN_NAMES = frozenset({name for name in _FUNCTIONS if "." not in name} | {"math"})

_BINARY: dict[type[ast.operator], Callable[[Any, Any], Any]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv,
    ast.Mod: operator.mod,
    ast.Pow: operator.pow,
}
_UNARY = (ast.USub, ast.UAdd, ast.Not)
_COMPARE: dict[type[ast.cmpop], Callable[[Any, Any], Any]] = {
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
    ast.In: lambda item, container: item in container,
    ast.NotIn: lambda item, container: item not in container,
    ast.Is: operator.is_,
    ast.IsNot: operator.is_not,
}
_SYMBOLS = {ast.BitAnd: "&", ast.BitOr: "|", ast.BitXor: "^", ast.LShift: "<<", ast.RShift: ">>", ast.MatMult: "@"}
_REFUSED: dict[type[ast.AST], str] = {
    ast.Lambda: "a lambda",
    ast.ListComp: "a comprehension",
    ast.SetComp: "a comprehension",
    ast.DictComp: "a comprehension",
    ast.GeneratorExp: "a generator expression",
    ast.JoinedStr: "an f-string",
    ast.NamedExpr: "the walrus operator ':='",
    ast.Starred: "unpacking with '*'",
    ast.Await: "'await'",
    ast.Yield: "'yield'",
    ast.YieldFrom: "'yield from'",
    ast.Slice: "a slice outside of x[...]",
}
_LEAVES = (ast.expr_context, ast.operator, ast.unaryop, ast.cmpop, ast.boolop)


def is_allowed_name(name: str) -> bool:
    """A built-in function or type the evaluator provides (``abs``, ``len``, ``float``, …, ``math``)."""
    return name in BUILTIN_NAMES


def compile_check(source: str | ast.expr) -> Check:
    """Parse (mode="eval") and validate against the whitelist; raises CheckRefused.

    A tree is measured, unparsed and parsed again: the Check then owns a tree nobody else can change, and
    a tree built by hand (a constant of any type, a stray context) is held to the same rules as text."""
    if isinstance(source, ast.expr):
        _measure_tree(source)
        try:
            source = ast.unparse(source)
        except Exception as exc:  # a hand-built tree can fail in many ways
            raise CheckRefused(f"not a valid expression ({type(exc).__name__})") from exc
    if not isinstance(source, str):
        raise CheckRefused("a check must be an expression")
    if len(source) > MAX_SOURCE:
        raise CheckRefused(f"a check may be at most {MAX_SOURCE} characters long")
    try:
        node = ast.parse(source.strip(), mode="eval").body
    except SyntaxError as exc:
        raise CheckRefused(f"not a valid Python expression ({exc.msg})") from exc
    except (ValueError, MemoryError, RecursionError) as exc:
        raise CheckRefused("not a valid Python expression (nested too deeply, or a null character)") from exc
    _measure_tree(node)
    names: set[str] = set()
    _validate(node, names)
    return Check(node, source, frozenset(names))


def evaluate(check: Check, names: Mapping[str, object]) -> object:
    """Evaluate with the given variables bound (observed values like ``_v0``, or values a test assigned like
    ``data``), raising CheckFailed. Never calls eval/exec/compile."""
    try:
        return _Evaluation(names).value(check.node)
    except CheckFailed:
        raise
    except Exception as exc:  # any failure of an operation is the check not passing, never a crash
        detail = "" if isinstance(exc, KeyError) else f": {str(exc)[:200]}"  # a key's repr may be huge
        raise CheckFailed(f"{type(exc).__name__}{detail}") from exc


def _refuse(what: str) -> CheckRefused:
    return CheckRefused(f"{what} is not allowed in a check")


def _clip(node: ast.AST) -> str:
    text = ast.unparse(node)
    return text if len(text) <= 60 else text[:59] + "…"


def _measure_tree(root: ast.AST) -> None:
    """Refuse a tree over the caps, walking it iteratively: any tree, even a hand-built cyclic one, is
    measured in bounded time before anything recurses over it."""
    stack, count = [(root, 1)], 0
    while stack:
        node, depth = stack.pop()
        count += 1
        if count > MAX_NODES:
            raise CheckRefused(f"a check may have at most {MAX_NODES} parts")
        if depth > MAX_TREE_DEPTH:
            raise CheckRefused(f"a check may nest at most {MAX_TREE_DEPTH} levels deep")
        stack.extend((child, depth + 1) for child in ast.iter_child_nodes(node) if not isinstance(child, _LEAVES))


def _validate(node: ast.AST, names: set[str]) -> None:
    """Refuse, naming it, anything outside the whitelist; collect the free names read."""
    children: list[ast.AST | None] = []
    match node:
        case ast.Constant(value=value):
            if type(value) not in _SCALARS:
                kinds = {complex: "a complex number", bytes: "a bytes literal", type(...): "'...'"}
                raise _refuse(kinds.get(type(value), f"a constant of type {type(value).__name__}"))
        case ast.Name(id=name, ctx=ast.Load()):
            if name in BUILTIN_NAMES:
                usage = "called" if name != "math" else "used as math.<function>(…), math.pi, math.e or math.inf"
                raise CheckRefused(f"'{name}' may only be {usage} in a check")
            if name.startswith("__"):
                raise _refuse(f"the name '{name}'")
            names.add(name)
        case (
            ast.List(elts=elements, ctx=ast.Load()) | ast.Tuple(elts=elements, ctx=ast.Load()) | ast.Set(elts=elements)
        ):
            children = list(elements)
        case ast.Dict(keys=keys, values=values):
            if any(key is None for key in keys):
                raise _refuse("unpacking with '**'")
            children = [*keys, *values]
        case ast.BinOp(left=left, op=op, right=right):
            if type(op) not in _BINARY:
                raise _refuse(f"the operator '{_SYMBOLS.get(type(op), type(op).__name__)}'")
            children = [left, right]
        case ast.UnaryOp(op=op, operand=operand):
            if not isinstance(op, _UNARY):
                raise _refuse("the operator '~'")
            children = [operand]
        case ast.BoolOp(values=values):
            children = list(values)
        case ast.Compare(left=left, ops=ops, comparators=comparators):
            children = [left, *comparators]
            for index, comparison in enumerate(ops):
                if type(comparison) not in _COMPARE:
                    raise _refuse(type(comparison).__name__)
                pair = children[index : index + 2]
                if isinstance(comparison, ast.Is | ast.IsNot) and not any(map(_is_singleton, pair)):
                    raise CheckRefused("'is' may only compare with None, True or False in a check; use ==")
        case ast.IfExp(test=test, body=body, orelse=orelse):
            children = [test, body, orelse]
        case ast.Subscript(value=value, slice=ast.Slice(lower=lower, upper=upper, step=step), ctx=ast.Load()):
            children = [value, lower, upper, step]
        case ast.Subscript(value=value, slice=index, ctx=ast.Load()):
            children = [value, index]
        case ast.Call():
            children = _validate_call(node)
        case ast.Attribute(value=ast.Name(id="math"), attr=attr, ctx=ast.Load()) if attr in _MATH_CONSTANTS:
            pass
        case ast.Attribute(value=ast.Name(id="math"), attr=attr) if f"math.{attr}" in _FUNCTIONS:
            raise CheckRefused(f"'math.{attr}' may only be called in a check")
        case ast.Attribute():
            raise _refuse(f"attribute access '{_clip(node)}'")
        case _:
            raise _refuse(_REFUSED.get(type(node), type(node).__name__))
    for child in children:
        if child is not None:
            _validate(child, names)


def _is_singleton(node: ast.AST | None) -> bool:
    return isinstance(node, ast.Constant) and any(node.value is single for single in (None, True, False))


def _function_name(function: ast.expr) -> str | None:
    if isinstance(function, ast.Name) and function.id in _FUNCTIONS:
        return function.id
    if isinstance(function, ast.Attribute) and isinstance(function.value, ast.Name) and function.value.id == "math":
        return f"math.{function.attr}" if f"math.{function.attr}" in _FUNCTIONS else None
    return None


def _validate_call(node: ast.Call) -> list[ast.AST | None]:
    """A call's checks; the arguments left to validate as expressions."""
    name = _function_name(node.func)
    if name is None:
        raise _refuse(f"calling '{_clip(node.func)}'")
    least, most, keywords = _FUNCTIONS[name]
    if not least <= len(node.args) <= most:
        count = str(least) if least == most else f"{least} to {most}"
        raise CheckRefused(f"'{name}' takes {count} positional argument{'s' * (most > 1)} in a check")
    for keyword in node.keywords:
        if keyword.arg is None or keyword.arg not in keywords:
            raise _refuse(f"the keyword argument '{keyword.arg or '**'}' of '{name}'")
    if name == "isinstance":
        _types(node.args[1])
        return [node.args[0]]
    return [*node.args, *(keyword.value for keyword in node.keywords)]


def _types(node: ast.expr) -> tuple[type, ...]:
    """isinstance's second argument, read from the tree: never a value, so no type object is ever data."""
    found = []
    for entry in node.elts if isinstance(node, ast.Tuple) else [node]:
        match entry:
            case ast.Name(id=name) if name in _TYPES:
                found.append(_TYPES[name])
            case ast.Constant(value=None) | ast.Call(func=ast.Name(id="type"), args=[ast.Constant(value=None)]):
                found.append(NoneType)
            case _:
                raise CheckRefused(f"isinstance may test only {', '.join(_TYPES)} or None, not '{_clip(entry)}'")
    return tuple(found)


class _Evaluation:
    """One evaluation: the names read so far (each checked once, on first read) and the work spent."""

    def __init__(self, names: Mapping[str, object]) -> None:
        self.names = names
        self.read: dict[str, object] = {}
        self.measured: dict[int, tuple[object, int, int]] = {}
        self.spent = 0

    def charge(self, units: int) -> None:
        self.spent += units
        if self.spent > BUDGET:
            raise CheckFailed("the check needs more work than allowed")

    def value(self, node: ast.expr) -> Any:
        """The node's value, checked to be plain data within the caps (its parts: ``measure``)."""
        self.charge(1)
        result = self.compute(node)
        kind = type(result)
        if id(kind) not in _PLAIN:
            raise CheckFailed(f"not plain data: {kind.__name__}")
        if kind is int and result.bit_length() > MAX_INT_BITS:
            raise CheckFailed(f"an integer over {MAX_INT_BITS} bits")
        if kind in _ITERABLES and len(result) > MAX_LENGTH:
            raise CheckFailed(f"a value longer than {MAX_LENGTH}")
        return result

    def measure(self, value: object) -> int:
        """Check that every part of the value is plain data within the caps, before Python's own ==, hash, sort
        or repr goes through it, and charge its size; return a bound on ``len(repr(value))``. A value is
        walked once per evaluation (later uses are charged again, not walked again)."""
        known = self.measured.get(id(value))
        if known is None or known[0] is not value:
            start = self.spent
            bound = self.walk(value)
            known = self.measured[id(value)] = (value, self.spent - start, bound)  # keeps the id taken
        else:
            self.charge(known[1])
        return known[2]

    def walk(self, value: object) -> int:
        """``measure``'s walk: iterative, so any value (even a cyclic one) takes bounded time and stack; only
        containers go on the stack, each charged its length before its parts are looked at."""
        stack: list[tuple[Any, int]] = [((value,), -1)]  # the value, as the one part of a container
        bound = 0
        while stack:
            container, depth = stack.pop()
            self.charge(len(container))
            for part in chain.from_iterable(container.items()) if type(container) is dict else container:
                kind = type(part)
                if kind is str:
                    if len(part) > MAX_LENGTH:
                        raise CheckFailed(f"a value longer than {MAX_LENGTH}")
                    self.charge(len(part) // CHARACTERS_PER_UNIT)
                    bound += 10 * len(part) + 2  # an escape such as \U0001f600 is 10 characters
                elif kind is int:
                    if part.bit_length() > MAX_INT_BITS:
                        raise CheckFailed(f"an integer over {MAX_INT_BITS} bits")
                    bound += part.bit_length() // 3 + 2
                elif kind is float or kind is bool or kind is NoneType:
                    bound += 24  # the longest float: -2.2250738585072014e-308
                elif id(kind) in _PLAIN:
                    if depth + 1 >= MAX_DEPTH:
                        raise CheckFailed(f"a value nested deeper than {MAX_DEPTH} levels")
                    if len(part) > MAX_LENGTH:
                        raise CheckFailed(f"a value longer than {MAX_LENGTH}")
                    bound += 13 + 4 * len(part)  # "frozenset({" and "})"; ", " and ": " between parts
                    stack.append((part, depth + 1))
                else:
                    raise CheckFailed(f"not plain data: {kind.__name__}")
        return bound

    def compute(self, node: ast.expr) -> Any:
        match node:
            case ast.Constant(value=value):
                return value
            case ast.Name(id=name):
                if name not in self.read:
                    if name not in self.names:
                        raise CheckFailed(f"name '{name}' is not defined")
                    self.measure(self.names[name])
                    self.read[name] = self.names[name]
                return self.read[name]
            case ast.List(elts=elements):
                return [self.value(element) for element in elements]
            case ast.Tuple(elts=elements):
                return tuple(self.value(element) for element in elements)
            case ast.Set(elts=elements):
                return {self.hashed(element) for element in elements}
            case ast.Dict(keys=keys, values=values):
                return {self.hashed(key): self.value(value) for key, value in zip(keys, values, strict=True)}
            case ast.BinOp(left=left, op=op, right=right):
                return self.binary(type(op), self.value(left), self.value(right))
            case ast.UnaryOp(op=ast.Not(), operand=operand):
                return not self.value(operand)
            case ast.UnaryOp(op=ast.USub() | ast.UAdd() as op, operand=operand):
                (number,) = self.numbers(self.value(operand))
                return -number if isinstance(op, ast.USub) else +number
            case ast.BoolOp(op=op, values=values):
                result: Any = None
                for part in values:  # short-circuit, and the value is the operand's, as in Python
                    result = self.value(part)
                    if bool(result) == isinstance(op, ast.Or):
                        break
                return result
            case ast.Compare(left=left, ops=ops, comparators=comparators):
                before = self.value(left)
                for comparison, comparator in zip(ops, comparators, strict=True):
                    after = self.value(comparator)
                    if not self.compare(type(comparison), before, after):
                        return False
                    before = after
                return True
            case ast.IfExp(test=test, body=body, orelse=orelse):
                return self.value(body) if self.value(test) else self.value(orelse)
            case ast.Subscript(value=container, slice=index):
                return self.subscript(self.value(container), index)
            case ast.Call(func=function, args=args, keywords=keywords):
                called = _function_name(function)
                if called is None:
                    raise CheckFailed(f"calling {ast.unparse(function)[:60]} is not allowed")
                if called == "isinstance":
                    return isinstance(self.value(args[0]), _types(args[1]))
                arguments = [self.value(arg) for arg in args]
                return self.call(called, arguments, {str(k.arg): self.value(k.value) for k in keywords})
            case ast.Attribute(value=ast.Name(id="math"), attr=attr):
                return _MATH_CONSTANTS[attr]
        raise CheckFailed(f"{type(node).__name__} is not allowed")

    def hashed(self, node: ast.expr | None) -> Any:
        """A set element or a dict key: hashing goes through all of it."""
        if node is None:
            raise CheckFailed("unpacking with '**' is not allowed")
        key = self.value(node)
        self.measure(key)
        return key

    def numbers(self, *values: Any) -> tuple[Any, ...]:
        if any(type(value) not in _NUMBERS for value in values):
            raise CheckFailed("a number is needed")
        return values

    def room(self, length: int, text: bool) -> None:
        """Refuse a sequence over the cap before it is built, and charge building it."""
        if length > MAX_LENGTH:
            raise CheckFailed(f"a value longer than {MAX_LENGTH}")
        self.charge(max(length, 0) // (CHARACTERS_PER_UNIT if text else 1))

    def binary(self, op: type[ast.operator], left: Any, right: Any) -> Any:
        sequence, times = (left, right) if type(left) in _SEQUENCES else (right, left)
        if type(left) in _NUMBERS and type(right) in _NUMBERS:
            if op is ast.Pow and float not in (type(left), type(right)) and right > 0 and abs(left) > 1:
                # Before Python computes it: the result has at least this many bits (and at most twice the cap
                # when not, as right <= MAX_INT_BITS then: cheap to compute, and refused after).
                if (abs(left).bit_length() - 1) * right >= MAX_INT_BITS:
                    raise CheckFailed(f"an integer over {MAX_INT_BITS} bits")
        elif op is ast.Add and type(left) is type(right) and type(left) in _SEQUENCES:
            self.room(len(left) + len(right), type(left) is str)
        elif op is ast.Mult and type(sequence) in _SEQUENCES and type(times) in (int, bool):
            self.room(len(sequence) * times, type(sequence) is str)
        elif op is ast.Sub and type(left) in (set, frozenset) and type(right) in (set, frozenset):
            self.measure(left)
            self.measure(right)
        else:  # "%" formatting of text among others
            raise CheckFailed(f"unsupported operands: {type(left).__name__} and {type(right).__name__}")
        return _BINARY[op](left, right)

    def compare(self, op: type[ast.cmpop], left: Any, right: Any) -> bool:
        if op not in (ast.Is, ast.IsNot):
            if op in (ast.In, ast.NotIn) and type(right) not in _ITERABLES:
                raise CheckFailed(f"'in' needs a container, not {type(right).__name__}")
            self.measure(left)
            self.measure(right)
        return bool(_COMPARE[op](left, right))

    def subscript(self, container: Any, index: ast.expr) -> Any:
        if isinstance(index, ast.Slice):
            bounds = [None if part is None else self.value(part) for part in (index.lower, index.upper, index.step)]
            if type(container) not in _SEQUENCES or any(type(part) not in (int, bool, NoneType) for part in bounds):
                raise CheckFailed("only str, list and tuple are sliced, by whole numbers")
            result = container[slice(*bounds)]
            self.room(len(result), type(result) is str)
            return result
        key = self.value(index)
        if type(container) is dict:
            self.measure(key)
        elif type(container) not in _SEQUENCES or type(key) not in (int, bool):
            raise CheckFailed(f"{type(container).__name__} cannot be indexed by {type(key).__name__}")
        return container[key]

    def call(self, name: str, args: list[Any], keywords: dict[str, Any]) -> Any:
        if name in _NUMERIC:
            self.numbers(*args, *keywords.values())
            return _NUMERIC[name](*args, **keywords)
        if name == "round":
            digits = args[1] if len(args) > 1 else keywords.get("ndigits")
            if digits is not None and (type(digits) is not int or abs(digits) > MAX_ROUND_DIGITS):
                raise CheckFailed(f"round's digits must be a whole number up to {MAX_ROUND_DIGITS}")
            return round(self.numbers(args[0])[0], digits)
        if name in _CONVERSIONS:
            return self.convert(name, args[0]) if args else _TYPES[name]()
        if name in ("min", "max") and len(args) > 1:
            items: Any = args
        else:
            items = args[0] if args else ()
            if type(items) not in _ITERABLES:
                raise CheckFailed(f"{name} needs a str, list, tuple, dict, set or frozenset")
        if name == "len":
            return len(items)
        self.measure(items)
        if name == "sum":
            self.numbers(*items, *args[1:])
        if type(keywords.get("reverse", False)) not in (bool, int):
            raise CheckFailed("sorted's reverse must be True or False")
        return _OVER_ITEMS[name](items, *(args[1:] if name == "sum" else ()), **keywords)

    def convert(self, name: str, value: Any) -> Any:
        if name == "bool":
            return bool(value)
        if name == "str":
            if type(value) is not str:
                bound = self.measure(value)
                if bound > MAX_LENGTH:
                    raise CheckFailed(f"a value longer than {MAX_LENGTH}")
                self.charge(bound // CHARACTERS_PER_UNIT)
            return str(value)
        if type(value) not in (*_NUMBERS, str):
            raise CheckFailed(f"{name} needs a number or a text")
        if name == "int" and type(value) is str and len(value) > MAX_INT_DIGITS:
            raise CheckFailed(f"int of a text over {MAX_INT_DIGITS} characters")
        return int(value) if name == "int" else float(value)
