"""The outside evaluator of teachers' checks: what it accepts, what it refuses, and its caps."""

import ast
import builtins
import math

import pytest

from courses.grading.checks import (
    BUDGET,
    BUILTIN_NAMES,
    MAX_DEPTH,
    MAX_INT_BITS,
    MAX_LENGTH,
    Check,
    CheckFailed,
    CheckRefused,
    compile_check,
    evaluate,
    is_allowed_name,
)


def run(source, **names):
    return evaluate(compile_check(source), names)


def nested(levels, inner=None):
    """A list nested ``levels`` deep, built iteratively."""
    value = [] if inner is None else inner
    for _ in range(levels - 1):
        value = [value]
    return value


class AlwaysEqual:
    def __eq__(self, other):
        return True

    def __hash__(self):
        return 0


class SneakyFloat(float):
    def __eq__(self, other):
        return True

    __hash__ = float.__hash__


# --- What it evaluates -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "names"),
    [
        ("abs(_v0 - 2 / 3) < 1e-9", {"_v0": 2 / 3}),
        ("_v0 == 0.0", {"_v0": 0.0}),
        ("isinstance(_v0, float)", {"_v0": 0.5}),
        ("_v0 == 0.5", {"_v0": 0.5}),
        ("math.isclose(_v0, 0.999, rel_tol=1e-9)", {"_v0": 0.999}),
        ("math.isclose(_v0, 1, abs_tol=0.01)", {"_v0": 0.995}),
        ("sorted(_v0) == [1, 2, 3]", {"_v0": [3, 1, 2]}),
        ("_v0 is None", {"_v0": None}),
        ("_v0 is not None", {"_v0": 0}),
        ("_v0 is True", {"_v0": True}),
        ("len(_v0) == 3 and _v0[0] == 'a'", {"_v0": "abc"}),
        ("len(_v0) == 3 and _v0[0] == 'a'", {"_v0": ["a", "b", "c"]}),
        ("_v0 in (1, 2)", {"_v0": 2}),
        ("_v1 == data", {"_v1": [1, {"a": (2, 3)}], "data": [1, {"a": (2, 3)}]}),
        ("_v0 == {'a': [1, 2], 'b': {1, 2}}", {"_v0": {"a": [1, 2], "b": {2, 1}}}),
        ("isinstance(_v0, (int, float)) and not isinstance(_v0, bool)", {"_v0": 3}),
        ("isinstance(_v0, (list, type(None)))", {"_v0": None}),
        ("isinstance(_v0, None)", {"_v0": None}),
        ("1 < _v0 <= 3 != 4", {"_v0": 3}),
        ("'ell' in _v0 and 'x' not in _v0", {"_v0": "hello"}),
        ("'k' in _v0", {"_v0": {"k": 1}}),
        ("_v0[-1] == 3 and _v0[1:] == [2, 3] and _v0[::-1] == [3, 2, 1]", {"_v0": [1, 2, 3]}),
        ("_v0['a'][1] == 2", {"_v0": {"a": [1, 2]}}),
        ("_v0[(1, 2)] == 'x'", {"_v0": {(1, 2): "x"}}),
        ("_v0 is None or _v0 > 1", {"_v0": None}),  # short-circuit: None > 1 is never evaluated
        ("min(_v0) == 1 and max(_v0) == 3 and sum(_v0) == 6", {"_v0": [3, 1, 2]}),
        ("min(_v0, 0) == 0 and max(1, 2, _v0) == 5", {"_v0": 5}),
        ("all(_v0) and not any([0, '', None])", {"_v0": [1, True, "x"]}),
        ("set(_v0) == {1, 2} and frozenset(_v0) == {2, 1}", {"_v0": [1, 2, 2]}),
        ("list(_v0) == [1, 2] and tuple(_v0) == (1, 2)", {"_v0": (1, 2)}),
        ("dict(_v0) == {'a': 1}", {"_v0": [("a", 1)]}),
        ("int(_v0) == 12 and float('2.5') == 2.5 and str(_v0) == '12' and bool(_v0)", {"_v0": 12}),
        ("str(_v0) == \"[1, 'a', None, 2.5, (1,), {'k': True}]\"", {"_v0": [1, "a", None, 2.5, (1,), {"k": True}]}),
        ("round(_v0, 2) == 3.14 and round(_v0) == 3 and round(_v0, ndigits=1) == 3.1", {"_v0": math.pi}),
        ("math.sqrt(_v0) == 3 and math.floor(2.5) == 2 and math.ceil(2.5) == 3", {"_v0": 9}),
        ("math.isnan(_v0) and not math.isfinite(_v0)", {"_v0": math.nan}),
        ("math.isinf(_v0) and _v0 == math.inf and math.e > 2", {"_v0": math.inf}),
        ("abs(_v0 - math.pi) < 1e-9", {"_v0": 3.141592653589793}),
        ("_v0 // 2 == 3 and _v0 % 4 == 3 and _v0 ** 2 == 49 and -_v0 == -7 and +_v0 == 7", {"_v0": 7}),
        ("_v0 + [3] == [1, 2, 3] and _v0 * 2 == [1, 2, 1, 2]", {"_v0": [1, 2]}),
        ("_v0 + 'b' == 'ab' and 3 * _v0 == 'aaa'", {"_v0": "a"}),
        ("_v0 - {1} == {2}", {"_v0": {1, 2}}),
        ("(_v0 if _v0 > 0 else -_v0) == 2", {"_v0": -2}),
        ("sorted(_v0, reverse=True) == [3, 2, 1]", {"_v0": {1, 2, 3}}),
        ("len(_v0) == 1", {"_v0": nested(MAX_DEPTH)}),
        ("_v0 == expected", {"_v0": nested(MAX_DEPTH), "expected": nested(MAX_DEPTH)}),
        ("_v0 == 2 ** 9000", {"_v0": 2**9000}),
    ],
)
def test_checks_that_pass(source, names):
    assert evaluate(compile_check(source), names) is True


@pytest.mark.parametrize(
    ("source", "names"),
    [
        ("abs(_v0 - 2 / 3) < 1e-9", {"_v0": 0.6}),
        ("_v0 == 0.5", {"_v0": "0.5"}),
        ("isinstance(_v0, float)", {"_v0": 1}),
        ("isinstance(_v0, int)", {"_v0": None}),
        ("sorted(_v0) == [1, 2, 3]", {"_v0": [1, 2]}),
        ("_v0 is None", {"_v0": 0}),
        ("_v0 is True", {"_v0": 1}),
        ("_v0 in (1, 2)", {"_v0": 3}),
        ("_v1 == data", {"_v1": [1, 2], "data": (1, 2)}),
        ("1 < _v0 < 3", {"_v0": 5}),
    ],
)
def test_checks_that_do_not_pass(source, names):
    assert evaluate(compile_check(source), names) is False


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("0 or '' or [] or 5", 5),
        ("1 and 0 and 1 / 0", 0),
        ("False and 1 / 0", False),
        ("True or 1 / 0", True),
        ("not []", True),
        ("1 if [] else 2", 2),
        ("[1, (2, 3), {4}, {'a': None}]", [1, (2, 3), {4}, {"a": None}]),
        ("7 / 2", 3.5),
        ("-True", -1),
        ("2 ** -1", 0.5),
        ("(-1) ** (10 ** 100)", 1),
        ("'abc'[1:]", "bc"),
        ("round(1234, -2)", 1200),
        ("min('bca')", "a"),
        ("int(' 12 ') + int(2.9) + int(True)", 15),
        ("sum([0.5, 1], 10)", 11.5),
        ("list({'a': 1})", ["a"]),
        ("set()", set()),
        ("str('x')", "x"),
        ("float('1e400')", math.inf),
    ],
)
def test_values_follow_python(source, expected):
    result = run(source)
    assert result == expected and type(result) is type(expected)


def test_a_name_is_read_from_names_as_it_is():
    value = [1, [2, 3]]
    assert run("_v0", _v0=value) is value


def test_a_check_is_evaluated_many_times():
    check = compile_check("_v0 * 2 == n")
    assert [evaluate(check, {"_v0": v, "n": 4}) for v in (2, 3, 2.0)] == [True, False, True]


def test_compile_check_accepts_a_tree_and_owns_a_copy():
    tree = ast.parse("_v0 == data", mode="eval").body
    check = compile_check(tree)
    assert check.source == "_v0 == data" and check.names == {"_v0", "data"}
    assert check.node is not tree
    tree.left = ast.Call(func=ast.Name(id="open", ctx=ast.Load()), args=[], keywords=[])  # changed afterwards
    assert evaluate(check, {"_v0": 1, "data": 1}) is True


@pytest.mark.parametrize(
    ("source", "names"),
    [
        ("1 + 2", set()),
        ("len(_v0) == n and math.pi > x", {"_v0", "n", "x"}),
        ("isinstance(_v0, (int, type(None)))", {"_v0"}),
        ("sorted(data, reverse=flag)[0]", {"data", "flag"}),
    ],
)
def test_names_are_the_free_names_read(source, names):
    assert compile_check(source).names == names


def test_builtin_names():
    assert {"abs", "len", "round", "isinstance", "sorted", "min", "max", "sum", "all", "any", "math"} <= BUILTIN_NAMES
    assert {"set", "frozenset", "list", "tuple", "dict", "int", "float", "str", "bool"} <= BUILTIN_NAMES
    assert all(map(is_allowed_name, BUILTIN_NAMES))
    for name in ("eval", "exec", "open", "type", "getattr", "__import__", "print", "_v0", "data"):
        assert not is_allowed_name(name)


# --- What it refuses -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "named"),
    [
        ("().__class__", "attribute access '().__class__'"),
        ("_v0.real", "attribute access '_v0.real'"),
        ("_v0.append(1)", "calling '_v0.append'"),
        ("math.__dict__", "attribute access 'math.__dict__'"),
        ("__import__('os')", "calling '__import__'"),
        ("open('x')", "calling 'open'"),
        ("eval('1')", "calling 'eval'"),
        ("exec('1')", "calling 'exec'"),
        ("type(_v0)", "calling 'type'"),
        ("f(1)", "calling 'f'"),
        ("math.factorial(5)", "calling 'math.factorial'"),
        ("(lambda: 1)()", "calling 'lambda: 1'"),
        ("lambda: 1", "a lambda"),
        ("[x for x in _v0]", "a comprehension"),
        ("{x: 1 for x in _v0}", "a comprehension"),
        ("all(x > 0 for x in _v0)", "a generator expression"),
        ("f'{_v0}'", "an f-string"),
        ("(x := 1)", "the walrus operator ':='"),
        ("[*_v0]", "unpacking with '*'"),
        ("max(*_v0)", "unpacking with '*'"),
        ("{**_v0}", "unpacking with '**'"),
        ("sorted(_v0, **k)", "'**'"),
        ("_v0 is [1]", "'is' may only compare with None, True or False"),
        ("_v0 is _v1", "'is' may only compare with None, True or False"),
        ("isinstance(_v0, object)", "not 'object'"),
        ("isinstance(_v0, type)", "not 'type'"),
        ("isinstance(_v0, (int, _v1))", "not '_v1'"),
        ("~_v0", "the operator '~'"),
        ("_v0 << 2", "the operator '<<'"),
        ("_v0 | {1}", "the operator '|'"),
        ("_v0 @ _v0", "the operator '@'"),
        ("1j", "a complex number"),
        ("b'x'", "a bytes literal"),
        ("...", "'...'"),
        ("sorted(_v0, key=len)", "the keyword argument 'key' of 'sorted'"),
        ("round(_v0, digits=2)", "the keyword argument 'digits' of 'round'"),
        ("abs(1, 2)", "'abs' takes 1 positional argument"),
        ("len", "'len' may only be called"),
        ("math", "'math' may only be used as math.<function>"),
        ("math.sqrt", "'math.sqrt' may only be called"),
        ("__builtins__", "the name '__builtins__'"),
        ("_v0[1:2, 3]", "a slice outside of x[...]"),
        ("await _v0", "'await'"),
        ("1 +", "not a valid Python expression"),
        ("x = 1", "not a valid Python expression"),
    ],
)
def test_refused_constructs_are_named(source, named):
    with pytest.raises(CheckRefused) as refused:
        compile_check(source)
    assert named in str(refused.value)


@pytest.mark.parametrize(
    ("source", "named"),
    [
        ("1" + " " * 10_000, "at most 10000 characters"),
        ("[" + "0, " * 1_000 + "]", "at most 1000 parts"),
        ("(" * 51 + "_v0" + ",)" * 51, "at most 50 levels"),
        ("-" * 5_000 + "1", "not a valid Python expression"),
        ("1" + " + 1" * 2_000, "at most"),
    ],
)
def test_oversized_checks_are_refused(source, named):
    with pytest.raises(CheckRefused, match=named):
        compile_check(source)


def test_hand_built_trees_are_held_to_the_same_rules():
    with pytest.raises(CheckRefused):
        compile_check(ast.Constant(value=object()))
    with pytest.raises(CheckRefused, match="a complex number"):
        compile_check(ast.Constant(value=2j))
    with pytest.raises(CheckRefused, match="attribute access"):
        compile_check(ast.Attribute(value=ast.Name(id="x", ctx=ast.Load()), attr="y", ctx=ast.Load()))
    cyclic = ast.BinOp(left=ast.Constant(value=1), op=ast.Add(), right=ast.Constant(value=1))
    cyclic.left = cyclic
    with pytest.raises(CheckRefused, match="at most"):
        compile_check(cyclic)
    with pytest.raises(CheckRefused):
        compile_check(ast.parse("1", mode="exec"))


@pytest.mark.parametrize("source", ["open('x')", "().__class__", "lambda: 1", "[x for x in y]", "f(1)"])
def test_an_unvalidated_check_still_cannot_reach_python(source):
    """A Check built without compile_check: evaluation refuses what it does not know rather than run it."""
    check = Check(ast.parse(source, mode="eval").body, source, frozenset())
    with pytest.raises(CheckFailed):
        evaluate(check, {"y": [1], "x": 1})


# --- Caps and failures -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "names"),
    [
        ("_v0 ** 100000", {"_v0": 10}),
        ("2 ** 10001", {}),
        ("3 ** 10000", {}),
        ("_v0 * _v0", {"_v0": 2**9000}),
        ("_v0 == 1", {"_v0": 2 ** (MAX_INT_BITS + 1)}),
        ("[0] * 10**9", {}),
        ("'a' * 10**9", {}),
        ("10**9 * (0,)", {}),
        ("_v0 + _v0", {"_v0": "x" * 60_000}),
        ("_v0 + _v0", {"_v0": [0] * 60_000}),
        ("sum(_v0)", {"_v0": [1] * 10**6}),
        ("len(_v0)", {"_v0": "x" * (MAX_LENGTH + 1)}),
        ("_v0 == _v0", {"_v0": nested(1_000)}),
        ("len(_v0)", {"_v0": nested(MAX_DEPTH + 1)}),
        ("[_v0] == [_v0]", {"_v0": nested(MAX_DEPTH)}),
        ("int('9' * 5000)", {}),
        ("int(_v0)", {"_v0": "1" * 4_301}),
        ("str(_v0)", {"_v0": ["x" * 20_000]}),
        ("str([_v0] * 1000)", {"_v0": 2**9000}),
        ("round(1, -10**9)", {}),
        ("[_v0] * 100000 == [_v0] * 100000", {"_v0": list(range(10))}),
        ("sorted([_v0] * 100000)", {"_v0": "x" * 99_999}),
        ("_v0 in [_v0] * 100000", {"_v0": "x" * 99_999}),
    ],
)
def test_caps_fail_the_check(source, names):
    with pytest.raises(CheckFailed):
        run(source, **names)


def test_the_budget_is_spent_by_the_size_of_what_operations_go_through():
    value = list(range(BUDGET // 10))
    assert run("sorted(_v0) == _v0", _v0=value) is True
    with pytest.raises(CheckFailed, match="more work"):
        run("[_v0, _v0, _v0, _v0, _v0] == [_v0, _v0, _v0, _v0, _v0, _v0]", _v0=value)


@pytest.mark.parametrize(
    ("source", "names"),
    [
        ("1 / 0", {}),
        ("1 // 0", {}),
        ("1 % 0", {}),
        ("0 ** -1", {}),
        ("_v0 + 1", {"_v0": "x"}),
        ("_v0 < 1", {"_v0": "x"}),
        ("'%s' % _v0", {"_v0": 1}),
        ("-_v0", {"_v0": "x"}),
        ("_v0[10]", {"_v0": [1, 2]}),
        ("_v0[10**100]", {"_v0": [1, 2]}),
        ("_v0['b']", {"_v0": {"a": 1}}),
        ("_v0['a']", {"_v0": [1]}),
        ("_v0[1.0]", {"_v0": [1]}),
        ("_v0[::0]", {"_v0": [1]}),
        ("_v0[0]", {"_v0": 5}),
        ("_v0[[1]]", {"_v0": {}}),
        ("{_v0: 1}", {"_v0": [1]}),
        ("{_v0}", {"_v0": {}}),
        ("int(_v0)", {"_v0": "x"}),
        ("int(_v0)", {"_v0": math.inf}),
        ("int(_v0)", {"_v0": [1]}),
        ("float(_v0)", {"_v0": 10**400}),
        ("math.sqrt(_v0)", {"_v0": -1}),
        ("math.floor(_v0)", {"_v0": math.inf}),
        ("math.isclose(_v0, 1)", {"_v0": "1"}),
        ("round(_v0)", {"_v0": math.nan}),
        ("round(1.5, 2.0)", {}),
        ("abs(_v0)", {"_v0": None}),
        ("len(_v0)", {"_v0": 5}),
        ("min(_v0)", {"_v0": []}),
        ("sum(_v0)", {"_v0": ["a", "b"]}),
        ("sorted(_v0)", {"_v0": [1, "a"]}),
        ("sorted(_v0, reverse='yes')", {"_v0": [1]}),
        ("set(_v0)", {"_v0": [[1]]}),
        ("dict(_v0)", {"_v0": [1, 2]}),
        ("1 in _v0", {"_v0": 2}),
        ("1 in _v0", {"_v0": "abc"}),
        ("(-8) ** 0.5", {}),
        ("2.0 ** 10000", {}),
        ("0.5 ** 10 ** 3000", {}),
        ("unknown + 1", {}),
    ],
)
def test_failing_operations_fail_the_check(source, names):
    with pytest.raises(CheckFailed):
        run(source, **names)


@pytest.mark.parametrize(
    "value",
    [
        AlwaysEqual(),
        [1, AlwaysEqual()],
        {"a": (1, AlwaysEqual())},
        {AlwaysEqual(): 1},
        SneakyFloat(0.5),
        [SneakyFloat(0.5)],
        type("MyInt", (int,), {})(1),
        b"0.5",
        bytearray(b"x"),
        1j,
        object(),
        range(3),
    ],
    ids=[
        "always-equal",
        "in-a-list",
        "in-a-dict",
        "a-dict-key",
        "float-subclass",
        "float-subclass-in-a-list",
        "int-subclass",
        "bytes",
        "bytearray",
        "complex",
        "object",
        "range",
    ],
)
def test_a_value_of_another_type_fails_rather_than_passes(value):
    for source in ("_v0 == 0.5", "_v0 != 0.5", "_v0 == [1, 0.5]", "len(_v0) > 0", "_v0 in [0.5]", "str(_v0)"):
        with pytest.raises(CheckFailed, match="not plain data"):
            run(source, _v0=value)


def test_a_cyclic_value_fails():
    value: list = [1]
    value.append(value)
    with pytest.raises(CheckFailed, match="nested deeper"):
        run("_v0 == _v0", _v0=value)


def test_evaluation_never_calls_eval_exec_or_compile(monkeypatch):
    checks = [
        (compile_check("abs(_v0 - 2 / 3) < 1e-9"), {"_v0": 2 / 3}),
        (compile_check("sorted(_v0) == [1, 2, 3] and str(_v0[0]) == '3'"), {"_v0": [3, 1, 2]}),
        (compile_check("math.isclose(_v0, 0.999, rel_tol=1e-9) and isinstance(_v0, float)"), {"_v0": 0.999}),
        (compile_check("_v1 == data and int('7') == 7 and {'a': 1}['a'] == 1"), {"_v1": [1], "data": [1]}),
    ]

    def forbidden(*args, **kwargs):
        raise AssertionError("the evaluator called eval, exec or compile")

    for name in ("eval", "exec", "compile"):
        monkeypatch.setattr(builtins, name, forbidden)
    assert all(evaluate(check, names) is True for check, names in checks)
