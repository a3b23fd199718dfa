"""Python code items: the student's source, graded by tests in the sandbox.

Spec::

    {"mode": "unit" | "io" | "values",
     "profile": "python" | "data",          # data: numpy and pandas available
     "starter": "def add(a, b):\\n    ...",  # shown to the student
     "limits": {"cpu_seconds": 2, "wall_seconds": 5, "memory_mb": 256, "output_bytes": 65536},
     "tests": [
        # unit:   {"name", "code": "assert add(1, 2) == 3"}
        # io:     {"name", "stdin": "3 4\\n", "stdout": "7\\n"}
        # values: {"name", "setup": "import pandas as pd ...", "expr": "mean_by_region(df)",
        #          "expected": <JSON>, "tolerance": 1e-6}
        # each also: "visible": bool (an example the student sees), "points": number (default 1)
     ]}

Grading is not instant: ``grade`` marks the item queued, and a task runs it in the sandbox
(``courses.services.code_grading``).

The sandbox only observes (``code_harness.py``): the student's code shares its interpreter with the
harness, so anything the harness reports the student's code could have reported instead. Every verdict
is therefore decided here, outside, against expected values that never enter the sandbox: a ``unit``
test's asserts are split by ``courses.grading.assertions`` into the expressions observed inside and the
checks evaluated here by ``courses.grading.checks``; a ``values`` test's expected value is compared here;
an ``io`` test's expected output too. Feedback on a hidden test comes from a fixed vocabulary decided
here (passed, wrong value, raised an exception, time limit, memory limit, output limit, stopped):
nothing the student's code prints or names reaches it. An example (a visible test) may also show the
student's own value and, for an exception, its class name if it is one of Python's built-in exceptions.
"""

from __future__ import annotations

import builtins
import hashlib
import json
import math
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from courses.grading import checks
from courses.grading import messages as msg
from courses.grading.assertions import Assignment, UnconvertibleTest, convert
from courses.grading.results import MAX_POINTS, ItemResult, text_problem
from courses.grading.results import points as points_of

MODES = ("unit", "io", "values")
PROFILES = ("python", "data")
MAX_SOURCE_LENGTH = 64_000
MAX_TESTS = 100
#: The most an author may ask for; the defaults suit a short exercise.
DEFAULT_LIMITS = {"cpu_seconds": 2.0, "wall_seconds": 5.0, "memory_mb": 256, "output_bytes": 64 * 1024}
CEILINGS = {"cpu_seconds": 10.0, "wall_seconds": 20.0, "memory_mb": 1024, "output_bytes": 1024 * 1024}
#: Student output kept per test (io mode compares it; longer output fails the test).
OUTPUT_CAP = 10_000
HARNESS = Path(__file__).with_name("code_harness.py")
#: Part of every cached result's key (``cache_key``): change it when the verdicts change for the same runs.
GRADER_VERSION = "2: verdicts outside the sandbox"


class InvalidCodeSpec(ValueError):
    """The item's spec is not a usable code item (raised for authors, never for students)."""


def check_spec(spec: dict[str, Any]) -> None:
    """Raise InvalidCodeSpec naming what is wrong with an author's spec."""
    if spec.get("mode") not in MODES:
        raise InvalidCodeSpec(f"mode must be one of {', '.join(MODES)}")
    if spec.get("profile", "python") not in PROFILES:
        raise InvalidCodeSpec(f"profile must be one of {', '.join(PROFILES)}")
    if not isinstance(spec.get("starter", ""), str):
        raise InvalidCodeSpec("starter must be text")
    tests = spec.get("tests")
    if not isinstance(tests, list) or not tests or len(tests) > MAX_TESTS:
        raise InvalidCodeSpec(f"tests must be a list of 1 to {MAX_TESTS} tests")
    needed = {"unit": ("code",), "io": ("stdout",), "values": ("expr", "expected")}[spec["mode"]]
    for number, test in enumerate(tests, start=1):
        if not isinstance(test, dict):
            raise InvalidCodeSpec(f"test {number} must be a mapping")
        for key in needed:
            if key not in test:
                raise InvalidCodeSpec(f"test {number} needs '{key}'")
        for key in ("code", "stdin", "stdout", "setup", "expr"):
            if key in test and not isinstance(test[key], str):
                raise InvalidCodeSpec(f"test {number}: '{key}' must be text")
        if spec["mode"] == "unit":
            try:
                convert(test["code"])
            except UnconvertibleTest as exc:
                name = f" ({test['name']})" if isinstance(test.get("name"), str) and test["name"] else ""
                raise InvalidCodeSpec(f"test {number}{name} cannot be checked outside the sandbox: {exc}") from exc
    limits = spec.get("limits", {})
    if not isinstance(limits, dict) or any(key not in DEFAULT_LIMITS for key in limits):
        raise InvalidCodeSpec(f"limits may set only {', '.join(DEFAULT_LIMITS)}")


# A test's points follow the same rule as an item's ("points", a positive number, else 1).
test_points = points_of


def points(spec: dict[str, Any]) -> float:
    tests = spec.get("tests")
    if not isinstance(tests, list) or not tests:
        return 1.0
    return min(sum(test_points(test) for test in tests if isinstance(test, dict)), MAX_POINTS) or 1.0


def limits(spec: dict[str, Any]) -> dict[str, float]:
    """The run's limits: the spec's, within the ceilings, else the defaults."""
    chosen = dict(DEFAULT_LIMITS)
    given: dict[str, Any] = spec["limits"] if isinstance(spec.get("limits"), dict) else {}
    for key, default in DEFAULT_LIMITS.items():
        value = given.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value) or value <= 0:
            value = default
        chosen[key] = min(float(value), CEILINGS[key])
        if isinstance(default, int):
            chosen[key] = int(chosen[key])
    return chosen


def validate(spec: dict[str, Any], response: object) -> object | None:
    return text_problem(response, MAX_SOURCE_LENGTH, msg.EXPECTED_CODE)


def grade(spec: dict[str, Any], response: object) -> ItemResult:
    """Queue the item for the sandbox (a bad response scores 0 at once)."""
    problem = validate(spec, response)
    if problem:
        return ItemResult(0.0, points(spec), [problem])
    return ItemResult(0.0, points(spec), [msg.CODE_QUEUED], queued=True)


def public(spec: dict[str, Any]) -> dict[str, Any]:
    """What the student sees: the starter code, the examples, how many tests there are, the limits."""
    examples = []
    tests: list[Any] = spec["tests"] if isinstance(spec.get("tests"), list) else []
    for test in tests:
        if isinstance(test, dict) and test.get("visible"):
            shown = {key: test[key] for key in ("name", "code", "stdin", "stdout", "setup", "expr") if key in test}
            if spec.get("mode") == "values" and "expected" in test:
                shown["expected"] = test["expected"]
            examples.append(shown)
    return {
        "mode": spec.get("mode"),
        "profile": spec.get("profile", "python"),
        "starter": spec.get("starter", ""),
        "examples": examples,
        "tests": len(tests),
        "limits": limits(spec),
    }


def cache_key(spec: dict[str, Any], source: str) -> str:
    """Identical code for the same version of the tests gets the same result."""
    canonical = json.dumps(
        {"tests": spec.get("tests"), "mode": spec.get("mode"), "profile": spec.get("profile", "python")},
        sort_keys=True,
        separators=(",", ":"),
    )
    version = json.dumps(limits(spec), sort_keys=True)
    digest = hashlib.sha256()
    for part in (canonical, version, GRADER_VERSION, HARNESS.read_text(encoding="utf-8"), source):
        digest.update(hashlib.sha256(part.encode()).digest())
    return digest.hexdigest()


@dataclass(frozen=True)
class Job:
    """What to run in the sandbox for one response."""

    files: dict[str, str]
    stdin: bytes
    nonce: str
    profile: str
    limits: dict[str, float]


def job(spec: dict[str, Any], source: str) -> Job:
    """The files and input for the sandbox. Expected outputs and values never go in."""
    nonce = secrets.token_hex(16)
    mode = spec["mode"]
    if mode == "io":
        tests: list[dict[str, Any]] = [{"stdin": test.get("stdin", "")} for test in spec["tests"]]
    else:
        tests = [{"steps": steps(mode, test)} for test in spec["tests"]]
    config = {"nonce": nonce, "mode": "io" if mode == "io" else "steps", "tests": tests, "output_cap": OUTPUT_CAP}
    return Job(
        files={"harness.py": HARNESS.read_text(encoding="utf-8"), "student.py": source},
        stdin=json.dumps(config).encode(),
        nonce=nonce,
        profile=spec.get("profile", "python"),
        limits=limits(spec),
    )


def steps(mode: str, test: dict[str, Any]) -> list[dict[str, str]]:
    """What the sandbox does for a ``unit`` or ``values`` test: statements to run, expressions to observe."""
    if mode == "values":
        setup = [{"exec": test["setup"]}] if test.get("setup") else []
        return [*setup, {"eval": test["expr"]}]
    return [{step.kind: step.source} for step in convert(test["code"]).steps]


# Why a test failed, as shown to the student (short; never the test's content).
REASONS = {
    "wrong_value": msg.TEST_WRONG_VALUE,
    "wrong_output": msg.TEST_WRONG_OUTPUT,
    "exception": msg.TEST_EXCEPTION,
    "timeout": msg.TEST_TIME,
    "memory": msg.TEST_MEMORY,
    "output": msg.TEST_OUTPUT,
    "stopped": msg.TEST_CRASHED,
}
#: What the harness reports a step ended with, as a reason above.
_ERRORS = {
    "exception": "exception",
    "recursion": "exception",
    "memory": "memory",
    "exit": "stopped",
    "value": "wrong_value",
}
#: Exception names an example's feedback may show: Python's own, never a class the student named.
BUILT_IN_EXCEPTIONS = frozenset(
    name for name, value in vars(builtins).items() if isinstance(value, type) and issubclass(value, BaseException)
)

MAX_EVENT_LINE = 200_000


def read_events(stdout: bytes, nonce: str) -> tuple[dict[str, Any] | None, dict[int, dict[str, Any]]]:
    """The harness's report: the load event and each test's event, from its prefixed lines only.

    Lines are size-checked and parsed as JSON, nothing else; anything malformed is ignored.
    """
    prefix = (nonce + " ").encode()
    load: dict[str, Any] | None = None
    tests: dict[int, dict[str, Any]] = {}
    for line in stdout.split(b"\n"):
        if not line.startswith(prefix) or len(line) > MAX_EVENT_LINE:
            continue
        try:
            event = json.loads(line[len(prefix) :])
        except (ValueError, RecursionError):  # malformed, or nested deeper than the parser goes
            continue
        if not isinstance(event, dict):
            continue
        if "load" in event and load is None:
            load = event
        elif isinstance(event.get("i"), int) and event["i"] not in tests:
            tests[event["i"]] = event
    return load, tests


def same_output(expected: str, got: str) -> bool:
    """Outputs compared line by line, ignoring trailing spaces and trailing blank lines."""

    def lines(text: str) -> list[str]:
        rows = [row.rstrip() for row in text.replace("\r\n", "\n").split("\n")]
        while rows and not rows[-1]:
            rows.pop()
        return rows

    return lines(expected) == lines(got)


def same_value(expected: Any, got: Any, tolerance: float) -> bool:
    """JSON values compared with a relative-or-absolute tolerance on numbers (tables included)."""
    if isinstance(expected, bool) or isinstance(got, bool):
        return expected is got if isinstance(expected, bool) and isinstance(got, bool) else False
    if isinstance(expected, int | float) and isinstance(got, int | float):
        return math.isclose(float(expected), float(got), rel_tol=tolerance, abs_tol=tolerance)
    if isinstance(expected, list) and isinstance(got, list):
        return len(expected) == len(got) and all(
            same_value(a, b, tolerance) for a, b in zip(expected, got, strict=True)
        )
    if isinstance(expected, dict) and isinstance(got, dict):
        return expected.keys() == got.keys() and all(same_value(expected[k], got[k], tolerance) for k in expected)
    return bool(expected == got)


def _tolerance(test: dict[str, Any]) -> float:
    value = test.get("tolerance", 1e-9)
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value) or value < 0:
        return 1e-9
    return float(value)


def score(spec: dict[str, Any], stdout: bytes, nonce: str, outcome: str) -> ItemResult:
    """Score a sandbox run: points for each passed test; a reason for each failed one.

    ``outcome`` is the sandbox's (ok, error, timeout, memory, output, failed); a test the
    run did not get to is failed with the reason the run stopped.
    """
    tests = spec["tests"]
    maximum = points(spec)
    load, events = read_events(stdout, nonce)
    limit = {"timeout": "timeout", "memory": "memory", "output": "output"}.get(outcome)
    if load is not None and load.get("load") == "syntax":
        message = str(load["message"]) if isinstance(load.get("message"), str) else ""
        line = load.get("line") if isinstance(load.get("line"), int) else None
        return ItemResult(0.0, maximum, [msg.code_syntax_error(line, _clip(message, 200))])
    if load is None or load.get("load") != "ok":
        if limit is None and load is not None:
            name = _built_in_exception(load.get("exception"))
            return ItemResult(0.0, maximum, [msg.code_load_error(name) if name else msg.CODE_LOAD_FAILED])
        return ItemResult(0.0, maximum, [REASONS[limit] if limit else msg.CODE_CRASHED])
    stopped = limit or "stopped"
    earned = 0.0
    feedback: list[Any] = []
    for number, test in enumerate(tests):
        event = events.get(number)
        visible = bool(test.get("visible"))
        passed, why, shown = _judge(spec["mode"], test, event, stopped)
        if passed:
            earned += test_points(test)
        label = msg.code_test_label(number + 1, test.get("name") if visible else None)
        reason = None if passed else _reason_text(why, event if visible else None)
        feedback.append(msg.code_test_line(label, passed, reason))
        if not passed and visible and shown is not None:
            feedback.append(shown)
    return ItemResult(earned * maximum / (sum(test_points(t) for t in tests) or 1.0), maximum, feedback)


def _clip(text: str, limit: int = 300) -> str:
    return text if len(text) <= limit else text[:limit] + "…"


def _built_in_exception(name: object) -> str | None:
    return name if isinstance(name, str) and name in BUILT_IN_EXCEPTIONS else None


def _reason_text(why: str, event: dict[str, Any] | None) -> Any:
    """The reason from the fixed vocabulary; for an example's exception, Python's own class name."""
    if why == "exception" and event is not None:
        name = _built_in_exception(event.get("exception"))
        if name:
            return msg.test_exception(name)
    return REASONS.get(why, msg.TEST_CRASHED)


def _judge(mode: str, test: dict[str, Any], event: dict[str, Any] | None, stopped: str) -> tuple[bool, str, Any | None]:
    """Whether a test passed, why not, and what an example may show (the student's own value)."""
    if event is None:
        return False, stopped, None
    if mode == "io":
        if event.get("error"):
            return False, _ERRORS.get(str(event["error"]), "stopped"), None
        got = event.get("stdout")
        if event.get("cut"):
            return False, "output", None
        if isinstance(got, str) and same_output(str(test.get("stdout", "")), got):
            return True, "", None
        shown = msg.code_expected_got(_clip(str(test.get("stdout", ""))), _clip(got if isinstance(got, str) else ""))
        return False, "wrong_output", shown
    values = observed_values(event)
    if values is None:
        return False, "wrong_value", None
    if event.get("error"):
        return False, _ERRORS.get(str(event["error"]), "stopped"), None
    if mode == "values":
        got = to_json(values[0]) if values else None
        if values and same_value(test.get("expected"), got, _tolerance(test)):
            return True, "", None
        expected = json.dumps(test.get("expected"), ensure_ascii=False)
        return False, "wrong_value", msg.code_expected_got(_clip(expected), _clip(_show(got)))
    if passes_checks(test["code"], values):
        return True, "", None
    return False, "wrong_value", msg.code_your_values(_clip(", ".join(_show(value) for value in values)))


def passes_checks(code: str, values: list[Any]) -> bool:
    """A unit test's verdict: its checks evaluated outside, against the observed values."""
    plan = convert(code)
    if len(values) != plan.observations:
        return False
    names: dict[str, Any] = {f"_v{number}": value for number, value in enumerate(values)}
    try:
        for entry in plan.outside:
            if isinstance(entry, Assignment):
                result = checks.evaluate(entry.value, names)
                if len(entry.names) == 1:
                    names[entry.names[0]] = result
                elif isinstance(result, list | tuple) and len(result) == len(entry.names):
                    names.update(zip(entry.names, result, strict=True))
                else:
                    return False
            elif not bool(checks.evaluate(entry, names)):  # plain data: its truth is Python's own
                return False
    except checks.CheckFailed:
        return False
    return True


def _show(value: Any) -> str:
    return json.dumps(to_json(value), ensure_ascii=False) if not isinstance(value, _Opaque) else value.name


class _Opaque:
    """A value the harness could not report as data (an object of the student's class): equal to nothing."""

    def __init__(self, name: str) -> None:
        self.name = f"<{name}>"


#: Observed values are decoded within these caps (the harness's own caps, and a margin).
MAX_VALUE_DEPTH = 60
MAX_VALUE_NODES = 200_000


class _BadValue(ValueError):
    """An observation that is not the harness's tagged data, or over the caps."""


def observed_values(event: dict[str, Any]) -> list[Any] | None:
    """A test event's observed values as plain Python data (None when they are malformed)."""
    raw = event.get("values", [])
    if not isinstance(raw, list):
        return None
    budget = [MAX_VALUE_NODES]
    try:
        return [decode(value, 0, budget) for value in raw]
    except _BadValue:
        return None


def decode(value: Any, depth: int, budget: list[int]) -> Any:
    """Tagged plain data (``code_harness.observe``) as built-in values: lists, tuples, dicts, sets, numbers."""
    budget[0] -= 1
    if depth > MAX_VALUE_DEPTH or budget[0] < 0:
        raise _BadValue("too deep or too large")
    if value is None or type(value) in (bool, int, str):
        return value
    if type(value) is float:
        return value
    if type(value) is list:
        return [decode(entry, depth + 1, budget) for entry in value]
    if type(value) is not dict or len(value) != 1:
        raise _BadValue("not tagged data")
    ((tag, inner),) = value.items()
    if tag == "float" and inner in ("nan", "inf", "-inf"):
        return float(inner)
    if tag == "object" and isinstance(inner, str):
        return _Opaque(inner)
    if type(inner) is list:
        entries = [decode(entry, depth + 1, budget) for entry in inner]
        try:
            if tag == "tuple":
                return tuple(entries)
            if tag == "set":
                return set(entries)
            if tag == "frozenset":
                return frozenset(entries)
            if tag == "dict" and all(type(pair) is list and len(pair) == 2 for pair in entries):
                return {key: entry for key, entry in entries}
        except TypeError as exc:  # an unhashable key or member (a list in a set)
            raise _BadValue(str(exc)) from exc
    if tag in ("dataframe", "series") and type(inner) is dict:
        return {tag: {str(key): decode(entry, depth + 1, budget) for key, entry in inner.items()}}
    raise _BadValue(f"unknown tag {tag!r}")


def to_json(value: Any) -> Any:
    """A decoded value as the JSON a ``values`` test's expected value is written in."""
    if isinstance(value, float) and not math.isfinite(value):
        return {"float": repr(value)}
    if isinstance(value, list | tuple):
        return [to_json(entry) for entry in value]
    if isinstance(value, set | frozenset):
        return sorted((to_json(entry) for entry in value), key=repr)
    if isinstance(value, dict):
        return {str(key): to_json(entry) for key, entry in value.items()}
    if isinstance(value, _Opaque):
        return {"repr": value.name}
    return value
