"""The test runner that runs inside the sandbox, beside the student's ``student.py``.

Standard library only, for any Python 3.11: it is copied into the sandbox as a file and
run there by the sandbox's own interpreter, never imported by the platform.

It only *observes*; it decides nothing. Whatever it reports, the student's code could have
reported instead (they share an interpreter), so the grader outside treats its report as the
student's own values: verdicts, expected values and hidden tests' checks never come in here.

Protocol. stdin: one JSON object ``{"nonce", "mode", "tests", "output_cap"}``.
stdout: one line per event, each ``<nonce> <json>``: first ``{"load": "ok"}`` (or why the
student's code could not be loaded), then ``{"i": n, ...}`` per test as it finishes, so
that a run stopped by a limit still reports the tests it got through. The student's own
prints are captured (and capped), not mixed with these lines.

Modes:
- ``steps``: each test is a list of steps, run in a copy of the student module's namespace:
  ``{"exec": code}`` runs a statement, ``{"eval": expression}`` observes a value. The event
  lists the observed values (``"values"``), and, when a step raised, what happened
  (``"error"``: exception, memory, recursion, exit; ``"exception"``: the exception's class name).
- ``io``: the student's file runs as a script once per test, with the test's stdin; its
  output is reported for comparison outside.

Observed values are reported as plain data, tagged where JSON would lose the type:
``{"tuple": [...]}``, ``{"set": [...]}``, ``{"frozenset": [...]}``, ``{"dict": [[key, value], ...]}``,
``{"float": "nan"}``, ``{"dataframe": {...}}``, ``{"series": {...}}``, ``{"object": type name}``.
"""

from __future__ import annotations

import io
import json
import math
import os
import sys
import types
from typing import Any

STUDENT_FILE = "student.py"
MAX_DEPTH = 50
MAX_NODES = 100_000


class CappedText(io.StringIO):
    """A text buffer that keeps at most ``cap`` characters and remembers it was cut."""

    def __init__(self, cap: int) -> None:
        super().__init__()
        self.cap = cap
        self.cut = False

    def write(self, text: str) -> int:
        room = self.cap - self.tell()
        if room <= 0:
            self.cut = True
            return len(text)
        if len(text) > room:
            self.cut = True
            super().write(text[:room])
            return len(text)
        return super().write(text)


def emit(nonce: str, event: dict[str, Any]) -> None:
    os.write(1, (nonce + " " + json.dumps(event, allow_nan=False) + "\n").encode())


def category(exc: BaseException) -> str:
    if isinstance(exc, MemoryError):
        return "memory"
    if isinstance(exc, RecursionError):
        return "recursion"
    if isinstance(exc, SystemExit):
        return "exit"
    return "exception"


class TooBig(ValueError):
    """A value deeper or larger than the grader takes."""


def observe(value: Any) -> Any:
    """A value as tagged plain data (see the module's docstring), within the depth and size caps."""
    budget = [MAX_NODES]
    return _observe(value, 0, budget)


def _observe(value: Any, depth: int, budget: list[int]) -> Any:
    budget[0] -= 1
    if depth > MAX_DEPTH or budget[0] < 0:
        raise TooBig("value too deep or too large")
    if value is None or isinstance(value, bool):
        return bool(value) if value is not None else None
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        number = float(value)
        return number if math.isfinite(number) else {"float": repr(number)}
    if isinstance(value, str):
        return str(value)
    kind = type(value).__module__.split(".")[0]
    if kind == "pandas":
        name = type(value).__name__
        if name == "DataFrame":
            split = value.to_dict(orient="split")
            return {
                "dataframe": {
                    "columns": _observe(list(split["columns"]), depth + 1, budget),
                    "index": _observe(list(split["index"]), depth + 1, budget),
                    "data": _observe([list(row) for row in split["data"]], depth + 1, budget),
                }
            }
        if name == "Series":
            return {
                "series": {
                    "index": _observe(list(value.index), depth + 1, budget),
                    "data": _observe(list(value.tolist()), depth + 1, budget),
                }
            }
    if kind == "numpy" and hasattr(value, "tolist"):
        return _observe(value.tolist(), depth + 1, budget)
    if isinstance(value, list):
        return [_observe(entry, depth + 1, budget) for entry in list(value)]
    if isinstance(value, tuple):
        return {"tuple": [_observe(entry, depth + 1, budget) for entry in tuple(value)]}
    if isinstance(value, frozenset):
        return {"frozenset": [_observe(entry, depth + 1, budget) for entry in frozenset(value)]}
    if isinstance(value, set):
        return {"set": [_observe(entry, depth + 1, budget) for entry in set(value)]}
    if isinstance(value, dict):
        return {
            "dict": [
                [_observe(key, depth + 1, budget), _observe(entry, depth + 1, budget)]
                for key, entry in dict(value).items()
            ]
        }
    return {"object": type(value).__name__[:60]}


def load_student(source: str) -> types.ModuleType:
    module = types.ModuleType("student")
    module.__file__ = STUDENT_FILE
    sys.modules["student"] = module
    exec(compile(source, STUDENT_FILE, "exec"), module.__dict__)  # noqa: S102 - this is the sandbox
    return module


def run_steps(module: types.ModuleType | None, steps: list[dict[str, str]], number: int, values: list[Any]) -> None:
    """Run a test's steps, appending each observed value to ``values`` (kept when a later step raises)."""
    namespace = dict(module.__dict__) if module else {}
    for step in steps:
        if "exec" in step:
            exec(compile(step["exec"], f"<test {number + 1}>", "exec"), namespace)  # noqa: S102
        else:
            value = eval(compile(step["eval"], f"<test {number + 1}>", "eval"), namespace)  # noqa: S307
            values.append(observe(value))


def run_tests(config: dict[str, Any]) -> None:
    nonce = str(config["nonce"])
    mode = config["mode"]
    cap = int(config.get("output_cap", 10_000))
    with open(STUDENT_FILE, encoding="utf-8") as handle:
        source = handle.read()
    captured = CappedText(cap)
    real_stdout, real_stderr = sys.stdout, sys.stderr
    sys.stdin = io.StringIO("")
    sys.stdout = sys.stderr = captured
    try:
        code = compile(source, STUDENT_FILE, "exec")
        module = load_student(source) if mode != "io" else None
    except SyntaxError as exc:
        # The compiler's words about the student's own code (a hidden test never reaches the compiler).
        emit(nonce, {"load": "syntax", "line": exc.lineno, "message": str(exc.msg)[:200]})
        return
    except BaseException as exc:  # noqa: BLE001 - whatever the student's module raises
        emit(nonce, {"load": category(exc), "exception": type(exc).__name__[:60]})
        return
    finally:
        sys.stdout, sys.stderr = real_stdout, real_stderr
    emit(nonce, {"load": "ok"})
    for number, test in enumerate(config["tests"]):
        output = CappedText(cap)
        event: dict[str, Any] = {"i": number}
        sys.stdout = sys.stderr = output
        try:
            if mode == "io":
                sys.stdin = io.StringIO(test.get("stdin", ""))
                try:
                    exec(code, {"__name__": "__main__", "__file__": STUDENT_FILE})  # noqa: S102
                except SystemExit as exc:
                    if exc.code not in (None, 0):
                        raise
                event["stdout"] = output.getvalue()
                event["cut"] = output.cut
            else:
                event["values"] = []
                run_steps(module, test["steps"], number, event["values"])
        except TooBig:
            event["error"] = "value"
        except BaseException as exc:  # noqa: BLE001 - a failing test is a result, not a crash
            event["error"] = category(exc)
            event["exception"] = type(exc).__name__[:60]
        finally:
            sys.stdout, sys.stderr = real_stdout, real_stderr
            sys.stdin = io.StringIO("")
        try:
            emit(nonce, event)
        except (TypeError, ValueError, RecursionError):
            emit(nonce, {"i": number, "error": "value"})


def main() -> None:
    config = json.loads(sys.stdin.read())
    run_tests(config)


if __name__ == "__main__":
    main()
