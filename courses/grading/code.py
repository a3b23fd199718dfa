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
(``courses.services.code_grading``). Feedback never contains a hidden test's code, input or
expected value: only its number, pass or fail, and a short reason.
"""

from __future__ import annotations

import hashlib
import json
import math
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from courses.grading import messages as msg
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
                compile(test["code"], f"<test {number}>", "exec")
            except SyntaxError as exc:
                raise InvalidCodeSpec(f"test {number} is not valid Python: {exc.msg}") from exc
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
    for part in (canonical, version, HARNESS.read_text(encoding="utf-8"), source):
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
    keep = {"unit": ("code",), "io": ("stdin",), "values": ("setup", "expr")}[mode]
    tests = [{key: test[key] for key in keep if key in test} for test in spec["tests"]]
    config = {"nonce": nonce, "mode": mode, "tests": tests, "output_cap": OUTPUT_CAP}
    return Job(
        files={"harness.py": HARNESS.read_text(encoding="utf-8"), "student.py": source},
        stdin=json.dumps(config).encode(),
        nonce=nonce,
        profile=spec.get("profile", "python"),
        limits=limits(spec),
    )


# Why a test failed, as shown to the student (short; never the test's content).
REASONS = {
    "assertion": msg.TEST_ASSERTION,
    "memory": msg.TEST_MEMORY,
    "recursion": msg.TEST_RECURSION,
    "timeout": msg.TEST_TIME,
    "output": msg.TEST_OUTPUT,
    "wrong_output": msg.TEST_WRONG_OUTPUT,
    "wrong_value": msg.TEST_WRONG_VALUE,
    "crashed": msg.TEST_CRASHED,
    "value": msg.TEST_VALUE_TYPE,
}

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
        except ValueError:
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
    if load is not None and load.get("load") == "syntax":
        return ItemResult(0.0, maximum, [msg.code_syntax_error(load.get("line"), load.get("message", ""))])
    if load is None or load.get("load") != "ok":
        cause = {"timeout": "timeout", "memory": "memory", "output": "output"}.get(outcome)
        if load is not None and str(load.get("load", "")).startswith("exception:"):
            return ItemResult(0.0, maximum, [msg.code_load_error(str(load["load"]).split(":", 1)[1])])
        return ItemResult(0.0, maximum, [REASONS[cause] if cause else msg.CODE_CRASHED])
    stopped = {"timeout": "timeout", "memory": "memory", "output": "output"}.get(outcome, "crashed")
    earned = 0.0
    feedback: list[Any] = []
    for number, test in enumerate(tests):
        event = events.get(number)
        passed, why = _judge(spec["mode"], test, event, stopped)
        if passed:
            earned += test_points(test)
        label = msg.code_test_label(number + 1, test.get("name") if test.get("visible") else None)
        feedback.append(msg.code_test_line(label, passed, None if passed else _reason_text(why)))
        if not passed and test.get("visible") and event is not None and why in ("wrong_output", "wrong_value"):
            # An example's details may be shown: its expected result is public already.
            expected, got = (
                (test.get("stdout", ""), event.get("stdout", ""))
                if why == "wrong_output"
                else (
                    json.dumps(test.get("expected"), ensure_ascii=False),
                    json.dumps(event.get("value"), ensure_ascii=False),
                )
            )
            feedback.append(msg.code_expected_got(_clip(str(expected)), _clip(str(got))))
    return ItemResult(earned * maximum / (sum(test_points(t) for t in tests) or 1.0), maximum, feedback)


def _clip(text: str, limit: int = 300) -> str:
    return text if len(text) <= limit else text[:limit] + "…"


def _reason_text(why: str) -> Any:
    if why.startswith("exception:"):
        return msg.test_exception(why.split(":", 1)[1][:60])
    return REASONS.get(why, msg.TEST_CRASHED)


def _judge(mode: str, test: dict[str, Any], event: dict[str, Any] | None, stopped: str) -> tuple[bool, str]:
    if event is None:
        return False, stopped
    if event.get("ok") is False:
        raw = str(event.get("reason", "crashed"))
        return False, raw if raw in REASONS or raw.startswith("exception:") else "crashed"
    if mode == "unit":
        return bool(event.get("ok")), "crashed"
    if mode == "io":
        if event.get("cut"):
            return False, "output"
        got = event.get("stdout")
        return (isinstance(got, str) and same_output(str(test.get("stdout", "")), got)), "wrong_output"
    return same_value(test.get("expected"), event.get("value"), _tolerance(test)), "wrong_value"
